//! The settings read outside `Config::load`: before it (the boundary files, parsed while the
//! secrets are fetched), or where no `Config` is at hand (the metrics mode, set once per process;
//! the encoder for the CLI's tools; the local AWS call log of the IAM test). Read here, so every
//! environment variable Handoff knows is in `config`.

use std::path::PathBuf;

/// `POLICY_FILE` and `KNOWLEDGE_FILE` (the layer: version 1), when both are set.
pub fn boundary_files() -> Option<(String, String)> {
    Some((
        std::env::var("POLICY_FILE").ok()?,
        std::env::var("KNOWLEDGE_FILE").ok()?,
    ))
}

/// `ENCODER_FILE`: the sentence encoder to load, when set and not empty.
pub fn encoder_file() -> Option<PathBuf> {
    std::env::var_os("ENCODER_FILE")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
}

/// `BOUNDARY_CHECK_SECONDS`: how often a running function checks the boundary's version pointer.
pub fn boundary_check_seconds() -> Option<u64> {
    std::env::var("BOUNDARY_CHECK_SECONDS")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
}

/// Whether this process runs on Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set by the runtime).
pub fn on_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some()
}

/// `HANDOFF_METRICS` (`faults`, `all`, `off`), and whether this process runs on Lambda (where
/// the default is `faults`).
pub fn metrics_setting() -> (Option<String>, bool) {
    (std::env::var("HANDOFF_METRICS").ok(), on_lambda())
}

/// `HANDOFF_RECORD_AWS_CALLS`: where the local IAM test has every AWS call written.
pub fn aws_call_log() -> Option<String> {
    std::env::var("HANDOFF_RECORD_AWS_CALLS").ok()
}

/// `CHAT_TOPIC_ARN`, when set and not empty.
pub fn chat_topic_arn() -> Option<String> {
    std::env::var("CHAT_TOPIC_ARN")
        .ok()
        .filter(|t| !t.is_empty())
}
