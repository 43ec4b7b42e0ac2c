//! `handoff knowledge eval`: how a knowledge file answers labelled messages, at every threshold.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use handoff::app::load_boundary;
use handoff::policy::evaluation::{judge, recommend, tally, Judged, LabelledMessage, Tally};
use handoff::policy::{Knowledge, Policy};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;

/// Thresholds shown in the table.
const TABLE: &[f64] = &[
    0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.6, 0.7, 0.8,
];

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

fn row(t: &Tally) -> String {
    format!(
        "  {:>9.2}  {:>7}  {:>7}  {:>9}  {:>18}",
        t.threshold,
        pct(t.right_rate()),
        pct(t.wrong_rate()),
        pct(t.escalated_rate()),
        pct(t.off_topic_rate())
    )
}

fn tally_json(t: &Tally) -> serde_json::Value {
    json!({
        "threshold": t.threshold,
        "in_scope": t.in_scope, "right": t.right, "wrong": t.wrong, "escalated": t.escalated,
        "off_topic": t.off_topic, "off_topic_answered": t.off_topic_answered, "small_talk": t.small_talk,
        "asked": t.asked,
        "right_rate": t.right_rate(), "wrong_rate": t.wrong_rate(),
        "escalated_rate": t.escalated_rate(), "off_topic_rate": t.off_topic_rate(),
    })
}

pub fn eval(
    policy: &str,
    knowledge: &str,
    messages: &str,
    max_error: f64,
    at: Option<&str>,
    as_json: bool,
    features: Option<(&str, Option<&str>)>,
) -> Result<(), String> {
    if !(0.0..1.0).contains(&max_error) {
        return Err(format!(
            "--max-error {max_error} must be a share between 0 and 1, e.g. 0.02"
        ));
    }
    let now: DateTime<Utc> = match at {
        Some(t) => DateTime::parse_from_rfc3339(t)
            .map_err(|e| format!("--at {t:?} is not an RFC 3339 time ({e})"))?
            .with_timezone(&Utc),
        None => Utc::now(),
    };
    let (policy_set, knowledge_set) =
        load_boundary(policy, knowledge).map_err(|e| e.to_string())?;
    let labelled = read_labelled(messages, knowledge, &knowledge_set)?;
    if labelled.is_empty() {
        return Err(format!("{messages} has no labelled messages"));
    }
    if let Some((out, own)) = features {
        if let Some(own) = own {
            write_self_evidence(&knowledge_set, own)?;
        }
        return write_features(&knowledge_set, &labelled, out);
    }
    let judged = judge_all(&policy_set, &knowledge_set, &labelled, now, as_json)?;
    let at_policy = tally(&judged, policy_set.threshold_for(&knowledge_set).value);
    let table: Vec<Tally> = TABLE.iter().map(|&t| tally(&judged, t)).collect();
    let best = recommend(&judged, max_error);
    // What the weekly review would propose from these labels: each the knowledge has learnt read
    // without itself, with its conservative bound.
    let evidence = handoff::review::evaluate::threshold_evidence(
        &policy_set,
        &knowledge_set,
        &labelled,
        &judged,
    );
    let proposal = handoff::review::evaluate::propose_threshold(&evidence, at_policy.threshold);
    if as_json {
        let out = json!({
            "messages": judged.len(),
            "policy_threshold": tally_json(&at_policy),
            "threshold_source": format!("{}", policy_set.threshold_for(&knowledge_set)),
            "earned": knowledge_set.earned(),
            "table": table.iter().map(tally_json).collect::<Vec<_>>(),
            "max_error": max_error,
            "recommended": best.as_ref().map(tally_json),
            "proposal": proposal,
            "suggestions": handoff::policy::evaluation::suggestions(&judged, at_policy.threshold),
        });
        println!("{out}");
        return Ok(());
    }
    print_eval(
        &judged,
        (&policy_set, &knowledge_set),
        Measured {
            at_policy,
            table,
            best,
            proposal,
        },
        max_error,
    );
    Ok(())
}

/// Every labelled message decided, with a progress bar on long files (none with `quiet`).
fn judge_all(
    policy_set: &Policy,
    knowledge_set: &Knowledge,
    labelled: &[LabelledMessage],
    now: DateTime<Utc>,
    quiet: bool,
) -> Result<Vec<Judged>, String> {
    let bar = ProgressBar::new(labelled.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} messages ({eta} left)")
            .map_err(|e| e.to_string())?,
    );
    if quiet || labelled.len() < 500 {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let judged: Vec<Judged> = labelled
        .iter()
        .map(|m| {
            bar.inc(1);
            judge(policy_set, knowledge_set, m, now)
        })
        .collect();
    bar.finish_and_clear();
    Ok(judged)
}

/// The labelled messages of `messages` (JSON lines, or exported cases), each expected entry
/// checked against the knowledge file.
fn read_labelled(
    messages: &str,
    knowledge: &str,
    knowledge_set: &Knowledge,
) -> Result<Vec<LabelledMessage>, String> {
    let file = std::fs::File::open(messages).map_err(|e| format!("{messages}: {e}"))?;
    let mut labelled = Vec::new();
    let mut unlabelled_cases = 0;
    for (n, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{messages}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        // An exported case (`handoff cases export`) is a labelled message too: "could have
        // answered with X" expects X, "needed a person" a person; others teach nothing here.
        let m = if line.contains("\"handoff.case\"") {
            let case = handoff::cases::Case::parse(&line)
                .map_err(|e| format!("{messages}:{}: {e}", n + 1))?;
            match handoff::review::evaluate::labelled_history(
                &[case],
                &[],
                &[],
                &Default::default(),
            )
            .pop()
            {
                Some(m) => m,
                None => {
                    unlabelled_cases += 1;
                    continue;
                }
            }
        } else {
            LabelledMessage::parse(&line).map_err(|e| format!("{messages}:{}: {e}", n + 1))?
        };
        if let handoff::policy::evaluation::Expectation::Answer(id) = &m.expect {
            if knowledge_set.get(id).is_none() {
                return Err(format!(
                    "{messages}:{}: entry {id:?} is not in {knowledge}",
                    n + 1
                ));
            }
        }
        labelled.push(m);
    }
    if unlabelled_cases > 0 {
        eprintln!("{unlabelled_cases} cases without a usable label (no label, spam, or \"could have handled it\" without an entry) are not measured");
    }
    Ok(labelled)
}

/// What `knowledge eval` measured on the labelled messages.
struct Measured {
    at_policy: Tally,
    table: Vec<Tally>,
    best: Option<Tally>,
    proposal: Option<handoff::review::ThresholdProposal>,
}

/// `knowledge eval` for a person: the shares at the policy's threshold, the table, the
/// recommendation and what the weekly review would propose.
fn print_eval(
    judged: &[Judged],
    (policy_set, knowledge_set): (&Policy, &Knowledge),
    measured: Measured,
    max_error: f64,
) {
    let Measured {
        at_policy,
        table,
        best,
        proposal,
    } = measured;
    let t = &at_policy;
    println!(
        "{} messages: {} with an entry, {} without",
        judged.len(),
        t.in_scope,
        t.off_topic
    );
    println!("threshold: {}", policy_set.threshold_for(knowledge_set));
    if let Some(earned) = knowledge_set.earned() {
        println!("  {}", earned.describe());
    }
    println!(
        "At the policy's threshold {:.2}:\n  with an entry:    right {} ({})  wrong {} ({})  escalated {} ({})\n  without an entry: answered {} ({} of {})\n  small-talk replies (not answers): {}",
        t.threshold,
        pct(t.right_rate()), t.right,
        pct(t.wrong_rate()), t.wrong,
        pct(t.escalated_rate()), t.escalated,
        pct(t.off_topic_rate()), t.off_topic_answered, t.off_topic,
        t.small_talk
    );
    println!("\n  threshold    right    wrong  escalated  off-topic answered");
    for t in &table {
        println!("{}", row(t));
    }
    match best {
        Some(b) => println!(
            "\nRecommended threshold for at most {} wrong and {} off-topic answered: {:.3}\n{}",
            pct(max_error),
            pct(max_error),
            b.threshold,
            row(&b)
        ),
        None => println!(
            "\nNo threshold keeps wrong answers and off-topic answers under {}: add questions or [outside] examples.",
            pct(max_error)
        ),
    }
    if let Some(p) = proposal {
        println!(
            "\nThe weekly review would propose {} (now {}), from {} labels (each the knowledge has learnt read without itself): {}",
            handoff::review::evaluate::shown(p.proposed),
            handoff::review::evaluate::shown(p.current),
            p.labels,
            p.why
        );
    }
}

/// `handoff knowledge embed`: each line of standard input as the encoder reads it.
pub fn embed(encoder: &str) -> Result<(), String> {
    let encoder = handoff::encoder::SentenceEncoder::open(std::path::Path::new(encoder))
        .map_err(|e| e.to_string())?;
    let stdin = std::io::stdin();
    for line in stdin.lock().lines() {
        let text = line.map_err(|e| format!("standard input: {e}"))?;
        let out = json!({
            "text": text,
            "pieces": encoder.pieces(&text),
            "vector": encoder.embed(&text),
        });
        println!("{out}");
    }
    Ok(())
}

/// `--features`: what the calibrator reads for each message, and whether the engine's choice is
/// the expected one (for `scripts/calibrate`).
fn write_features(
    knowledge: &handoff::policy::Knowledge,
    labelled: &[LabelledMessage],
    out: &str,
) -> Result<(), String> {
    use handoff::policy::evaluation::Expectation;
    use std::io::Write;
    if !knowledge.is_semantic() {
        return Err("--features needs the sentence encoder (ENCODER_FILE)".into());
    }
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?);
    for m in labelled {
        let s = knowledge.scores(&m.text);
        let best = s.best.map(|(i, _)| knowledge.entries()[i].id.as_str());
        let retrieval = knowledge.retrieve(&m.text);
        let expect = match &m.expect {
            Expectation::Answer(id) => Some(id.as_str()),
            Expectation::Escalate => None,
        };
        let runner_up = s.runner_up.map(|(i, _)| knowledge.entries()[i].id.as_str());
        let line = json!({
            "features": s.evidence.map(|e| e.to_vec()),
            "pair_features": s.pair_evidence.map(|e| e.to_vec()),
            "outside_best": s.outside_best,
            "in_scope": expect.is_some(),
            "right": expect.is_some() && best == expect,
            "pair_right": expect.is_some() && (best == expect || runner_up == expect),
            "expect": expect,
            "tie": retrieval.as_ref().and_then(|r| r.tie.as_ref()).map(|t| json!({"entry": t.entry.id, "confidence": t.confidence})),
            // What the bot decides by knowledge (guards and exact matches included).
            "entry": retrieval.as_ref().map(|r| r.entry.id.as_str()),
            "confidence": retrieval.as_ref().map_or(0.0, |r| r.confidence),
        });
        writeln!(w, "{line}").map_err(|e| format!("{out}: {e}"))?;
    }
    w.flush().map_err(|e| format!("{out}: {e}"))
}

/// `--self-evidence`: the file's own readings (`Knowledge::self_evidence`), one JSON line each.
fn write_self_evidence(knowledge: &handoff::policy::Knowledge, out: &str) -> Result<(), String> {
    use handoff::policy::Asked;
    use std::io::Write;
    let mut w =
        std::io::BufWriter::new(std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?);
    let id = |i: usize| knowledge.entries()[i].id.as_str();
    let readings = knowledge.self_evidence();
    for r in &readings {
        let (kind, entry) = match r.asked {
            Asked::Question { entry } => ("question", Some(id(entry))),
            Asked::Unwritten { entry } => ("unwritten", Some(id(entry))),
            Asked::Outside => ("outside", None),
        };
        let line = json!({
            "kind": kind, "entry": entry, "best": id(r.best), "confidence": r.confidence,
            "tie": r.tie.map(|(o, c)| json!({"entry": id(o), "confidence": c})),
        });
        writeln!(w, "{line}").map_err(|e| format!("{out}: {e}"))?;
    }
    let line = json!({"file_features": handoff::policy::earned_features(&readings)});
    writeln!(w, "{line}").map_err(|e| format!("{out}: {e}"))?;
    w.flush().map_err(|e| format!("{out}: {e}"))
}

/// `handoff knowledge build`: the examples' sentence vectors, computed once, into
/// `knowledge.index` beside the file (the policy function reads it instead of embedding at start).
pub fn build(knowledge: &str) -> Result<(), String> {
    let source = std::fs::read_to_string(knowledge).map_err(|e| format!("{knowledge}: {e}"))?;
    let k =
        handoff::policy::Knowledge::from_toml(&source).map_err(|e| format!("{knowledge}: {e}"))?;
    let encoder = handoff::app::encoder_path(knowledge).ok_or_else(|| {
        format!("no sentence encoder: set ENCODER_FILE or put encoder/use-m3.bin beside {knowledge} (scripts/convert-encoder writes it)")
    })?;
    let encoder = handoff::encoder::SentenceEncoder::open(&encoder).map_err(|e| e.to_string())?;
    let k = k.with_encoder(std::sync::Arc::new(encoder), None);
    let started = std::time::Instant::now();
    let bytes = k.index_bytes().expect("an encoder is attached");
    let out = handoff::policy::index_path(knowledge);
    let tmp = out.with_extension("index.tmp");
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, &out))
        .map_err(|e| format!("{}: {e}", out.display()))?;
    println!(
        "wrote {} ({} entries, {:.1} MB) in {:.1} s",
        out.display(),
        k.entries().len(),
        bytes.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    if let Some(earned) = k.earned() {
        println!("{}", earned.describe());
        for pair in &earned.pairs {
            println!("warning: {}", pair.advice());
        }
    }
    Ok(())
}
