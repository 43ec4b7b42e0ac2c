//! AWS round trips per message, counted at a proxy in front of the local endpoint: the test fails
//! when a change adds one (issue 8: ingest 1; the policy answer path 2 before the send; the
//! escalation path 4 in the policy function and 3 in the escalate function).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use chrono::Utc;
use common::*;
use handoff::app::{ingest_webhook, notify_escalation, respond, RespondOutcome};
use handoff::conversation::ConversationKey;
use handoff::graph::GraphError;
use handoff::ports::{Messenger, QuickReplyButton};
use handoff::webhook::{parse_webhook, sign, WebhookEvent};
use handoff::{App, Config};

#[derive(Clone)]
struct Proxy {
    count: Arc<AtomicUsize>,
    target: String,
    http: reqwest::Client,
}

async fn forward(State(p): State<Proxy>, req: Request) -> Response {
    p.count.fetch_add(1, Ordering::SeqCst);
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
    let mut builder = Response::builder().status(resp.status().as_u16());
    for (k, v) in resp.headers() {
        if k != "content-length" && k != "transfer-encoding" {
            builder = builder.header(k, v);
        }
    }
    builder
        .body(Body::from(resp.bytes().await.unwrap()))
        .unwrap()
}

/// Records how many AWS requests had been made when each Graph call happened.
struct CountingMessenger {
    inner: Arc<dyn Messenger>,
    count: Arc<AtomicUsize>,
    at_send: Mutex<Vec<usize>>,
}

#[async_trait]
impl Messenger for CountingMessenger {
    async fn send_text(
        &self,
        to: &ConversationKey,
        text: &str,
        q: &[QuickReplyButton],
        md: &str,
    ) -> Result<String, GraphError> {
        self.at_send
            .lock()
            .unwrap()
            .push(self.count.load(Ordering::SeqCst));
        self.inner.send_text(to, text, q, md).await
    }
    async fn pass_thread_control(
        &self,
        to: &ConversationKey,
        app: &str,
        md: &str,
    ) -> Result<(), GraphError> {
        self.inner.pass_thread_control(to, app, md).await
    }
    async fn take_thread_control(&self, to: &ConversationKey, md: &str) -> Result<(), GraphError> {
        self.inner.take_thread_control(to, md).await
    }
    async fn profile_name(&self, who: &ConversationKey) -> Result<Option<String>, GraphError> {
        self.inner.profile_name(who).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trips_per_message_stay_within_budget() {
    let count = Arc::new(AtomicUsize::new(0));
    let proxy = Proxy {
        count: count.clone(),
        target: endpoint(),
        http: reqwest::Client::new(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let proxy_url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(
            listener,
            axum::Router::new().fallback(forward).with_state(proxy),
        )
        .await
        .unwrap()
    });

    let direct = aws().await;
    let team = Team::new(&direct).await;
    let graph = graph_stub().await;
    let table = unique("trips");
    handoff::store::bootstrap(
        &aws_sdk_dynamodb::Client::new(&direct),
        &aws_sdk_sns::Client::new(&direct),
        &table,
        &unique("unused"),
    )
    .await
    .unwrap();
    let env = base_env(
        &table,
        &team.topic_arn,
        &graph.uri(),
        "https://resume.example",
    );
    let config = Config::from_lookup(|k| env.get(k).cloned()).unwrap();
    let mut app = App::from_config(&config, &direct).unwrap();
    // The same adapters, their clients pointed at the counting proxy.
    let ddb = aws_sdk_dynamodb::config::Builder::from(&direct)
        .endpoint_url(&proxy_url)
        .build();
    let sns = aws_sdk_sns::config::Builder::from(&direct)
        .endpoint_url(&proxy_url)
        .build();
    app.store = Arc::new(handoff::store::DynamoStore::new(
        aws_sdk_dynamodb::Client::from_conf(ddb),
        &table,
    ));
    app.notifier = Arc::new(handoff::notify::SnsNotifier::new(
        aws_sdk_sns::Client::from_conf(sns),
        &team.topic_arn,
    ));
    let messenger = Arc::new(CountingMessenger {
        inner: app.messenger.clone(),
        count: count.clone(),
        at_send: Mutex::new(vec![]),
    });
    app.messenger = messenger.clone();

    let ingest = |body: String| {
        let app = app.clone();
        async move {
            let sig = sign(APP_SECRET.as_bytes(), body.as_bytes());
            ingest_webhook(&app, body.as_bytes(), Some(&sig), Utc::now())
                .await
                .unwrap()
        }
    };
    let message_of = |body: &str| match parse_webhook(body.as_bytes(), APP_ID).unwrap().remove(0) {
        WebhookEvent::Customer(m) => m,
        other => panic!("{other:?}"),
    };

    // Ingest: one conditional put.
    let user = "7000000000000601";
    let question = customer_text(user, "m_trip_1", "When are you open?", now_ms());
    let before = count.load(Ordering::SeqCst);
    ingest(question.clone()).await;
    assert_eq!(count.load(Ordering::SeqCst) - before, 1, "ingest");

    // Answer: read + reserve before the send; delivery update and the day's counter after it.
    let before = count.load(Ordering::SeqCst);
    assert!(matches!(
        respond(&app, &message_of(&question), Utc::now())
            .await
            .unwrap(),
        RespondOutcome::Answered { .. }
    ));
    let at_send = *messenger.at_send.lock().unwrap().last().unwrap();
    assert_eq!(
        at_send - before,
        2,
        "sequential round trips before the answer goes out"
    );
    assert_eq!(
        count.load(Ordering::SeqCst) - before,
        4,
        "answer path in all"
    );

    // Escalation in the policy function: read, the pause+escalation transaction, the notice
    // reserved, its delivery recorded.
    let complaint = customer_text(
        user,
        "m_trip_2",
        "I want to file a complaint",
        now_ms() + 1000,
    );
    ingest(complaint.clone()).await;
    let before = count.load(Ordering::SeqCst);
    let RespondOutcome::Escalated { escalation_id } =
        respond(&app, &message_of(&complaint), Utc::now())
            .await
            .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        count.load(Ordering::SeqCst) - before,
        4,
        "escalation path in the policy function"
    );

    // The escalate function: claim, publish, mark notified.
    let conv = ConversationKey::new(handoff::conversation::Channel::Messenger, PAGE, user);
    let esc = app
        .store
        .get_escalation(&conv, &escalation_id)
        .await
        .unwrap()
        .unwrap();
    let before = count.load(Ordering::SeqCst);
    notify_escalation(&app, &esc, Utc::now()).await.unwrap();
    assert_eq!(
        count.load(Ordering::SeqCst) - before,
        3,
        "escalate function"
    );
}
