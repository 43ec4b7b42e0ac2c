//! The use cases, one per function: ingest a webhook, respond to a customer, notify the team,
//! resume a customer. Each takes the `App` (its ports and settings) and the time as parameters.

mod handing_over;
mod ingest;
mod loading;
mod notify_team;
mod one_click;
mod outcome;
mod reply_plan;
mod respond;
mod resume;
mod sending;
mod state_change;
mod sweep;
#[cfg(test)]
mod tests;
mod thread_request;

pub use ingest::{ingest_webhook, IngestError, IngestReport};
pub use loading::{deciding_compiler, encoder_path, load_boundary};
use loading::{load_boundary_for, version_compiler};
pub use notify_team::{handoff_links, notify_escalation, resume_url, NotifyOutcome};
pub use one_click::{send_one_click, OneClickOutcome, OneClickRequest};
pub use outcome::RespondOutcome;
pub use respond::respond;
pub use resume::{
    resume_conversation, resume_escalation, resume_human_pause, ResumeOutcome, ResumeResult,
};
pub use state_change::pause_for_person;
pub use sweep::{sweep, SweepReport};
pub use thread_request::{grant_thread_request, ThreadGrant};

use std::sync::Arc;

use thiserror::Error;

use crate::adapters::language_model::{ChatCompletionsModel, DEFAULT_TIMEOUT};
use crate::adapters::{DynamoStore, GraphClient, SnsNotifier};
use crate::config::{Config, Function};
use crate::live::{Boundary, LiveBoundary};
use crate::policy::{Knowledge, Policy, PolicyError};
use crate::ports::{
    BoundaryVersions, Conversations, Escalations, GraphError, LanguageModel, Messenger, Notifier,
    NotifyError, Stats, Store, StoreError,
};
use crate::resume::LinkKeys;
use crate::secret::Secret;

/// Settings the use cases read (a slice of `Config` without the AWS names).
#[derive(Clone)]
pub struct Settings {
    pub app_id: String,
    /// The app secret (and the previous one during a rotation); ingest only.
    pub app_secrets: Vec<Secret>,
    /// Ingest only.
    pub verify_token: Option<Secret>,
    pub resume_base_url: String,
    /// The escalate and resume functions only.
    pub link_keys: Option<LinkKeys>,
    pub pause_hours: u32,
    /// Link lifetime; never past the escalation's end of the human-agent window.
    pub link_days: i64,
    /// Conversation Routing calls (pass/take thread control) on or off.
    pub routing: bool,
    /// The boundary deployed with the stack (version 1, and the fallback).
    pub layer: crate::live::LayerFiles,
}

/// Ports, boundary and settings: what every function needs, built once at start.
#[derive(Clone)]
pub struct App {
    pub conversations: Arc<dyn Conversations>,
    pub escalations: Arc<dyn Escalations>,
    pub stats: Arc<dyn Stats>,
    pub messenger: Arc<dyn Messenger>,
    pub notifier: Arc<dyn Notifier>,
    pub policy: Arc<Policy>,
    pub knowledge: Arc<Knowledge>,
    /// The optional LLM answer engine.
    pub language_model: Option<Arc<dyn LanguageModel>>,
    pub settings: Settings,
    /// The published versions of the boundary, followed while running (`policy` and `knowledge`
    /// above are the version in use: `App::current` swaps them). `None`: the layer alone.
    pub live: Option<Arc<LiveBoundary>>,
    /// The stored versions and the weekly reviews (the table); `None` in memory-only rigs.
    pub versions: Option<Arc<dyn BoundaryVersions>>,
    pub reviews: Option<Arc<dyn crate::ports::Reviews>>,
}

/// Why the App could not be built.
#[derive(Debug, Error)]
pub enum StartupError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Policy { path: String, source: PolicyError },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("reading the policy files stopped: {0}")]
    Interrupted(String),
    #[error(transparent)]
    Encoder(#[from] crate::encoder::EncoderError),
}

impl App {
    /// Everything a Lambda function does before its first poll. The boundary files are parsed on
    /// a blocking thread while the SDK is configured and the secrets are fetched from SSM: on
    /// Lambda that fetch is a TLS handshake and a round trip, which the parsing then costs
    /// nothing on top of.
    pub async fn start(function: Function) -> Result<Self, StartupError> {
        // When a file is missing, Config::load says which.
        let boundary = crate::config::early::boundary_files().map(|(policy, knowledge)| {
            tokio::task::spawn_blocking(move || load_boundary_for(function, &policy, &knowledge))
        });
        let aws = crate::config::load_aws().await;
        let config = Config::load(function, &aws).await?;
        let clients = Clients::new(&config, &aws);
        let boundary = match boundary {
            Some(task) => task
                .await
                .map_err(|e| StartupError::Interrupted(e.to_string()))??,
            None => load_boundary_for(function, &config.policy_file, &config.knowledge_file)?,
        };
        Ok(Self::from_parts(&config, &aws, clients, boundary))
    }
}

/// The outside services' clients, built while the boundary is still being parsed.
struct Clients {
    dynamodb: aws_sdk_dynamodb::Client,
    graph: GraphClient,
    notifier: SnsNotifier,
}

impl Clients {
    fn new(config: &Config, aws: &aws_config::SdkConfig) -> Self {
        Self {
            dynamodb: crate::adapters::dynamodb::call_log::dynamodb_client(aws),
            graph: GraphClient::new(&config.graph_api_base, config.meta.page_tokens.clone()),
            notifier: SnsNotifier::on_first_publish(aws, &config.topic_arn)
                .with_chat_topic(config.chat_topic_arn.clone()),
        }
    }
}

impl App {
    /// Wires the production adapters from one `SdkConfig`.
    pub fn from_config(config: &Config, aws: &aws_config::SdkConfig) -> Result<Self, StartupError> {
        let boundary =
            load_boundary_for(config.function, &config.policy_file, &config.knowledge_file)?;
        Ok(Self::from_parts(
            config,
            aws,
            Clients::new(config, aws),
            boundary,
        ))
    }

    fn from_parts(
        config: &Config,
        aws: &aws_config::SdkConfig,
        clients: Clients,
        (policy, knowledge): (Policy, Knowledge),
    ) -> Self {
        let routing = policy.routing;
        let link_days = i64::from(policy.link_days);
        let store = Arc::new(
            DynamoStore::new(clients.dynamodb, &config.table_name).with_retention(policy.retention),
        );
        let policy = Arc::new(policy);
        let knowledge = Arc::new(knowledge);
        // Ingest only stores: its retention follows the layer (a redeploy), and its cold start
        // stays one file read.
        let live = (config.function != Function::Ingest).then(|| {
            Arc::new(LiveBoundary::new(
                store.clone() as Arc<dyn BoundaryVersions>,
                Boundary {
                    version: crate::live::LAYER_VERSION,
                    policy: policy.clone(),
                    knowledge: knowledge.clone(),
                },
                version_compiler(config.function, &config.knowledge_file),
                LiveBoundary::check_every_from_env(),
            ))
        });
        Self {
            conversations: store.clone(),
            escalations: store.clone(),
            stats: store.clone(),
            messenger: Arc::new(clients.graph),
            notifier: Arc::new(clients.notifier),
            policy,
            knowledge,
            live,
            versions: Some(store.clone() as Arc<dyn BoundaryVersions>),
            reviews: Some(store as Arc<dyn crate::ports::Reviews>),
            language_model: match (&config.bedrock_model, &config.llm) {
                (Some(model), _) => Some(Arc::new(
                    crate::adapters::language_model::BedrockModel::new(aws, model, DEFAULT_TIMEOUT),
                ) as Arc<dyn LanguageModel>),
                (None, Some(llm)) => Some(Arc::new(ChatCompletionsModel::new(
                    llm.clone(),
                    DEFAULT_TIMEOUT,
                )) as Arc<dyn LanguageModel>),
                (None, None) => None,
            },
            settings: Settings {
                app_id: config.meta.app_id.clone(),
                app_secrets: config.meta.app_secrets.clone(),
                verify_token: config.meta.verify_token.clone(),
                resume_base_url: config.resume_base_url.clone().unwrap_or_default(),
                link_keys: config.link_keys.clone(),
                pause_hours: config.pause_hours,
                link_days,
                routing,
                layer: crate::live::LayerFiles {
                    policy: config.policy_file.clone(),
                    knowledge: config.knowledge_file.clone(),
                },
            },
        }
    }
}

impl App {
    /// This App with the boundary version current now (the pointer is read at most every
    /// `BOUNDARY_CHECK_SECONDS`): what every event is handled with.
    pub async fn current(&self) -> App {
        let mut app = self.clone();
        if let Some(live) = &self.live {
            let b = live.current().await;
            app.settings.routing = b.policy.routing;
            app.settings.link_days = i64::from(b.policy.link_days);
            app.policy = b.policy;
            app.knowledge = b.knowledge;
        }
        app
    }

    /// The version in use (1: the layer).
    pub async fn boundary_version(&self) -> u32 {
        match &self.live {
            Some(live) => live.current().await.version,
            None => crate::live::LAYER_VERSION,
        }
    }

    /// Puts all three stores on one adapter (DynamoDB's table, or memory).
    pub fn use_store<S: Store + 'static>(&mut self, store: Arc<S>) {
        self.conversations = store.clone();
        self.escalations = store.clone();
        self.stats = store;
    }
}

/// A step that could not finish; the stream (or Meta) will deliver it again.
#[derive(Debug, Error)]
pub enum FlowError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Notify(#[from] NotifyError),
    #[error("{0}")]
    Busy(String),
    /// An event of a shape this function does not take; retrying will not help.
    #[error("unusable event: {0}")]
    BadEvent(String),
}
