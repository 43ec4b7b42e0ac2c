//! The estimate's lines, one group per kind of use: the traffic, the model, deliveries and keys,
//! monitoring, storage, the weekly review and the one-click answers.

use super::{
    fixed, metric_hours, model_usage, prices, usage, CostLine, Options, ONE_CLICK_EXTRA_RRU,
    ONE_CLICK_EXTRA_WRU, ONE_CLICK_SHARE,
};

/// Metric series the functions emit (`metrics::emit`: EMF, one series per metric and per value
/// of its one dimension, plus the metric without it), with their data points per month.
pub(super) fn metric_series(messages: f64, escalations: f64) -> Vec<(&'static str, f64)> {
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

/// The one-click answers: what they add to the resume link they replace.
pub(super) fn one_click_lines(escalations: f64) -> Vec<CostLine> {
    let clicks = escalations * ONE_CLICK_SHARE;
    vec![CostLine {
        component: "One-click answers (DynamoDB, beyond the resume)",
        quantity: format!(
            "{clicks:.0} clicks: {:.0} read units, {:.0} write units",
            clicks * ONE_CLICK_EXTRA_RRU,
            clicks * ONE_CLICK_EXTRA_WRU
        ),
        dollars: clicks
            * (ONE_CLICK_EXTRA_RRU * prices::DDB_PER_RRU
                + ONE_CLICK_EXTRA_WRU * prices::DDB_PER_WRU),
        fixed: false,
    }]
}

/// The weekly review and the live boundary: the version checks, the review's invocations, reads
/// and writes, the digest, and the versions it publishes (one a week, of a 200-question file).
pub(super) fn review_lines(messages: f64, escalations: f64, options: Options) -> Vec<CostLine> {
    use fixed::*;
    use prices::*;
    use usage::*;
    let _ = options;
    let checks = messages.min(VERSION_CHECKS_PER_BUSY_MONTH)
        + SWEEPS_PER_MONTH
        + escalations * RESUME_INVOCATIONS;
    let reads_per_review = {
        // Six weeks of escalations through the index (half a unit per 4 KB) for the review, and
        // 90 days of them for each of the page's measurements; and the week's answers read once
        // for the customers' "Did you mean" choices (a filter reads every item it passes over).
        let weekly = escalations / 4.35;
        let answers_weekly = (messages - escalations).max(0.0) / 4.35;
        (weekly * 6.0 + weekly * 13.0 * REVIEW_PAGE_INVOCATIONS) * ESCALATION_KB / 4.0 * 0.5
            + answers_weekly * REPLY_KB / 4.0 * 0.5
            + 20.0
    };
    let questions = 200.0;
    let version_kb = questions * VERSION_KB_PER_QUESTION + 30.0;
    let version_wru = version_kb; // one unit per KB written
    let version_rru = version_kb / 4.0 * (BUSY_COLD_STARTS_PER_MONTH / REVIEWS_PER_MONTH).min(10.0);
    let gb_s = MEMORY_GB
        * REVIEWS_PER_MONTH
        * (REVIEW_SECONDS + REVIEW_PAGE_INVOCATIONS * REVIEW_PAGE_SECONDS);
    let review_requests = REVIEWS_PER_MONTH * (1.0 + REVIEW_PAGE_INVOCATIONS);
    let kept_gb = version_kb * REVIEWS_PER_MONTH * 12.0 / 1e6;
    vec![
        CostLine {
            component: "Boundary version checks",
            quantity: format!("{checks:.0} reads"),
            dollars: checks * 0.5 * DDB_PER_RRU,
            fixed: true,
        },
        CostLine {
            component: "Weekly review (Lambda)",
            quantity: format!("{review_requests:.0} invocations, {gb_s:.1} GB-s"),
            dollars: review_requests * LAMBDA_PER_REQUEST + gb_s * LAMBDA_ARM_PER_GB_S,
            fixed: true,
        },
        CostLine {
            component: "Weekly review (DynamoDB)",
            quantity: format!(
                "{:.0} RRU, {:.0} WRU",
                reads_per_review * REVIEWS_PER_MONTH + version_rru * REVIEWS_PER_MONTH,
                (REVIEW_WRU + version_wru) * REVIEWS_PER_MONTH
            ),
            dollars: (reads_per_review + version_rru) * REVIEWS_PER_MONTH * DDB_PER_RRU
                + (REVIEW_WRU + version_wru) * REVIEWS_PER_MONTH * DDB_PER_WRU,
            fixed: true,
        },
        CostLine {
            component: "Weekly digest (SNS)",
            quantity: format!("{:.0} publishes", REVIEWS_PER_MONTH * 2.0),
            dollars: REVIEWS_PER_MONTH * (2.0 * SNS_PER_PUBLISH + SNS_PER_EMAIL + SNS_PER_HTTPS),
            fixed: true,
        },
        CostLine {
            component: "Boundary versions kept (a year)",
            quantity: format!("{kept_gb:.3} GB"),
            dollars: kept_gb * (DDB_STORAGE_PER_GB_MONTH + PITR_PER_GB_MONTH),
            fixed: true,
        },
    ]
}

/// What a month of traffic uses: invocations, compute, read and write units, logs.
pub(super) struct Usage {
    pub(super) invocations: f64,
    pub(super) gb_s: f64,
    pub(super) wru: f64,
    pub(super) rru: f64,
    pub(super) sweep_rru: f64,
    pub(super) log_gb: f64,
}

/// The lines that follow the traffic: Lambda, DynamoDB, SNS and the logs.
pub(super) fn usage_lines(usage: Usage, escalations: f64, email_subscribers: f64) -> Vec<CostLine> {
    use prices::*;
    let Usage {
        invocations,
        gb_s,
        wru,
        rru,
        sweep_rru,
        log_gb,
    } = usage;
    vec![
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
            component: "DynamoDB reads (sweep)",
            quantity: format!("{sweep_rru:.0} RRU"),
            dollars: sweep_rru * DDB_PER_RRU,
            fixed: true,
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
    ]
}

/// The language model's tokens, when Bedrock phrases the answers and writes the summaries.
pub(super) fn bedrock_line(answers: f64, escalations: f64) -> CostLine {
    use prices::*;

    use model_usage::*;
    let input = answers * ANSWER_INPUT_TOKENS + escalations * SUMMARY_INPUT_TOKENS;
    let output = answers * ANSWER_OUTPUT_TOKENS + escalations * SUMMARY_OUTPUT_TOKENS;
    CostLine {
        component: "Bedrock (Nova Micro)",
        quantity: format!("{:.1}M tokens in, {:.1}M out", input / 1e6, output / 1e6),
        dollars: input * NOVA_MICRO_PER_INPUT_TOKEN + output * NOVA_MICRO_PER_OUTPUT_TOKEN,
        fixed: false,
    }
}

/// The chat deliveries and the KMS requests of the encrypted topics and the secrets.
pub(super) fn delivery_lines(escalations: f64) -> Vec<CostLine> {
    use prices::*;
    use usage::*;

    let mut lines = Vec::new();
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
    // SSM decrypts each SecureString with the `aws/ssm` key: KMS bills those requests.
    use crate::config::Function;
    let busy_decrypts = (secrets_read_at_start(Function::Ingest)
        + secrets_read_at_start(Function::Policy))
        * BUSY_COLD_STARTS_PER_MONTH
        + secrets_read_at_start(Function::Escalate) * SWEEP_COLD_STARTS_PER_MONTH;
    lines.push(CostLine {
        component: "KMS (secrets, busy starts)",
        quantity: format!("{busy_decrypts:.0} requests"),
        dollars: busy_decrypts * KMS_PER_REQUEST,
        fixed: true,
    });
    let resume_decrypts =
        escalations * RESUME_COLD_STARTS_PER_ESCALATION * secrets_read_at_start(Function::Resume);
    lines.push(CostLine {
        component: "KMS (secrets, resume starts)",
        quantity: format!("{resume_decrypts:.0} requests"),
        dollars: resume_decrypts * KMS_PER_REQUEST,
        fixed: false,
    });
    lines
}

/// The custom metrics, alarms and dashboard the monitoring option deploys.
pub(super) fn monitoring_lines(messages: f64, escalations: f64, options: Options) -> Vec<CostLine> {
    use prices::*;

    use fixed::*;
    let mut lines = Vec::new();
    // Essential monitoring writes fault metrics only, when something fails: none in a
    // healthy month.
    let series = if options.full_monitoring {
        metric_series(messages, escalations)
    } else {
        Vec::new()
    };
    let hours = series
        .iter()
        .fold(0.0, |sum, (_, n)| sum + metric_hours(*n));
    lines.push(CostLine {
        component: "CloudWatch custom metrics",
        quantity: format!("{} series, {:.0} metric-hours", series.len(), hours),
        dollars: hours / HOURS * METRIC_PER_MONTH,
        fixed: true,
    });
    let alarm_metrics = if options.full_monitoring {
        ALARM_METRICS_FULL
    } else {
        ALARM_METRICS_ESSENTIAL
    };
    lines.push(CostLine {
        component: "CloudWatch alarms",
        quantity: format!("{alarm_metrics:.0} alarm metrics"),
        dollars: alarm_metrics * ALARM_METRIC_PER_MONTH,
        fixed: true,
    });
    let dashboards = if options.full_monitoring { 1.0 } else { 0.0 };
    lines.push(CostLine {
        component: "CloudWatch dashboard",
        quantity: format!("{dashboards:.0}"),
        dollars: dashboards * DASHBOARD_PER_MONTH,
        fixed: true,
    });
    lines
}

/// What the table, its index and the logs keep.
pub(super) fn storage_lines(messages: f64, escalations: f64, log_gb: f64) -> Vec<CostLine> {
    use prices::*;

    use fixed::*;
    let mut lines = Vec::new();
    let table_gb = (messages * (MESSAGE_KB + REPLY_KB) * MESSAGE_MONTHS
        + escalations * ESCALATION_KB * ESCALATION_MONTHS)
        / 1e6;
    lines.push(CostLine {
        component: "DynamoDB storage + PITR",
        quantity: format!("{table_gb:.2} GB kept"),
        dollars: table_gb * (DDB_STORAGE_PER_GB_MONTH + PITR_PER_GB_MONTH),
        fixed: true,
    });
    // The by-time index projects every attribute, so it holds a second copy of each
    // escalation. It is billed as storage; PITR bills only the table and its local indexes.
    let index_gb = escalations * ESCALATION_KB * ESCALATION_MONTHS / 1e6;
    lines.push(CostLine {
        component: "DynamoDB storage (by-time index)",
        quantity: format!("{index_gb:.2} GB kept"),
        dollars: index_gb * DDB_STORAGE_PER_GB_MONTH,
        fixed: true,
    });
    lines.push(CostLine {
        component: "CloudWatch Logs storage",
        quantity: format!("{log_gb:.3} GB kept"),
        dollars: log_gb * LOGS_STORAGE_PER_GB_MONTH,
        fixed: true,
    });
    lines
}
