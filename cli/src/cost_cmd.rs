//! `handoff cost`: the monthly AWS cost per component at a traffic, and per 1,000 messages.

use std::error::Error;

use clap::Args;

#[derive(Args, Debug)]
pub struct CostArgs {
    /// The volume to break down (the table at 1k, 10k, 100k and 1M follows either way).
    #[arg(long, default_value_t = 100_000.0)]
    pub messages_per_month: f64,
    /// Share of messages that escalate, 0..1.
    #[arg(long, default_value_t = 0.10)]
    pub escalation_rate: f64,
    /// People subscribed to the topic by email.
    #[arg(long, default_value_t = 1.0)]
    pub email_subscribers: f64,
    /// knowledge (the default) or bedrock (Nova Micro rephrases answers and summarises handoffs).
    #[arg(long, default_value = "knowledge")]
    pub engine: String,
    /// The template's Monitoring: essential (the default) or full.
    #[arg(long, default_value = "essential")]
    pub monitoring: String,
    /// The template's LogLevel: WARN (the default), or INFO/DEBUG.
    #[arg(long, default_value = "WARN")]
    pub log_level: String,
}

pub fn run(args: &CostArgs) -> Result<(), Box<dyn Error>> {
    let CostArgs {
        messages_per_month,
        escalation_rate,
        email_subscribers,
        engine,
        monitoring,
        log_level,
    } = args;
    let (messages_per_month, escalation_rate, email_subscribers) =
        (*messages_per_month, *escalation_rate, *email_subscribers);
    if !(0.0..=1.0).contains(&escalation_rate) || messages_per_month < 0.0 {
        return Err(
            "--escalation-rate must be between 0 and 1 and --messages-per-month positive".into(),
        );
    }
    let engine = match engine.as_str() {
        "knowledge" => handoff::cost::Engine::Knowledge,
        "bedrock" => handoff::cost::Engine::Bedrock,
        other => {
            return Err(format!("--engine {other:?}: expected knowledge or bedrock").into());
        }
    };
    let full_monitoring = match monitoring.as_str() {
        "essential" => false,
        "full" => true,
        other => {
            return Err(format!("--monitoring {other:?}: expected essential or full").into());
        }
    };
    let info_logs = match log_level.to_ascii_uppercase().as_str() {
        "ERROR" | "WARN" => false,
        "INFO" | "DEBUG" => true,
        other => {
            return Err(
                format!("--log-level {other:?}: expected ERROR, WARN, INFO or DEBUG").into(),
            );
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
    print_volumes(escalation_rate, email_subscribers, options);
    println!(
        "a flood of 10,000 messages from one sender (stored, read once each, never decided or answered once {} came within a minute): ${:.4}",
        handoff::policy::FLOOD_MESSAGES,
        handoff::cost::flood_cost(10_000.0)
    );
    println!("per 1,000 messages: ${:.4}", e.per_thousand_messages);
    Ok(())
}

/// The same estimate at 1,000 to 1,000,000 messages a month.
fn print_volumes(escalation_rate: f64, email_subscribers: f64, options: handoff::cost::Options) {
    println!("\n  messages/month    per month   per 1,000 messages   fixed share");
    for volume in [1_000.0, 10_000.0, 100_000.0, 1_000_000.0] {
        let v = handoff::cost::estimate_with(volume, escalation_rate, email_subscribers, options);
        println!(
            "  {:>14.0}  ${:>10.2}   ${:>18.4}   {:>10.0}%",
            volume,
            v.total,
            v.per_thousand_messages,
            v.fixed_total / v.total * 100.0
        );
    }
}
