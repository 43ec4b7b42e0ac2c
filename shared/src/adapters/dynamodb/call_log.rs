//! Which AWS calls each function really makes, for the IAM contract test (`tests/iam.rs`): the
//! local endpoint does not enforce IAM, so a call the template does not allow would only fail on
//! AWS. With `HANDOFF_RECORD_AWS_CALLS=<file>` the DynamoDB and SNS clients get an interceptor
//! that appends one line per call — `function service:Action resource` — naming the function the
//! running task serves (`handoff dev` marks each route and stream consumer with `as_function`).
//! Without the variable nothing is attached: the Lambda functions never pay for it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use aws_sdk_dynamodb::config::interceptors::BeforeSerializationInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::Metadata;

tokio::task_local! {
    static FUNCTION: &'static str;
}

/// Runs `fut` as the named function (`ingest`, `policy`, `escalate`, `resume`): its AWS calls
/// are recorded under that name.
pub async fn as_function<F: std::future::Future>(name: &'static str, fut: F) -> F::Output {
    FUNCTION.scope(name, fut).await
}

#[derive(Debug, Clone)]
struct CallRecorder {
    out: Arc<Mutex<std::fs::File>>,
}

/// The IAM actions one call needs, and on what: `table`, `index/<name>`, `topic` or `chat-topic`
/// (the topic named by `CHAT_TOPIC_ARN`, which the template grants separately).
fn actions(
    metadata: &Metadata,
    ctx: &BeforeSerializationInterceptorContextRef<'_>,
) -> Vec<(String, String)> {
    use aws_sdk_dynamodb::operation::query::QueryInput;
    use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsInput;
    let service = metadata.service().to_ascii_lowercase();
    let op = metadata.name();
    if service == "sns" {
        use aws_sdk_sns::operation::publish::PublishInput;
        let chat = crate::config::early::chat_topic_arn();
        let on = match ctx.input().downcast_ref::<PublishInput>() {
            Some(p) if chat.is_some() && p.topic_arn() == chat.as_deref() => "chat-topic",
            _ => "topic",
        };
        return vec![(format!("sns:{op}"), on.into())];
    }
    if let Some(q) = ctx.input().downcast_ref::<QueryInput>() {
        let on = q
            .index_name()
            .map_or("table".to_string(), |i| format!("index/{i}"));
        return vec![("dynamodb:Query".into(), on)];
    }
    // A transaction needs the action of each item it holds (IAM has no TransactWriteItems).
    if let Some(t) = ctx.input().downcast_ref::<TransactWriteItemsInput>() {
        return t
            .transact_items()
            .iter()
            .filter_map(|i| {
                let a = if i.put().is_some() {
                    "PutItem"
                } else if i.update().is_some() {
                    "UpdateItem"
                } else if i.delete().is_some() {
                    "DeleteItem"
                } else if i.condition_check().is_some() {
                    "ConditionCheckItem"
                } else {
                    return None;
                };
                Some((format!("dynamodb:{a}"), "table".to_string()))
            })
            .collect();
    }
    vec![(format!("dynamodb:{op}"), "table".into())]
}

impl Intercept for CallRecorder {
    fn name(&self) -> &'static str {
        "handoff call recorder"
    }

    // The operation's metadata is in the config bag from this hook on (not yet before execution).
    fn read_before_serialization(
        &self,
        context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let function = FUNCTION.try_with(|f| *f).unwrap_or("unknown");
        if let Some(metadata) = cfg.load::<Metadata>() {
            let mut out = self.out.lock().map_err(|_| "call log lock poisoned")?;
            for (action, resource) in actions(metadata, context) {
                writeln!(out, "{function} {action} {resource}")?;
            }
        }
        Ok(())
    }
}

fn recorder() -> Option<CallRecorder> {
    let path = crate::config::early::aws_call_log()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .inspect_err(|e| tracing::warn!(path, error = %e, "cannot record AWS calls"))
        .ok()?;
    Some(CallRecorder {
        out: Arc::new(Mutex::new(file)),
    })
}

/// The DynamoDB client, recording its calls when asked.
pub fn dynamodb_client(aws: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    match recorder() {
        Some(r) => aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(aws)
                .interceptor(r)
                .build(),
        ),
        None => aws_sdk_dynamodb::Client::new(aws),
    }
}

/// The SNS client, recording its calls when asked.
pub fn sns_client(aws: &aws_config::SdkConfig) -> aws_sdk_sns::Client {
    match recorder() {
        Some(r) => aws_sdk_sns::Client::from_conf(
            aws_sdk_sns::config::Builder::from(aws)
                .interceptor(r)
                .build(),
        ),
        None => aws_sdk_sns::Client::new(aws),
    }
}
