//! `handoff policy check|explain`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use handoff::app::{load_boundary, StartupError};
use handoff::message::Attachment;
use handoff::policy::{decide, Decision, Knowledge, Outcome, Policy, Turn};
use serde_json::json;

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file and a knowledge file: errors with file, line and column; warnings for
    /// rules that can never fire and questions listed twice.
    Check { policy: String, knowledge: String },
    /// Replay test cases (JSON Lines from `handoff cases export`) against the boundary. Exit status
    /// 1 when a case labelled "needed a person" would now be answered by the bot.
    Test {
        cases: String,
        #[arg(long, env = "POLICY_FILE", default_value = "config/policy.toml")]
        policy: String,
        #[arg(long, env = "KNOWLEDGE_FILE", default_value = "config/knowledge.toml")]
        knowledge: String,
        /// Show each changed case with both traces.
        #[arg(long)]
        verbose: bool,
    },
    /// Print the decision for a message: first line `answer <entry>`, `confirm <entry>`, `clarify`,
    /// `acknowledge` or `escalate <reason>`, then the trace.
    Explain {
        policy: String,
        knowledge: String,
        message: String,
        /// Decide as if at this time (RFC 3339), for business hours.
        #[arg(long)]
        at: Option<String>,
        /// Quick-reply or postback payload sent with the message.
        #[arg(long)]
        payload: Option<String>,
        /// Attachment types sent with the message (audio, image, video, file, …).
        #[arg(long = "attachment")]
        attachments: Vec<String>,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
    },
}

fn report(e: &StartupError) {
    match e {
        // `path:line:column: message`, the form editors and CI annotate.
        StartupError::Policy {
            path,
            source:
                handoff::policy::PolicyError::Parse {
                    line,
                    column,
                    message,
                },
        } => {
            eprintln!("{path}:{line}:{column}: error: {message}")
        }
        other => eprintln!("error: {other}"),
    }
}

pub fn run(cmd: PolicyCommand) -> ExitCode {
    match cmd {
        PolicyCommand::Test {
            cases,
            policy,
            knowledge,
            verbose,
        } => crate::cases_cmd::test(&cases, &policy, &knowledge, verbose),
        PolicyCommand::Check { policy, knowledge } => match load_boundary(&policy, &knowledge) {
            Ok((p, k)) => check(&policy, &knowledge, &p, &k),
            Err(e) => {
                report(&e);
                ExitCode::FAILURE
            }
        },
        PolicyCommand::Explain {
            policy,
            knowledge,
            message,
            at,
            payload,
            attachments,
            json,
        } => {
            let (p, k) = match load_boundary(&policy, &knowledge) {
                Ok(b) => b,
                Err(e) => {
                    report(&e);
                    return ExitCode::FAILURE;
                }
            };
            let now = match at.as_deref().map(DateTime::parse_from_rfc3339) {
                None => Utc::now(),
                Some(Ok(t)) => t.with_timezone(&Utc),
                Some(Err(_)) => {
                    eprintln!(
                        "error: --at must be an RFC 3339 time, like 2026-11-25T10:00:00+01:00"
                    );
                    return ExitCode::FAILURE;
                }
            };
            let attachments: Vec<Attachment> = attachments
                .into_iter()
                .map(|kind| Attachment { kind, url: None })
                .collect();
            let turn = Turn {
                text: Some(&message),
                payload: payload.as_deref(),
                attachments: &attachments,
                ..Default::default()
            };
            let d = decide(&p, &k, turn, now);
            if json {
                print_json(&d);
            } else {
                print_text(&d, &p, &k);
            }
            ExitCode::SUCCESS
        }
    }
}

/// `policy check`: errors that block a publish, warnings, and one line of what the files hold.
fn check(policy: &str, knowledge: &str, p: &Policy, k: &Knowledge) -> ExitCode {
    let too_long = handoff::policy::limits::check_lengths(p, k);
    for e in &too_long {
        eprintln!("{policy} + {knowledge}: error: {e}");
    }
    if !too_long.is_empty() {
        return ExitCode::FAILURE;
    }
    for w in &p.warnings {
        eprintln!("{policy}: warning: {w}");
    }
    for w in &k.warnings {
        eprintln!("{knowledge}: warning: {w}");
    }
    let pairs = k.earned().map_or(&[][..], |e| &e.pairs[..]);
    for pair in pairs {
        eprintln!("{knowledge}: warning: {}", pair.advice());
    }
    let triggers = [
        p.human_request.is_some(),
        p.frustration.is_some(),
        p.complaint.is_some(),
        p.money.is_some(),
        p.media.is_some(),
        p.hours.is_some(),
    ]
    .iter()
    .filter(|on| **on)
    .count();
    println!(
                    "ok: {} rules, {triggers} built-in triggers on, {} knowledge entries, languages {}, confidence threshold {}, {} warnings",
                    p.rules.len(),
                    k.entries().len(),
                    p.languages.join("+"),
                    p.threshold_for(k),
                    p.warnings.len() + k.warnings.len() + pairs.len()
                );
    ExitCode::SUCCESS
}

/// `policy explain --json`: the decision, the outcome and the trace as one JSON document.
fn print_json(d: &Decision) {
    let outcome = match &d.outcome {
        Outcome::Answer {
            entry,
            text,
            confidence,
        } => {
            json!({"action": "answer", "entry": entry, "text": text, "confidence": confidence})
        }
        Outcome::Confirm {
            entry,
            text,
            confidence,
        } => {
            json!({"action": "confirm", "entry": entry, "text": text, "confidence": confidence})
        }
        Outcome::Ask {
            entries,
            text,
            confidence,
        } => {
            json!({"action": "ask", "entries": entries, "text": text, "confidence": confidence})
        }
        Outcome::Clarify { text, confidence } => {
            json!({"action": "clarify", "text": text, "confidence": confidence})
        }
        Outcome::Acknowledge => json!({"action": "acknowledge"}),
        Outcome::Escalate {
            reason,
            detail,
            next_step,
            customer_text,
        } => json!({
            "action": "escalate", "reason": reason.as_str(), "detail": detail,
            "next_step": next_step, "customer_text": customer_text
        }),
    };
    println!(
        "{}",
        json!({"decision": d.headline(), "outcome": outcome, "intent": d.intent, "trace": d.trace})
    );
}

/// `policy explain`: the decision as a person reads it.
fn print_text(d: &Decision, p: &Policy, k: &Knowledge) {
    println!("{}", d.headline());
    println!("intent: {}", d.intent);
    println!("threshold: {}", p.threshold_for(k));
    match &d.outcome {
        Outcome::Answer { text, .. } | Outcome::Clarify { text, .. } => {
            println!("reply: {text}")
        }
        Outcome::Confirm { text, .. } => {
            println!("proposal (yes / no / person): {text}")
        }
        Outcome::Ask { text, .. } => {
            println!("question (one button per entry, and one for neither): {text}")
        }
        Outcome::Acknowledge => println!("reply: (none)"),
        Outcome::Escalate {
            customer_text,
            next_step,
            ..
        } => {
            println!("customer is told: {customer_text}");
            println!("next step for the team: {next_step}");
        }
    }
    print!("trace:\n{}", d.trace);
}
