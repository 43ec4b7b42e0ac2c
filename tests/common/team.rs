//! The team's side: the topic and an SQS queue subscribed to it, read as the team would.

use std::time::Duration;

use serde_json::{json, Value};

use super::*;

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
