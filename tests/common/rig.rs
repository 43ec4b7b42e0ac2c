//! An in-process App on a fresh table, for tests that drive the use cases directly.

use super::*;

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
