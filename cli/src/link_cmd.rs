//! `handoff link sign|verify` and `handoff resume`: the resume link for operators without email.

use std::error::Error;

use chrono::{Duration, Utc};
use clap::Subcommand;
use handoff::app::{resume_escalation, resume_human_pause, resume_url, ResumeOutcome};
use handoff::conversation::{Channel, ConversationKey};
use handoff::escalation::{AnswersVerdict, HumanLabel, OutcomeLabel, ResumedBy};
use handoff::resume::{LinkKeys, ResumeToken};
use handoff::{App, Config};

type Res<T> = Result<T, Box<dyn Error>>;

#[derive(Subcommand)]
pub enum LinkCommand {
    /// Sign a resume link for a customer's open escalation (needs the AWS settings and LINK_KEYS).
    Sign {
        #[arg(long)]
        page: String,
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "messenger")]
        channel: String,
        /// A specific escalation; by default the one that holds the customer now.
        #[arg(long)]
        escalation: Option<String>,
    },
    /// Verify a link (or its token) with LINK_KEYS and print what it grants.
    Verify { link: String },
}

fn conversation(channel: &str, page: &str, user: &str) -> Res<ConversationKey> {
    let channel: Channel = channel.parse()?;
    Ok(ConversationKey::new(channel, page, user))
}

async fn app() -> Res<App> {
    let config = Config::from_env()?;
    let aws = handoff::config::load_aws().await;
    Ok(App::from_config(&config, &aws)?)
}

pub async fn run_link(cmd: LinkCommand) -> Res<()> {
    match cmd {
        LinkCommand::Sign {
            page,
            user,
            channel,
            escalation,
        } => {
            let app = app().await?;
            if app.settings.resume_base_url.is_empty() {
                return Err("RESUME_BASE_URL must be set to sign links".into());
            }
            let conv = conversation(&channel, &page, &user)?;
            let id = match escalation {
                Some(id) => id,
                None => app
                    .conversations
                    .get_state(&conv)
                    .await?
                    .escalation_id
                    .ok_or_else(|| format!("no escalation holds {conv}; pass --escalation to sign a link for an earlier one"))?,
            };
            let e = app
                .escalations
                .get_escalation(&conv, &id)
                .await?
                .ok_or_else(|| format!("escalation {id} of {conv} does not exist"))?;
            if let Some(at) = e.resumed_at {
                return Err(format!("escalation {id} was already resumed at {at}").into());
            }
            println!("{}", resume_url(&app, &e));
            Ok(())
        }
        LinkCommand::Verify { link } => {
            let keys =
                LinkKeys::parse(&std::env::var("LINK_KEYS").map_err(|_| "LINK_KEYS must be set")?)
                    .map_err(|e| format!("LINK_KEYS: {e}"))?;
            let token = link.rsplit("/resume/").next().unwrap_or(&link).trim();
            match ResumeToken::verify(token, &keys, Utc::now()) {
                Ok(t) => {
                    println!(
                        "valid: resumes escalation {} of {}",
                        t.escalation_id, t.conversation
                    );
                    println!(
                        "expires {} (in {} h)",
                        t.expires_at.to_rfc3339(),
                        (t.expires_at - Utc::now()).num_hours()
                    );
                    Ok(())
                }
                Err(e) => Err(format!("not valid: {e}").into()),
            }
        }
    }
}

/// `handoff resume`: hands a customer back to the bot from the command line.
pub async fn run_resume(
    channel: &str,
    page: &str,
    user: &str,
    outcome: Option<&str>,
    note: Option<&str>,
    entry: Option<&str>,
    earlier_answers: Option<&str>,
) -> Res<()> {
    let mut outcome = match outcome {
        None => None,
        Some(o) => Some(
            OutcomeLabel::parse(o)
                .ok_or("--outcome must be needed_person, bot_could_handle or spam")?,
        ),
    };
    let earlier_answers = match earlier_answers {
        None => None,
        Some(v) => {
            Some(AnswersVerdict::parse(v).ok_or("--earlier-answers must be right or wrong")?)
        }
    };
    let app = app().await?;
    if let Some(id) = entry {
        if app.knowledge.get(id).is_none() {
            return Err(format!("--entry {id:?} is not an entry of the knowledge file").into());
        }
        match outcome {
            None | Some(OutcomeLabel::BotCouldHandle) => {
                outcome = Some(OutcomeLabel::BotCouldHandle)
            }
            Some(o) => {
                return Err(format!(
                    "--entry goes with --outcome bot_could_handle, not {}",
                    o.as_str()
                )
                .into())
            }
        }
    }
    let conv = conversation(channel, page, user)?;
    let state = app.conversations.get_state(&conv).await?;
    let Some(id) = state.escalation_id.clone() else {
        // A person paused the bot by replying in the inbox, with no escalation: end that pause.
        if state.holds_at(Utc::now()) && resume_human_pause(&app, &conv, Utc::now()).await? {
            println!("resumed: the bot answers {conv} again (it was paused by a person's reply in the inbox, no escalation)");
            return Ok(());
        }
        return Err(format!("{conv} is not paused: the bot already answers").into());
    };
    let token = ResumeToken {
        escalation_id: id.clone(),
        conversation: conv.clone(),
        expires_at: Utc::now() + Duration::minutes(5),
    };
    let label = HumanLabel {
        outcome,
        note: note.map(str::to_string),
        entry: entry.map(str::to_string),
        earlier_answers,
        ..HumanLabel::default()
    };
    match resume_escalation(&app, &token, ResumedBy::Cli, &label, Utc::now()).await? {
        ResumeOutcome::Resumed(_) => {
            println!("resumed: the bot answers {conv} again (escalation {id})")
        }
        ResumeOutcome::AlreadyResumed { at, by } => println!("already resumed at {at} ({:?})", by),
        ResumeOutcome::Superseded => println!("a newer escalation holds {conv}; nothing changed"),
        ResumeOutcome::NotFound => return Err(format!("escalation {id} not found").into()),
    }
    Ok(())
}

/// `handoff forget`: needs only TABLE_NAME (and AWS credentials), not the app's secrets.
pub async fn run_forget(channel: &str, page: &str, user: &str, dry_run: bool) -> Res<()> {
    let conv = conversation(channel, page, user)?;
    let table = std::env::var("TABLE_NAME")
        .ok()
        .filter(|t| !t.trim().is_empty())
        .ok_or("set TABLE_NAME to the table to erase from (the stack's TableName output)")?;
    let aws = handoff::config::load_aws().await;
    let store = handoff::adapters::DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), table);
    let items = if dry_run {
        store.customer_items(&conv).await?
    } else {
        store.forget(&conv).await?
    };
    let verb = if dry_run { "would delete" } else { "deleted" };
    if items.total() == 0 {
        println!("nothing stored for {conv}");
        return Ok(());
    }
    println!(
        "{verb} {} items of {conv}: {} messages, {} pause state, {} escalations, {} echo receipts",
        items.total(),
        items.messages.len(),
        usize::from(items.state),
        items.escalations.len(),
        items.echo_receipts.len()
    );
    if dry_run {
        for sk in items
            .escalations
            .iter()
            .chain(items.messages.iter())
            .chain(items.echo_receipts.iter())
        {
            println!("  {sk}");
        }
    }
    println!(
        "Not in the table, so not erased here: handoff emails and chat messages already delivered, \
         and CloudWatch logs (conversation keys and message ids only; kept for the stack's \
         LogRetentionDays)."
    );
    Ok(())
}
