//! The monthly cost model behind `handoff cost`: per component, from price constants with their
//! date and the per-message usage this code actually makes (writes, reads, invocations).

mod lines;
mod rates;

use lines::{
    bedrock_line, delivery_lines, monitoring_lines, one_click_lines, review_lines, storage_lines,
    usage_lines, Usage,
};
pub use rates::{fixed, model_usage, prices, usage};

/// Which engine phrases answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The knowledge file alone (the default): no model cost.
    Knowledge,
    /// Amazon Bedrock with the default model (Nova Micro): every answer the knowledge finds is
    /// rephrased, every handoff summarised.
    Bedrock,
}

/// What the template's parameters choose (`Monitoring`, `LogLevel`, `AnswerEngine`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub engine: Engine,
    /// `Monitoring=full`: the dashboard, every alarm and the activity metrics.
    pub full_monitoring: bool,
    /// `LogLevel=INFO` (or DEBUG) rather than the default WARN.
    pub info_logs: bool,
}

impl Default for Options {
    /// The template's defaults.
    fn default() -> Self {
        Self {
            engine: Engine::Knowledge,
            full_monitoring: false,
            info_logs: false,
        }
    }
}

/// One line of the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct CostLine {
    pub component: &'static str,
    pub quantity: String,
    pub dollars: f64,
    /// Paid whatever the traffic (or growing with what is kept), not per message.
    pub fixed: bool,
}

/// The monthly estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct CostEstimate {
    pub lines: Vec<CostLine>,
    pub total: f64,
    pub fixed_total: f64,
    pub per_thousand_messages: f64,
}

/// Hours in a month a metric series with `per_month` data points receives at least one (they
/// arrive at random: Poisson), which is what CloudWatch bills it for.
pub fn metric_hours(per_month: f64) -> f64 {
    let per_hour = per_month / fixed::HOURS;
    fixed::HOURS * (1.0 - (-per_hour).exp())
}

/// Share of escalations a person settles with one click from the handoff (an estimate: the
/// unsure ones that carry a suggestion, about half of all escalations on the measured shops).
pub const ONE_CLICK_SHARE: f64 = 0.5;
/// What one click adds to the resume path it replaces (same invocations, the same label write):
/// the recent messages read to refuse a stale suggestion (a strongly consistent query of ~13 KB,
/// 4 units) and the answer's copy in the answers' index (one write).
pub const ONE_CLICK_EXTRA_RRU: f64 = 4.0;
pub const ONE_CLICK_EXTRA_WRU: f64 = 1.0;

/// What a flood of `messages` from one sender costs (`policy::FLOOD_MESSAGES` within a minute
/// and the bot hands the sender to a person, once): each message is stored by one ingest
/// invocation and read once by the policy function, in batches of 10, with no decision, no
/// sentence encoder and no send while the sender is paused; the few answers before it and the one
/// escalation are the ordinary ones.
pub fn flood_cost(messages: f64) -> f64 {
    use prices::*;
    use usage::*;
    /// A paused customer's message in the policy function: one read, ~15 ms.
    const PAUSED_SECONDS: f64 = 0.015;
    const STREAM_BATCH: f64 = 10.0;
    let invocations = messages + messages / STREAM_BATCH;
    let gb_s = MEMORY_GB * messages * (INGEST_SECONDS + PAUSED_SECONDS);
    invocations * LAMBDA_PER_REQUEST
        + gb_s * LAMBDA_ARM_PER_GB_S
        + messages * (WRU_PER_MESSAGE / 2.0) * DDB_PER_WRU
        + messages * RRU_PER_MESSAGE * DDB_PER_RRU
}

/// Monthly cost for `messages` inbound messages of which `escalation_rate` escalate, with
/// `email_subscribers` people on the topic, as the template deploys by default. No free tier.
pub fn estimate(messages: f64, escalation_rate: f64, email_subscribers: f64) -> CostEstimate {
    estimate_with(
        messages,
        escalation_rate,
        email_subscribers,
        Options::default(),
    )
}

/// `estimate`, with the template's options.
pub fn estimate_with(
    messages: f64,
    escalation_rate: f64,
    email_subscribers: f64,
    options: Options,
) -> CostEstimate {
    use usage::*;
    let escalations = messages * escalation_rate;
    let answers = messages - escalations;
    let invocations =
        messages * INVOCATIONS_PER_MESSAGE + escalations * RESUME_INVOCATIONS + SWEEPS_PER_MONTH;
    let gb_s = MEMORY_GB
        * (messages * (2.0 * INGEST_SECONDS + POLICY_SECONDS)
            + escalations * (ESCALATION_SECONDS + RESUME_INVOCATIONS * RESUME_SECONDS)
            + SWEEPS_PER_MONTH * SWEEP_SECONDS);
    // The sweep moves its cursor once per sweep at most.
    let wru = messages * WRU_PER_MESSAGE
        + answers * WRU_PER_ANSWER
        + escalations * WRU_PER_ESCALATION
        + SWEEPS_PER_MONTH;
    let rru = messages * RRU_PER_MESSAGE + escalations * RRU_PER_ESCALATION;
    // Each sweep reads a window of escalations through the index, half a unit per 4 KB.
    let sweep_rru = {
        use fixed::*;
        let per_sweep = escalations * SWEEP_WINDOW_HOURS / HOURS * ESCALATION_KB / 4.0 * 0.5;
        SWEEPS_PER_MONTH * per_sweep.max(0.5)
    };
    let log_bytes = if options.info_logs {
        LOG_BYTES_PER_INVOCATION_INFO
    } else {
        LOG_BYTES_PER_INVOCATION_WARN
    };
    let log_gb = invocations * log_bytes / 1e9;
    let mut lines = usage_lines(
        Usage {
            invocations,
            gb_s,
            wru,
            rru,
            sweep_rru,
            log_gb,
        },
        escalations,
        email_subscribers,
    );
    if options.engine == Engine::Bedrock {
        lines.push(bedrock_line(answers, escalations));
    }
    lines.extend(delivery_lines(escalations));
    lines.extend(monitoring_lines(messages, escalations, options));
    lines.extend(storage_lines(messages, escalations, log_gb));
    lines.extend(review_lines(messages, escalations, options));
    lines.extend(one_click_lines(escalations));
    let total: f64 = lines.iter().map(|l| l.dollars).sum();
    let fixed_total: f64 = lines.iter().filter(|l| l.fixed).map(|l| l.dollars).sum();
    CostEstimate {
        per_thousand_messages: if messages > 0.0 {
            total / messages * 1000.0
        } else {
            0.0
        },
        lines,
        total,
        fixed_total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bedrock_adds_its_tokens_by_hand() {
        // 100,000 messages, 10% escalate: 90,000 answers × (500 in, 100 out) + 10,000 summaries
        // × (1,500 in, 80 out) = 60M in, 9.8M out → 60 × $0.035 + 9.8 × $0.14 = $3.472.
        let bedrock = Options {
            engine: Engine::Bedrock,
            ..Options::default()
        };
        let e = estimate_with(100_000.0, 0.10, 1.0, bedrock);
        let line = e
            .lines
            .iter()
            .find(|l| l.component == "Bedrock (Nova Micro)")
            .unwrap();
        assert!((line.dollars - 3.472).abs() < 1e-9, "{}", line.dollars);
        let base = estimate(100_000.0, 0.10, 1.0);
        assert!((e.total - base.total - 3.472).abs() < 1e-9);
    }

    #[test]
    fn matches_a_hand_calculation() {
        // 100,000 messages, 10% escalations, one email subscriber, the template's defaults.
        // Invocations: 300,000 + 10,000 × 2 + 8,640 = 328,640 → $0.065728
        // GB-s: 0.125 × (100,000 × 0.31 + 10,000 × 0.27 + 8,640 × 0.1) = 4,320.5
        // WRU: 200,000 + 90,000 × 4 + 10,000 × 46 + 8,640 = 1,028,640 → $0.6429
        // RRU: 400,000 + 70,000 = 470,000 → $0.05875
        // Sweep: 8,640 × (10,000 × 24 / 730 × 5 / 4 × 0.5) = 1,775,342.5 RRU → $0.2219178
        // SNS: 20,000 publishes $0.01; email 10,000 × $0.00002 = $0.20; HTTPS to Chatbot
        // 10,000 × $0.0000006 = $0.006; KMS 20,000 → $0.06
        // Logs at WARN: 328,640 × 20 B = 0.0065728 GB → $0.0032864
        let e = estimate(100_000.0, 0.10, 1.0);
        let by = |c: &str| e.lines.iter().find(|l| l.component == c).unwrap().dollars;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(by("Lambda requests"), 0.065728));
        assert!(close(
            by("Lambda compute (arm64)"),
            4_320.5 * 0.000_013_333_4
        ));
        assert!(close(by("DynamoDB writes"), 0.6429));
        // Version checks: 87,600 (twice a minute, busy) + 8,640 sweeps + 20,000 resume
        // invocations = 116,240 half-unit reads → $0.007265.
        assert!(close(by("Boundary version checks"), 0.007265));
        assert!(close(by("DynamoDB reads"), 0.05875));
        assert!(close(
            by("DynamoDB reads (sweep)"),
            1_775_342.465_753_4 * 0.125 / 1e6
        ));
        assert!(close(by("SNS publishes"), 0.01));
        assert!(close(by("SNS email deliveries"), 0.20));
        assert!(close(by("CloudWatch Logs"), 0.0032864));
        assert!(close(by("SNS to AWS Chatbot (HTTPS)"), 0.006));
        assert!(close(by("KMS (encrypted topics)"), 0.06));
        // Secrets: (2 × 1,460 + 730) starts × 2 = 7,300 requests → $0.0219 (fixed); resume
        // 10,000 starts × 2 = 20,000 → $0.06.
        assert!(close(by("KMS (secrets, busy starts)"), 0.0219));
        assert!(close(by("KMS (secrets, resume starts)"), 0.06));
        // Fixed: no metric data in a healthy month; 4 alarm metrics $0.40; no dashboard; storage
        // (100,000 × 1 KB × 3 months + 10,000 × 5 KB × 12 months = 0.9 GB) × ($0.25 + $0.20) =
        // $0.405; the index's copy of the escalations 0.6 GB × $0.25 = $0.15 (no PITR); log
        // storage 0.0065728 GB × $0.03.
        assert!(close(by("CloudWatch custom metrics"), 0.0));
        assert!(close(by("CloudWatch alarms"), 0.40));
        assert!(close(by("CloudWatch dashboard"), 0.0));
        assert!(close(by("DynamoDB storage + PITR"), 0.405));
        assert!(close(by("DynamoDB storage (by-time index)"), 0.15));
        assert!(close(by("CloudWatch Logs storage"), 0.0065728 * 0.03));
        let total = 0.065728
            + 4_320.5 * 0.000_013_333_4
            + 0.58665
            + 0.05875
            + 1_775_342.465_753_4 * 0.125 / 1e6
            + 0.01
            + 0.20
            + 0.0032864
            + 0.006
            + 0.06
            + 0.0219
            + 0.06
            + 0.40
            + 0.405
            + 0.15
            + 0.0065728 * 0.03
            // The answers' copy in the index (90,000 writes), and the review's own lines.
            + 90_000.0 * 0.625 / 1e6
            + review_lines(100_000.0, 10_000.0, Options::default())
                .iter()
                .map(|l| l.dollars)
                .sum::<f64>()
            // Half of the 10,000 escalations settled with one click: 4 more read units and one
            // more write each.
            + 5_000.0 * (4.0 * 0.125 + 0.625) / 1e6;
        assert!(close(
            by("One-click answers (DynamoDB, beyond the resume)"),
            0.005625
        ));
        assert!(close(e.total, total), "{} vs {total}", e.total);
        // A flood of 10,000 messages: 11,000 invocations ($0.0022), 56.25 GB-s ($0.00075),
        // 10,000 writes ($0.00625) and 40,000 read units ($0.005).
        assert!(close(
            flood_cost(10_000.0),
            0.0022 + 56.25 * 0.000_013_333_4 + 0.00625 + 0.005
        ));
        assert!(close(e.per_thousand_messages, total / 100.0));
    }

    #[test]
    fn full_monitoring_adds_the_dashboard_every_alarm_and_the_activity_metrics() {
        let full = Options {
            full_monitoring: true,
            info_logs: true,
            ..Options::default()
        };
        let e = estimate_with(100_000.0, 0.10, 1.0, full);
        let by = |c: &str| e.lines.iter().find(|l| l.component == c).unwrap().dollars;
        // MessagesStored, Answers, Escalations, Resumes and TimeToResume, Reminders and the 5 reasons (2,000 points each: 730 ×
        // (1 − e^(−2000/730)) h) and the 3 resume paths (3,333.3 points each), × $0.30 / 730 h.
        let busy = |n: f64| 730.0 * (1.0 - (-n / 730.0_f64).exp());
        let metric_hours = busy(100_000.0)
            + busy(90_000.0)
            + 3.0 * busy(10_000.0)
            + 6.0 * busy(2_000.0)
            + 3.0 * busy(10_000.0 / 3.0);
        assert!((by("CloudWatch custom metrics") - metric_hours / 730.0 * 0.30).abs() < 1e-9);
        assert!((by("CloudWatch alarms") - 1.20).abs() < 1e-9);
        assert!((by("CloudWatch dashboard") - 3.0).abs() < 1e-9);
        // INFO logs: 328,640 invocations × 1 KB.
        assert!((by("CloudWatch Logs") - 0.32864 * 0.50).abs() < 1e-9);
    }

    #[test]
    fn the_alarm_counts_follow_the_template() {
        let template = include_str!("../../../template.yaml");
        let (mut in_alarm, mut conditional) = (false, false);
        let (mut essential, mut all) = (0, 0);
        for line in template.lines() {
            if line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':')
            {
                in_alarm = false;
                conditional = false;
            }
            if line.trim() == "Type: AWS::CloudWatch::Alarm" {
                in_alarm = true;
            }
            if in_alarm && line.trim() == "Condition: FullMonitoring" {
                conditional = true;
            }
            if in_alarm && line.contains("MetricName:") {
                all += 1;
                if !conditional {
                    essential += 1;
                }
            }
        }
        assert_eq!(essential as f64, fixed::ALARM_METRICS_ESSENTIAL);
        assert_eq!(all as f64, fixed::ALARM_METRICS_FULL);
    }

    #[test]
    fn a_rare_metric_is_billed_for_the_hours_it_has_data() {
        assert!(metric_hours(0.0) == 0.0);
        assert!((metric_hours(1.0) - 1.0).abs() < 0.01);
        assert!((metric_hours(1e6) - 730.0).abs() < 1e-6);
    }
}
