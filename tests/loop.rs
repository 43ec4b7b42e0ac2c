//! The whole loop over HTTP against `handoff dev`: answer, escalate, stay silent, resume, answer.

mod common;

use common::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn a_conversation_goes_all_the_way_round() {
    let dev = DevServer::start().await;
    let user = "7000000000000001";
    let t0 = now_ms();

    // 1. A FAQ question is answered: exactly one send, as a RESPONSE to this customer.
    let resp = dev
        .post_signed(&customer_text(
            user,
            "m_loop_1",
            "What are your opening hours?",
            t0,
        ))
        .await;
    assert_eq!(resp.status(), 200);
    let sends = eventually("the answer", || async {
        let s = dev.sends_to(user).await;
        (!s.is_empty()).then_some(s)
    })
    .await;
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0]["messaging_type"], "RESPONSE");
    assert!(sends[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("Tuesday to Friday"));
    assert!(sends[0]["message"]["metadata"]
        .as_str()
        .unwrap()
        .starts_with("handoff:"));

    // 2. A complaint: paused, escalation stored, the customer told, the thread passed to the inbox.
    dev.post_signed(&customer_text(
        user,
        "m_loop_2",
        "I want to file a complaint, my vase arrived broken",
        t0 + 1000,
    ))
    .await;
    let state = eventually("the pause", || async {
        dev.state(user)
            .await
            .filter(|st| s(st, "status") == "paused")
    })
    .await;
    let escalation_id = s(&state, "escalation_id");
    assert!(!escalation_id.is_empty());
    let items = dev.items(user).await;
    let esc = items
        .iter()
        .find(|i| s(i, "sk") == format!("E#{escalation_id}"))
        .expect("escalation item");
    assert_eq!(s(esc, "reason"), "complaint");
    eventually("the handoff notice", || async {
        (dev.sends_to(user).await.len() == 2).then_some(())
    })
    .await;
    let notice = &dev.sends_to(user).await[1];
    assert!(notice["message"]["text"]
        .as_str()
        .unwrap()
        .contains("person"));
    let passes = eventually("pass_thread_control", || async {
        let p = graph_calls(&dev.graph, "pass_thread_control").await;
        (!p.is_empty()).then_some(p)
    })
    .await;
    assert_eq!(passes.len(), 1);
    assert_eq!(passes[0]["target_app_id"], "263902037430900");
    assert_eq!(passes[0]["recipient"]["id"], user);

    // Exactly one SNS message, read back through the subscribed SQS queue.
    let delivered = eventually("the SNS message in SQS", || async {
        let r = dev.team.received().await;
        (!r.is_empty()).then_some(r)
    })
    .await;
    let doc: Value = serde_json::from_str(&delivered[0]).unwrap();
    assert_eq!(doc["type"], "handoff.escalation");
    assert_eq!(doc["escalation_id"], escalation_id.as_str());
    assert_eq!(doc["reason"]["code"], "complaint");
    let published = dev.team.published().await;
    assert_eq!(published.len(), 1, "{published:?}");
    let email = published[0]["body"]["email"].as_str().unwrap();
    for needle in [
        "Why:     complaint",
        "Intent:",
        "answered with \"opening-hours\"",
        "NEXT STEP: Apologise",
        "I want to file a complaint",
    ] {
        assert!(email.contains(needle), "email lacks {needle:?}:\n{email}");
    }
    assert_eq!(published[0]["attributes"]["reason"]["Value"], "complaint");
    assert_eq!(published[0]["attributes"]["channel"]["Value"], "messenger");
    let subject = published[0]["subject"].as_str().unwrap();
    assert!(subject.is_ascii() && subject.len() < 100);
    let link = email
        .lines()
        .find(|l| l.starts_with(&format!("{}/resume/", dev.base)))
        .expect("resume link")
        .to_string();

    // 3. Another message while paused: stored, but the bot says nothing.
    dev.post_signed(&customer_text(
        user,
        "m_loop_3",
        "Hello? What are your opening hours?",
        t0 + 2000,
    ))
    .await;
    eventually("the paused message stored", || async {
        dev.items(user)
            .await
            .iter()
            .any(|i| s(i, "mid") == "m_loop_3")
            .then_some(())
    })
    .await;
    settle().await;
    assert_eq!(
        dev.sends_to(user).await.len(),
        2,
        "the bot spoke to a paused customer"
    );

    // 4. GET and HEAD on the link change nothing.
    let page = dev.http().get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["cache-control"], "no-store");
    let html = page.text().await.unwrap();
    assert!(html.contains("Hand the customer back to the bot"));
    assert!(html.contains("I want to file a complaint"));
    let head = dev.http().head(&link).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "paused");

    // 5. POST resumes, once.
    let done = dev
        .http()
        .post(&link)
        .form(&[("outcome", "needed_person"), ("note", "replacement sent")])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(done
        .text()
        .await
        .unwrap()
        .contains("Handed back to the bot"));
    let state = dev.state(user).await.unwrap();
    assert_eq!(s(&state, "status"), "active");
    let esc = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "sk") == format!("E#{escalation_id}"))
        .unwrap();
    assert_eq!(s(&esc, "outcome"), "needed_person");
    assert_eq!(s(&esc, "resumed_by"), "link");
    assert!(!s(&esc, "resumed_at").is_empty());
    assert_eq!(
        graph_calls(&dev.graph, "take_thread_control").await.len(),
        1
    );
    let again = dev
        .http()
        .post(&link)
        .form(&[("outcome", "")])
        .send()
        .await
        .unwrap();
    assert!(again.text().await.unwrap().contains("already handed back"));

    // 6. The bot answers again.
    dev.post_signed(&customer_text(
        user,
        "m_loop_4",
        "How long does delivery take?",
        t0 + 3000,
    ))
    .await;
    let sends = eventually("the answer after resume", || async {
        let s = dev.sends_to(user).await;
        (s.len() == 4).then_some(s)
    })
    .await;
    assert!(sends[2]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("automated assistant"));
    assert!(sends[3]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("2–4 days"));
    settle().await;
    assert_eq!(
        dev.team.received().await.len(),
        0,
        "a second SNS message arrived"
    );
    assert_eq!(dev.sends_to(user).await.len(), 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proposal_waits_for_the_customer_yes_or_no() {
    let dev = DevServer::start().await;
    let t0 = now_ms();

    // Yes: the proposal goes out with three quick replies and waits in STATE; yes sends the result.
    let user = "7000000000000201";
    dev.post_signed(&customer_text(
        user,
        "m_gift_1",
        "Can you gift wrap it?",
        t0,
    ))
    .await;
    let sends = eventually("the proposal", || async {
        let s = dev.sends_to(user).await;
        (!s.is_empty()).then_some(s)
    })
    .await;
    let buttons = sends[0]["message"]["quick_replies"].as_array().unwrap();
    let payloads: Vec<&str> = buttons
        .iter()
        .map(|b| b["payload"].as_str().unwrap())
        .collect();
    assert_eq!(
        payloads,
        ["HANDOFF_CONFIRM_YES", "HANDOFF_CONFIRM_NO", "HANDOFF_HUMAN"]
    );
    assert_eq!(buttons[0]["title"], "Yes please");
    let state = dev.state(user).await.unwrap();
    let pending = state["pending_confirmation"].as_m().unwrap();
    assert_eq!(pending["entry"].as_s().unwrap(), "rule:gift_wrap");
    dev.post_signed(&quick_reply(
        user,
        "m_gift_2",
        "Yes please",
        "HANDOFF_CONFIRM_YES",
        t0 + 1000,
    ))
    .await;
    let sends = eventually("the confirmed answer", || async {
        let s = dev.sends_to(user).await;
        (s.len() == 2).then_some(s)
    })
    .await;
    assert!(sends[1]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("gift wrapping"));
    assert!(!dev
        .state(user)
        .await
        .unwrap()
        .contains_key("pending_confirmation"));

    // No: the customer is handed to a person with confirm_declined.
    let other = "7000000000000202";
    dev.post_signed(&customer_text(
        other,
        "m_news_1",
        "Do you have a newsletter?",
        t0,
    ))
    .await;
    eventually("the newsletter proposal", || async {
        (!dev.sends_to(other).await.is_empty()).then_some(())
    })
    .await;
    dev.post_signed(&quick_reply(
        other,
        "m_news_2",
        "No",
        "HANDOFF_CONFIRM_NO",
        t0 + 1000,
    ))
    .await;
    let state = eventually("the pause", || async {
        dev.state(other)
            .await
            .filter(|st| s(st, "status") == "paused")
    })
    .await;
    let esc = dev
        .items(other)
        .await
        .into_iter()
        .find(|i| s(i, "sk") == format!("E#{}", s(&state, "escalation_id")))
        .unwrap();
    assert_eq!(s(&esc, "reason"), "confirm_declined");
    let tried = esc["summary"].as_m().unwrap()["tried"].as_l().unwrap();
    assert!(
        tried[0]
            .as_s()
            .unwrap()
            .contains("proposed \"newsletter-signup\""),
        "{tried:?}"
    );
}
