//! The live boundary on the local endpoint: a version published with `handoff boundary publish`
//! is answered with by the running policy function without a restart; a rollback takes it back;
//! a file that does not check and a stored version that was cut short never become current.

mod common;

use std::collections::HashMap;
use std::time::Instant;

use common::*;
use handoff::live::{CurrentVersion, Publication, VersionRecord};
use handoff::ports::BoundaryVersions;

const GIFT_WRAP: &str = r#"
[[entry]]
id = "showroom"
questions = ["Can I visit your showroom?", "Where is your showroom?", "Do you have a showroom I can visit?"]
answer = "Our showroom at Hafenstrasse 3 opens on Saturdays, 10 to 16."
"#;

fn cli_env(dev: &DevServer) -> HashMap<String, String> {
    HashMap::from([
        ("TABLE_NAME".into(), dev.table.clone()),
        ("USER".into(), "mia".into()),
        ("POLICY_FILE".into(), repo_path("config/policy.toml")),
        ("KNOWLEDGE_FILE".into(), repo_path("config/knowledge.toml")),
    ])
}

/// A knowledge file: the layer's, with `extra` appended.
fn knowledge_with(extra: &str) -> String {
    let dir = repo_path(&format!("artifacts/test-logs/{}", unique("kb")));
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/knowledge.toml");
    let layer = std::fs::read_to_string(repo_path("config/knowledge.toml")).unwrap();
    std::fs::write(&path, format!("{layer}\n{extra}")).unwrap();
    path
}

#[tokio::test]
async fn a_published_version_is_used_without_a_restart_and_a_rollback_takes_it_back() {
    let dev = DevServer::start_with(&[("BOUNDARY_CHECK_SECONDS", "2")]).await;
    let env = cli_env(&dev);
    let question = "Can I visit your showroom?";

    dev.post_signed(&customer_text(
        "7100000000000001",
        "m_bv_1",
        question,
        now_ms(),
    ))
    .await;
    let before = dev.reply_to("7100000000000001").await;
    assert!(!before.contains("Hafenstrasse 3"), "{before}");

    let knowledge = knowledge_with(GIFT_WRAP);
    let (code, out, err) = handoff_cli(
        &env,
        &[
            "boundary",
            "publish",
            &repo_path("config/policy.toml"),
            &knowledge,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("published version 2 (+1 entry (showroom))"),
        "{out}"
    );
    let published = Instant::now();

    // The running dev server (the same code as the policy function) picks it up by itself.
    dev.ask_until(
        "710000000001",
        question,
        |reply| reply.contains("Hafenstrasse 3"),
        "version 2 answered with",
    )
    .await;
    let picked_up = published.elapsed();
    eprintln!(
        "version 2 answered with {:.1} s after publishing (check every 2 s)",
        picked_up.as_secs_f64()
    );

    let (code, out, _) = handoff_cli(&env, &["boundary", "history"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("* v2") && lines[0].contains("mia") && lines[0].contains("showroom"),
        "{out}"
    );
    assert!(
        lines[1].starts_with("  v1") && lines[1].contains("layer"),
        "{out}"
    );

    let (code, out, err) = handoff_cli(&env, &["boundary", "rollback", "1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("version 3 is current: rollback to version 1"),
        "{out}"
    );
    dev.ask_until(
        "710000000002",
        question,
        |reply| !reply.contains("Hafenstrasse 3"),
        "the rollback picked up",
    )
    .await;
    // Rolling back to version 2 reuses its stored content.
    let (code, out, _) = handoff_cli(&env, &["boundary", "rollback", "2"]);
    assert_eq!(code, 0);
    assert!(
        out.contains("version 4 is current: rollback to version 2"),
        "{out}"
    );
    let (code, _, err) = handoff_cli(&env, &["boundary", "rollback", "9"]);
    assert_ne!(code, 0);
    assert!(err.contains("there is no version 9"), "{err}");
}

#[tokio::test]
async fn a_bad_or_half_written_version_never_becomes_current() {
    let dev = DevServer::start_with(&[("BOUNDARY_CHECK_SECONDS", "1")]).await;
    let env = cli_env(&dev);
    // A file that does not check: refused before anything is stored.
    let broken = knowledge_with("[[entry]]\nid = \"no-answer\"\nquestions = [\"x\"]\n");
    let (code, out, err) = handoff_cli(
        &env,
        &[
            "boundary",
            "publish",
            &repo_path("config/policy.toml"),
            &broken,
        ],
    );
    assert_ne!(code, 0, "{out}");
    assert!(
        err.contains("the knowledge file") && err.contains("answer"),
        "{err}"
    );
    let store = handoff::adapters::DynamoStore::new(dev.dynamodb.clone(), &dev.table);
    assert!(store.history().await.unwrap().is_empty());
    assert!(store.current().await.unwrap().is_layer());

    // A version whose blob is cut short (as if its upload died) is made current behind the
    // functions' back: they keep answering with what they have.
    let content = handoff::live::BoundaryContent {
        policy: std::fs::read_to_string(repo_path("config/policy.toml")).unwrap(),
        knowledge: std::fs::read_to_string(knowledge_with(GIFT_WRAP)).unwrap(),
        index: None,
    };
    let bytes = content.to_bytes();
    let digest = handoff::live::digest(&bytes);
    store
        .put_content(&digest, &bytes[..bytes.len() / 2])
        .await
        .unwrap();
    let record = VersionRecord {
        version: 2,
        content: digest,
        size: bytes.len() as u64,
        by: "test".into(),
        at: chrono::Utc::now(),
        change: "cut short".into(),
        base: 1,
    };
    assert!(matches!(
        store.make_current(&record).await.unwrap(),
        Publication::Published(_)
    ));

    settle().await;
    dev.post_signed(&customer_text(
        "7100000000000201",
        "m_bv_bad",
        "Can I visit your showroom?",
        now_ms(),
    ))
    .await;
    let reply = dev.reply_to("7100000000000201").await;
    assert!(!reply.contains("Hafenstrasse 3"), "{reply}");
    let log = std::fs::read_to_string(&dev.log).unwrap();
    assert!(
        log.contains("could not be loaded; keeping the one in use")
            && log.contains("incomplete or altered"),
        "{log}"
    );
}

#[tokio::test]
async fn of_two_publishers_on_the_same_version_one_wins_and_the_other_is_told() {
    // On a table of its own: the local endpoint's stream misses writes after a cancelled
    // transaction until its iterators are renewed, which would slow the dev server tests.
    let aws = aws().await;
    let table = fresh_table(&aws, "bv").await;
    let store = handoff::adapters::DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), &table);
    let record = VersionRecord {
        version: 2,
        content: "a".repeat(64),
        size: 10,
        by: "ana".into(),
        at: chrono::Utc::now(),
        change: "first".into(),
        base: 1,
    };
    assert!(matches!(
        store.make_current(&record).await.unwrap(),
        Publication::Published(_)
    ));
    let late = VersionRecord {
        version: 3,
        by: "ben".into(),
        ..record.clone()
    };
    assert_eq!(
        store.make_current(&late).await.unwrap(),
        Publication::CurrentMoved
    );
    assert_eq!(
        store.current().await.unwrap(),
        CurrentVersion {
            version: 2,
            content: record.content.clone()
        }
    );
    assert_eq!(store.history().await.unwrap(), vec![record]);
}
