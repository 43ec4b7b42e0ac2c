//! Test harness: a `handoff dev` process against the local AWS endpoint, with a Graph API stub
//! (wiremock) that records what the bot sends, and an SQS queue subscribed to the topic.
//!
//! By what each file helps with: `dev_server` (the process and the command line), `graph` (Meta's
//! side), `team` (the topic, read as the team would), `webhooks` (bodies as Meta sends them),
//! `escalations` (records as the policy function opens them), `rig` (an App in process),
//! `aws_proxy` (counting and outages), `browser` (the pages), `review_schedule`, `shops`
//! (knowledge files the tests share).
// Every test binary includes the harness and uses a part of it.
#![allow(dead_code, unused_imports)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;

mod aws_proxy;
mod browser;
mod dev_server;
mod escalations;
mod graph;
mod review_schedule;
mod rig;
mod shops;
mod team;
mod webhooks;

pub use aws_proxy::*;
pub use browser::*;
pub use dev_server::*;
pub use escalations::*;
pub use graph::*;
pub use review_schedule::*;
pub use rig::*;
pub use shops::*;
pub use team::*;
pub use webhooks::*;

pub const APP_SECRET: &str = "test-app-secret";
pub const APP_ID: &str = "555000111222333";
pub const PAGE: &str = "104729384756123";
pub const LINK_KEYS: &str = "t1:dGVzdC1vbmx5LWxpbmsta2V5LTMyLWJ5dGVzLWxvbmch";
pub const VERIFY_TOKEN: &str = "test-verify-token";

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A name no other test (or earlier run) uses.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}{}x{}x{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        chrono::Utc::now().timestamp_millis() % 1_000_000_000
    )
}

pub fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL must point at the local AWS endpoint: run scripts/test")
}

pub async fn aws() -> aws_config::SdkConfig {
    handoff::config::load_aws().await
}

pub fn repo_path(rel: &str) -> String {
    format!("{}/../{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Environment every handoff process or App in the tests gets.
pub fn base_env(
    table: &str,
    topic_arn: &str,
    graph: &str,
    resume_base: &str,
) -> HashMap<String, String> {
    HashMap::from([
        ("TABLE_NAME".into(), table.into()),
        ("TOPIC_ARN".into(), topic_arn.into()),
        ("META_APP_ID".into(), APP_ID.into()),
        ("META_APP_SECRET".into(), APP_SECRET.into()),
        ("META_VERIFY_TOKEN".into(), VERIFY_TOKEN.into()),
        (
            "META_PAGE_TOKENS".into(),
            format!(r#"{{"{PAGE}":"test-page-token","17841400000000001":"test-ig-token"}}"#),
        ),
        ("GRAPH_API_BASE".into(), graph.into()),
        ("RESUME_BASE_URL".into(), resume_base.into()),
        ("LINK_KEYS".into(), LINK_KEYS.into()),
        ("POLICY_FILE".into(), repo_path("config/policy.toml")),
        ("KNOWLEDGE_FILE".into(), repo_path("config/knowledge.toml")),
        ("PAUSE_HOURS".into(), "24".into()),
    ])
}

/// A string attribute, or "".
pub fn s(item: &HashMap<String, AttributeValue>, name: &str) -> String {
    item.get(name)
        .and_then(|v| v.as_s().ok())
        .cloned()
        .unwrap_or_default()
}

/// Polls `check` until it returns Some, for at most 20 s.
pub async fn eventually<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Lets the stream consumers catch up (several poll intervals) before asserting that nothing happened.
pub async fn settle() {
    tokio::time::sleep(Duration::from_millis(1500)).await;
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
