//! The brand's own rules: a tapped payload first, then phrases, attachments and knowledge
//! topics, in file order. First after the proposal so a brand can override any built-in trigger.

use super::Ctx;
use crate::escalation::ReasonCode;
use crate::policy::decision::{Decision, Outcome};
use crate::policy::policy_file::RuleAction;
use crate::policy::trace::DecisionTrace;

pub(crate) fn check(ctx: &Ctx<'_>, trace: &mut DecisionTrace) -> Option<Decision> {
    let policy = ctx.policy;
    let turn = &ctx.turn;
    let words = &ctx.words;
    let lex = &ctx.policy.lexicon;
    let answers_well = ctx.answers_well();
    let payload_rule = turn.payload.and_then(|p| {
        policy
            .rules
            .iter()
            .find(|r| r.payloads.iter().any(|rp| rp == p))
    });
    let matched_rule = payload_rule
        .map(|r| (r, format!("payload {:?}", turn.payload.unwrap_or(""))))
        .or_else(|| {
            policy.rules.iter().find_map(|r| {
                if let Some(p) = r
                    .phrases
                    .iter()
                    .find(|p| p.positions_in(words).any(|at| !lex.negated(words, at)))
                {
                    return Some((r, format!("{:?}", p.source)));
                }
                if let Some(a) = turn
                    .attachments
                    .iter()
                    .find(|a| r.attachments.contains(&a.kind))
                {
                    return Some((r, format!("attachment {}", a.kind)));
                }
                answers_well
                    .and_then(|a| a.entry.topic.as_ref().filter(|t| r.topics.contains(t)))
                    .map(|t| (r, format!("knowledge topic {t:?}")))
            })
        });
    if let Some((rule, why)) = matched_rule {
        trace.record(format!("rule:{}", rule.name), true, why.clone());
        let entry = format!("rule:{}", rule.name);
        let text = rule.text.clone().unwrap_or_default();
        return Some(match rule.action {
            RuleAction::Escalate => ctx.escalate(
                ReasonCode::Rule(rule.name.clone()),
                format!("rule {} matched {why}", rule.name),
                rule.next_step.as_deref(),
                trace,
            ),
            RuleAction::Resolve => ctx.outcome(
                Outcome::Answer {
                    entry,
                    text,
                    confidence: 1.0,
                },
                trace,
            ),
            RuleAction::Confirm => ctx.outcome(
                Outcome::Confirm {
                    entry,
                    text,
                    confidence: 1.0,
                },
                trace,
            ),
        });
    }
    trace.record(
        "rules",
        false,
        format!("{} rules, none matched", policy.rules.len()),
    );
    None
}
