//! CloudWatch Embedded Metric Format: one JSON line on stdout per metric, which Lambda's log
//! pipeline turns into metrics for the dashboard and alarms. Off outside Lambda (and under
//! `handoff dev`) unless `HANDOFF_METRICS=1`.

use std::sync::OnceLock;

use serde_json::json;

/// The namespace the template's dashboard reads.
pub const NAMESPACE: &str = "Handoff";

fn enabled() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| {
        std::env::var("AWS_LAMBDA_FUNCTION_NAME").is_ok()
            || std::env::var("HANDOFF_METRICS").as_deref() == Ok("1")
    })
}

/// The EMF document for one metric with at most one dimension.
pub fn emf_line(
    name: &str,
    value: f64,
    unit: &str,
    dimension: Option<(&str, &str)>,
    timestamp_ms: i64,
) -> String {
    let dimensions: Vec<Vec<&str>> = match dimension {
        Some((k, _)) => vec![vec![k], vec![]],
        None => vec![vec![]],
    };
    let mut doc = json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": NAMESPACE,
                "Dimensions": dimensions,
                "Metrics": [{"Name": name, "Unit": unit}],
            }],
        },
        name: value,
    });
    if let Some((k, v)) = dimension {
        doc[k] = json!(v);
    }
    doc.to_string()
}

/// Writes one metric (a count, unless `unit` says otherwise).
pub fn emit(name: &str, value: f64, unit: &str, dimension: Option<(&str, &str)>) {
    if enabled() {
        println!(
            "{}",
            emf_line(
                name,
                value,
                unit,
                dimension,
                chrono::Utc::now().timestamp_millis()
            )
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_follow_the_embedded_metric_format() {
        let v: serde_json::Value = serde_json::from_str(&emf_line(
            "Escalations",
            1.0,
            "Count",
            Some(("Reason", "money")),
            1,
        ))
        .unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Handoff");
        assert_eq!(
            v["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0][0],
            "Reason"
        );
        assert_eq!(v["Escalations"], 1.0);
        assert_eq!(v["Reason"], "money");
    }
}
