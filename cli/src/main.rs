//! `handoff`: the local dev server, the demo, and the policy tools.

mod boundary_cmd;
mod cases_cmd;
mod cost_cmd;
mod demo;
mod dev;
mod fake_graph;
mod knowledge_cmd;
mod link_cmd;
mod policy_cmd;
mod review_cmd;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "handoff",
    version,
    about = "A customer assistant for Messenger and Instagram that knows when to call a human"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve ingest and resume on HANDOFF_ADDR and drive policy and escalate from the table's stream.
    Dev {
        /// Create the table and the topic (`handoff`, `handoff-escalations`) when missing.
        #[arg(long)]
        bootstrap: bool,
        /// Also serve a stand-in Graph API under /fake-graph that records what the bot sends
        /// (point GRAPH_API_BASE at http://HANDOFF_ADDR/fake-graph).
        #[arg(long)]
        fake_graph: bool,
    },
    /// Play the demo conversation from events/demo against a running `handoff dev --fake-graph`.
    Demo {
        #[arg(long, default_value = "http://127.0.0.1:3000")]
        server: String,
        /// The local AWS endpoint, to read what SNS delivered.
        #[arg(
            long,
            env = "AWS_ENDPOINT_URL",
            default_value = "http://127.0.0.1:5000"
        )]
        aws_endpoint: String,
        #[arg(long, default_value = "events/demo")]
        events: PathBuf,
    },
    /// Erase everything the table holds about one customer: messages, pause state, escalations.
    Forget {
        #[arg(long)]
        page: String,
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "messenger")]
        channel: String,
        /// List what would be deleted; delete nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Hand a customer back to the bot without the emailed link.
    Resume {
        #[arg(long)]
        page: String,
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "messenger")]
        channel: String,
        /// needed_person, bot_could_handle or spam
        #[arg(long)]
        outcome: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// With bot_could_handle: the knowledge entry the bot should have answered with.
        #[arg(long)]
        entry: Option<String>,
        /// right or wrong: were the bot's answers before the handoff right?
        #[arg(long)]
        earlier_answers: Option<String>,
    },
    /// Estimate the monthly AWS cost per component, and per 1,000 messages.
    Cost(cost_cmd::CostArgs),
    /// Escalations as test cases.
    Cases {
        #[command(subcommand)]
        command: CasesCommand,
    },
    /// Measure a knowledge file; draft entries from escalations.
    Knowledge {
        #[command(subcommand)]
        command: KnowledgeCommand,
    },
    /// Escalations per week by reason, answered vs escalated, time to resume.
    Report {
        #[arg(long, default_value_t = 8)]
        weeks: u32,
        /// Also write an HTML page with SVG charts.
        #[arg(long)]
        html: Option<String>,
    },
    /// Sign or verify resume links.
    Link {
        #[command(subcommand)]
        command: link_cmd::LinkCommand,
    },
    /// The boundary the deployed stack uses: publish a version, list them, roll back.
    Boundary {
        #[command(subcommand)]
        command: boundary_cmd::BoundaryCommand,
    },
    /// The weekly review: what the labels propose, a sample of answers to check, one link.
    Review {
        #[command(subcommand)]
        command: ReviewCommand,
    },
    /// Validate and try the boundary.
    Policy {
        #[command(subcommand)]
        command: policy_cmd::PolicyCommand,
    },
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// Build today's review of the last whole week (Monday to Sunday) and publish its digest to
    /// the team topic (the template schedules this every Monday at 07:00 UTC); prints the review
    /// page's link.
    Now {
        /// Build it as if at this time (RFC 3339), e.g. a Monday 07:00 to see that schedule's
        /// review.
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
enum CasesCommand {
    /// Write escalations as JSON Lines test cases (docs/cases.md), through the by-time index.
    Export {
        /// A date (2026-11-01) or RFC 3339 time; default 90 days ago.
        #[arg(long)]
        since: Option<String>,
        #[arg(long)]
        reason: Option<String>,
        /// Default: standard output.
        #[arg(long)]
        out: Option<String>,
    },
}

#[derive(Subcommand)]
enum KnowledgeCommand {
    /// What labelled cases teach the knowledge file: "could have answered with X" adds the
    /// customer's words to X, "could have handled it" without an entry drafts a new entry, and
    /// "needed a person" on a message the engine decided adds it to `[outside]`.
    Suggest {
        cases: String,
        /// Print this knowledge file with the suggestions applied (comments kept) instead of a
        /// separate file to paste from.
        #[arg(long)]
        knowledge: Option<String>,
    },
    /// The sentence vectors of standard input's lines, one JSON object per line ({"text",
    /// "pieces", "vector"}): for checking the encoder against its reference.
    Embed {
        /// The converted encoder (scripts/convert-encoder).
        #[arg(
            long,
            env = "ENCODER_FILE",
            default_value = "config/encoder/use-m3.bin"
        )]
        encoder: String,
    },
    /// Measure a knowledge file against labelled messages (JSON Lines: {"text", "expect":
    /// "answer <entry>" | "escalate"}): right / wrong / escalated, off-topic answered, at every
    /// threshold, and the threshold to use.
    Eval {
        policy: String,
        knowledge: String,
        messages: String,
        /// The largest share of wrong answers (and of off-topic messages answered) to accept.
        #[arg(long, default_value_t = 0.02)]
        max_error: f64,
        /// Decide as if at this time (RFC 3339), for business hours.
        #[arg(long)]
        at: Option<String>,
        #[arg(long)]
        json: bool,
        /// Instead of the table, write what the calibrator reads for each message (JSON Lines).
        #[arg(long)]
        features: Option<String>,
        /// With `--features`: also write the file's own evidence here (each question asked
        /// without itself and without its entry, each `[outside]` example without itself; the
        /// last line holds the features the earned threshold is computed from).
        #[arg(long, requires = "features")]
        self_evidence: Option<String>,
    },
    /// Compute the examples' sentence vectors once, into `knowledge.index` beside the file (part
    /// of the layer the policy function reads).
    Build { knowledge: String },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Dev {
            bootstrap,
            fake_graph,
        } => {
            init_tracing();
            dev::run(bootstrap, fake_graph).await
        }
        Command::Demo {
            server,
            aws_endpoint,
            events,
        } => demo::run(&server, &aws_endpoint, &events).await,
        Command::Policy { command } => return policy_cmd::run(command),
        Command::Boundary { command } => boundary_cmd::run(command).await,
        Command::Review {
            command: ReviewCommand::Now { at },
        } => review_cmd::now(at.as_deref()).await,
        Command::Resume {
            page,
            user,
            channel,
            outcome,
            note,
            entry,
            earlier_answers,
        } => {
            link_cmd::run_resume(
                &channel,
                &page,
                &user,
                outcome.as_deref(),
                note.as_deref(),
                entry.as_deref(),
                earlier_answers.as_deref(),
            )
            .await
        }
        Command::Link { command } => link_cmd::run_link(command).await,
        Command::Forget {
            page,
            user,
            channel,
            dry_run,
        } => link_cmd::run_forget(&channel, &page, &user, dry_run).await,
        Command::Cases {
            command: CasesCommand::Export { since, reason, out },
        } => cases_cmd::export(since.as_deref(), reason.as_deref(), out.as_deref()).await,
        Command::Knowledge { command } => knowledge(command),
        Command::Report { weeks, html } => cases_cmd::report(weeks, html.as_deref()).await,
        Command::Cost(args) => cost_cmd::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `handoff knowledge …`.
fn knowledge(command: KnowledgeCommand) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        KnowledgeCommand::Suggest { cases, knowledge } => {
            cases_cmd::suggest_cmd(&cases, knowledge.as_deref())
        }
        KnowledgeCommand::Build { knowledge } => {
            knowledge_cmd::build(&knowledge).map_err(Into::into)
        }
        KnowledgeCommand::Embed { encoder } => knowledge_cmd::embed(&encoder).map_err(Into::into),
        KnowledgeCommand::Eval {
            policy,
            knowledge,
            messages,
            max_error,
            at,
            json,
            features,
            self_evidence,
        } => knowledge_cmd::eval(
            &policy,
            &knowledge,
            &messages,
            max_error,
            at.as_deref(),
            json,
            features.as_deref().map(|f| (f, self_evidence.as_deref())),
        )
        .map_err(Into::into),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,aws_config=warn,aws_smithy_runtime=warn"));
    if std::env::var("HANDOFF_LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(std::io::stderr)
            .init();
    }
}
