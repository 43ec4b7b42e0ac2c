//! One typed configuration per function, read once at start: plain settings from the
//! environment, secrets from SSM Parameter Store (SecureString) when `HANDOFF_SECRETS_PATH` is set,
//! else from the environment (local runs). Each function reads only what it needs: the resume
//! function never holds the Meta app secret, the ingest function never a page token.

pub mod early;
mod secrets;

use std::collections::HashMap;

use thiserror::Error;

use crate::resume::LinkKeys;
use crate::secret::Secret;

pub use secrets::{parameter_name, SecretsError};

/// Which binary reads its configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Function {
    Ingest,
    Policy,
    /// The deployed function named `escalate`: the scheduled sweep and the weekly review.
    Escalate,
    Resume,
    /// `handoff dev` and the command line: every function in one process.
    Local,
}

/// The secrets, by the name of the variable that holds them locally.
pub const SECRET_NAMES: [&str; 5] = [
    "META_APP_SECRET",
    "META_VERIFY_TOKEN",
    "META_PAGE_TOKENS",
    "LINK_KEYS",
    "LLM_API_KEY",
];

impl Function {
    /// What this function cannot start without (besides the table and the boundary files).
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Function::Ingest => &["META_APP_ID", "META_APP_SECRET", "META_VERIFY_TOKEN"],
            // It publishes the handoff it opens, with its resume link.
            Function::Policy => &[
                "TOPIC_ARN",
                "RESUME_BASE_URL",
                "LINK_KEYS",
                "META_PAGE_TOKENS",
            ],
            Function::Escalate => &[
                "TOPIC_ARN",
                "RESUME_BASE_URL",
                "LINK_KEYS",
                "META_PAGE_TOKENS",
            ],
            Function::Resume => &["LINK_KEYS", "META_PAGE_TOKENS"],
            Function::Local => &[
                "TOPIC_ARN",
                "META_APP_ID",
                "META_APP_SECRET",
                "META_VERIFY_TOKEN",
                "META_PAGE_TOKENS",
                "LINK_KEYS",
            ],
        }
    }

    /// The secrets it holds; any other is never read, even when present.
    pub fn secrets(self) -> &'static [&'static str] {
        match self {
            // Verifies Meta's signature and subscription; never talks to Meta.
            Function::Ingest => &["META_APP_SECRET", "META_VERIFY_TOKEN"],
            // Answers (page tokens), phrases answers and summarises handoffs (the optional LLM),
            // and signs the resume link of the handoff it publishes.
            Function::Policy => &["META_PAGE_TOKENS", "LINK_KEYS", "LLM_API_KEY"],
            // The sweep: signs links of late notices and reminders, names the customer,
            // summarises, takes threads back after expiry.
            Function::Escalate => &["META_PAGE_TOKENS", "LINK_KEYS", "LLM_API_KEY"],
            // Verifies links, takes the thread back, sends the resume message.
            Function::Resume => &["META_PAGE_TOKENS", "LINK_KEYS"],
            Function::Local => &SECRET_NAMES,
        }
    }

    fn holds(self, name: &str) -> bool {
        !SECRET_NAMES.contains(&name) || self.secrets().contains(&name)
    }
}

/// Default Graph API base; tests and local runs point it at a stub.
pub const DEFAULT_GRAPH_API_BASE: &str = "https://graph.facebook.com/v21.0";

/// Everything a function needs to know about its surroundings. What a function does not need is
/// empty (`topic_arn`, `app_id`), absent (`link_keys`, `verify_token`) or has no entries.
#[derive(Clone)]
pub struct Config {
    pub function: Function,
    pub table_name: String,
    pub topic_arn: String,
    /// Where AWS Chatbot (Slack, Microsoft Teams) listens; optional.
    pub chat_topic_arn: Option<String>,
    pub meta: MetaConfig,
    pub graph_api_base: String,
    /// Where resume links point. The policy and escalate functions (and `handoff dev`) need it;
    /// in the template it is the resume function's own URL, which that function cannot be given.
    pub resume_base_url: Option<String>,
    pub link_keys: Option<LinkKeys>,
    pub policy_file: String,
    pub knowledge_file: String,
    pub llm: Option<LlmConfig>,
    /// `LLM_PROVIDER=bedrock`: the Bedrock model to answer and summarise with (IAM, no key).
    pub bedrock_model: Option<String>,
    pub pause_hours: u32,
}

/// The Meta app's identity and secrets.
#[derive(Clone)]
pub struct MetaConfig {
    /// Our app id: echoes carrying another app id are a human replying.
    pub app_id: String,
    /// The app secret, and during a rotation the previous one too (`new,old`): a signature by
    /// either is accepted, so Meta's switch to the new secret loses no webhook.
    pub app_secrets: Vec<Secret>,
    pub verify_token: Option<Secret>,
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

/// The Bedrock model when `BEDROCK_MODEL_ID` names none: the cheapest text model on Bedrock,
/// enough to phrase a known answer.
pub const DEFAULT_BEDROCK_MODEL: &str = "amazon.nova-micro-v1:0";

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

    /// Reads the process environment with everything (`handoff dev`, the command line).
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// What a Lambda function reads at start: the environment, and its secrets from SSM
    /// Parameter Store when `HANDOFF_SECRETS_PATH` names where they are (one request).
    pub async fn load(
        function: Function,
        aws: &aws_config::SdkConfig,
    ) -> Result<Self, ConfigError> {
        let fetched = match std::env::var("HANDOFF_SECRETS_PATH")
            .ok()
            .filter(|p| !p.trim().is_empty())
        {
            Some(path) => secrets::fetch(aws, &path, function.secrets())
                .await
                .map_err(|e| ConfigError::Invalid {
                    name: "HANDOFF_SECRETS_PATH",
                    reason: e.to_string(),
                })?,
            None => HashMap::new(),
        };
        Self::from_lookup_for(function, |name| {
            fetched
                .get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok())
        })
    }

    /// Reads every function's configuration through `lookup` (tests, `handoff dev`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::from_lookup_for(Function::Local, lookup)
    }

    /// Reads what `function` needs through `lookup`; secrets it does not hold are never read.
    pub fn from_lookup_for(
        function: Function,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let optional = |name: &str| {
            lookup(name)
                .filter(|v| !v.trim().is_empty())
                .filter(|_| function.holds(name))
        };
        let needed = |name: &'static str| -> Result<Option<String>, ConfigError> {
            match optional(name) {
                None if function.required().contains(&name) => Err(ConfigError::Missing(name)),
                v => Ok(v),
            }
        };
        let always = |name: &'static str| -> Result<String, ConfigError> {
            optional(name).ok_or(ConfigError::Missing(name))
        };

        let page_tokens = page_tokens(needed("META_PAGE_TOKENS")?)?;
        let link_keys = needed("LINK_KEYS")?
            .map(|raw| LinkKeys::parse(&raw))
            .transpose()
            .map_err(|e| ConfigError::Invalid {
                name: "LINK_KEYS",
                reason: e.to_string(),
            })?;
        let app_secrets: Vec<Secret> = needed("META_APP_SECRET")?
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(Secret::new)
                    .collect()
            })
            .unwrap_or_default();
        let pause_hours = pause_hours(optional("PAUSE_HOURS"))?;
        let bedrock_model = bedrock_model(optional("LLM_PROVIDER"), optional("BEDROCK_MODEL_ID"))?;
        let llm = match optional("LLM_API_BASE").filter(|_| bedrock_model.is_none()) {
            None => None,
            Some(api_base) => Some(LlmConfig {
                api_base,
                api_key: Secret::new(optional("LLM_API_KEY").unwrap_or_default()),
                model: always("LLM_MODEL")?,
            }),
        };
        Ok(Config {
            function,
            table_name: always("TABLE_NAME")?,
            topic_arn: needed("TOPIC_ARN")?.unwrap_or_default(),
            chat_topic_arn: optional("CHAT_TOPIC_ARN"),
            meta: MetaConfig {
                app_id: needed("META_APP_ID")?.unwrap_or_default(),
                app_secrets,
                verify_token: needed("META_VERIFY_TOKEN")?.map(Secret::new),
                page_tokens,
            },
            graph_api_base: optional("GRAPH_API_BASE")
                .unwrap_or_else(|| DEFAULT_GRAPH_API_BASE.to_string())
                .trim_end_matches('/')
                .to_string(),
            resume_base_url: needed("RESUME_BASE_URL")?
                .map(|u| u.trim_end_matches('/').to_string()),
            link_keys,
            policy_file: always("POLICY_FILE")?,
            knowledge_file: always("KNOWLEDGE_FILE")?,
            llm,
            bedrock_model,
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
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .timeout_config(timeouts)
        .http_client(aws_http_client());
    // On Lambda the role's credentials are in the environment: the default chain would first
    // build its other providers (an STS client among them) on every cold start, to no use.
    let on_lambda = early::on_lambda();
    if on_lambda && std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        loader = loader.credentials_provider(
            aws_config::environment::EnvironmentVariableCredentialsProvider::new(),
        );
    }
    loader.load().await
}

/// The root certificates of Amazon Trust Services, which sign every AWS service endpoint's
/// certificate (DynamoDB, SNS, SSM, STS, Bedrock).
const AMAZON_TRUST_ROOTS: &[u8] = include_bytes!("roots/amazon-trust-services.pem");

/// The SDK's HTTPS client, trusting Amazon's roots only. The default client reads and parses the
/// whole system trust store (150 certificates, a file each) before the first poll: about a third
/// of a cold start. `HANDOFF_AWS_SYSTEM_ROOTS=1` restores it, for a proxy with its own CA.
fn aws_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    let system_roots = std::env::var("HANDOFF_AWS_SYSTEM_ROOTS").is_ok_and(|v| v == "1");
    let trust = if system_roots {
        TrustStore::default()
    } else {
        TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(AMAZON_TRUST_ROOTS)
    };
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store without extra server names always builds");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// `META_PAGE_TOKENS`: a JSON object of page id to token.
fn page_tokens(raw: Option<String>) -> Result<HashMap<String, Secret>, ConfigError> {
    let tokens: HashMap<String, String> = match raw {
        None => HashMap::new(),
        Some(raw) => serde_json::from_str(&raw).map_err(|_| ConfigError::Invalid {
            name: "META_PAGE_TOKENS",
            reason: "expected a JSON object of page id to token, like {\"1234\":\"EAAB...\"}"
                .into(),
        })?,
    };
    Ok(tokens
        .into_iter()
        .map(|(k, v)| (k, Secret::new(v)))
        .collect())
}

/// `PAUSE_HOURS`: how long an escalation pauses the bot, 24 unless set.
fn pause_hours(raw: Option<String>) -> Result<u32, ConfigError> {
    Ok(match raw {
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
    })
}

/// `LLM_PROVIDER` and `BEDROCK_MODEL_ID`: the Bedrock model, when Bedrock is the provider.
fn bedrock_model(
    provider: Option<String>,
    model_id: Option<String>,
) -> Result<Option<String>, ConfigError> {
    match provider.as_deref().map(str::trim) {
        None | Some("openai") => Ok(None),
        Some("bedrock") => Ok(Some(
            model_id.unwrap_or_else(|| DEFAULT_BEDROCK_MODEL.to_string()),
        )),
        Some(_) => Err(ConfigError::Invalid {
            name: "LLM_PROVIDER",
            reason: "expected bedrock or openai (or unset: no LLM)".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_sdk_trusts_amazons_five_roots_and_builds_without_reading_the_system_store() {
        let pem = std::str::from_utf8(AMAZON_TRUST_ROOTS).unwrap();
        assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        assert_eq!(pem.matches("-----END CERTIFICATE-----").count(), 5);
        // A client validates its HTTP client when built: the TLS context is made here, and a
        // PEM that does not parse would fail here rather than on the first call.
        let conf = aws_sdk_dynamodb::Config::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .http_client(aws_http_client())
            .build();
        let _client = aws_sdk_dynamodb::Client::from_conf(conf);
    }

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
    fn each_function_holds_only_its_own_secrets() {
        let mut env = full();
        env.insert("LLM_API_BASE", "https://llm.example");
        env.insert("LLM_MODEL", "m");
        env.insert("LLM_API_KEY", "llm-key");
        let read = |f| Config::from_lookup_for(f, |k| env.get(k).map(|v| v.to_string())).unwrap();
        let resume = read(Function::Resume);
        assert!(
            resume.meta.app_secrets.is_empty(),
            "no app secret in resume"
        );
        assert!(resume.meta.verify_token.is_none());
        assert!(resume.link_keys.is_some());
        assert!(resume.llm.as_ref().unwrap().api_key.expose().is_empty());
        let ingest = read(Function::Ingest);
        assert!(
            ingest.meta.page_tokens.is_empty(),
            "no page token in ingest"
        );
        assert!(ingest.link_keys.is_none());
        assert_eq!(ingest.meta.app_secrets.len(), 1);
        let policy = read(Function::Policy);
        assert!(policy.meta.app_secrets.is_empty() && policy.meta.verify_token.is_none());
        assert!(
            policy.link_keys.is_some(),
            "it signs the links of the handoffs it publishes"
        );
        assert_eq!(policy.llm.unwrap().api_key.expose(), "llm-key");
        let escalate = read(Function::Escalate);
        assert!(escalate.meta.app_secrets.is_empty());
        assert_eq!(escalate.topic_arn, env["TOPIC_ARN"]);
    }

    #[test]
    fn each_function_names_what_it_lacks() {
        let mut env = full();
        env.remove("TOPIC_ARN");
        let read = |env: &HashMap<&str, &str>, f| {
            Config::from_lookup_for(f, |k| env.get(k).map(|v| v.to_string()))
        };
        assert_eq!(
            read(&env, Function::Escalate).err(),
            Some(ConfigError::Missing("TOPIC_ARN"))
        );
        assert_eq!(
            read(&env, Function::Policy).err(),
            Some(ConfigError::Missing("TOPIC_ARN")),
            "it publishes the handoffs it opens"
        );
        env.remove("LINK_KEYS");
        assert!(read(&env, Function::Ingest).is_ok());
        assert_eq!(
            read(&env, Function::Resume).err(),
            Some(ConfigError::Missing("LINK_KEYS"))
        );
    }

    #[test]
    fn bedrock_is_chosen_by_provider_with_a_default_model() {
        let mut env = full();
        env.insert("LLM_PROVIDER", "bedrock");
        let read = |env: &HashMap<&str, &str>| {
            Config::from_lookup_for(Function::Policy, |k| env.get(k).map(|v| v.to_string()))
        };
        assert_eq!(
            read(&env).unwrap().bedrock_model.as_deref(),
            Some("amazon.nova-micro-v1:0")
        );
        env.insert("BEDROCK_MODEL_ID", "anthropic.claude-3-haiku-20240307-v1:0");
        assert_eq!(
            read(&env).unwrap().bedrock_model.as_deref(),
            Some("anthropic.claude-3-haiku-20240307-v1:0")
        );
        env.insert("LLM_PROVIDER", "gpt");
        assert!(matches!(
            read(&env).err(),
            Some(ConfigError::Invalid {
                name: "LLM_PROVIDER",
                ..
            })
        ));
    }

    #[test]
    fn a_rotated_app_secret_keeps_both_values() {
        let mut env = full();
        env.insert("META_APP_SECRET", "new-secret, old-secret");
        let c = Config::from_lookup_for(Function::Ingest, |k| env.get(k).map(|v| v.to_string()))
            .unwrap();
        let values: Vec<&str> = c.meta.app_secrets.iter().map(Secret::expose).collect();
        assert_eq!(values, ["new-secret", "old-secret"]);
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
