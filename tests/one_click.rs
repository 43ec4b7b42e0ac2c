//! One click instead of a reply, end to end against the local endpoint and a Graph stub, in a real
//! headless browser at phone width: an unsure question escalates with the bot's best answer on the
//! email, the chat card and the JSON; "Send this answer" delivers it once, hands the customer back
//! and records the verdict, which the weekly review proposes; another answer is picked from the
//! page; every refusal says why; an entry the team approves is never sent alone.

mod common;

use common::*;
use fantoccini::Locator;
use serde_json::Value;

const UNSURE: &str = "How many days until my parcel arrives?";

/// Escalates `user` with `text` and returns the handoff document the team received.
async fn escalate(dev: &DevServer, user: &str, mid: &str, text: &str, ts: i64) -> Value {
    dev.post_signed(&customer_text(user, mid, text, ts)).await;
    eventually("the handoff", || async {
        dev.team
            .delivered()
            .await
            .into_iter()
            .find(|d| d["conversation"]["user_id"] == user && d["type"] == "handoff.escalation")
    })
    .await
}

fn url(doc: &Value, key: &str) -> String {
    doc["suggestion"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no suggestion.{key} in {doc}"))
        .to_string()
}

/// The texts the Graph stub received for `user`.
async fn texts_to(dev: &DevServer, user: &str) -> Vec<String> {
    dev.sends_to(user)
        .await
        .iter()
        .filter_map(|b| b.pointer("/message/text").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

async fn post_form(dev: &DevServer, link: &str, form: &[(&str, &str)]) -> (u16, String) {
    let r = dev.http().post(link).form(form).send().await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The page's heading; `None` while the browser is between pages (after a submit the old
/// element goes stale).
async fn h1(c: &fantoccini::Client) -> Option<String> {
    c.find(Locator::Css("h1")).await.ok()?.text().await.ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_answers_an_unsure_question_with_one_click() {
    let dev = DevServer::start().await;
    let user = "7300000000000001";
    let doc = escalate(&dev, user, "m_oc_1", UNSURE, now_ms()).await;
    assert_eq!(doc["reason"]["code"], "low_confidence");
    assert_eq!(doc["suggestion"]["entry"], "shipping-time");
    assert!(doc["suggestion"]["chance"].as_f64().unwrap() >= 0.5);
    let send = url(&doc, "send_url");
    let choose = url(&doc, "choose_url");
    assert!(
        send.starts_with(&format!("{}/answer/a1.", dev.base)),
        "{send}"
    );
    let email = dev
        .team
        .published()
        .await
        .into_iter()
        .find(|p| {
            p["body"]["email"]
                .as_str()
                .is_some_and(|e| e.contains(&send))
        })
        .expect("the email carries the send link");
    let email = email["body"]["email"].as_str().unwrap().to_string();
    assert!(email.contains("SUGGESTED ANSWER"), "{email}");
    assert!(email.find(&send).unwrap() < email.find("NEXT STEP").unwrap());
    let told = texts_to(&dev, user).await;

    // The page, in a real browser at phone width: the question, the answer, three actions.
    let (_driver, c) = browser().await;
    c.goto(&send).await.unwrap();
    assert_eq!(h1(&c).await.as_deref(), Some("Answer with one click"));
    let answer = c
        .find(Locator::Id("answer"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        answer.starts_with("Orders ship within 2 working days"),
        "{answer}"
    );
    let question = c
        .find(Locator::Id("question"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(question, UNSURE);
    assert!(c.find(Locator::Id("send-another")).await.is_ok());
    assert!(c.find(Locator::Id("reply-myself")).await.is_ok());
    std::fs::create_dir_all(repo_path("artifacts")).unwrap();
    std::fs::write(
        repo_path("artifacts/one-click-page.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    settle().await;
    assert_eq!(
        s(&dev.state(user).await.unwrap(), "status"),
        "paused",
        "GET changes nothing"
    );
    assert_eq!(texts_to(&dev, user).await, told, "GET sends nothing");

    c.find(Locator::Css("#suggestion input[name=by]"))
        .await
        .unwrap()
        .send_keys("Léa")
        .await
        .unwrap();
    c.find(Locator::Id("send"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("the result page", || async {
        (h1(&c).await.as_deref() == Some("Answer sent")).then_some(())
    })
    .await;
    std::fs::write(
        repo_path("artifacts/one-click-sent.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    let after = texts_to(&dev, user).await;
    assert_eq!(after.len(), told.len() + 1, "{after:?}");
    assert!(after
        .last()
        .unwrap()
        .starts_with("Orders ship within 2 working days"));
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "active");
    let esc = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "sk").starts_with("E#"))
        .unwrap();
    assert_eq!(s(&esc, "outcome"), "bot_could_handle");
    assert_eq!(s(&esc, "answer_entry"), "shipping-time");
    assert_eq!(s(&esc, "labelled_by"), "Léa");
    assert!(esc.contains_key("one_click"));
    // The graph stub saw the thread taken back before the answer.
    assert!(!graph_calls(&dev.graph, "take_thread_control")
        .await
        .is_empty());

    // A second click, a colleague, a browser retry: one message all the same.
    let (status, page) = post_form(&dev, &send, &[("entry", "shipping-time")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Already answered"), "{page}");
    assert_eq!(texts_to(&dev, user).await.len(), told.len() + 1);

    // The weekly review proposes the verdict as a question of shipping-time.
    let (_, page) = dev.weekly_review().await;
    assert!(
        page.contains(UNSURE.trim_end_matches('?')) && page.contains("shipping-time"),
        "{page}"
    );

    // Another answer, picked from the list on the page.
    let user = "7300000000000002";
    let doc = escalate(&dev, user, "m_oc_2", UNSURE, now_ms()).await;
    c.goto(&url(&doc, "choose_url")).await.unwrap();
    assert!(c.find(Locator::Css("details#another[open]")).await.is_ok());
    c.find(Locator::Css("#another input[value=order-tracking]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    std::fs::write(
        repo_path("artifacts/one-click-another.png"),
        c.screenshot().await.unwrap(),
    )
    .unwrap();
    c.find(Locator::Id("send-another"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("the result page", || async {
        (h1(&c).await.as_deref() == Some("Answer sent")).then_some(())
    })
    .await;
    assert!(texts_to(&dev, user)
        .await
        .last()
        .unwrap()
        .starts_with("Your tracking link"));
    let esc = dev
        .items(user)
        .await
        .into_iter()
        .find(|i| s(i, "sk").starts_with("E#"))
        .unwrap();
    assert_eq!(s(&esc, "answer_entry"), "order-tracking");
    let _ = choose;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_click_refuses_and_says_why() {
    let dev = DevServer::start().await;

    // Two clicks at once: one message.
    let user = "7300000000000011";
    let doc = escalate(&dev, user, "m_oc_11", UNSURE, now_ms()).await;
    let send = url(&doc, "send_url");
    let before = texts_to(&dev, user).await.len();
    let (a, b) = tokio::join!(
        post_form(&dev, &send, &[("entry", "shipping-time")]),
        post_form(&dev, &send, &[("entry", "shipping-time")])
    );
    let pages = [a.1, b.1];
    assert_eq!(
        pages.iter().filter(|p| p.contains("Answer sent")).count(),
        1,
        "{pages:?}"
    );
    assert_eq!(texts_to(&dev, user).await.len(), before + 1);

    // The customer wrote again: the page shows the new message and offers a fresh choice.
    let user = "7300000000000012";
    let doc = escalate(&dev, user, "m_oc_12", UNSURE, now_ms()).await;
    let send = url(&doc, "send_url");
    dev.post_signed(&customer_text(
        user,
        "m_oc_12b",
        "it's a gift, can you wrap it?",
        now_ms(),
    ))
    .await;
    settle().await;
    let before = texts_to(&dev, user).await.len();
    let (status, page) = post_form(&dev, &send, &[("entry", "shipping-time")]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("the customer wrote again"), "{page}");
    assert!(
        page.contains("it&#x27;s a gift, can you wrap it?") || page.contains("it's a gift"),
        "{page}"
    );
    let seen = page
        .split("name=\"seen\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("the fresh choice carries what the page showed")
        .to_string();
    assert_eq!(texts_to(&dev, user).await.len(), before, "nothing sent");
    let (status, page) =
        post_form(&dev, &send, &[("entry", "shipping-time"), ("seen", &seen)]).await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Answer sent"));

    // A person replied in the inbox.
    let user = "7300000000000013";
    let doc = escalate(&dev, user, "m_oc_13", UNSURE, now_ms()).await;
    let send = url(&doc, "send_url");
    dev.post_signed(&echo(
        user,
        "m_oc_13_human",
        "It left this morning!",
        263902037430900,
        now_ms(),
    ))
    .await;
    eventually("the person's reply stored", || async {
        dev.items(user)
            .await
            .iter()
            .any(|i| s(i, "role") == "human")
            .then_some(())
    })
    .await;
    let (status, page) = post_form(&dev, &send, &[("entry", "shipping-time")]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("A person already replied"), "{page}");

    // Meta's window closed: the customer's message is 25 hours old.
    let user = "7300000000000014";
    let old = now_ms() - 25 * 3600 * 1000;
    let doc = escalate(&dev, user, "m_oc_14", UNSURE, old).await;
    let (status, page) =
        post_form(&dev, &url(&doc, "send_url"), &[("entry", "shipping-time")]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("human-agent tag"), "{page}");

    // Forged, tampered, a resume link on the answer route, and the reverse: refused, nothing done.
    let user = "7300000000000015";
    let doc = escalate(&dev, user, "m_oc_15", UNSURE, now_ms()).await;
    let send = url(&doc, "send_url");
    let resume = doc["resume_url"].as_str().unwrap().to_string();
    let token = send.rsplit('/').next().unwrap();
    let mut tampered = token.to_string();
    let last = tampered.pop().unwrap();
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    let resume_token = resume.rsplit('/').next().unwrap();
    for (link, what) in [
        (format!("{}/answer/{tampered}", dev.base), "tampered"),
        (
            format!("{}/answer/{resume_token}", dev.base),
            "a resume link",
        ),
        (
            format!("{}/resume/{token}", dev.base),
            "an answer link on /resume",
        ),
        (format!("{}/answer/garbage", dev.base), "garbage"),
    ] {
        let (status, page) = post_form(&dev, &link, &[("entry", "shipping-time")]).await;
        assert_eq!(status, 403, "{what}: {page}");
    }
    // An answer link past its expiry (signed with the deployment's keys, an hour ago).
    let escalation_id = doc["escalation_id"].as_str().unwrap();
    let expired = handoff::resume::ResumeToken {
        escalation_id: escalation_id.into(),
        conversation: handoff::conversation::ConversationKey::new(
            handoff::conversation::Channel::Messenger,
            PAGE,
            user,
        ),
        expires_at: chrono::Utc::now() - chrono::Duration::hours(1),
    }
    .sign_for(
        handoff::resume::LinkKind::Answer,
        &handoff::resume::LinkKeys::parse(LINK_KEYS).unwrap(),
    );
    let (status, page) = post_form(
        &dev,
        &format!("{}/answer/{expired}", dev.base),
        &[("entry", "shipping-time")],
    )
    .await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("expired"), "{page}");
    // A cross-site POST is refused too.
    let r = dev
        .http()
        .post(&send)
        .header("sec-fetch-site", "cross-site")
        .form(&[("entry", "shipping-time")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // An entry the file does not have: a clear page, nothing done.
    let (status, page) = post_form(&dev, &send, &[("entry", "free-money")]).await;
    assert_eq!(status, 400, "{page}");
    assert!(page.contains("not an entry of the knowledge file"));
    settle().await;
    assert_eq!(s(&dev.state(user).await.unwrap(), "status"), "paused");
    // Handed back another way, then the button: refused.
    let (status, _) = post_form(&dev, &resume, &[]).await;
    assert_eq!(status, 200);
    let (status, page) = post_form(&dev, &send, &[("entry", "shipping-time")]).await;
    assert_eq!(status, 409, "{page}");
    assert!(page.contains("Already handed back"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_the_team_approves_waits_for_their_click() {
    let knowledge = std::fs::read_to_string(repo_path("config/knowledge.toml"))
        .unwrap()
        .replace(
            "id = \"returns-policy\"",
            "id = \"returns-policy\"\napprove = \"team\"",
        );
    let dir = std::env::temp_dir().join(unique("approve"));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("knowledge.toml");
    std::fs::write(&path, knowledge).unwrap();
    let dev = DevServer::start_with(&[
        ("KNOWLEDGE_FILE", path.to_str().unwrap()),
        ("ENCODER_FILE", &repo_path("config/encoder/use-m3.bin")),
    ])
    .await;
    let user = "7300000000000021";
    let doc = escalate(
        &dev,
        user,
        "m_oc_21",
        "What is your return policy?",
        now_ms(),
    )
    .await;
    assert_eq!(doc["reason"]["code"], "approval");
    assert_eq!(doc["suggestion"]["entry"], "returns-policy");
    assert!(
        !texts_to(&dev, user)
            .await
            .iter()
            .any(|t| t.contains("within 30 days")),
        "never sent alone"
    );
    let (status, page) =
        post_form(&dev, &url(&doc, "send_url"), &[("entry", "returns-policy")]).await;
    assert_eq!(status, 200, "{page}");
    assert!(texts_to(&dev, user)
        .await
        .last()
        .unwrap()
        .contains("within 30 days"));
}
