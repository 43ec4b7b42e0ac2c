//! `Notifier` on SNS: one publish per handoff, `MessageStructure=json`, filterable attributes; and,
//! when a chat topic is configured, the same handoff as an AWS Chatbot custom notification there
//! (Chatbot subscribes over HTTPS too, so it needs a topic of its own).

use async_trait::async_trait;
use aws_sdk_sns::error::DisplayErrorContext;
use aws_sdk_sns::types::MessageAttributeValue;
use aws_sdk_sns::Client;

use crate::escalation::HandoffMessage;
use crate::ports::Notifier;
use crate::ports::NotifyError;

/// SNS's limit on one message.
const MAX_MESSAGE_BYTES: usize = 256 * 1024;

#[derive(Clone, Debug)]
pub struct SnsNotifier {
    client: SnsClient,
    topic_arn: String,
    chat_topic_arn: Option<String>,
}

/// The ingest function never publishes and the others only on a handoff: building the client
/// on the first publish keeps it out of every cold start.
#[derive(Clone, Debug)]
enum SnsClient {
    Built(Client),
    OnFirstPublish {
        aws: Box<aws_config::SdkConfig>,
        client: std::sync::OnceLock<Client>,
    },
}

impl SnsClient {
    fn get(&self) -> &Client {
        match self {
            Self::Built(client) => client,
            Self::OnFirstPublish { aws, client } => {
                client.get_or_init(|| crate::adapters::dynamodb::call_log::sns_client(aws))
            }
        }
    }
}

impl SnsNotifier {
    pub fn new(client: Client, topic_arn: impl Into<String>) -> Self {
        Self {
            client: SnsClient::Built(client),
            topic_arn: topic_arn.into(),
            chat_topic_arn: None,
        }
    }

    /// Builds its client from `aws` on the first publish.
    pub fn on_first_publish(aws: &aws_config::SdkConfig, topic_arn: impl Into<String>) -> Self {
        Self {
            client: SnsClient::OnFirstPublish {
                aws: Box::new(aws.clone()),
                client: std::sync::OnceLock::new(),
            },
            topic_arn: topic_arn.into(),
            chat_topic_arn: None,
        }
    }

    /// Also publishes each handoff to `topic` in Chatbot's custom-notification format.
    pub fn with_chat_topic(mut self, topic: Option<String>) -> Self {
        self.chat_topic_arn = topic.filter(|t| !t.is_empty());
        self
    }

    /// The chat copy is a convenience beside the team's topic: a failure is counted and logged,
    /// and never fails (or repeats) the handoff itself.
    async fn publish_chat(&self, topic: &str, message: &HandoffMessage) {
        let sent = tokio::time::timeout(
            crate::deadline::bound(PUBLISH_TIMEOUT),
            self.client
                .get()
                .publish()
                .topic_arn(topic)
                .message(message.chat.to_string())
                .send(),
        )
        .await;
        match sent {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                crate::metrics::fault("ChatNotifyFailures");
                tracing::warn!(error = %DisplayErrorContext(e), "chat notification not published");
            }
            Err(_) => {
                crate::metrics::fault("ChatNotifyFailures");
                tracing::warn!("chat notification not published before the deadline");
            }
        }
    }
}

/// One publish's own bound (SNS answers in milliseconds; the SDK retries within it).
const PUBLISH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The least of the invocation a publish may begin with (beyond the deadline's own margin for
/// recording the outcome): SNS answers in tens of milliseconds, but a publish cut off by the
/// deadline may have reached the team without our knowing, and the retry would send it again.
pub const PUBLISH_MARGIN: std::time::Duration = std::time::Duration::from_secs(3);

#[async_trait]
impl Notifier for SnsNotifier {
    async fn publish(&self, message: &HandoffMessage) -> Result<String, NotifyError> {
        if self.topic_arn.is_empty() {
            return Err(NotifyError::Invalid(
                "this function has no TOPIC_ARN to publish to".into(),
            ));
        }
        // Real SNS rejects these; the local endpoint does not, so check here.
        let subject = &message.subject;
        if !subject.is_ascii()
            || subject.contains(['\n', '\r'])
            || subject.len() >= 100
            || subject.is_empty()
        {
            return Err(NotifyError::Invalid(
                "subject must be ASCII, one line, 1-99 characters".into(),
            ));
        }
        if !crate::deadline::has_left(PUBLISH_MARGIN) {
            return Err(NotifyError::Deferred(format!(
                "less than {} s of the invocation left; the redelivery or the sweep publishes it",
                PUBLISH_MARGIN.as_secs()
            )));
        }
        let body = message.sns_body();
        if body.len() > MAX_MESSAGE_BYTES {
            return Err(NotifyError::Invalid(format!(
                "message is {} bytes, over SNS's 256 KB",
                body.len()
            )));
        }
        let mut req = self
            .client
            .get()
            .publish()
            .topic_arn(&self.topic_arn)
            .message_structure("json")
            .subject(subject)
            .message(body);
        for (name, value) in &message.attributes {
            let attr = MessageAttributeValue::builder()
                .data_type("String")
                .string_value(value)
                .build()
                .map_err(|e| NotifyError::Invalid(e.to_string()))?;
            req = req.message_attributes(*name, attr);
        }
        // Not past the invocation's deadline: cut, the lease would hold the notice back.
        let out = tokio::time::timeout(crate::deadline::bound(PUBLISH_TIMEOUT), req.send())
            .await
            .map_err(|_| {
                NotifyError::Aws("publish not finished before the invocation's deadline".into())
            })?
            .map_err(|e| NotifyError::Aws(DisplayErrorContext(e).to_string()))?;
        if let Some(topic) = &self.chat_topic_arn {
            self.publish_chat(topic, message).await;
        }
        Ok(out.message_id.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_publish_is_not_begun_with_too_little_of_the_invocation_left() {
        let aws = aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .build();
        let notifier = SnsNotifier::on_first_publish(&aws, "arn:aws:sns:eu-west-1:1:t");
        let message = HandoffMessage {
            subject: "[Handoff] test (3fa2c1d9)".into(),
            email: "x".into(),
            document: serde_json::json!({}),
            attributes: vec![],
            chat: serde_json::json!({}),
        };
        // 2.5 s left: the record margin (1.5 s) leaves 1 s, under the publish's 3 s.
        let deadline = std::time::Instant::now() + std::time::Duration::from_millis(2_500);
        let result = crate::deadline::scope(Some(deadline), notifier.publish(&message)).await;
        assert!(
            matches!(result, Err(NotifyError::Deferred(_))),
            "{result:?}"
        );
    }
}
