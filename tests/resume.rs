//! The resume link and page: a real headless browser (Debian's chromium through chromedriver)
//! clicks the button; forged, tampered, expired, replayed and cross-site requests change nothing.

mod common;

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;
use common::*;
use fantoccini::Locator;
use handoff::conversation::{Channel, ConversationKey};
use handoff::resume::{LinkKeys, ResumeToken};
use serde_json::json;

/// Escalates `user` with `text` and returns the resume link the team received.
async fn escalate(dev: &DevServer, user: &str, mid: &str, text: &str) -> String {
    let before = dev.team.delivered().await.len();
    dev.post_signed(&customer_text(user, mid, text, now_ms()))
        .await;
    eventually("the handoff", || async {
        let docs = dev.team.delivered().await;
        (docs.len() > before).then(|| {
            docs.last().unwrap()["resume_url"]
                .as_str()
                .unwrap()
                .to_string()
        })
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_hands_the_customer_back_in_a_real_browser() {
    assert!(
        std::path::Path::new(&chromedriver_path()).exists(),
        "chromedriver not found at {}: scripts/test installs Debian's chromium and chromium-driver",
        chromedriver_path()
    );
    let dev = DevServer::start().await;
    let user = "7000000000000501";
    let link = escalate(
        &dev,
        user,
        "m_browser_1",
        "<script>alert('pwned')</script> This is unacceptable, the lid is chipped",
    )
    .await;

    let (_driver, c) = browser().await;

    c.goto(&link).await.unwrap();
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "Hand the customer back to the bot?");
    let transcript = c
        .find(Locator::Css("ol"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        transcript.contains("<script>alert('pwned')</script>"),
        "customer text shown as text: {transcript}"
    );
    let source = c.source().await.unwrap();
    assert!(
        !source.contains("<script>alert"),
        "customer text must be escaped in the HTML"
    );
    assert!(source.contains("&lt;script&gt;"));
    assert_eq!(
        s(&dev.state(user).await.unwrap(), "status"),
        "paused",
        "opening the page changes nothing"
    );

    c.find(Locator::Css("input[value=bot_could_handle]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // "With which answer?": typed into the suggestion box (the browser offers every entry).
    c.find(Locator::Css("input[name=entry_other]"))
        .await
        .unwrap()
        .send_keys("returns-policy")
        .await
        .unwrap();
    c.find(Locator::Css("textarea[name=note]"))
        .await
        .unwrap()
        .send_keys("Answer: lids are covered by the 30-day return policy.")
        .await
        .unwrap();
    std::fs::create_dir_all(repo_path("artifacts")).unwrap();
    std::fs::write(
        repo_path("artifacts/resume-page.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let done = eventually("the success page", || async {
        let h = c.find(Locator::Css("h1")).await.ok()?.text().await.ok()?;
        (h == "Handed back to the bot").then_some(h)
    })
    .await;
    assert_eq!(done, "Handed back to the bot");
    std::fs::write(
        repo_path("artifacts/resume-done.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.close().await.unwrap();

    let state = dev.state(user).await.unwrap();
    assert_eq!(s(&state, "status"), "active");
    let esc = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "sk").starts_with("E#"))
        .unwrap();
    assert_eq!(s(&esc, "outcome"), "bot_could_handle");
    assert_eq!(s(&esc, "answer_entry"), "returns-policy");
    assert_eq!(
        s(&esc, "note"),
        "Answer: lids are covered by the 30-day return policy."
    );
    assert_eq!(s(&esc, "resumed_by"), "link");
    // The customer hears that the assistant is back (the policy's on_resume message).
    let last = dev.sends_to(user).await.last().unwrap().clone();
    assert!(last["message"]["text"]
        .as_str()
        .unwrap()
        .contains("automated assistant"));
}

fn token(
    conv: &ConversationKey,
    escalation_id: &str,
    keys: &str,
    expires_in: chrono::Duration,
) -> String {
    ResumeToken {
        escalation_id: escalation_id.into(),
        conversation: conv.clone(),
        expires_at: Utc::now() + expires_in,
    }
    .sign(&LinkKeys::parse(keys).unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn attacks_on_the_link_change_nothing() {
    let dev = DevServer::start().await;
    let user = "7000000000000502";
    let link = escalate(&dev, user, "m_attack_1", "I want a refund").await;
    let base = format!("{}/resume/", dev.base);
    let good = link.trim_start_matches(&base).to_string();
    let state = dev.state(user).await.unwrap();
    let escalation_id = s(&state, "escalation_id");
    let conv = ConversationKey::new(Channel::Messenger, PAGE, user);
    let http = dev.http();
    let post = |t: String| {
        let url = format!("{base}{t}");
        async move {
            http.post(url)
                .form(&[("outcome", "needed_person")])
                .send()
                .await
                .unwrap()
        }
    };

    // Tampered payload (another customer), tampered signature, unknown key id, expired: 403.
    let parts: Vec<&str> = good.split('.').collect();
    let other = token(
        &ConversationKey::new(Channel::Messenger, PAGE, "999"),
        &escalation_id,
        LINK_KEYS,
        chrono::Duration::days(1),
    );
    let swapped = format!(
        "{}.{}.{}.{}",
        parts[0],
        parts[1],
        other.split('.').nth(2).unwrap(),
        parts[3]
    );
    let mut bad_sig = good.clone();
    let last = bad_sig.pop().unwrap();
    bad_sig.push(if last == 'A' { 'B' } else { 'A' });
    let unknown_kid = token(
        &conv,
        &escalation_id,
        "zz:c29tZS1vdGhlci1rZXktb2YtMzItYnl0ZXMtbG9uZyEh",
        chrono::Duration::days(1),
    );
    let expired = token(
        &conv,
        &escalation_id,
        LINK_KEYS,
        chrono::Duration::seconds(-10),
    );
    for (what, t) in [
        ("tampered payload", swapped),
        ("tampered signature", bad_sig),
        ("unknown key", unknown_kid),
        ("expired", expired.clone()),
    ] {
        let resp = post(t.clone()).await;
        assert_eq!(resp.status(), 403, "{what}");
        let get = http.get(format!("{base}{t}")).send().await.unwrap();
        assert_eq!(get.status(), 403, "{what} GET");
    }
    let page = http
        .get(format!("{base}{expired}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("expired") && page.contains("inbox"),
        "the expired page says how to resume otherwise"
    );
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "paused");

    // A cross-site POST is refused.
    let cross = http
        .post(format!("{base}{good}"))
        .header("origin", "https://evil.example")
        .header("sec-fetch-site", "cross-site")
        .form(&[("outcome", "spam")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), 403);
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "paused");

    // The real POST resumes; a replay says already resumed and changes nothing.
    assert_eq!(post(good.clone()).await.status(), 200);
    let replay = post(good.clone()).await;
    assert_eq!(replay.status(), 200);
    assert!(replay.text().await.unwrap().contains("already handed back"));

    // The customer is escalated again: the first link now belongs to an older escalation.
    let newer = escalate(&dev, user, "m_attack_2", "I want to talk to a person").await;
    assert_ne!(newer.trim_start_matches(&base), good);
    let old_id = escalation_id.clone();
    let new_id = s(&dev.state(user).await.unwrap(), "escalation_id");
    assert_ne!(old_id, new_id);
    let stale = token(&conv, &old_id, LINK_KEYS, chrono::Duration::days(1));
    let resp = post(stale).await;
    assert_eq!(resp.status(), 200, "the old escalation was already resumed");
    let unknown = token(
        &conv,
        "1795600000000-00000000",
        LINK_KEYS,
        chrono::Duration::days(1),
    );
    assert_eq!(post(unknown).await.status(), 404);
    assert_eq!(s(&dev.state(user).await.unwrap(), "escalation_id"), new_id);

    // No token, whole or in part, in the server's logs.
    let logs = std::fs::read_to_string(&dev.log).unwrap();
    let signature_part = good.rsplit('.').next().unwrap();
    assert!(
        !logs.contains(signature_part),
        "a token leaked into the logs"
    );
    assert!(
        logs.contains("resume link refused"),
        "refusals are logged (by fingerprint)"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_link_for_an_earlier_escalation_is_refused_while_a_newer_one_holds() {
    let dev = DevServer::start().await;
    let user = "7000000000000503";
    let first = escalate(&dev, user, "m_old_1", "I want a refund").await;
    let first_id = s(&dev.state(user).await.unwrap(), "escalation_id");
    // The first pause runs out before anyone resumes it, and the customer is escalated again.
    dev.dynamodb
        .update_item()
        .table_name(&dev.table)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("C#messenger#{PAGE}#{user}")),
        )
        .key(
            "sk",
            aws_sdk_dynamodb::types::AttributeValue::S("STATE".into()),
        )
        .update_expression("SET paused_until = :past")
        .expression_attribute_values(
            ":past",
            aws_sdk_dynamodb::types::AttributeValue::S("2020-01-01T00:00:00Z".into()),
        )
        .send()
        .await
        .unwrap();
    let second = escalate(&dev, user, "m_old_2", "this is unacceptable").await;
    let second_id = s(&dev.state(user).await.unwrap(), "escalation_id");
    assert_ne!(first_id, second_id);

    let resp = dev
        .http()
        .post(&first)
        .form(&[("outcome", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert!(resp.text().await.unwrap().contains("earlier escalation"));
    let state = dev.state(user).await.unwrap();
    assert_eq!(s(&state, "status"), "paused");
    assert_eq!(
        s(&state, "escalation_id"),
        second_id,
        "the newer escalation still holds"
    );

    // The inbox hands the customer back; the newer link then says how it was resumed.
    let back = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": now_ms(),
        "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID}}]}]});
    dev.post_signed(&back.to_string()).await;
    let resp = dev
        .http()
        .post(&second)
        .form(&[("outcome", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("handed back in the inbox"));
}

#[tokio::test(flavor = "multi_thread")]
async fn operators_sign_verify_and_resume_from_the_command_line() {
    let dev = DevServer::start().await;
    let user = "7000000000000504";
    let link = escalate(&dev, user, "m_cli_1", "I want a refund").await;
    let env = base_env(&dev.table, &dev.team.topic_arn, &dev.graph.uri(), &dev.base);
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(args)
            .envs(&env)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = run(&["link", "verify", &link]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("valid: resumes escalation "), "{out}");
    assert!(out.contains(&format!("messenger/{PAGE}/{user}")), "{out}");
    let (code, _, err) = run(&["link", "verify", &format!("{link}x")]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not valid"), "{err}");
    let (code, out, err) = run(&["link", "sign", "--page", PAGE, "--user", user]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.trim()
            .starts_with(&format!("{}/resume/v1.t1.", dev.base)),
        "{out}"
    );
    let (code, out, err) = run(&[
        "resume",
        "--page",
        PAGE,
        "--user",
        user,
        "--outcome",
        "needed_person",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("resumed:"), "{out}");
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "active");
    let esc = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "sk").starts_with("E#"))
        .unwrap();
    assert_eq!(s(&esc, "resumed_by"), "cli");
    let (code, _, err) = run(&["resume", "--page", PAGE, "--user", user]);
    assert_eq!(code, Some(1));
    assert!(err.contains("not paused"), "{err}");

    // A person replied in the inbox (no escalation): the operator's command ends that pause too.
    dev.post_signed(&echo(
        user,
        "m_cli_h",
        "Camille here",
        263902037430900,
        now_ms(),
    ))
    .await;
    eventually("the pause", || async {
        (s(&dev.state(user).await?, "status") == "paused").then_some(())
    })
    .await;
    let (code, out, err) = run(&["resume", "--page", PAGE, "--user", user]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("paused by a person's reply in the inbox"),
        "{out}"
    );
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "active");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_form_records_which_entry_could_have_answered_and_whether_earlier_answers_were_right() {
    let dev = DevServer::start().await;
    let http = dev.http();
    let esc_item = |items: Vec<HashMap<String, AttributeValue>>| {
        items
            .into_iter()
            .filter(|i| s(i, "sk").starts_with("E#"))
            .last()
            .unwrap()
    };

    // A question the engine was unsure of: the page offers its best entries and all the others.
    let user = "7000000000000503";
    let link = escalate(
        &dev,
        user,
        "m_form_1",
        "how much does it cost to ship a mug to Bruxelles",
    )
    .await;
    let page = http.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(
        page.contains("name=\"entry\" value=\""),
        "candidates offered: {page}"
    );
    assert!(
        page.contains("<datalist id=\"entries\">")
            && page.contains("<option value=\"opening-hours\">")
    );
    assert!(
        !page.contains("Were its answers right?"),
        "the bot answered nothing before"
    );

    // Wrong forms get a page that says what to fix, and change nothing.
    let resp = http
        .post(&link)
        .form(&[
            ("outcome", "bot_could_handle"),
            ("entry_other", "gift-cards"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(resp
        .text()
        .await
        .unwrap()
        .contains("is not an entry of the knowledge file"));
    let resp = http
        .post(&link)
        .form(&[("outcome", "spam"), ("entry", "shipping-countries")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "paused");

    // An entry alone means "the bot could have handled it", with that entry.
    let resp = http
        .post(&link)
        .form(&[("entry", ""), ("entry_other", "shipping-countries")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let esc = esc_item(dev.items(user).await);
    assert_eq!(s(&esc, "outcome"), "bot_could_handle");
    assert_eq!(s(&esc, "answer_entry"), "shipping-countries");

    // After the bot answered, the page asks whether it was right, and the verdict is kept.
    let user = "7000000000000504";
    dev.post_signed(&customer_text(
        user,
        "m_form_2",
        "How long does shipping take?",
        now_ms(),
    ))
    .await;
    eventually("the bot's answer", || async {
        (!dev.sends_to(user).await.is_empty()).then_some(())
    })
    .await;
    let link = escalate(&dev, user, "m_form_3", "I want to talk to a person").await;
    let page = http.get(&link).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("Were its answers right?"), "{page}");
    let resp = http
        .post(&link)
        .form(&[("outcome", "needed_person"), ("earlier_answers", "wrong")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let esc = esc_item(dev.items(user).await);
    assert_eq!(s(&esc, "earlier_answers"), "wrong");
    assert!(!esc.contains_key("answer_entry"));
}
