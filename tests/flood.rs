//! A flood from one sender against the local endpoint and a Graph stub: 1,000 messages within a few
//! seconds beside ordinary customers. Its own binary: its load on the local endpoint must not
//! slow the timing-sensitive hostile cases beside it.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test(flavor = "multi_thread")]
async fn a_flood_from_one_sender_costs_that_sender_not_the_shop() {
    let dev = DevServer::start().await;
    let flooder = "7000000000002281";
    let others = ["7000000000002282", "7000000000002283", "7000000000002284"];
    let t0 = now_ms();
    // 1,000 messages from one sender within a few seconds (a stuck client repeating one question),
    // 50 to a webhook delivery, and three ordinary customers asking in the middle of it.
    for batch in 0..20 {
        let messaging: Vec<Value> = (0..50)
            .map(|i| {
                let n = batch * 50 + i;
                json!({"sender": {"id": flooder}, "recipient": {"id": PAGE}, "timestamp": t0 + n,
                       "message": {"mid": format!("m_flood_{n}"), "text": "What are your opening hours?"}})
            })
            .collect();
        let body =
            json!({"object": "page", "entry": [{"id": PAGE, "time": t0, "messaging": messaging}]})
                .to_string();
        assert_eq!(dev.post_signed(&body).await.status(), 200);
        if batch == 10 {
            for (k, user) in others.iter().enumerate() {
                dev.post_signed(&customer_text(
                    user,
                    &format!("m_ordinary_{k}"),
                    "When are you open?",
                    now_ms(),
                ))
                .await;
            }
        }
    }
    // The ordinary customers are answered, whatever the flood.
    for user in others {
        let reply = dev.reply_to(user).await;
        assert!(reply.contains("Tuesday"), "{reply}");
    }
    // Everything the sender sent is kept.
    let stored = eventually("the flood stored", || async {
        let n = dev
            .items(flooder)
            .await
            .iter()
            .filter(|i| s(i, "role") == "customer")
            .count();
        (n == 1_000).then_some(n)
    })
    .await;
    assert_eq!(stored, 1_000);
    // The team hears once, with the reason.
    let doc = handoff_for(&dev, flooder).await;
    assert_eq!(doc["reason"]["code"], "flood", "{doc:#}");
    // The stream drains: every message handled, the sender paused.
    eventually("the flood handled", || async {
        (s(&dev.state(flooder).await?, "status") == "paused").then_some(())
    })
    .await;
    settle().await;
    settle().await;
    let escalations = dev
        .team
        .delivered()
        .await
        .into_iter()
        .filter(|d| d.pointer("/conversation/user_id").and_then(Value::as_str) == Some(flooder))
        .count();
    assert_eq!(escalations, 1, "told once");
    let answers = sends_keyed(&dev, flooder, "reply-").await.len();
    assert!(
        answers < handoff::policy::FLOOD_MESSAGES,
        "the bot answered a flooding sender {answers} times"
    );
    assert_eq!(sends_keyed(&dev, flooder, "handoff-").await.len(), 1);
}
