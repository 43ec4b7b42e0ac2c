//! CloudWatch Embedded Metric Format: one JSON line on stdout per metric, which Lambda's log
//! pipeline turns into metrics for the dashboard and alarms.
//!
//! Every series is billed for each hour it has data, so what is written is a choice
//! (`HANDOFF_METRICS`, set from the template's `Monitoring`):
//! - `faults` (the default on Lambda): only what the alarms watch, written only when it happens,
//!   so a healthy month costs nothing;
//! - `all`: also the activity the dashboard shows (messages, answers, escalations by reason,
//!   resumes, time to resume);
//! - `off`: nothing. Outside Lambda (and under `handoff dev`) the default is `off`.

use std::sync::OnceLock;

use serde_json::json;

/// The namespace the template's dashboard reads.
pub const NAMESPACE: &str = "Handoff";

/// Which metrics are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    Off,
    Faults,
    All,
}

impl Written {
    /// From `HANDOFF_METRICS` (`all`, `faults`, `off`; `1` is `all`), else by where it runs.
    pub fn from_setting(setting: Option<&str>, on_lambda: bool) -> Self {
        match setting.map(str::trim) {
            Some("all" | "1") => Self::All,
            Some("faults") => Self::Faults,
            Some("off" | "0") => Self::Off,
            _ if on_lambda => Self::Faults,
            _ => Self::Off,
        }
    }
}

fn written() -> Written {
    static MODE: OnceLock<Written> = OnceLock::new();
    *MODE.get_or_init(|| {
        let (setting, on_lambda) = crate::config::early::metrics_setting();
        Written::from_setting(setting.as_deref(), on_lambda)
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

/// Writes one activity metric (a count, unless `unit` says otherwise), for the dashboard.
pub fn emit(name: &str, value: f64, unit: &str, dimension: Option<(&str, &str)>) {
    if written() == Written::All {
        write(name, value, unit, dimension);
    }
}

/// Counts one fault an alarm watches: written unless metrics are off.
pub fn fault(name: &str) {
    if written() != Written::Off {
        write(name, 1.0, "Count", None);
    }
}

fn write(name: &str, value: f64, unit: &str, dimension: Option<(&str, &str)>) {
    let now = chrono::Utc::now().timestamp_millis();
    println!("{}", emf_line(name, value, unit, dimension, now));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_writes_faults_only_unless_told() {
        assert_eq!(Written::from_setting(None, true), Written::Faults);
        assert_eq!(Written::from_setting(None, false), Written::Off);
        assert_eq!(Written::from_setting(Some("all"), false), Written::All);
        assert_eq!(Written::from_setting(Some("1"), true), Written::All);
        assert_eq!(Written::from_setting(Some("off"), true), Written::Off);
        assert_eq!(
            Written::from_setting(Some("faults"), false),
            Written::Faults
        );
    }

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
