//! `handoff boundary publish|history|rollback`: the versions of the boundary the deployed stack
//! uses (the table named by `TABLE_NAME`), changed without a redeploy.

use std::error::Error;
use std::sync::Arc;

use clap::Subcommand;
use handoff::adapters::DynamoStore;
use handoff::live::{self, LayerFiles};
use handoff::ports::BoundaryVersions;

type Res<T> = Result<T, Box<dyn Error>>;

#[derive(Subcommand)]
pub enum BoundaryCommand {
    /// Check both files (as `policy check` does), build the knowledge index, store them as a new
    /// version and make it current. Running functions pick it up within a minute.
    Publish {
        policy: String,
        knowledge: String,
        /// Who publishes (shown in the history); default $USER.
        #[arg(long)]
        by: Option<String>,
    },
    /// The versions, newest first: who, when, what changed; the current one marked.
    History,
    /// Make version N current again (1: the files deployed with the stack).
    Rollback {
        version: u32,
        #[arg(long)]
        by: Option<String>,
    },
}

async fn store() -> Res<DynamoStore> {
    let table = std::env::var("TABLE_NAME")
        .map_err(|_| "missing required environment variable TABLE_NAME (the stack's table)")?;
    let aws = handoff::config::load_aws().await;
    Ok(DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table))
}

fn who(by: Option<String>) -> String {
    by.or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "command line".into())
}

/// The layer's files as the stack deploys them (`POLICY_FILE`, `KNOWLEDGE_FILE`, default config/).
pub fn layer_files() -> LayerFiles {
    LayerFiles {
        policy: std::env::var("POLICY_FILE").unwrap_or_else(|_| "config/policy.toml".into()),
        knowledge: std::env::var("KNOWLEDGE_FILE")
            .unwrap_or_else(|_| "config/knowledge.toml".into()),
    }
}

pub async fn run(cmd: BoundaryCommand) -> Res<()> {
    let store = store().await?;
    match cmd {
        BoundaryCommand::Publish {
            policy,
            knowledge,
            by,
        } => {
            let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
            let (policy_src, knowledge_src) = (read(&policy)?, read(&knowledge)?);
            let encoder = match handoff::app::encoder_path(&knowledge) {
                Some(path) => Some(Arc::new(handoff::encoder::SentenceEncoder::open(&path)?)),
                None => {
                    eprintln!("warning: no sentence encoder (ENCODER_FILE, or encoder/use-m3.bin beside {knowledge}): the version carries no index, and the policy function embeds the examples when it loads it");
                    None
                }
            };
            let prepared = live::prepare(policy_src, knowledge_src, encoder)?;
            for w in &prepared.1.warnings {
                eprintln!("warning: {w}");
            }
            let (base, old) = live::current_content(&store, &layer_files()).await?;
            let record = live::publish(
                &store,
                &base,
                Some(&old),
                (&prepared.0, &prepared.1),
                &who(by),
            )
            .await?;
            println!(
                "published version {} ({}); it is current, and running functions use it within a minute",
                record.version, record.change
            );
            Ok(())
        }
        BoundaryCommand::History => {
            let current = store.current().await?;
            let history = store.history().await?;
            for r in &history {
                println!(
                    "{} v{:<4} {}  {:<20} {}",
                    if r.version == current.version {
                        "*"
                    } else {
                        " "
                    },
                    r.version,
                    r.at.format("%Y-%m-%d %H:%M UTC"),
                    r.by,
                    r.change
                );
            }
            println!(
                "{} v1    the files deployed with the stack (the layer, the fallback)",
                if current.version == 1 { "*" } else { " " }
            );
            Ok(())
        }
        BoundaryCommand::Rollback { version, by } => {
            let record = live::rollback(&store, version, &who(by)).await?;
            println!(
                "version {} is current: {}; running functions use it within a minute",
                record.version, record.change
            );
            Ok(())
        }
    }
}
