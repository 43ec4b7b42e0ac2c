//! A proxy in front of the local AWS endpoint that counts requests and can play an outage.

use super::*;

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
