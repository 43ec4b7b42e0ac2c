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
}

/// The monthly estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct CostEstimate {
    pub lines: Vec<CostLine>,
    pub total: f64,
    pub per_thousand_messages: f64,
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
        },
        CostLine {
            component: "Lambda compute (arm64)",
            quantity: format!("{gb_s:.1} GB-s"),
            dollars: gb_s * LAMBDA_ARM_PER_GB_S,
        },
        CostLine {
            component: "DynamoDB writes",
            quantity: format!("{wru:.0} WRU"),
            dollars: wru * DDB_PER_WRU,
        },
        CostLine {
            component: "DynamoDB reads",
            quantity: format!("{rru:.0} RRU"),
            dollars: rru * DDB_PER_RRU,
        },
        CostLine {
            component: "SNS publishes",
            quantity: format!("{escalations:.0} publishes"),
            dollars: escalations * SNS_PER_PUBLISH,
        },
        CostLine {
            component: "SNS email deliveries",
            quantity: format!("{:.0} emails", escalations * email_subscribers),
            dollars: escalations * email_subscribers * SNS_PER_EMAIL,
        },
        CostLine {
            component: "CloudWatch Logs",
            quantity: format!("{log_gb:.3} GB"),
            dollars: log_gb * LOGS_PER_GB,
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
        });
    }
    let total: f64 = lines.iter().map(|l| l.dollars).sum();
    CostEstimate {
        per_thousand_messages: if messages > 0.0 {
            total / messages * 1000.0
        } else {
            0.0
        },
        lines,
        total,
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
        // SNS: 10,000 × $0.0000005 = $0.005; email 10,000 × $0.00002 = $0.20
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
        assert!(close(by("SNS publishes"), 0.005));
        assert!(close(by("SNS email deliveries"), 0.20));
        assert!(close(by("CloudWatch Logs"), 0.11932));
        let total = 0.047728 + 8_641.0 * 0.000_013_333_4 + 0.49375 + 0.105 + 0.005 + 0.20 + 0.11932;
        assert!(close(e.total, total));
        assert!(close(e.per_thousand_messages, total / 100.0));
    }
}
