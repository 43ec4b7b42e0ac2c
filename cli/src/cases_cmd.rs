//! `handoff cases export`, `handoff policy test`, `handoff knowledge suggest`, `handoff report`:
//! every escalation is data.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use handoff::app::load_boundary;
use handoff::cases::{
    apply_suggestions, knowledge_suggestions, replay, suggestions_toml, Case, ReplayStatus,
};
use handoff::report::{build_report, render_html, render_text};
use handoff::{App, Config};

type Res<T> = Result<T, Box<dyn Error>>;

async fn app() -> Res<App> {
    let config = Config::from_env()?;
    let aws = handoff::config::load_aws().await;
    Ok(App::from_config(&config, &aws)?)
}

fn parse_since(since: Option<&str>) -> Res<DateTime<Utc>> {
    match since {
        None => Ok(Utc::now() - Duration::days(90)),
        Some(s) => {
            if let Ok(t) = DateTime::parse_from_rfc3339(s) {
                return Ok(t.with_timezone(&Utc));
            }
            let d: NaiveDate = s.parse().map_err(|_| {
                format!("--since {s:?}: expected a date like 2026-11-01 or an RFC 3339 time")
            })?;
            Ok(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
        }
    }
}

/// Writes one case per line (JSON Lines) for escalations since `since`.
pub async fn export(since: Option<&str>, reason: Option<&str>, out: Option<&str>) -> Res<()> {
    let since = parse_since(since)?;
    let app = app().await?;
    let mut progress = |n: usize| eprint!("\rexported {n} escalations…");
    let escalations = app
        .escalations
        .escalations_between(since, Utc::now(), reason, &mut progress)
        .await?;
    eprintln!(
        "\rexported {} escalations since {}",
        escalations.len(),
        since.date_naive()
    );
    let mut sink: Box<dyn Write> = match out {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?,
        )),
        None => Box::new(std::io::stdout().lock()),
    };
    for e in &escalations {
        writeln!(
            sink,
            "{}",
            serde_json::to_string(&Case::from_escalation(e))?
        )?;
    }
    sink.flush()?;
    Ok(())
}

fn read_cases(path: &str) -> Res<Vec<Case>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Case::parse(l).map_err(|e| format!("{path}:{}: {e}", i + 1).into()))
        .collect()
}

/// Replays cases against a boundary; exit status 1 when a "needed a person" case would now be answered.
pub fn test(cases: &str, policy: &str, knowledge: &str, verbose: bool) -> ExitCode {
    let run = || -> Res<ExitCode> {
        let (p, k) = load_boundary(policy, knowledge)?;
        let cases = read_cases(cases)?;
        let mut counts = std::collections::BTreeMap::<ReplayStatus, usize>::new();
        let mut regressions = Vec::new();
        let mut wrong_entries = Vec::new();
        println!(
            "{:<24} {:<18} {:<28} {:<18} status",
            "case", "label", "was", "now"
        );
        for c in &cases {
            let r = replay(&p, &k, c);
            *counts.entry(r.status).or_default() += 1;
            print_row(c, &r, verbose);
            if r.regression {
                regressions.push(c.escalation_id.clone());
            }
            if r.wrong_entry.is_some() {
                wrong_entries.push(c.escalation_id.clone());
            }
        }
        Ok(summary(&counts, &regressions, &wrong_entries))
    };
    run().unwrap_or_else(|e| {
        eprintln!("error: {e}");
        ExitCode::from(2)
    })
}

/// One case's line (and with `verbose`, the decision then and now when it changed).
fn print_row(c: &Case, r: &handoff::cases::Replay, verbose: bool) {
    let changed = r.status != ReplayStatus::StillEscalates;
    println!(
        "{:<24} {:<18} {:<28} {:<18} {}{}",
        c.escalation_id,
        c.label.as_deref().unwrap_or("-"),
        format!("escalate {}", c.reason),
        r.headline,
        r.status.describe(),
        if r.regression {
            "  << REGRESSION: a person was needed".to_string()
        } else if let Some(got) = &r.wrong_entry {
            format!(
                "  << WRONG ENTRY: labelled {}, answered with {got}",
                c.entry.as_deref().unwrap_or("")
            )
        } else {
            String::new()
        }
    );
    if verbose && changed {
        println!(
            "  customer: {}",
            c.messages.last().map(|m| m.text.as_str()).unwrap_or("")
        );
        print!("  then:\n{}", indent(&c.trace.to_string()));
        print!("  now:\n{}", indent(&r.trace.to_string()));
    }
}

/// The counts by status and the verdict: 1 when a case would regress.
fn summary(
    counts: &std::collections::BTreeMap<ReplayStatus, usize>,
    regressions: &[String],
    wrong_entries: &[String],
) -> ExitCode {
    println!();
    for status in [
        ReplayStatus::StillEscalates,
        ReplayStatus::ReasonChanged,
        ReplayStatus::NowAnswered,
        ReplayStatus::NoLongerEscalates,
    ] {
        println!(
            "{:<44} {}",
            status.describe(),
            counts.get(&status).copied().unwrap_or(0)
        );
    }
    if !wrong_entries.is_empty() {
        println!(
            "FAIL: {} case(s) labelled \"could have answered with\" an entry are now answered with another: {}",
            wrong_entries.len(),
            wrong_entries.join(", ")
        );
    }
    if regressions.is_empty() && wrong_entries.is_empty() {
        println!("ok: no case labelled \"needed a person\" would be answered by the bot, and none labelled with an entry gets another");
        ExitCode::SUCCESS
    } else {
        if !regressions.is_empty() {
            println!(
                "FAIL: {} case(s) labelled \"needed a person\" would now be answered: {}",
                regressions.len(),
                regressions.join(", ")
            );
        }
        ExitCode::from(1)
    }
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

/// Drafts knowledge entries from the cases the bot could have handled.
pub fn suggest_cmd(cases: &str, knowledge: Option<&str>) -> Res<()> {
    let cases = read_cases(cases)?;
    let s = knowledge_suggestions(&cases);
    let wordless: Vec<&str> = cases
        .iter()
        .filter(|c| c.label.as_deref().is_some_and(|l| l != "spam"))
        .filter_map(|c| c.messages.last())
        .map(|m| m.text.trim())
        .filter(|t| !t.is_empty() && handoff::policy::content_terms(t).is_empty())
        .collect();
    if !wordless.is_empty() {
        eprintln!(
            "{} labelled message(s) have no words to learn from and teach nothing: {}",
            wordless.len(),
            wordless
                .iter()
                .take(5)
                .map(|t| format!("{t:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    eprintln!(
        "{} question(s) for {} existing entries, {} draft entries, {} [outside] example(s) from {} cases",
        s.questions.values().map(Vec::len).sum::<usize>(),
        s.questions.len(),
        s.drafts.len(),
        s.outside.len(),
        cases.len()
    );
    match knowledge {
        Some(path) => {
            let source = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            print!(
                "{}",
                apply_suggestions(&source, &s).map_err(|e| format!("{path}: {e}"))?
            );
        }
        None => print!("{}", suggestions_toml(&s)),
    }
    Ok(())
}

/// The weekly report on stdout, and as HTML with charts.
pub async fn report(weeks: u32, html: Option<&str>) -> Res<()> {
    if weeks == 0 || weeks > 104 {
        return Err("--weeks must be between 1 and 104".into());
    }
    let app = app().await?;
    let now = Utc::now();
    let since = now - Duration::weeks(weeks.into()) - Duration::days(7);
    let escalations = app
        .escalations
        .escalations_between(since, now, None, &mut |_| {})
        .await?;
    let answers = app
        .stats
        .answers_per_day(since.date_naive(), now.date_naive())
        .await?;
    let mut r = build_report(&escalations, &answers, weeks, now);
    if let (Some(versions), Some(reviews)) = (&app.versions, &app.reviews) {
        r.mark_versions(&versions.history().await?);
        r.add_sampled_verdicts(&reviews.reviews_since(since.date_naive()).await?);
    }
    print!("{}", render_text(&r));
    if let Some(path) = html {
        std::fs::write(path, render_html(&r)?).map_err(|e| format!("{path}: {e}"))?;
        eprintln!("wrote {path}");
    }
    Ok(())
}
