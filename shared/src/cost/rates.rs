//! The prices (with their date) and the usage per message, per escalation and per month that the
//! cost model multiplies.

/// us-east-1 list prices, late 2025 – mid 2026 (secondary sources; see REFERENCE.md).
pub mod prices {
    pub const AS_OF: &str = "2026-08 (us-east-1)";
    pub const LAMBDA_PER_REQUEST: f64 = 0.20 / 1e6;
    pub const LAMBDA_ARM_PER_GB_S: f64 = 0.000_013_333_4;
    pub const DDB_PER_WRU: f64 = 0.625 / 1e6;
    pub const DDB_PER_RRU: f64 = 0.125 / 1e6;
    pub const SNS_PER_PUBLISH: f64 = 0.50 / 1e6;
    pub const SNS_PER_EMAIL: f64 = 2.00 / 100_000.0;
    pub const LOGS_PER_GB: f64 = 0.50;
    /// Log storage, per GB-month (kept `LogRetentionDays`, 30 by default: about one month).
    pub const LOGS_STORAGE_PER_GB_MONTH: f64 = 0.03;
    /// Custom metrics: $0.30 per metric-month, prorated by the hour a metric receives data.
    pub const METRIC_PER_MONTH: f64 = 0.30;
    /// Standard-resolution alarms: $0.10 per metric an alarm watches, per month.
    pub const ALARM_METRIC_PER_MONTH: f64 = 0.10;
    pub const DASHBOARD_PER_MONTH: f64 = 3.00;
    /// DynamoDB standard table storage and continuous backups (PITR), per GB-month.
    pub const DDB_STORAGE_PER_GB_MONTH: f64 = 0.25;
    pub const PITR_PER_GB_MONTH: f64 = 0.20;
    /// SNS to HTTPS endpoints (AWS Chatbot subscribes that way).
    pub const SNS_PER_HTTPS: f64 = 0.60 / 1e6;
    /// KMS requests: the SNS topics are encrypted with the AWS-managed key (no monthly fee).
    pub const KMS_PER_REQUEST: f64 = 0.03 / 10_000.0;
    /// Amazon Nova Micro on Bedrock, on demand: $0.035 per million input tokens, $0.14 output.
    pub const NOVA_MICRO_PER_INPUT_TOKEN: f64 = 0.035 / 1e6;
    pub const NOVA_MICRO_PER_OUTPUT_TOKEN: f64 = 0.14 / 1e6;
}

/// What one message, one escalation and the schedule use, counted from the code's requests
/// (`tests/roundtrips.rs` pins the sequence); durations are estimates and include the Graph and
/// SNS calls the functions wait on. Every function has 128 MB (`template.yaml`).
pub mod usage {
    pub const MEMORY_GB: f64 = 0.125;
    /// Invocations per message: ingest, policy, and ingest again for Meta's echo of the bot's
    /// send (the answer or the handoff notice).
    pub const INVOCATIONS_PER_MESSAGE: f64 = 3.0;
    /// ingest: ~30 ms (the conditional put).
    pub const INGEST_SECONDS: f64 = 0.030;
    /// policy: ~250 ms (mostly the Graph send).
    pub const POLICY_SECONDS: f64 = 0.250;
    /// An escalation adds ~150 ms to the policy function (the publish, waited on).
    pub const ESCALATION_SECONDS: f64 = 0.150;
    /// resume: GET and POST of the link, ~60 ms each.
    pub const RESUME_INVOCATIONS: f64 = 2.0;
    pub const RESUME_SECONDS: f64 = 0.060;
    /// The sweep runs every 5 minutes: 8,640 invocations a month, ~100 ms each.
    pub const SWEEPS_PER_MONTH: f64 = 8_640.0;
    pub const SWEEP_SECONDS: f64 = 0.100;
    /// Writes every message makes: its conditional put, and the echo receipt of the bot's send.
    pub const WRU_PER_MESSAGE: f64 = 2.0;
    /// Writes per answer: the reply reserved in the ≤ 1 KB STATE item (no transaction), the
    /// ≤ 1 KB reply record (no trace) and its copy in the by-time index (where the weekly review
    /// draws its sample of answers), the day's answer counter.
    pub const WRU_PER_ANSWER: f64 = 4.0;
    /// Running functions read the boundary's version pointer (one eventually consistent read,
    /// half a unit) at most every 30 seconds while they are invoked: the policy function up to
    /// twice a minute per busy environment, the sweep's function at each sweep.
    pub const VERSION_CHECKS_PER_BUSY_MONTH: f64 = 2.0 * 60.0 * 730.0;
    /// The weekly review: one invocation of the escalate function (~2 s: six weeks of
    /// escalations through the index, seven sample queries, the week's chosen answers, the
    /// digest), 4.35 a month; its page opened, previewed and applied once each (~3 s each: the
    /// engine measures before → after).
    pub const REVIEWS_PER_MONTH: f64 = 4.35;
    pub const REVIEW_SECONDS: f64 = 2.0;
    pub const REVIEW_PAGE_INVOCATIONS: f64 = 3.0;
    pub const REVIEW_PAGE_SECONDS: f64 = 3.0;
    /// A review item and its saves (~20 KB, written at build, notified, and at each apply).
    pub const REVIEW_WRU: f64 = 20.0 * 4.0;
    /// A published version: its blob (the knowledge index of ~1.7 KB per question), written
    /// once, and read once by each environment that loads it.
    pub const VERSION_KB_PER_QUESTION: f64 = 1.7;
    /// Writes per escalation (items of `fixed::ESCALATION_KB`, copied whole into the by-time
    /// index): the opening transaction of STATE, escalation and notice (2 × 7), its index copy
    /// (5), marked notified with the customer's notice (5 + index 5), the resume (label 5 + index
    /// 5, STATE 1, the resume message's record 1 and echo receipt 1) and a reminder's claim and
    /// mark for one in five (0.2 × 20).
    pub const WRU_PER_ESCALATION: f64 = 14.0 + 5.0 + 10.0 + 13.0 + 4.0;
    /// Cold starts a month (an estimate: Lambda does not publish how long it keeps an idle
    /// environment). Ingest and policy, busy all day, start about twice an hour (environments
    /// are recycled, and bursts scale out); the sweep's function, invoked every five minutes,
    /// about once an hour; the resume function, invoked for a link minutes or hours after its
    /// handoff, once per escalation.
    pub const BUSY_COLD_STARTS_PER_MONTH: f64 = 2.0 * 730.0;
    pub const SWEEP_COLD_STARTS_PER_MONTH: f64 = 730.0;
    pub const RESUME_COLD_STARTS_PER_ESCALATION: f64 = 1.0;

    /// SecureString parameters `function` decrypts at start, one KMS request each: its secrets
    /// without the key of an outside LLM, which neither engine of the template uses.
    pub fn secrets_read_at_start(function: crate::config::Function) -> f64 {
        function
            .secrets()
            .iter()
            .filter(|name| **name != "LLM_API_KEY")
            .count() as f64
    }
    /// Reads per message: one strongly consistent query of STATE and the last 30 items
    /// (~13 KB now that replies carry no trace).
    pub const RRU_PER_MESSAGE: f64 = 4.0;
    /// Reads per escalation: the resume page twice and the form (the escalation, strongly
    /// consistent, 2 each) and STATE.
    pub const RRU_PER_ESCALATION: f64 = 7.0;
    /// Log bytes per invocation at INFO (one line per step); at WARN (the default) only what
    /// goes wrong is written, about nothing in a healthy month.
    pub const LOG_BYTES_PER_INVOCATION_INFO: f64 = 1_000.0;
    pub const LOG_BYTES_PER_INVOCATION_WARN: f64 = 20.0;
}

/// What the stack pays whatever the traffic, and what grows with what it keeps.
pub mod fixed {
    /// Hours in a month.
    pub const HOURS: f64 = 730.0;
    /// Metric series the alarms in `template.yaml` watch (checked against the template in a
    /// test): the four essential ones, and all with `Monitoring=full`.
    pub const ALARM_METRICS_ESSENTIAL: f64 = 4.0;
    pub const ALARM_METRICS_FULL: f64 = 12.0;
    /// Stored sizes: a customer message, a bot reply (no trace), an escalation.
    pub const MESSAGE_KB: f64 = 0.5;
    pub const REPLY_KB: f64 = 0.5;
    pub const ESCALATION_KB: f64 = 5.0;
    /// Default retention (`[retention]`): messages 3 months, escalations 12.
    pub const MESSAGE_MONTHS: f64 = 3.0;
    pub const ESCALATION_MONTHS: f64 = 12.0;
    /// The sweep reads, through the by-time index (eventually consistent: half a read unit per
    /// 4 KB), the escalations created since the oldest still open: with the default 24-hour
    /// pause, about a day's worth.
    pub const SWEEP_WINDOW_HOURS: f64 = 24.0;
    /// Reasons escalations spread over, and resume paths (link, inbox, expiry), for the
    /// activity metrics with a dimension (`Monitoring=full`).
    pub const ACTIVE_REASONS: f64 = 5.0;
    pub const RESUME_PATHS: f64 = 3.0;
    /// Share of escalations that get a reminder.
    pub const REMINDED: f64 = 0.2;
}

/// The model's share: tokens per call, from the prompts this code sends (system prompt, three
/// knowledge entries and the message in; the JSON answer out; 30 transcript lines for a summary).
pub mod model_usage {
    pub const ANSWER_INPUT_TOKENS: f64 = 500.0;
    pub const ANSWER_OUTPUT_TOKENS: f64 = 100.0;
    pub const SUMMARY_INPUT_TOKENS: f64 = 1_500.0;
    pub const SUMMARY_OUTPUT_TOKENS: f64 = 80.0;
}
