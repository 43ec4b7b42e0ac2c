//! What a hostile or unlucky customer sends, against `handoff dev` on the local endpoint: a long
//! history, a broken character, invisible characters in a trigger, a person asking for the
//! thread, a huge body, and a crash with a message not yet answered.

mod common;

use common::*;
use serde_json::{json, Value};

fn hand_back(user: &str, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": ts,
        "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID, "metadata": "done"}}]}]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_customer_with_a_long_history_still_reaches_a_person() {
    let dev = DevServer::start().await;
    let user = "7000000000002201";
    let t = now_ms();
    // A person is talking with the customer, who pastes eight long texts (80 KB each in UTF-8).
    dev.post_signed(&echo(
        user,
        "m_long_echo",
        "Hi, Camille here",
        263902037430900,
        t,
    ))
    .await;
    for i in 0..8 {
        let text = format!(
            "{i} {}",
            "Voici la liste 📦 de mes articles préférés. ".repeat(700)
        );
        assert!(text.chars().count() > 20_000);
        let r = dev
            .post_signed(&customer_text(
                user,
                &format!("m_long_{i}"),
                &text,
                t + 1_000 + i,
            ))
            .await;
        assert_eq!(r.status(), 200);
    }
    // The policy sees them while the person holds the conversation; then the customer is handed
    // back and asks for a person.
    settle().await;
    assert_eq!(
        dev.post_signed(&hand_back(user, t + 20_000)).await.status(),
        200
    );
    eventually("the hand-back", || async {
        dev.state(user)
            .await
            .filter(|state| s(state, "status") != "paused")
    })
    .await;
    dev.post_signed(&customer_text(
        user,
        "m_long_ask",
        "Can I talk to a real person please",
        t + 30_000,
    ))
    .await;
    let doc = handoff_for(&dev, user).await;
    assert_eq!(doc["reason"]["code"], "human_request");
    assert_eq!(doc["transcript_shortened"], 8, "{doc}");
    let last = doc["transcript"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["text"], "Can I talk to a real person please");
    let state = dev.state(user).await.unwrap();
    assert_eq!(s(&state, "status"), "paused");
    // The escalation item itself stays far inside the 400 KB limit.
    let esc = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "sk").starts_with("E#"))
        .expect("the escalation item");
    let bytes: usize = serde_json::to_string(&format!("{esc:?}")).unwrap().len();
    assert!(bytes < 200 * 1024, "escalation item ~{bytes} bytes");
    // Each stored message was cut to what a record holds.
    for item in dev.items(user).await {
        assert!(s(&item, "text").chars().count() <= 20_001);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_character_costs_only_its_own_event() {
    let dev = DevServer::start().await;
    let (cut, asker, complainer) = ("7000000000002211", "7000000000002212", "7000000000002213");
    let t = now_ms();
    // serde_json cannot write a lone surrogate: the body is written by hand, as a client sends it.
    let body = format!(
        r#"{{"object":"page","entry":[{{"id":"{PAGE}","time":{t},"messaging":[
        {{"sender":{{"id":"{cut}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{t},"message":{{"mid":"m_cut","text":"look at this \ud83d"}}}},
        {{"sender":{{"id":"{asker}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{t},"message":{{"mid":"m_ask","text":"What are your opening hours?"}}}}]}},
        {{"id":"{PAGE}","time":{t},"messaging":[
        {{"sender":{{"id":"{complainer}"}},"recipient":{{"id":"{PAGE}"}},"timestamp":{t},"message":{{"mid":"m_complain","text":"I want to file a complaint \udc00"}}}}]}},
        {{"id":"{PAGE}","messaging":"not a list"}}]}}"#
    );
    assert!(
        serde_json::from_str::<Value>(&body).is_err(),
        "the body really is broken"
    );
    assert_eq!(dev.post_signed(&body).await.status(), 200);
    eventually("the answer", || async {
        (!dev.sends_to(asker).await.is_empty()).then_some(())
    })
    .await;
    assert_eq!(
        handoff_for(&dev, complainer).await["reason"]["code"],
        "complaint"
    );
    let stored = dev
        .items(cut)
        .await
        .into_iter()
        .find(|i| s(i, "mid") == "m_cut")
        .expect("the broken message is stored too");
    assert_eq!(s(&stored, "text"), "look at this \u{FFFD}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invisible_characters_never_hide_a_trigger() {
    let dev = DevServer::start().await;
    let cases = [
        (
            "7000000000002221",
            "I want to file a com\u{AD}plaint",
            "complaint",
        ),
        (
            "7000000000002222",
            "Can I talk to a real per\u{200D}son please",
            "human_request",
        ),
        (
            "7000000000002223",
            "\u{FEFF}Can I get a re\u{200B}fund?",
            "money",
        ),
    ];
    let t = now_ms();
    for (i, (user, text, _)) in cases.iter().enumerate() {
        dev.post_signed(&customer_text(user, &format!("m_hidden_{i}"), text, t))
            .await;
    }
    for (user, text, reason) in cases {
        assert_eq!(
            handoff_for(&dev, user).await["reason"]["code"],
            reason,
            "{text:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_asking_for_the_thread_gets_it() {
    let dev = DevServer::start().await;
    let user = "7000000000002231";
    let t = now_ms();
    let request = json!({"object": "page", "entry": [{"id": PAGE, "time": t, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": t,
        "request_thread_control": {"requested_owner_app_id": 263902037430900u64, "metadata": "Camille takes over"}}]}]})
    .to_string();
    assert_eq!(dev.post_signed(&request).await.status(), 200);
    // Redelivered: still one pause and the same pass.
    assert_eq!(dev.post_signed(&request).await.status(), 200);
    let state = dev.state(user).await.expect("paused");
    assert_eq!(s(&state, "status"), "paused");
    let pass = eventually("the thread passed", || async {
        graph_calls(&dev.graph, "pass_thread_control")
            .await
            .into_iter()
            .find(|c| c.pointer("/recipient/id").and_then(Value::as_str) == Some(user))
    })
    .await;
    assert_eq!(pass["target_app_id"], "263902037430900");
    dev.post_signed(&customer_text(
        user,
        "m_after_request",
        "When are you open?",
        t + 10,
    ))
    .await;
    settle().await;
    assert!(dev.sends_to(user).await.is_empty(), "the bot stayed silent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_as_large_as_a_function_url_takes_is_read() {
    let dev = DevServer::start().await;
    let user = "7000000000002241";
    let huge = "a".repeat(3 * 1024 * 1024);
    let body = customer_text(user, "m_huge", &format!("complaint {huge}"), now_ms());
    assert_eq!(dev.post_signed(&body).await.status(), 200);
    let stored = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "mid") == "m_huge")
        .expect("stored");
    assert_eq!(s(&stored, "text").chars().count(), 20_001);
    assert_eq!(handoff_for(&dev, user).await["reason"]["code"], "complaint");
    // Forged, it is refused before anything is read into the table.
    let forged = customer_text("7000000000002242", "m_huge_forged", &huge, now_ms());
    let sig = handoff::webhook::sign(b"wrong", forged.as_bytes());
    assert_eq!(dev.post_webhook(&forged, Some(&sig)).await.status(), 401);
    assert!(dev.items("7000000000002242").await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_answers_what_was_stored_before_the_crash() {
    restart_answers_what_was_stored_meanwhile(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_without_a_saved_place_answers_what_was_stored_meanwhile_once() {
    // The place in the stream is lost (another machine, a cleaned temporary directory): the
    // stream is read from its oldest record, and what was handled before is not handled twice.
    restart_answers_what_was_stored_meanwhile(true).await;
}

async fn restart_answers_what_was_stored_meanwhile(forget_the_place: bool) {
    let mut dev = DevServer::start().await;
    let first = "7000000000002251";
    dev.post_signed(&customer_text(
        first,
        "m_before",
        "When are you open?",
        now_ms(),
    ))
    .await;
    eventually("the first answer", || async {
        (!dev.sends_to(first).await.is_empty()).then_some(())
    })
    .await;
    settle().await;
    dev.crash();
    // Stored while nothing reads the stream (ingest ran, the process died before the policy).
    let user = "7000000000002252";
    let message = handoff::message::Message {
        conversation: handoff::conversation::ConversationKey::new(
            handoff::conversation::Channel::Messenger,
            PAGE,
            user,
        ),
        timestamp_ms: now_ms(),
        mid: "m_during_crash".into(),
        role: handoff::message::Role::Customer,
        direction: handoff::message::Direction::In,
        text: Some("What are your opening hours?".into()),
        payload: None,
        attachments: vec![],
        event: None,
        standby: false,
        answer: None,
    };
    let item = handoff::adapters::dynamodb::items::MessageItem::from_message(&message);
    dev.dynamodb
        .put_item()
        .table_name(&dev.table)
        .set_item(Some(serde_dynamo::to_item(&item).unwrap()))
        .send()
        .await
        .unwrap();
    if forget_the_place {
        let place = dev
            .env
            .iter()
            .find(|(k, _)| k == "HANDOFF_DEV_CHECKPOINT")
            .map(|(_, v)| v.clone())
            .unwrap();
        std::fs::remove_file(&place).expect("the place was saved");
    }
    dev.restart().await;
    eventually("the answer after the restart", || async {
        (!dev.sends_to(user).await.is_empty()).then_some(())
    })
    .await;
    settle().await;
    assert_eq!(dev.sends_to(first).await.len(), 1, "nothing answered twice");
    assert_eq!(dev.sends_to(user).await.len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_graph_api_sends_once_and_holds_no_other_customer() {
    use wiremock::matchers::{body_partial_json, method, path_regex};
    use wiremock::{Mock, ResponseTemplate};
    let dev = DevServer::start().await;
    let (slow, other) = ("7000000000002261", "7000000000002262");
    // Meta takes the slow customer's reply but answers after the client gave up on it.
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .and(body_partial_json(
            json!({"recipient": {"id": slow}, "messaging_type": "RESPONSE"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(7))
                .set_body_json(json!({"recipient_id": slow, "message_id": "m_late"})),
        )
        .with_priority(1)
        .mount(&dev.graph)
        .await;
    let t = now_ms();
    let body = json!({"object": "page", "entry": [{"id": PAGE, "time": t, "messaging": [
        {"sender": {"id": slow}, "recipient": {"id": PAGE}, "timestamp": t,
         "message": {"mid": "m_slow", "text": "What are your opening hours?"}},
        {"sender": {"id": other}, "recipient": {"id": PAGE}, "timestamp": t + 1,
         "message": {"mid": "m_other", "text": "What are your opening hours?"}}]}]})
    .to_string();
    assert_eq!(dev.post_signed(&body).await.status(), 200);
    // The other customer is answered while the slow send is still waiting on Meta.
    eventually("the other customer's answer", || async {
        (!dev.sends_to(other).await.is_empty()).then_some(())
    })
    .await;
    assert!(
        dev.team.delivered().await.is_empty(),
        "answered before the slow send gave up"
    );
    // The slow send is not known to have failed: never sent again, a person checks.
    let doc = handoff_for(&dev, slow).await;
    assert!(
        doc["reason"]["detail"]
            .as_str()
            .unwrap()
            .contains("did not confirm"),
        "{doc}"
    );
    settle().await;
    let answers = sends_keyed(&dev, slow, "reply-").await;
    assert_eq!(answers.len(), 1, "the answer went out once: {answers:?}");
    let notices = sends_keyed(&dev, slow, "handoff-").await;
    assert_eq!(notices.len(), 1, "the customer was told once: {notices:?}");
    assert_eq!(s(&dev.state(slow).await.unwrap(), "status"), "paused");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_answer_meta_confirms_late_is_not_followed_by_a_handoff() {
    use wiremock::matchers::{body_partial_json, method, path_regex};
    use wiremock::{Mock, ResponseTemplate};
    let dev = DevServer::start().await;
    let user = "7000000000002271";
    // Meta takes the answer but answers the send after the client gave up on it (5 s); its echo
    // of the message comes a second later.
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .and(body_partial_json(
            json!({"recipient": {"id": user}, "messaging_type": "RESPONSE"}),
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(std::time::Duration::from_secs(7))
                .set_body_json(json!({"recipient_id": user, "message_id": "m_meta_late"})),
        )
        .with_priority(1)
        .mount(&dev.graph)
        .await;
    dev.post_signed(&customer_text(
        user,
        "m_late_echo",
        "What are your opening hours?",
        now_ms(),
    ))
    .await;
    eventually("the send under way", || async {
        (!sends_keyed(&dev, user, "reply-").await.is_empty()).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(6_000)).await;
    let t = now_ms();
    let echo = json!({"object": "page", "entry": [{"id": PAGE, "time": t, "messaging": [{
        "sender": {"id": PAGE}, "recipient": {"id": user}, "timestamp": t,
        "message": {"mid": "m_meta_late", "is_echo": true, "app_id": APP_ID.parse::<u64>().unwrap(),
                    "metadata": "handoff:reply-m_late_echo", "text": "Tuesday to Saturday"}}]}]})
    .to_string();
    assert_eq!(dev.post_signed(&echo).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    assert!(
        !dev.team
            .delivered()
            .await
            .iter()
            .any(|d| d.pointer("/conversation/user_id").and_then(Value::as_str) == Some(user)),
        "no handoff: Meta confirmed the answer"
    );
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "active");
    assert_eq!(
        sends_keyed(&dev, user, "reply-").await.len(),
        1,
        "sent once"
    );
    assert!(
        sends_keyed(&dev, user, "handoff-").await.is_empty(),
        "the customer is not told a person comes"
    );
}
