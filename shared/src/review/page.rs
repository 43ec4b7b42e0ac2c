//! The review page: readable on a phone, no JavaScript, no outside assets; customer words are
//! untrusted and always escaped. GET shows the proposals and the sampled answers and changes
//! nothing; the form's Preview measures, Apply publishes.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::apply::{ReviewForm, ReviewPreview};
use super::record::{Change, Proposal, Review};
use crate::report::Week;

/// What the page shows.
pub struct ReviewPageView<'a> {
    pub review: &'a Review,
    /// Where the form posts (the same link).
    pub action: &'a str,
    /// What the choices would do (with no choices: the boundary as it is, and the threshold).
    pub preview: Option<&'a ReviewPreview>,
    /// The choices to show as made (after a preview).
    pub form: Option<&'a ReviewForm>,
    /// A notice at the top (a refusal, an error, what was applied).
    pub notice: Option<(&'a str, bool)>,
}

fn pct(n: usize, of: usize) -> String {
    if of == 0 {
        "–".into()
    } else {
        format!("{:.0} %", n as f64 * 100.0 / of as f64)
    }
}

fn choice(name: &str, value: &str, label: &str, chosen: Option<&str>) -> String {
    format!(
        "<label><input type=\"radio\" name=\"{}\" value=\"{value}\"{}> {label}</label> ",
        attr(name),
        if chosen == Some(value) {
            " checked"
        } else {
            ""
        }
    )
}

fn preview_table(p: &ReviewPreview) -> String {
    let row = |name: &str, b: String, a: String| {
        format!("<tr><th scope=\"row\">{name}</th><td>{b}</td><td>{a}</td></tr>")
    };
    let (b, a) = (&p.before.tally, &p.after.tally);
    format!(
        "<table id=\"preview\"><caption>On your {} labelled messages (version {} → with your choices)</caption>\
<tr><th></th><th>before</th><th>after</th></tr>{}{}{}{}</table>",
        p.before.labels,
        p.version,
        row("answered by the bot", p.before.answered().to_string(), p.after.answered().to_string()),
        row("answered right", format!("{} of {}", b.right, b.in_scope), format!("{} of {}", a.right, a.in_scope)),
        row("answered with the wrong entry", pct(b.wrong, b.in_scope), pct(a.wrong, a.in_scope)),
        row("answered though a person was needed", pct(b.off_topic_answered, b.off_topic), pct(a.off_topic_answered, a.off_topic)),
    )
}

/// The weekly shares as a table of bars, the weeks a version went live marked.
fn chart(weeks: &[Week]) -> String {
    let mut html = String::from(
        "<table id=\"chart\"><caption>Each week: answered by the bot, and answers marked wrong (◆ a new version went live)</caption>\
<tr><th>week of</th><th>answered</th><th>wrong</th></tr>",
    );
    for w in weeks {
        let answered = w.answered_percent();
        let wrong = w.wrong_percent();
        let marks: String = w.versions.iter().map(|v| format!(" ◆ v{v}")).collect();
        html.push_str(&format!(
            "<tr><td>{}{}</td><td><span class=\"bar\" style=\"width:{:.0}%\"></span> {}</td><td>{}</td></tr>",
            w.start.format("%d %b"),
            text(&marks),
            answered.unwrap_or(0.0) * 0.7,
            answered.map_or("–".into(), |p| format!("{p:.0} %")),
            wrong.map_or("–".into(), |p| format!("{p:.0} %")),
        ));
    }
    html.push_str("</table>");
    html
}

/// The page.
pub fn render_review_page(v: &ReviewPageView<'_>) -> String {
    let r = v.review;
    let mut body = header(v);
    body.push_str(&chart(&r.weeks));
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\">",
        attr(v.action)
    ));
    body.push_str(&format!(
        "<h2>What the labels propose ({})</h2>",
        r.proposals.len()
    ));
    if r.proposals.is_empty() {
        body.push_str("<p>Nothing new this week.</p>");
    }
    for p in &r.proposals {
        body.push_str(&proposal(v, p));
    }
    if !r.wordless.is_empty() {
        body.push_str(&format!(
            "<p class=\"who\">{} labelled messages have no words to learn from and teach nothing: {}</p>",
            r.wordless.len(),
            r.wordless.iter().take(5).map(|w| format!("<q>{}</q>", text(w))).collect::<Vec<_>>().join(", ")
        ));
    }
    body.push_str(&sample(v));
    if let Some(p) = v.preview {
        body.push_str(&preview(v, p));
    }
    body.push_str(&footer(v));
    crate::resume::page::page("Weekly review", &body)
}

/// What a person chose for `key`: on the form just posted, else as decided before.
fn chosen(v: &ReviewPageView<'_>, key: &str) -> Option<String> {
    v.form
        .and_then(|f| f.choices.get(key).cloned())
        .or_else(|| v.review.decision(key).map(|d| d.verdict.clone()))
}

/// The title, the week and the version, and the notice of the last action.
fn header(v: &ReviewPageView<'_>) -> String {
    let r = v.review;
    let mut body = format!(
        "<h1>Your bot's week</h1><p class=\"who\">{} to {} · boundary version {}</p>",
        r.from.format("%d %b"),
        r.to.format("%d %b %Y"),
        r.version
    );
    if let Some((message, ok)) = v.notice {
        body.push_str(&format!(
            "<p id=\"notice\" class=\"{}\">{}</p>",
            if ok { "ok" } else { "warn" },
            text(message)
        ));
    }
    body
}

/// One proposal: what it changes, and accept / reject / decide later (or who decided).
fn proposal(v: &ReviewPageView<'_>, p: &Proposal) -> String {
    let r = v.review;
    let mut body = String::new();
    let name = format!("p.{}", p.key);
    let c = chosen(v, &p.key);
    let decided = r.decision(&p.key).map(|d| {
        format!(
            "<b>{}</b> by {} on {}{}",
            if d.verdict == "accept" {
                "Accepted"
            } else {
                "Rejected"
            },
            text(&d.by),
            d.at.format("%d %b %H:%M UTC"),
            d.version
                .map(|v| format!(", live in version {v}"))
                .unwrap_or_default()
        )
    });
    body.push_str(&format!(
        "<fieldset class=\"proposal\" id=\"{}\">",
        attr(&name)
    ));
    match &p.change {
            Change::Question { entry, text: words } => body.push_str(&format!(
                "<legend>Answer with <b>{}</b></legend><p>The customer wrote: <q>{}</q>{}</p>",
                text(entry),
                text(words),
                if p.escalations.is_empty() {
                    " and chose it from \"Did you mean\""
                } else {
                    ""
                }
            )),
            Change::Outside { text: words } => body.push_str(&format!(
                "<legend>Always a person</legend><p>The customer wrote: <q>{}</q> — the bot learns not to answer this.</p>",
                text(words)
            )),
            Change::Draft { id, questions, answer } => {
                body.push_str(&format!(
                    "<legend>A new entry <b>{}</b></legend><p>Asked {}:</p><ul>",
                    text(id),
                    crate::wording::counted(p.escalations.len(), "time", "times")
                ));
                for q in questions {
                    body.push_str(&format!("<li><q>{}</q></li>", text(q)));
                }
                let written = v
                    .form
                    .and_then(|f| f.answers.get(&p.key).cloned())
                    .or_else(|| answer.clone())
                    .unwrap_or_default();
                body.push_str(&format!(
                    "</ul><label for=\"a.{k}\">The answer the bot should give</label><textarea id=\"a.{k}\" name=\"a.{k}\" maxlength=\"2000\">{}</textarea>",
                    text(&written),
                    k = attr(&p.key)
                ));
            }
        }
    match decided {
        Some(line) => body.push_str(&format!("<p class=\"decided\">{line}</p>")),
        None => {
            body.push_str(&choice(&name, "accept", "accept", c.as_deref()));
            body.push_str(&choice(&name, "reject", "reject", c.as_deref()));
            body.push_str(&choice(
                &name,
                "",
                "decide later",
                Some(c.as_deref().unwrap_or("")),
            ));
        }
    }
    body.push_str("</fieldset>");
    body
}

/// The sample of the week's answers, each to mark right or wrong.
fn sample(v: &ReviewPageView<'_>) -> String {
    let r = v.review;
    let mut body = String::new();
    body.push_str(&format!(
        "<h2>Were these answers right? ({})</h2><p class=\"who\">Drawn at random from the week's answers: your clicks tell how often the bot is wrong.</p>",
        r.sample.len()
    ));
    for s in &r.sample {
        let name = format!("s.{}", s.key);
        let c = chosen(v, &s.key);
        body.push_str(&format!(
            "<fieldset class=\"sample\"><p>The customer wrote: <q>{}</q></p><p>The bot answered with <b>{}</b>: <q>{}</q></p>{}{}{}</fieldset>",
            text(&s.question),
            text(&s.entry),
            text(&s.answer),
            choice(&name, "right", "right", c.as_deref()),
            choice(&name, "wrong", "wrong", c.as_deref()),
            choice(&name, "", "not sure", Some(c.as_deref().unwrap_or("")))
        ));
    }
    if !r.choices.is_empty() {
        body.push_str(&format!(
            "<p class=\"who\" id=\"choices\">Customers settled {} themselves by choosing from \"Did you mean\" (for example <q>{}</q> → <b>{}</b>); each counts as a label below.</p>",
            crate::wording::counted(r.choices.len(), "question", "questions"),
            text(&r.choices[0].question),
            text(&r.choices[0].entry)
        ));
    }
    body
}

/// What applying the choices would do: confusable entries, the threshold, the measured effect.
fn preview(v: &ReviewPageView<'_>, p: &ReviewPreview) -> String {
    let mut body = String::new();
    if !p.pairs.is_empty() {
        body.push_str(&format!(
            "<h2>Entries the bot cannot tell apart ({})</h2><ul id=\"pairs\">",
            p.pairs.len()
        ));
        for pair in &p.pairs {
            body.push_str(&format!("<li>{}</li>", text(&pair.advice())));
        }
        body.push_str("</ul>");
    }
    body.push_str(&format!(
        "<p class=\"who\" id=\"threshold-now\">How sure the bot must be now: {}.</p>",
        text(&p.threshold_now)
    ));
    if let Some(t) = &p.threshold {
        let checked = v.form.is_some_and(|f| f.threshold);
        body.push_str(&format!(
                "<h2>How sure the bot must be</h2><fieldset id=\"threshold\"><p>Now {}; the labels support {}. {}</p><p class=\"who\">Based on {} labels (each the bot has learnt read as if it had not).</p>\
<label><input type=\"checkbox\" name=\"threshold\" value=\"accept\"{}> use {}</label></fieldset>",
                super::evaluate::shown(t.current),
                super::evaluate::shown(t.proposed),
                text(&t.why),
                t.labels,
                if checked { " checked" } else { "" },
                super::evaluate::shown(t.proposed)
            ));
    }
    if p.threshold.is_none() {
        body.push_str(&format!(
                "<p class=\"who\" id=\"threshold\">How sure the bot must be stays as it is: a lower threshold needs at least {} labels (there are {}), with enough messages that needed a person among them, and none of them shows it answering wrong too often.</p>",
                super::evaluate::MIN_LABELS_TO_LOWER,
                p.before.labels
            ));
    }
    body.push_str(&preview_table(p));
    if let Some(why) = &p.refusal {
        body.push_str(&format!(
            "<p class=\"warn\" id=\"refusal\">Not possible: {}.</p>",
            text(why)
        ));
    }
    body
}

/// The name field and the two buttons.
fn footer(v: &ReviewPageView<'_>) -> String {
    let by = v.form.map(|f| f.by.clone()).unwrap_or_default();
    format!(
        "<p><label for=\"by\">Your name (shown in the history)</label><br><input id=\"by\" name=\"by\" maxlength=\"80\" value=\"{}\"></p>\
<p><button name=\"action\" value=\"preview\" class=\"second\">Preview the effect</button></p>\
<p><button name=\"action\" value=\"apply\">Apply my choices</button></p></form>\
<p class=\"who\">Accepted changes go live as a new version within a minute; any version can be rolled back (<code>handoff boundary rollback</code>).</p>",
        attr(&by)
    )
}
