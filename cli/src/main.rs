//! `handoff`: the local dev server, the demo, and the policy tools.

mod boundary_cmd;
mod cases_cmd;
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
    Cost {
        /// The volume to break down (the table at 1k, 10k, 100k and 1M follows either way).
        #[arg(long, default_value_t = 100_000.0)]
        messages_per_month: f64,
        /// Share of messages that escalate, 0..1.
        #[arg(long, default_value_t = 0.10)]
        escalation_rate: f64,
        /// People subscribed to the topic by email.
        #[arg(long, default_value_t = 1.0)]
        email_subscribers: f64,
        /// knowledge (the default) or bedrock (Nova Micro rephrases answers and summarises handoffs).
        #[arg(long, default_value = "knowledge")]
        engine: String,
        /// The template's Monitoring: essential (the default) or full.
        #[arg(long, default_value = "essential")]
        monitoring: String,
        /// The template's LogLevel: WARN (the default), or INFO/DEBUG.
        #[arg(long, default_value = "WARN")]
        log_level: String,
    },
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
        Command::Knowledge {
            command: KnowledgeCommand::Suggest { cases, knowledge },
        } => cases_cmd::suggest_cmd(&cases, knowledge.as_deref()),
        Command::Knowledge {
            command: KnowledgeCommand::Build { knowledge },
        } => knowledge_cmd::build(&knowledge).map_err(Into::into),
        Command::Knowledge {
            command: KnowledgeCommand::Embed { encoder },
        } => knowledge_cmd::embed(&encoder).map_err(Into::into),
        Command::Knowledge {
            command:
                KnowledgeCommand::Eval {
                    policy,
                    knowledge,
                    messages,
                    max_error,
                    at,
                    json,
                    features,
                    self_evidence,
                },
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
        Command::Report { weeks, html } => cases_cmd::report(weeks, html.as_deref()).await,
        Command::Cost {
            messages_per_month,
            escalation_rate,
            email_subscribers,
            engine,
            monitoring,
            log_level,
        } => {
            if !(0.0..=1.0).contains(&escalation_rate) || messages_per_month < 0.0 {
                eprintln!("error: --escalation-rate must be between 0 and 1 and --messages-per-month positive");
                return ExitCode::FAILURE;
            }
            let engine = match engine.as_str() {
                "knowledge" => handoff::cost::Engine::Knowledge,
                "bedrock" => handoff::cost::Engine::Bedrock,
                other => {
                    eprintln!("error: --engine {other:?}: expected knowledge or bedrock");
                    return ExitCode::FAILURE;
                }
            };
            let full_monitoring = match monitoring.as_str() {
                "essential" => false,
                "full" => true,
                other => {
                    eprintln!("error: --monitoring {other:?}: expected essential or full");
                    return ExitCode::FAILURE;
                }
            };
            let info_logs = match log_level.to_ascii_uppercase().as_str() {
                "ERROR" | "WARN" => false,
                "INFO" | "DEBUG" => true,
                other => {
                    eprintln!("error: --log-level {other:?}: expected ERROR, WARN, INFO or DEBUG");
                    return ExitCode::FAILURE;
                }
            };
            let options = handoff::cost::Options {
                engine,
                full_monitoring,
                info_logs,
            };
            let e = handoff::cost::estimate_with(
                messages_per_month,
                escalation_rate,
                email_subscribers,
                options,
            );
            println!("Monthly estimate for {messages_per_month:.0} messages, {:.0}% escalated (prices {}, no free tier):", escalation_rate * 100.0, handoff::cost::prices::AS_OF);
            for l in &e.lines {
                println!(
                    "  {:<32} {:>32}  ${:>9.4}{}",
                    l.component,
                    l.quantity,
                    l.dollars,
                    if l.fixed { "  (fixed)" } else { "" }
                );
            }
            println!("  {:<32} {:>32}  ${:>9.4}", "total", "", e.total);
            println!(
                "  of which paid whatever the traffic, or growing with what is kept (alarms, metrics, dashboard, the sweep, storage, secrets at start): ${:.4}",
                e.fixed_total
            );
            println!("\n  messages/month    per month   per 1,000 messages   fixed share");
            for volume in [1_000.0, 10_000.0, 100_000.0, 1_000_000.0] {
                let v = handoff::cost::estimate_with(
                    volume,
                    escalation_rate,
                    email_subscribers,
                    options,
                );
                println!(
                    "  {:>14.0}  ${:>10.2}   ${:>18.4}   {:>10.0}%",
                    volume,
                    v.total,
                    v.per_thousand_messages,
                    v.fixed_total / v.total * 100.0
                );
            }
            println!(
                "a flood of 10,000 messages from one sender (stored, read once each, never decided or answered once {} came within a minute): ${:.4}",
                handoff::policy::FLOOD_MESSAGES,
                handoff::cost::flood_cost(10_000.0)
            );
            println!("per 1,000 messages: ${:.4}", e.per_thousand_messages);
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
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
