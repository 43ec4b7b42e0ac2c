//! The webhook's edge cases: verification, signatures, unusable bodies, redeliveries, echoes.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn webhook_edges() {
    let dev = DevServer::start().await;

    // Subscription handshake.
    let ok = dev
        .http()
        .get(format!("{}/webhook?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444", dev.base))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "1158201444");
    let bad = dev
        .http()
        .get(format!(
            "{}/webhook?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
            dev.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 403);

    // Forged or missing signature: 401 and nothing stored.
    let forged_user = "7000000000000101";
    let body = customer_text(
        forged_user,
        "m_forged",
        "What are your opening hours?",
        now_ms(),
    );
    let forged = handoff::webhook::sign(b"not-the-secret", body.as_bytes());
    assert_eq!(dev.post_webhook(&body, Some(&forged)).await.status(), 401);
    assert_eq!(dev.post_webhook(&body, None).await.status(), 401);
    assert_eq!(
        dev.post_webhook(&body, Some("sha256=zz")).await.status(),
        401
    );

    // Valid signature, broken JSON or a wrong shape: 200, nothing stored.
    for broken in [
        "{\"object\":\"page\",\"entry\":[",
        "[]",
        "{\"object\":\"page\",\"entry\":[{\"messaging\":[{\"sender\":{}}]}]}",
    ] {
        assert_eq!(dev.post_signed(broken).await.status(), 200, "{broken}");
    }

    // The same body twice: one stored message, one reply.
    let dup_user = "7000000000000102";
    let body = customer_text(dup_user, "m_dup", "When are you open?", now_ms());
    assert_eq!(dev.post_signed(&body).await.status(), 200);
    assert_eq!(dev.post_signed(&body).await.status(), 200);
    eventually("the reply", || async {
        (!dev.sends_to(dup_user).await.is_empty()).then_some(())
    })
    .await;
    settle().await;
    let customer_items: Vec<_> = dev
        .items(dup_user)
        .await
        .into_iter()
        .filter(|i| s(i, "role") == "customer")
        .collect();
    assert_eq!(customer_items.len(), 1);
    assert_eq!(dev.sends_to(dup_user).await.len(), 1);

    // A person replying from the Page Inbox pauses the customer; our own echo changes nothing.
    let inbox_user = "7000000000000103";
    let t = now_ms();
    assert_eq!(
        dev.post_signed(&echo(
            inbox_user,
            "m_echo_inbox",
            "Hi, Camille here",
            263902037430900,
            t
        ))
        .await
        .status(),
        200
    );
    let state = dev
        .state(inbox_user)
        .await
        .expect("state after an inbox echo");
    assert_eq!(s(&state, "status"), "paused");
    assert!(!s(&state, "paused_until").is_empty());
    let own_user = "7000000000000104";
    assert_eq!(
        dev.post_signed(&echo(
            own_user,
            "m_echo_own",
            "our answer",
            555000111222333,
            t
        ))
        .await
        .status(),
        200
    );
    assert!(dev.state(own_user).await.is_none());
    assert!(dev.items(own_user).await.is_empty());

    // Then a message from the paused customer gets no reply.
    dev.post_signed(&customer_text(
        inbox_user,
        "m_after_inbox",
        "Thanks! And your opening hours?",
        t + 10,
    ))
    .await;
    settle().await;
    assert!(dev.sends_to(inbox_user).await.is_empty());

    // Forged bodies left no trace at all.
    assert!(dev.items(forged_user).await.is_empty());
}
