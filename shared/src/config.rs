//! One typed configuration, read once at start from the environment (DESIGN.md "Configuration").

use std::collections::HashMap;
use std::fmt;

use thiserror::Error;

use crate::resume::LinkKeys;

/// Default Graph API base; tests and local runs point it at a stub.
pub const DEFAULT_GRAPH_API_BASE: &str = "https://graph.facebook.com/v21.0";

/// Everything a function needs to know about its surroundings.
#[derive(Clone)]
pub struct Config {
    pub table_name: String,
    pub topic_arn: String,
    pub meta: MetaConfig,
    pub graph_api_base: String,
    /// Where resume links point. Only the escalate function (and `handoff dev`) needs it; in the
    /// template it is the resume function's own URL, which that function cannot be given.
    pub resume_base_url: Option<String>,
    pub link_keys: LinkKeys,
    pub policy_file: String,
    pub knowledge_file: String,
    pub llm: Option<LlmConfig>,
    pub pause_hours: u32,
}

/// The Meta app's identity and secrets.
#[derive(Clone)]
pub struct MetaConfig {
    /// Our app id: echoes carrying another app id are a human replying.
    pub app_id: String,
    pub app_secret: Secret,
    pub verify_token: Secret,
    /// Page id → page access token.
    pub page_tokens: HashMap<String, Secret>,
}

/// An OpenAI-compatible chat completions endpoint (optional).
#[derive(Clone, Debug)]
pub struct LlmConfig {
    pub api_base: String,
    pub api_key: Secret,
    pub model: String,
}

/// A string that never prints itself, so it cannot leak through `{:?}` into a log or an error.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

/// Why the configuration could not be read; always names the variable and never echoes a value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("missing required environment variable {0}")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    /// `RESUME_BASE_URL`, for the functions that build links.
    pub fn require_resume_base_url(&self) -> Result<&str, ConfigError> {
        self.resume_base_url
            .as_deref()
            .ok_or(ConfigError::Missing("RESUME_BASE_URL"))
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let required = |name: &'static str| -> Result<String, ConfigError> {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .ok_or(ConfigError::Missing(name))
        };
        let optional = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());

        let page_tokens_raw = required("META_PAGE_TOKENS")?;
        let page_tokens: HashMap<String, String> =
            serde_json::from_str(&page_tokens_raw).map_err(|_| ConfigError::Invalid {
                name: "META_PAGE_TOKENS",
                reason: "expected a JSON object of page id to token, like {\"1234\":\"EAAB...\"}"
                    .into(),
            })?;
        let link_keys =
            LinkKeys::parse(&required("LINK_KEYS")?).map_err(|e| ConfigError::Invalid {
                name: "LINK_KEYS",
                reason: e.to_string(),
            })?;
        let pause_hours = match optional("PAUSE_HOURS") {
            None => 24,
            Some(v) => v
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|h| (1..=24 * 30).contains(h))
                .ok_or(ConfigError::Invalid {
                    name: "PAUSE_HOURS",
                    reason: "expected a whole number of hours between 1 and 720".into(),
                })?,
        };
        let llm = match optional("LLM_API_BASE") {
            None => None,
            Some(api_base) => Some(LlmConfig {
                api_base,
                api_key: Secret::new(optional("LLM_API_KEY").unwrap_or_default()),
                model: required("LLM_MODEL")?,
            }),
        };
        Ok(Config {
            table_name: required("TABLE_NAME")?,
            topic_arn: required("TOPIC_ARN")?,
            meta: MetaConfig {
                app_id: required("META_APP_ID")?,
                app_secret: Secret::new(required("META_APP_SECRET")?),
                verify_token: Secret::new(required("META_VERIFY_TOKEN")?),
                page_tokens: page_tokens
                    .into_iter()
                    .map(|(k, v)| (k, Secret::new(v)))
                    .collect(),
            },
            graph_api_base: optional("GRAPH_API_BASE")
                .unwrap_or_else(|| DEFAULT_GRAPH_API_BASE.to_string())
                .trim_end_matches('/')
                .to_string(),
            resume_base_url: optional("RESUME_BASE_URL")
                .map(|u| u.trim_end_matches('/').to_string()),
            link_keys,
            policy_file: required("POLICY_FILE")?,
            knowledge_file: required("KNOWLEDGE_FILE")?,
            llm,
            pause_hours,
        })
    }
}

/// The AWS SDK configuration every binary builds once: default chain (so `AWS_ENDPOINT_URL` points
/// it at a local endpoint) with explicit timeouts, since the SDK sets none by default.
pub async fn load_aws() -> aws_config::SdkConfig {
    // A slower local endpoint (the moto server under load) may need longer attempts.
    let attempt = std::env::var("HANDOFF_AWS_ATTEMPT_TIMEOUT_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(3);
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .operation_timeout(std::time::Duration::from_secs(8.max(attempt * 3)))
        .operation_attempt_timeout(std::time::Duration::from_secs(attempt))
        .connect_timeout(std::time::Duration::from_secs(2))
        .build();
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .load()
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("TABLE_NAME", "handoff"),
            (
                "TOPIC_ARN",
                "arn:aws:sns:us-east-1:123456789012:handoff-escalations",
            ),
            ("META_APP_ID", "111"),
            ("META_APP_SECRET", "s3cret"),
            ("META_VERIFY_TOKEN", "verify-me"),
            ("META_PAGE_TOKENS", r#"{"100":"tok"}"#),
            ("RESUME_BASE_URL", "https://x.example/"),
            (
                "LINK_KEYS",
                "k1:c2VjcmV0LWtleS1vbmUtMzItYnl0ZXMtbG9uZy4uLi4=",
            ),
            ("POLICY_FILE", "config/policy.toml"),
            ("KNOWLEDGE_FILE", "config/knowledge.toml"),
        ])
    }

    #[test]
    fn reads_a_complete_environment_with_defaults() {
        let env = full();
        let c = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.graph_api_base, DEFAULT_GRAPH_API_BASE);
        assert_eq!(c.resume_base_url.as_deref(), Some("https://x.example"));
        assert_eq!(c.pause_hours, 24);
        assert!(c.llm.is_none());
        assert_eq!(c.meta.page_tokens["100"].expose(), "tok");
    }

    #[test]
    fn a_missing_variable_names_itself() {
        let mut env = full();
        env.remove("TOPIC_ARN");
        let err = Config::from_lookup(|k| env.get(k).map(|v| v.to_string())).err();
        assert_eq!(err, Some(ConfigError::Missing("TOPIC_ARN")));
        assert_eq!(
            err.unwrap().to_string(),
            "missing required environment variable TOPIC_ARN"
        );
    }

    #[test]
    fn invalid_values_say_what_to_fix_without_echoing_secrets() {
        let mut env = full();
        env.insert("META_PAGE_TOKENS", "not json SECRETVALUE");
        let err = Config::from_lookup(|k| env.get(k).map(|v| v.to_string()))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("META_PAGE_TOKENS"));
        assert!(!err.contains("SECRETVALUE"));
        assert_eq!(format!("{:?}", Secret::new("abc")), "Secret(***)");
    }
}
