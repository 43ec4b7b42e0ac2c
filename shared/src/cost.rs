//! The monthly cost model behind `handoff cost`: per component, from price constants with their
//! date and the per-message usage this code actually makes (writes, reads, invocations).

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

/// What one message, one escalation and the schedule use (measured from the code's requests; the
/// durations are estimates including the Graph call the policy function waits on).
pub mod usage {
    /// ingest: one invocation, 512 MB, ~30 ms.
    pub const INGEST_GB_S: f64 = 0.5 * 0.030;
    /// policy: one invocation per inbound message, 256 MB, ~250 ms (mostly the Graph send).
    pub const POLICY_GB_S: f64 = 0.25 * 0.250;
    /// escalate: one invocation per escalation, 256 MB, ~150 ms (SNS publish).
    pub const ESCALATE_GB_S: f64 = 0.25 * 0.150;
    /// resume: GET and POST of the link, 256 MB, ~60 ms each.
    pub const RESUME_INVOCATIONS: f64 = 2.0;
    pub const RESUME_GB_S: f64 = 2.0 * 0.25 * 0.060;
    /// The sweep runs every 5 minutes: 8,640 invocations a month, ~100 ms at 256 MB.
    pub const SWEEPS_PER_MONTH: f64 = 8_640.0;
    pub const SWEEP_GB_S: f64 = 0.25 * 0.100;
    /// Writes per answered message: the conditional put (1), the reply reserved by one
    /// conditional write of the ≤ 1 KB STATE item (1, no transaction), the ~2 KB reply record
    /// after the send (2), the day's answer counter (1).
    pub const WRU_PER_MESSAGE: f64 = 5.0;
    /// Reads per message: one strongly consistent query of STATE + recent history (~30 KB).
    pub const RRU_PER_MESSAGE: f64 = 8.0;
    /// Writes per escalation: STATE + ~5 KB escalation in a transaction (2 × 6), the notice's
    /// record (1; it is reserved in that STATE write), claim and mark notified on the escalation
    /// item (2 × 5), the resume: the label on the escalation (5) and STATE (1).
    pub const WRU_PER_ESCALATION: f64 = 29.0;
    /// Reads per escalation: the resume page (2 items) and the resume's checks.
    pub const RRU_PER_ESCALATION: f64 = 4.0;
    /// Log volume per invocation.
    pub const LOG_BYTES_PER_INVOCATION: f64 = 1_000.0;
}

/// What the stack pays whatever the traffic, and what grows with what it keeps.
pub mod fixed {
    /// Hours in a month.
    pub const HOURS: f64 = 730.0;
    /// Metric series the alarms in `template.yaml` watch (checked against the template in a test).
    pub const ALARM_METRICS: f64 = 13.0;
    pub const DASHBOARDS: f64 = 1.0;
    /// Stored sizes: a customer message, a bot reply with its trace, an escalation.
    pub const MESSAGE_KB: f64 = 0.5;
    pub const REPLY_KB: f64 = 2.0;
    pub const ESCALATION_KB: f64 = 5.0;
    /// Default retention (`[retention]`): messages 3 months, escalations 12.
    pub const MESSAGE_MONTHS: f64 = 3.0;
    pub const ESCALATION_MONTHS: f64 = 12.0;
    /// Reasons escalations spread over, and resume paths (link, inbox, expiry), for the
    /// metrics with a dimension.
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

/// Which engine phrases answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The knowledge file alone (the default): no model cost.
    Knowledge,
    /// Amazon Bedrock with the default model (Nova Micro): every answer the knowledge finds is
    /// rephrased, every handoff summarised.
    Bedrock,
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

/// Metric series the functions emit (`metrics::emit`: EMF, one series per metric and per value
/// of its one dimension, plus the metric without it), with their data points per month.
fn metric_series(messages: f64, escalations: f64) -> Vec<(&'static str, f64)> {
    use fixed::*;
    let mut series = vec![
        ("MessagesStored", messages),
        ("Answers", messages - escalations),
        ("Escalations", escalations),
        ("TimeToResume", escalations),
        ("Resumes", escalations),
        ("Reminders", escalations * REMINDED),
    ];
    for _ in 0..ACTIVE_REASONS as usize {
        series.push(("Escalations by Reason", escalations / ACTIVE_REASONS));
    }
    for _ in 0..RESUME_PATHS as usize {
        series.push(("Resumes by path", escalations / RESUME_PATHS));
    }
    // DeliveryFailures, PageTokenInvalid and ChatNotifyFailures: no data in a healthy month.
    series
}

/// Monthly cost for `messages` inbound messages of which `escalation_rate` escalate, with
/// `email_subscribers` people on the topic. No free tier is applied.
pub fn estimate(messages: f64, escalation_rate: f64, email_subscribers: f64) -> CostEstimate {
    estimate_with(
        messages,
        escalation_rate,
        email_subscribers,
        Engine::Knowledge,
    )
}

/// `estimate`, with the answer engine's own cost.
pub fn estimate_with(
    messages: f64,
    escalation_rate: f64,
    email_subscribers: f64,
    engine: Engine,
) -> CostEstimate {
    use prices::*;
    use usage::*;
    let escalations = messages * escalation_rate;
    let invocations = messages * 2.0 + escalations * (1.0 + RESUME_INVOCATIONS) + SWEEPS_PER_MONTH;
    let gb_s = messages * (INGEST_GB_S + POLICY_GB_S)
        + escalations * (ESCALATE_GB_S + RESUME_GB_S)
        + SWEEPS_PER_MONTH * SWEEP_GB_S;
    let wru = messages * WRU_PER_MESSAGE + escalations * WRU_PER_ESCALATION;
    let rru = messages * RRU_PER_MESSAGE + escalations * RRU_PER_ESCALATION;
    let log_gb = invocations * LOG_BYTES_PER_INVOCATION / 1e9;
    let lines = vec![
        CostLine {
            component: "Lambda requests",
            quantity: format!("{invocations:.0} invocations"),
            dollars: invocations * LAMBDA_PER_REQUEST,
            fixed: false,
        },
        CostLine {
            component: "Lambda compute (arm64)",
            quantity: format!("{gb_s:.1} GB-s"),
            dollars: gb_s * LAMBDA_ARM_PER_GB_S,
            fixed: false,
        },
        CostLine {
            component: "DynamoDB writes",
            quantity: format!("{wru:.0} WRU"),
            dollars: wru * DDB_PER_WRU,
            fixed: false,
        },
        CostLine {
            component: "DynamoDB reads",
            quantity: format!("{rru:.0} RRU"),
            dollars: rru * DDB_PER_RRU,
            fixed: false,
        },
        CostLine {
            // The team's topic and the chat topic.
            component: "SNS publishes",
            quantity: format!("{:.0} publishes", escalations * 2.0),
            dollars: escalations * 2.0 * SNS_PER_PUBLISH,
            fixed: false,
        },
        CostLine {
            component: "SNS email deliveries",
            quantity: format!("{:.0} emails", escalations * email_subscribers),
            dollars: escalations * email_subscribers * SNS_PER_EMAIL,
            fixed: false,
        },
        CostLine {
            component: "CloudWatch Logs",
            quantity: format!("{log_gb:.3} GB"),
            dollars: log_gb * LOGS_PER_GB,
            fixed: false,
        },
    ];
    let mut lines = lines;
    if engine == Engine::Bedrock {
        use model_usage::*;
        let answers = messages - escalations;
        let input = answers * ANSWER_INPUT_TOKENS + escalations * SUMMARY_INPUT_TOKENS;
        let output = answers * ANSWER_OUTPUT_TOKENS + escalations * SUMMARY_OUTPUT_TOKENS;
        lines.push(CostLine {
            component: "Bedrock (Nova Micro)",
            quantity: format!("{:.1}M tokens in, {:.1}M out", input / 1e6, output / 1e6),
            dollars: input * NOVA_MICRO_PER_INPUT_TOKEN + output * NOVA_MICRO_PER_OUTPUT_TOKEN,
            fixed: false,
        });
    }
    {
        use fixed::*;
        let chat_deliveries = escalations;
        lines.push(CostLine {
            component: "SNS to AWS Chatbot (HTTPS)",
            quantity: format!("{chat_deliveries:.0} deliveries"),
            dollars: chat_deliveries * SNS_PER_HTTPS,
            fixed: false,
        });
        lines.push(CostLine {
            component: "KMS (encrypted topics)",
            quantity: format!("{:.0} requests", escalations * 2.0),
            dollars: escalations * 2.0 * KMS_PER_REQUEST,
            fixed: false,
        });
        let series = metric_series(messages, escalations);
        let hours: f64 = series.iter().map(|(_, n)| metric_hours(*n)).sum();
        lines.push(CostLine {
            component: "CloudWatch custom metrics",
            quantity: format!("{} series, {:.0} metric-hours", series.len(), hours),
            dollars: hours / HOURS * METRIC_PER_MONTH,
            fixed: true,
        });
        lines.push(CostLine {
            component: "CloudWatch alarms",
            quantity: format!("{ALARM_METRICS:.0} alarm metrics"),
            dollars: ALARM_METRICS * ALARM_METRIC_PER_MONTH,
            fixed: true,
        });
        lines.push(CostLine {
            component: "CloudWatch dashboard",
            quantity: format!("{DASHBOARDS:.0}"),
            dollars: DASHBOARDS * DASHBOARD_PER_MONTH,
            fixed: true,
        });
        let table_gb = (messages * (MESSAGE_KB + REPLY_KB) * MESSAGE_MONTHS
            + escalations * ESCALATION_KB * ESCALATION_MONTHS)
            / 1e6;
        lines.push(CostLine {
            component: "DynamoDB storage + PITR",
            quantity: format!("{table_gb:.2} GB kept"),
            dollars: table_gb * (DDB_STORAGE_PER_GB_MONTH + PITR_PER_GB_MONTH),
            fixed: true,
        });
        lines.push(CostLine {
            component: "CloudWatch Logs storage",
            quantity: format!("{log_gb:.3} GB kept"),
            dollars: log_gb * LOGS_STORAGE_PER_GB_MONTH,
            fixed: true,
        });
    }
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
        let e = estimate_with(100_000.0, 0.10, 1.0, Engine::Bedrock);
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
        // 100,000 messages, 10% escalations, one email subscriber.
        // Invocations: 200,000 + 10,000 × 3 + 8,640 = 238,640 → $0.047728
        // GB-s: 100,000 × (0.015 + 0.0625) + 10,000 × (0.0375 + 0.03) + 8,640 × 0.025 = 8,641 → $0.115216
        // WRU: 500,000 + 290,000 = 790,000 → $0.49375; RRU: 800,000 + 40,000 → $0.105
        // SNS: 20,000 publishes (team and chat topics) × $0.0000005 = $0.01; email 10,000 ×
        // $0.00002 = $0.20; HTTPS to Chatbot 10,000 × $0.0000006 = $0.006; KMS 20,000 → $0.06
        // Logs: 238,640 KB = 0.23864 GB → $0.11932
        let e = estimate(100_000.0, 0.10, 1.0);
        let by = |c: &str| e.lines.iter().find(|l| l.component == c).unwrap().dollars;
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(by("Lambda requests"), 0.047728));
        assert!(close(
            by("Lambda compute (arm64)"),
            8_641.0 * 0.000_013_333_4
        ));
        assert!(close(by("DynamoDB writes"), 0.49375));
        assert!(close(by("DynamoDB reads"), 0.105));
        assert!(close(by("SNS publishes"), 0.01));
        assert!(close(by("SNS email deliveries"), 0.20));
        assert!(close(by("CloudWatch Logs"), 0.11932));
        assert!(close(by("SNS to AWS Chatbot (HTTPS)"), 0.006));
        assert!(close(by("KMS (encrypted topics)"), 0.06));
        // Fixed: 13 alarm metrics $1.30; the dashboard $3; storage (100,000 × 2.5 KB × 3 months +
        // 10,000 × 5 KB × 12 months = 1.35 GB) × ($0.25 + $0.20) = $0.6075; log storage
        // 0.23864 GB × $0.03 = $0.0071592; metrics: 5 series with data every hour (730 h each),
        // Reminders and the 5 reasons (2,000 points each: 730 × (1 − e^(−2000/730)) h) and the
        // 3 resume paths (3,333.3 points each), × $0.30 / 730 h.
        let busy = |n: f64| 730.0 * (1.0 - (-n / 730.0_f64).exp());
        let metric_hours = 2.0 * 730.0
            + busy(90_000.0)
            + busy(100_000.0)
            + busy(10_000.0)
            + 6.0 * busy(2_000.0)
            + 3.0 * busy(10_000.0 / 3.0);
        let metrics = metric_hours / 730.0 * 0.30;
        assert!((metrics - 4.07).abs() < 0.01, "{metrics}");
        assert!(close(by("CloudWatch custom metrics"), metrics));
        assert!(close(by("CloudWatch alarms"), 1.30));
        assert!(close(by("CloudWatch dashboard"), 3.00));
        assert!(close(by("DynamoDB storage + PITR"), 0.6075));
        assert!(close(by("CloudWatch Logs storage"), 0.0071592));
        let variable = 0.047728
            + 8_641.0 * 0.000_013_333_4
            + 0.49375
            + 0.105
            + 0.01
            + 0.20
            + 0.11932
            + 0.006
            + 0.06;
        let fixed = metrics + 1.30 + 3.00 + 0.6075 + 0.0071592;
        assert!(close(e.fixed_total, fixed));
        assert!(close(e.total, variable + fixed));
        assert!(close(e.per_thousand_messages, (variable + fixed) / 100.0));
    }

    #[test]
    fn the_alarm_count_follows_the_template() {
        let template = include_str!("../../template.yaml");
        let mut in_alarm = false;
        let mut metrics = 0;
        for line in template.lines() {
            if line.starts_with("  ") && !line.starts_with("   ") && line.trim_end().ends_with(':')
            {
                in_alarm = false;
            }
            if line.trim() == "Type: AWS::CloudWatch::Alarm" {
                in_alarm = true;
            }
            if in_alarm && line.contains("MetricName:") {
                metrics += 1;
            }
        }
        assert_eq!(metrics as f64, fixed::ALARM_METRICS);
    }

    #[test]
    fn a_rare_metric_is_billed_for_the_hours_it_has_data() {
        assert!(metric_hours(0.0) == 0.0);
        assert!((metric_hours(1.0) - 1.0).abs() < 0.01);
        assert!((metric_hours(1e6) - 730.0).abs() < 1e-6);
    }
}
