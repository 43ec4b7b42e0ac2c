//! The weekly review's week: the schedule's Monday 07:00 run reports the whole week before it,
//! Monday to Sunday, and samples its answers from every one of its days, on the local endpoint.
//! Its own binary, so it never runs beside the two reviewers racing in `tests/review.rs`.

mod common;

use std::collections::HashMap;

use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn the_monday_review_reports_the_whole_week_before_it_and_samples_its_first_day() {
    let dev = DevServer::start().await;
    let env: HashMap<String, String> = dev.env.iter().cloned().collect();
    // The schedule's run: Monday 07:00 UTC. It reports Monday 00:00 to Sunday 24:00 before it.
    let at = last_review_time();
    let monday = at - chrono::Duration::days(7) - chrono::Duration::hours(7);
    let first_minute = monday + chrono::Duration::seconds(30);
    let last_minute = monday + chrono::Duration::days(7) - chrono::Duration::seconds(30);
    for (user, mid, when) in [
        ("7200000000000101", "m_first_day", first_minute),
        ("7200000000000102", "m_last_day", last_minute),
    ] {
        dev.post_signed(&customer_text(
            user,
            mid,
            "What are your opening hours?",
            when.timestamp_millis(),
        ))
        .await;
        dev.reply_to(user).await;
    }
    let (code, out, err) = handoff_cli(&env, &["review", "now", "--at", &at.to_rfc3339()]);
    assert_eq!(code, 0, "{out}{err}");
    let sunday = monday + chrono::Duration::days(6);
    assert!(
        out.starts_with(&format!(
            "review of {} to {}:",
            monday.format("%Y-%m-%d"),
            sunday.format("%Y-%m-%d")
        )),
        "{out}"
    );
    assert!(
        out.contains("2 answers to check"),
        "both days sampled: {out}"
    );
    let digest = eventually("the digest", || async {
        dev.team
            .delivered()
            .await
            .into_iter()
            .find(|d| d["type"] == "handoff.review")
    })
    .await;
    let week = digest["weeks"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(week["start"], monday.format("%Y-%m-%d").to_string());
    assert_eq!(week["answered"], 2, "{digest}");
    assert_eq!(digest["weeks"].as_array().unwrap().len(), 6);
    let email = dev
        .team
        .published()
        .await
        .into_iter()
        .find(|p| {
            p["subject"]
                .as_str()
                .unwrap_or("")
                .starts_with("Handoff weekly review")
        })
        .unwrap();
    let email = email["body"]["email"].as_str().unwrap().to_string();
    assert!(
        email.starts_with(&format!(
            "Your bot's week, {} to {}",
            monday.format("%d %b"),
            sunday.format("%d %b %Y")
        )),
        "{email}"
    );
    assert!(email.contains("Answered by the bot: 2 (100 %)"), "{email}");
}
