//! `handoff dev`: the four functions in one process against a local AWS endpoint. Ingest and resume
//! are HTTP routes; policy reads the table's stream with the template's filter, and the escalate
//! function's sweep runs on a timer.

use std::error::Error;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use axum::Router;
use base64::Engine;
use handoff::adapters::dynamodb::call_log::as_function;
use handoff::adapters::{self, StartAt, StreamReader};
use handoff::entry::{self, StreamEvent, StreamEventRecord, UrlResponse};
use handoff::{App, Config};
use tokio::sync::watch;

use crate::fake_graph::FakeGraph;

/// The escalations topic and table that `--bootstrap` creates.
const TOPIC_NAME: &str = "handoff-escalations";
const DEFAULT_TABLE: &str = "handoff";
/// Like the event source mappings' MaximumRetryAttempts.
const MAX_ATTEMPTS: u32 = 5;

struct DevState {
    app: App,
    fake_graph: Option<FakeGraph>,
}

pub async fn run(bootstrap: bool, fake_graph: bool) -> Result<(), Box<dyn Error>> {
    let addr: SocketAddr = std::env::var("HANDOFF_ADDR")
        .unwrap_or_else(|_| "127.0.0.1:3000".into())
        .parse()
        .map_err(|_| "HANDOFF_ADDR must be host:port, like 127.0.0.1:3000")?;
    let aws = handoff::config::load_aws().await;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| DEFAULT_TABLE.into());
    let (stream_arn, created_topic, start) =
        stream_source(bootstrap, &aws, &dynamodb, &table).await?;
    let config = Config::from_lookup(|name| match name {
        "TABLE_NAME" => Some(table.clone()),
        "TOPIC_ARN" => std::env::var(name).ok().or_else(|| created_topic.clone()),
        _ => std::env::var(name).ok(),
    })?;
    config.require_resume_base_url()?;
    let app = App::from_config(&config, &aws)?;
    let state = Arc::new(DevState {
        app: app.clone(),
        fake_graph: fake_graph.then(FakeGraph::default),
    });

    let (stop_tx, stop_rx) = watch::channel(false);
    let streams = aws_sdk_dynamodbstreams::Client::new(&aws);
    let mut consumers = Vec::new();
    // The policy function is the stream's one consumer (it publishes the handoffs it opens).
    {
        let reader = StreamReader::new(streams.clone(), &stream_arn, start)
            .with_checkpoint(checkpoint_path(&table));
        let app = app.clone();
        consumers.push(tokio::spawn(reader.run(
            Duration::from_millis(100),
            move |records| {
                let app = app.clone();
                async move { deliver(&app, records).await }
            },
            stop_rx.clone(),
        )));
    }

    consumers.push(spawn_sweeper(app.clone(), stop_rx.clone()));
    consumers.extend(spawn_reviewer(app.clone(), stop_rx.clone()));

    let router = Router::new().fallback(route).with_state(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, table, topic = %config.topic_arn, "handoff dev is serving /webhook, /resume/{{token}}, /answer/{{token}} and /review/{{token}}; Ctrl-C stops it");
    axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("stopping");
        })
        .await?;
    let _ = stop_tx.send(true);
    for c in consumers {
        let _ = tokio::time::timeout(Duration::from_secs(5), c).await;
    }
    Ok(())
}

/// The table's stream, the topic `--bootstrap` created, and where reading starts: from the
/// oldest record on a table just created, else from now.
async fn stream_source(
    bootstrap: bool,
    aws: &aws_config::SdkConfig,
    dynamodb: &aws_sdk_dynamodb::Client,
    table: &str,
) -> Result<(String, Option<String>, StartAt), Box<dyn Error>> {
    if bootstrap {
        let b = adapters::bootstrap(dynamodb, &aws_sdk_sns::Client::new(aws), table, TOPIC_NAME)
            .await?;
        let start = if b.table_created {
            StartAt::Oldest
        } else {
            StartAt::Latest
        };
        return Ok((b.stream_arn, Some(b.topic_arn), start));
    }
    let arn = adapters::stream_arn(dynamodb, table)
        .await?
        .ok_or_else(|| {
            format!("table {table} has no stream; run with --bootstrap or enable NEW_IMAGE streams")
        })?;
    Ok((arn, None, StartAt::Latest))
}

/// The same sweep the template schedules every 5 minutes, on a shorter timer locally
/// (`HANDOFF_SWEEP_SECONDS`, 60 by default).
fn spawn_sweeper(app: App, mut stop: watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
    let sweep_every = std::env::var("HANDOFF_SWEEP_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(60)
        .max(1);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(sweep_every));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    // In AWS the escalate function runs the sweep on its schedule.
                    match as_function("escalate", handoff::app::sweep(&app, chrono::Utc::now())).await {
                        Ok(report) if report.notices + report.auto_resumed + report.reminders > 0 => tracing::info!(?report, "sweep"),
                        Ok(_) => {}
                        Err(e) => tracing::warn!(error = %e, "sweep failed; next tick retries"),
                    }
                }
                _ = stop.changed() => break,
            }
        }
    })
}

/// The weekly review the template schedules on Mondays, on a timer when asked for
/// (`HANDOFF_REVIEW_SECONDS`); otherwise `handoff review now`.
fn spawn_reviewer(
    app: App,
    mut stop: watch::Receiver<bool>,
) -> Option<tokio::task::JoinHandle<()>> {
    let every = std::env::var("HANDOFF_REVIEW_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .filter(|s| *s > 0)?;
    Some(tokio::spawn(async move {
        let period = Duration::from_secs(every);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let event = serde_json::json!({"review": true});
                    if let Err(e) = as_function("escalate", entry::handle_scheduled_event(&app, event)).await {
                        tracing::warn!(error = %e, "review failed; next tick retries");
                    }
                }
                _ = stop.changed() => break,
            }
        }
    }))
}

/// Where `handoff dev` keeps its place in the table's stream (`HANDOFF_DEV_CHECKPOINT`, else a
/// file per table in the temporary directory).
fn checkpoint_path(table: &str) -> std::path::PathBuf {
    std::env::var_os("HANDOFF_DEV_CHECKPOINT")
        .map(Into::into)
        .unwrap_or_else(|| {
            let safe: String = table
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            std::env::temp_dir().join(format!("handoff-dev-{safe}.stream.json"))
        })
}

/// Hands records to the policy function as Lambda would: retry from the reported failure with backoff,
/// and after the last attempt set the record aside (in AWS: the on-failure queue).
async fn deliver(app: &App, mut records: Vec<StreamEventRecord>) {
    let mut attempt = 1;
    let mut backoff = Duration::from_millis(200);
    while !records.is_empty() {
        let mut event = StreamEvent::default();
        event.records = records.clone();
        let response = as_function("policy", entry::handle_policy_batch(app, &event)).await;
        let Some(failed) = response
            .batch_item_failures
            .first()
            .and_then(|f| f.item_identifier.clone())
        else {
            return;
        };
        let at = records
            .iter()
            .position(|r| r.change.sequence_number.as_deref() == Some(failed.as_str()))
            .unwrap_or(0);
        records.drain(..at);
        if attempt >= MAX_ATTEMPTS {
            tracing::error!(sequence = %failed, "record failed {MAX_ATTEMPTS} times; set aside (in AWS: the on-failure queue)");
            records.remove(0);
            attempt = 1;
            continue;
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
        attempt += 1;
    }
}

async fn route(State(state): State<Arc<DevState>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    // What a Lambda Function URL accepts (6 MB), so a signed body is checked before any limit.
    let Ok(bytes) = axum::body::to_bytes(body, entry::MAX_REQUEST_BYTES).await else {
        return plain(413, "body too large: a Function URL takes at most 6 MB");
    };
    let path = parts.uri.path().to_string();
    if let (Some(fake), Some(rest)) = (&state.fake_graph, path.strip_prefix("/fake-graph")) {
        let answer = if rest == "/calls" {
            fake.calls()
        } else {
            fake.record(rest, &bytes)
        };
        return Response::builder()
            .header("content-type", "application/json")
            .body(Body::from(answer.to_string()))
            .unwrap_or_else(|_| plain(500, "response"));
    }
    let request = entry::request(
        parts.method.as_str(),
        &path,
        parts.uri.query().unwrap_or(""),
        parts.headers,
        Some(bytes.to_vec()),
    );
    let response = if path == "/webhook" {
        as_function("ingest", entry::handle_webhook(&state.app, &request)).await
    } else if ["/resume/", "/review/", "/answer/"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        as_function("resume", entry::handle_link(&state.app, &request)).await
    } else {
        return plain(
            404,
            "not found: the routes are /webhook, /resume/{token}, /answer/{token} and /review/{token}",
        );
    };
    to_axum(response)
}

fn plain(status: u16, text: &'static str) -> Response {
    Response::builder()
        .status(status)
        .body(Body::from(text))
        .expect("static response")
}

fn to_axum(r: UrlResponse) -> Response {
    let body = match (r.body, r.is_base64_encoded) {
        (Some(b), true) => base64::engine::general_purpose::STANDARD
            .decode(b)
            .unwrap_or_default(),
        (Some(b), false) => b.into_bytes(),
        (None, _) => Vec::new(),
    };
    let mut builder = Response::builder().status(u16::try_from(r.status_code).unwrap_or(500));
    for (name, value) in r.headers.iter() {
        builder = builder.header(name, value);
    }
    builder
        .body(Body::from(body))
        .unwrap_or_else(|_| plain(500, "response"))
}
