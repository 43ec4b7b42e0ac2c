//! Test harness: a `handoff dev` process against the local AWS endpoint, with a Graph API stub
//! (wiremock) that records what the bot sends, and an SQS queue subscribed to the topic.
#![allow(dead_code)]

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use handoff::webhook::sign;
use serde_json::{json, Value};
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

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

/// A Graph API stub answering like Meta.
pub async fn graph_stub() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/messages$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"recipient_id": "x", "message_id": "m_sent_by_bot"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/[0-9]+/(pass|take)_thread_control$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .mount(&server)
        .await;
    server
}

/// What the Graph stub received on `edge`, in order, as JSON bodies.
pub async fn graph_calls(graph: &MockServer, edge: &str) -> Vec<Value> {
    graph
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path().ends_with(&format!("/{edge}")))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

/// The topic and an SQS queue subscribed to it.
pub struct Team {
    pub topic_arn: String,
    pub queue_url: String,
    sqs: aws_sdk_sqs::Client,
    seen: std::sync::Mutex<Vec<Value>>,
}

impl Team {
    pub async fn new(aws: &aws_config::SdkConfig) -> Self {
        let sns = aws_sdk_sns::Client::new(aws);
        let sqs = aws_sdk_sqs::Client::new(aws);
        let name = unique("team");
        let topic_arn = sns
            .create_topic()
            .name(&name)
            .send()
            .await
            .unwrap()
            .topic_arn
            .unwrap();
        let queue_url = sqs
            .create_queue()
            .queue_name(&name)
            .send()
            .await
            .unwrap()
            .queue_url
            .unwrap();
        let attrs = sqs
            .get_queue_attributes()
            .queue_url(&queue_url)
            .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
            .send()
            .await
            .unwrap();
        let queue_arn =
            attrs.attributes.unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn].clone();
        sns.subscribe()
            .topic_arn(&topic_arn)
            .protocol("sqs")
            .endpoint(queue_arn)
            .attributes("RawMessageDelivery", "true")
            .send()
            .await
            .unwrap();
        Self {
            topic_arn,
            queue_url,
            sqs,
            seen: std::sync::Mutex::new(Vec::new()),
        }
    }

    /// Drains the queue: every message received so far.
    pub async fn received(&self) -> Vec<String> {
        let mut out = Vec::new();
        loop {
            let resp = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .send()
                .await
                .unwrap();
            let msgs = resp.messages.unwrap_or_default();
            if msgs.is_empty() {
                return out;
            }
            for m in msgs {
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(m.receipt_handle.unwrap())
                    .send()
                    .await
                    .unwrap();
                out.push(m.body.unwrap_or_default());
            }
        }
    }

    /// Every JSON document delivered to the subscribed queue so far (what non-email subscribers
    /// get). Cheap: prefer it to `published` when the email text is not needed.
    pub async fn delivered(&self) -> Vec<Value> {
        let fresh = self.received().await;
        let mut seen = self.seen.lock().unwrap();
        seen.extend(
            fresh
                .iter()
                .map(|b| serde_json::from_str(b).unwrap_or(Value::Null)),
        );
        seen.clone()
    }

    /// Every publish to the topic with its whole body (the email text too), from the local
    /// endpoint's own record (slow: the endpoint serialises all its state).
    pub async fn published(&self) -> Vec<Value> {
        // The endpoint serialises its whole state; under parallel writes it can fail once.
        let mut data = Value::Null;
        for _ in 0..10 {
            let resp = reqwest::get(format!("{}/moto-api/data.json", endpoint()))
                .await
                .unwrap();
            if let Ok(v) = resp.json::<Value>().await {
                data = v;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        data.pointer("/sns/Topic")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|t| t["arn"] == self.topic_arn.as_str())
            .flat_map(|t| t["sent_notifications"].as_array().cloned().unwrap_or_default())
            .map(|n| {
                json!({
                    "body": serde_json::from_str::<Value>(n[1].as_str().unwrap_or("{}")).unwrap_or(Value::Null),
                    "subject": n[2],
                    "attributes": n[3],
                })
            })
            .collect()
    }
}

/// `handoff dev` on a free port with its own table and topic.
pub struct DevServer {
    pub base: String,
    pub table: String,
    pub team: Team,
    pub graph: MockServer,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub log: String,
    child: Child,
    pub env: Vec<(String, String)>,
    port: u16,
    http: reqwest::Client,
}

fn spawn_dev(env: &[(String, String)], log: &str, append: bool) -> Child {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["dev", "--bootstrap"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("spawn handoff dev")
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl DevServer {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// `start`, with more environment for the dev server.
    pub async fn start_with(extra_env: &[(&str, &str)]) -> Self {
        let aws = aws().await;
        let team = Team::new(&aws).await;
        let graph = graph_stub().await;
        let table = unique("handoff");
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        std::fs::create_dir_all(repo_path("artifacts/test-logs")).unwrap();
        let log = repo_path(&format!("artifacts/test-logs/{table}.log"));
        let env: Vec<(String, String)> = base_env(&table, &team.topic_arn, &graph.uri(), &base)
            .into_iter()
            .chain([
                ("HANDOFF_ADDR".to_string(), format!("127.0.0.1:{port}")),
                ("RUST_LOG".into(), "info,handoff=debug".into()),
                // The local endpoint deep-copies a table per transaction: give it time under load.
                ("HANDOFF_AWS_ATTEMPT_TIMEOUT_SECS".into(), "20".into()),
                (
                    "HANDOFF_DEV_CHECKPOINT".into(),
                    repo_path(&format!("artifacts/test-logs/{table}.stream.json")),
                ),
            ])
            .chain(
                extra_env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            )
            .collect();
        let child = spawn_dev(&env, &log, false);
        let server = Self {
            base,
            table,
            team,
            graph,
            dynamodb: aws_sdk_dynamodb::Client::new(&aws),
            log,
            child,
            env,
            port,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        };
        server.wait_listening().await;
        server
    }

    async fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "handoff dev did not start; see {}",
                self.log
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the dev server at once (a crash: nothing is flushed or finished).
    pub fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same table, topic and port, its log appended.
    pub async fn restart(&mut self) {
        self.crash();
        self.child = spawn_dev(&self.env, &self.log, true);
        self.wait_listening().await;
    }

    pub async fn post_signed(&self, body: &str) -> reqwest::Response {
        self.post_webhook(body, Some(&sign(APP_SECRET.as_bytes(), body.as_bytes())))
            .await
    }

    pub async fn post_webhook(&self, body: &str, signature: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/webhook", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(sig) = signature {
            req = req.header("x-hub-signature-256", sig);
        }
        req.send().await.unwrap()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// All items of a conversation.
    pub async fn items(&self, user: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(format!("C#messenger#{PAGE}#{user}")),
            )
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default()
    }

    pub async fn state(&self, user: &str) -> Option<HashMap<String, AttributeValue>> {
        self.items(user)
            .await
            .into_iter()
            .find(|i| s(i, "sk") == "STATE")
    }

    /// Bot messages the Graph stub received for `user`.
    pub async fn sends_to(&self, user: &str) -> Vec<Value> {
        graph_calls(&self.graph, "messages")
            .await
            .into_iter()
            .filter(|b| b.pointer("/recipient/id").and_then(Value::as_str) == Some(user))
            .collect()
    }
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

/// A Messenger webhook body with one customer text message.
pub fn customer_text(user: &str, mid: &str, text: &str, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": ts,
        "message": {"mid": mid, "text": text}
    }]}]})
    .to_string()
}

/// A Messenger echo of a message sent by `app_id` (the Page Inbox is 263902037430900).
pub fn echo(user: &str, mid: &str, text: &str, app_id: u64, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": PAGE}, "recipient": {"id": user}, "timestamp": ts,
        "message": {"mid": mid, "is_echo": true, "app_id": app_id, "text": text}
    }]}]})
    .to_string()
}

/// The weekly review's schedule time (Monday 07:00 UTC) after `now`, as RFC 3339: a review then
/// reports the week `now` is in.
pub fn next_review_time() -> String {
    use chrono::{Datelike, Duration as Days};
    let now = chrono::Utc::now();
    let monday = now.date_naive() - Days::days(now.weekday().num_days_from_monday().into());
    let mut at = monday.and_hms_opt(7, 0, 0).unwrap().and_utc();
    if at <= now {
        at += Days::weeks(1);
    }
    at.to_rfc3339()
}

/// The last schedule time (Monday 07:00 UTC) at or before now: a review then reports a week that
/// is wholly past.
pub fn last_review_time() -> chrono::DateTime<chrono::Utc> {
    let next = chrono::DateTime::parse_from_rfc3339(&next_review_time())
        .unwrap()
        .with_timezone(&chrono::Utc);
    next - chrono::Duration::weeks(1)
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A Messenger quick-reply tap: the title as text, the payload as the decision.
pub fn quick_reply(user: &str, mid: &str, title: &str, payload: &str, ts: i64) -> String {
    json!({"object": "page", "entry": [{"id": PAGE, "time": ts, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": ts,
        "message": {"mid": mid, "text": title, "quick_reply": {"payload": payload}}
    }]}]})
    .to_string()
}

/// A proxy in front of the local AWS endpoint that counts requests and can play an outage.
#[derive(Clone)]
pub struct AwsProxy {
    pub url: String,
    pub count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pub down: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Clone)]
struct ProxyState {
    count: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    down: std::sync::Arc<std::sync::atomic::AtomicBool>,
    target: String,
    http: reqwest::Client,
}

async fn forward(
    axum::extract::State(p): axum::extract::State<ProxyState>,
    req: axum::extract::Request,
) -> axum::response::Response {
    use std::sync::atomic::Ordering;
    p.count.fetch_add(1, Ordering::SeqCst);
    if p.down.load(Ordering::SeqCst) {
        return axum::response::Response::builder()
            .status(503)
            .body(axum::body::Body::from("endpoint down"))
            .unwrap();
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap();
    let url = format!(
        "{}{}",
        p.target,
        parts
            .uri
            .path_and_query()
            .map(|x| x.as_str())
            .unwrap_or("/")
    );
    let mut out = p
        .http
        .request(parts.method.clone(), url)
        .body(bytes.to_vec());
    for (k, v) in parts.headers.iter() {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let resp = out.send().await.unwrap();
    let mut builder = axum::response::Response::builder().status(resp.status().as_u16());
    for (k, v) in resp.headers() {
        if k != "content-length" && k != "transfer-encoding" {
            builder = builder.header(k, v);
        }
    }
    builder
        .body(axum::body::Body::from(resp.bytes().await.unwrap()))
        .unwrap()
}

impl AwsProxy {
    pub async fn start() -> Self {
        let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let state = ProxyState {
            count: count.clone(),
            down: down.clone(),
            target: endpoint(),
            http: reqwest::Client::new(),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            axum::serve(
                listener,
                axum::Router::new().fallback(forward).with_state(state),
            )
            .await
            .unwrap()
        });
        Self { url, count, down }
    }

    /// An App whose DynamoDB and SNS adapters talk through this proxy.
    pub fn app(
        &self,
        direct: &aws_config::SdkConfig,
        table: &str,
        topic_arn: &str,
        graph: &str,
    ) -> handoff::App {
        let env = base_env(table, topic_arn, graph, "https://resume.example");
        let config = handoff::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
        let mut app = handoff::App::from_config(&config, direct).unwrap();
        let ddb = aws_sdk_dynamodb::config::Builder::from(direct)
            .endpoint_url(&self.url)
            .build();
        let sns = aws_sdk_sns::config::Builder::from(direct)
            .endpoint_url(&self.url)
            .build();
        app.use_store(std::sync::Arc::new(handoff::adapters::DynamoStore::new(
            aws_sdk_dynamodb::Client::from_conf(ddb),
            table,
        )));
        app.notifier = std::sync::Arc::new(handoff::adapters::SnsNotifier::new(
            aws_sdk_sns::Client::from_conf(sns),
            topic_arn,
        ));
        app
    }
}

/// A new table (bootstrapped like `handoff dev --bootstrap`) on the local endpoint.
pub async fn fresh_table(aws: &aws_config::SdkConfig, prefix: &str) -> String {
    let table = unique(prefix);
    handoff::adapters::dynamodb::bootstrap(
        &aws_sdk_dynamodb::Client::new(aws),
        &aws_sdk_sns::Client::new(aws),
        &table,
        &unique("unused"),
    )
    .await
    .unwrap();
    table
}

/// An in-process App on a fresh table, with its own team topic and the given Graph base URL.
pub async fn rig(prefix: &str, graph: &str) -> (handoff::App, Team, String, aws_config::SdkConfig) {
    let aws = aws().await;
    let team = Team::new(&aws).await;
    let table = fresh_table(&aws, prefix).await;
    let env = base_env(&table, &team.topic_arn, graph, "https://resume.example");
    let config = handoff::Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    (
        handoff::App::from_config(&config, &aws).unwrap(),
        team,
        table,
        aws,
    )
}

/// An escalation of `conv` opened at `now`, with an empty id (set it per test).
pub fn sample_escalation(
    conv: &handoff::conversation::ConversationKey,
    now: chrono::DateTime<chrono::Utc>,
) -> handoff::escalation::Escalation {
    use handoff::escalation::{Escalation, EscalationSummary, ReasonCode};
    Escalation::opened(
        String::new(),
        conv.clone(),
        ReasonCode::Complaint,
        "the word \"complaint\"".into(),
        EscalationSummary {
            intent: "complaint".into(),
            tried: vec![],
            next_step: "Reply to the complaint.".into(),
            ai_summary: None,
        },
        now,
        now + chrono::Duration::hours(24),
    )
}

/// The STATE that pauses `e`'s customer for it, as the policy function writes it when opening `e`.
pub fn paused_for(e: &handoff::escalation::Escalation) -> handoff::state::PauseFlag {
    match handoff::state::PauseFlag::default().apply(
        &handoff::state::StateEvent::Escalated {
            escalation_id: &e.escalation_id,
            until: e.paused_until,
            notice_key: "handoff-sample",
        },
        e.created_at,
    ) {
        handoff::state::Transition::Changed(s) => s,
        other => panic!("{other:?}"),
    }
}

/// The customer's handoff notice the policy function records with `e`'s opening.
pub fn notice_for(e: &handoff::escalation::Escalation) -> handoff::message::Message {
    handoff::message::Message::bot_send(
        &e.conversation,
        e.created_at.timestamp_millis() + 1,
        format!("handoff-{}", e.escalation_id),
        "Thanks for your patience. A person from our team will reply here.",
    )
}

/// Opens `e` as the policy function does: the pause, the escalation and the customer's notice in
/// one write, the opener holding the team notice's job for a minute from `e.created_at` (long
/// past for an old sample, so anyone may claim it).
pub async fn open_as_policy(
    store: &dyn handoff::ports::Escalations,
    e: &handoff::escalation::Escalation,
    paused: &handoff::state::PauseFlag,
    read_version: u64,
) -> handoff::ports::EscalationOpening {
    store
        .open_escalation(
            e,
            paused,
            read_version,
            &notice_for(e),
            e.created_at + chrono::Duration::seconds(60),
        )
        .await
        .unwrap()
}

/// chromedriver, killed when dropped.
pub struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn chromedriver_path() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// Debian's headless chromium through chromedriver, phone-sized.
pub async fn browser() -> (Driver, fantoccini::Client) {
    assert!(
        std::path::Path::new(&chromedriver_path()).exists(),
        "chromedriver not found at {}: scripts/test installs Debian's chromium and chromium-driver",
        chromedriver_path()
    );
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver_path())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()), "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=412,915"
        ]}),
    );
    for _ in 0..50 {
        let mut builder = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        );
        builder.capabilities(caps.clone());
        if let Ok(c) = builder.connect(&format!("http://127.0.0.1:{port}")).await {
            return (driver, c);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not connect to chromedriver");
}

/// Runs the `handoff` command line with `env`: exit code, standard output, standard error.
pub fn handoff_cli(env: &HashMap<String, String>, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .envs(env)
        .output()
        .expect("run handoff");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl DevServer {
    /// Asks `question` as a new customer (ids starting `user_prefix`) until a reply satisfies
    /// `done`, for at most 30 s: a running function picks up a new boundary version by itself.
    /// Returns the last reply.
    pub async fn ask_until(
        &self,
        user_prefix: &str,
        question: &str,
        done: impl Fn(&str) -> bool,
        what: &str,
    ) -> String {
        let started = Instant::now();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let user = format!("{user_prefix}{n:04}");
            self.post_signed(&customer_text(
                &user,
                &format!("m_ask_{user}"),
                question,
                now_ms(),
            ))
            .await;
            let reply = self.reply_to(&user).await;
            if done(&reply) {
                return reply;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{what} never happened; the last reply: {reply}"
            );
        }
    }

    /// The text of the bot's latest reply to `user`, once there is one.
    pub async fn reply_to(&self, user: &str) -> String {
        eventually("the bot's reply", || async {
            self.sends_to(user).await.into_iter().rev().find_map(|b| {
                b.pointer("/message/text")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
        })
        .await
    }
}

/// The handoff document the team got for `user`, once it arrives.
pub async fn handoff_for(dev: &DevServer, user: &str) -> Value {
    eventually(&format!("the handoff for {user}"), || async {
        dev.team
            .delivered()
            .await
            .into_iter()
            .find(|d| d.pointer("/conversation/user_id").and_then(Value::as_str) == Some(user))
    })
    .await
}

/// The bot's sends to `user` whose key (in the send's metadata) contains `key`: `reply-` for
/// answers, `handoff-` for the notice that a person is coming.
pub async fn sends_keyed(dev: &DevServer, user: &str, key: &str) -> Vec<Value> {
    dev.sends_to(user)
        .await
        .into_iter()
        .filter(|b| {
            b.pointer("/message/metadata")
                .and_then(Value::as_str)
                .is_some_and(|m| m.contains(key))
        })
        .collect()
}
