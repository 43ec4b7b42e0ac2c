//! The resume page: readable on a phone, no JavaScript, no outside assets. Customer text is
//! untrusted and always escaped.

use chrono::{DateTime, Utc};
use html_escape::{encode_double_quoted_attribute, encode_text};

use crate::escalation::{Escalation, ResumedBy};
use crate::state::PauseFlag;

/// What the GET page shows.
pub struct ResumePageView<'a> {
    pub escalation: &'a Escalation,
    pub state: &'a PauseFlag,
    /// Where the form posts (the same link).
    pub action: &'a str,
    pub now: DateTime<Utc>,
    /// The engine's best entries for the customer's last message (id, answer), best first: "the
    /// bot could have answered with…" is a choice, so the label is usable as data.
    pub candidates: &'a [(&'a str, &'a str)],
    /// Every entry id, offered as suggestions for any other choice.
    pub entries: &'a [&'a str],
}

fn snippet(text: &str, max: usize) -> String {
    let t: String = text.chars().take(max).collect();
    if t.len() < text.len() {
        format!("{t}…")
    } else {
        t
    }
}

fn entry_choice(v: &ResumePageView<'_>) -> String {
    let mut html =
        String::from("<div class=\"sub\"><p>With which answer of the knowledge file?</p>");
    for (id, answer) in v.candidates {
        html.push_str(&format!(
            "<label><input type=\"radio\" name=\"entry\" value=\"{}\"> <b>{}</b> <span class=\"who\">{}</span></label><br>",
            encode_double_quoted_attribute(id),
            encode_text(id),
            encode_text(&snippet(answer, 90))
        ));
    }
    html.push_str(
        "<label for=\"entry_other\">Another entry</label> \
<input id=\"entry_other\" name=\"entry_other\" list=\"entries\" autocomplete=\"off\" maxlength=\"200\"><datalist id=\"entries\">",
    );
    for id in v.entries {
        html.push_str(&format!(
            "<option value=\"{}\">",
            encode_double_quoted_attribute(id)
        ));
    }
    html.push_str("</datalist></div>");
    html
}

const STYLE: &str = "body{font:16px/1.45 system-ui,sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem;color:#1b1b1b}\
h1{font-size:1.3rem}dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem .8rem}dt{font-weight:600}\
ol{padding-left:1.2rem}li{margin:.2rem 0}.who{color:#555;font-size:.85rem}\
button{font-size:1.05rem;padding:.8rem 1.2rem;border:0;border-radius:.4rem;background:#0b5cff;color:#fff;width:100%}\
fieldset{border:1px solid #ccc;border-radius:.4rem;margin:1rem 0}textarea{width:100%;min-height:4rem}\
.sub{margin:.2rem 0 .6rem 1.6rem}table{border-collapse:collapse;width:100%;margin:.6rem 0}td,th{text-align:left;padding:.15rem .3rem;border-bottom:1px solid #eee}\
.bar{display:inline-block;height:.7rem;background:#0b5cff;vertical-align:middle}button.second{background:#555}caption{text-align:left;color:#555;font-size:.85rem}.ok{background:#e8f5e9;padding:.8rem;border-radius:.4rem}.warn{background:#fff3e0;padding:.8rem;border-radius:.4rem}\
ul.entries{list-style:none;padding-left:0}ul.entries li{margin:.6rem 0}summary{margin:.8rem 0;font-size:1.05rem}input[list]{width:100%;font-size:1rem;padding:.4rem}input,textarea{box-sizing:border-box;max-width:100%}";

pub(crate) fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
<meta name=\"robots\" content=\"noindex,nofollow\"><title>{}</title><style>{STYLE}</style></head>\
<body>{body}</body></html>",
        encode_text(title)
    )
}

fn fmt_time(t: DateTime<Utc>) -> String {
    t.format("%a %d %b %Y %H:%M UTC").to_string()
}

/// The confirmation page: shows what the escalation was about and one button; acts on nothing.
pub fn render_resume_page(v: &ResumePageView<'_>) -> String {
    let e = v.escalation;
    let mut body = String::new();
    body.push_str("<h1>Hand the customer back to the bot?</h1>");
    let name = e
        .customer_name
        .clone()
        .unwrap_or_else(|| format!("user {}", e.conversation.user_id));
    body.push_str(&format!(
        "<dl><dt>Customer</dt><dd>{} on {}</dd><dt>Why</dt><dd>{} — {}</dd><dt>Intent</dt><dd>{}</dd><dt>Next step</dt><dd>{}</dd>",
        encode_text(&name),
        e.conversation.channel,
        encode_text(&e.reason.describe()),
        encode_text(&e.reason_detail),
        encode_text(&e.summary.intent),
        encode_text(&e.summary.next_step),
    ));
    let state = if e.resumed_at.is_some() {
        "already handed back".to_string()
    } else if v.state.escalation_id.as_deref() == Some(e.escalation_id.as_str())
        && v.state.holds_at(v.now)
    {
        format!(
            "bot paused since {}; resumes by itself at {}",
            v.state
                .paused_at
                .map(fmt_time)
                .unwrap_or_else(|| "?".into()),
            v.state
                .paused_until
                .map(fmt_time)
                .unwrap_or_else(|| "?".into())
        )
    } else {
        "not paused by this escalation any more".to_string()
    };
    body.push_str(&format!(
        "<dt>State</dt><dd>{}</dd></dl>",
        encode_text(&state)
    ));
    body.push_str("<h2>Last messages</h2><ol>");
    for l in e.transcript.iter().rev().take(10).rev() {
        body.push_str(&format!(
            "<li><span class=\"who\">{} · {}</span><br>{}</li>",
            l.at.format("%H:%M"),
            l.role.as_str(),
            encode_text(&l.text)
        ));
    }
    body.push_str("</ol>");
    body.push_str(&format!(
        "<form method=\"post\" action=\"{}\">\
<button type=\"submit\">Hand the customer back to the bot</button>\
<fieldset><legend>Optional: how did it go?</legend>\
<label><input type=\"radio\" name=\"outcome\" value=\"needed_person\"> It needed a person</label><br>\
<label><input type=\"radio\" name=\"outcome\" value=\"bot_could_handle\"> The bot could have handled it</label><br>{}\
<label><input type=\"radio\" name=\"outcome\" value=\"spam\"> Spam</label><br>{}\
<label for=\"note\">Note, or the answer the bot should have given</label>\
<textarea id=\"note\" name=\"note\" maxlength=\"2000\"></textarea></fieldset></form>",
        encode_double_quoted_attribute(v.action),
        entry_choice(v),
        if e.bot_answered_before() {
            "<p>The bot answered this customer before handing over. Were its answers right?</p>\
<label><input type=\"radio\" name=\"earlier_answers\" value=\"right\"> Right</label> \
<label><input type=\"radio\" name=\"earlier_answers\" value=\"wrong\"> Wrong</label><br>"
        } else {
            ""
        }
    ));
    page("Hand back to the bot", &body)
}

/// A page for every other outcome: success, already resumed, expired, forged.
pub fn render_outcome_page(title: &str, message: &str, ok: bool) -> String {
    let class = if ok { "ok" } else { "warn" };
    page(
        title,
        &format!(
            "<h1>{}</h1><p class=\"{class}\">{}</p>",
            encode_text(title),
            encode_text(message)
        ),
    )
}

/// Wording for an escalation that was already resumed.
pub fn describe_resumed(at: DateTime<Utc>, by: Option<ResumedBy>) -> String {
    format!(
        "This customer was already handed back to the bot on {} ({}). Nothing was changed.",
        fmt_time(at),
        by.map(ResumedBy::describe).unwrap_or("by another action")
    )
}
