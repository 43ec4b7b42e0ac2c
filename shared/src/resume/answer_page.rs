//! The one-click answer page (`/answer/{token}`): the customer's question and the bot's suggested
//! answer first, with three actions: send this answer, send another answer (every entry, with its
//! answer, findable by typing), or reply yourself. Readable on a phone; no JavaScript, no outside
//! assets; customer text always escaped. GET shows it and changes nothing.

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::page::page;
use crate::escalation::{Escalation, TranscriptLine};

/// What the page shows.
pub struct AnswerPageView<'a> {
    pub escalation: &'a Escalation,
    /// Where the forms post (the same link).
    pub action: &'a str,
    /// The resume link, for "I'll reply myself".
    pub resume_url: &'a str,
    /// Every entry of the knowledge: (id, answer in the customer's language).
    pub entries: &'a [(&'a str, &'a str)],
    /// Open at the other answers (the handoff's "choose" link).
    pub choosing: bool,
    /// Messages the customer wrote since the suggestion, when a send was refused for them: shown,
    /// with their newest time carried by the forms so the next send is a fresh choice.
    pub since: &'a [TranscriptLine],
    /// A notice above everything (why a send was refused).
    pub notice: Option<&'a str>,
}

fn hidden(v: &AnswerPageView<'_>) -> String {
    v.since
        .iter()
        .map(|l| l.at.timestamp_millis())
        .max()
        .map(|ms| format!("<input type=\"hidden\" name=\"seen\" value=\"{ms}\">"))
        .unwrap_or_default()
}

const NAME_FIELD: &str = "<p><label for=\"by\">Your name (kept with the answer)</label><br>\
<input id=\"by\" name=\"by\" maxlength=\"80\" autocomplete=\"name\"></p>";

/// The page.
pub fn render_answer_page(v: &AnswerPageView<'_>) -> String {
    let e = v.escalation;
    let mut body = String::from("<h1>Answer with one click</h1>");
    if let Some(n) = v.notice {
        body.push_str(&format!("<p id=\"notice\" class=\"warn\">{}</p>", text(n)));
    }
    let name = e
        .customer_name
        .clone()
        .unwrap_or_else(|| format!("user {}", e.conversation.user_id));
    body.push_str(&format!(
        "<p class=\"who\">{} on {} · {}</p>",
        text(&name),
        e.conversation.channel,
        text(&e.reason.describe())
    ));
    if let Some(q) = e.last_question() {
        body.push_str(&format!(
            "<p><b>The customer asked</b><br><q id=\"question\">{}</q></p>",
            text(&q.text)
        ));
    }
    body.push_str(&written_since(v));
    if let Some(s) = &e.suggestion {
        body.push_str(&format!(
            "<fieldset id=\"suggestion\"><legend>The bot's answer · {:.0} % sure · entry <b>{}</b></legend>\
<p id=\"answer\">{}</p>\
<form method=\"post\" action=\"{}\"><input type=\"hidden\" name=\"entry\" value=\"{}\">{}{NAME_FIELD}\
<button type=\"submit\" name=\"action\" value=\"send\" id=\"send\">Send this answer</button></form>\
<p class=\"who\">Sends it to the customer, hands them back to the bot and tells the bot it was right.</p></fieldset>",
            s.chance * 100.0,
            text(&s.entry),
            text(&s.answer),
            attr(v.action),
            attr(&s.entry),
            hidden(v),
        ));
    }
    body.push_str(&another_answer(v));
    body.push_str(&format!(
        "<h2>I'll reply myself</h2><p>Nothing is sent. Reply in the inbox; when you are done, \
<a id=\"reply-myself\" href=\"{}\">hand the customer back to the bot</a>.</p>",
        attr(v.resume_url)
    ));
    page("Answer with one click", &body)
}

/// What the customer wrote after the escalation, to check the answer still fits.
fn written_since(v: &AnswerPageView<'_>) -> String {
    let mut body = String::new();
    if !v.since.is_empty() {
        body.push_str(
            "<div class=\"warn\" id=\"since\"><b>The customer wrote again since:</b><ol>",
        );
        for l in v.since {
            body.push_str(&format!(
                "<li><span class=\"who\">{}</span> {}</li>",
                l.at.format("%H:%M"),
                text(&l.text)
            ));
        }
        body.push_str("</ol>Check that the answer still fits before you send it.</div>");
    }
    body
}

/// Another entry's answer: typed with suggestions, or chosen from the list.
fn another_answer(v: &AnswerPageView<'_>) -> String {
    let e = v.escalation;
    let mut body = String::new();
    body.push_str(&format!(
        "<details id=\"another\"{}><summary><b>Send another answer</b></summary>\
<form method=\"post\" action=\"{}\">{}\
<p><label for=\"pick\">Type to find an entry</label><br>\
<input id=\"pick\" name=\"entry_typed\" list=\"entry-ids\" autocomplete=\"off\" maxlength=\"200\"></p>\
<datalist id=\"entry-ids\">",
        if v.choosing || e.suggestion.is_none() {
            " open"
        } else {
            ""
        },
        attr(v.action),
        hidden(v)
    ));
    for (id, _) in v.entries {
        body.push_str(&format!("<option value=\"{}\">", attr(id)));
    }
    body.push_str("</datalist><ul class=\"entries\">");
    for (id, answer) in v.entries {
        body.push_str(&format!(
            "<li><label><input type=\"radio\" name=\"entry\" value=\"{}\"> <b>{}</b></label><br><span class=\"who\">{}</span></li>",
            attr(id),
            text(id),
            text(answer)
        ));
    }
    body.push_str(&format!(
        "</ul>{NAME_FIELD}<button type=\"submit\" name=\"action\" value=\"another\" class=\"second\" id=\"send-another\">Send the chosen answer</button>\
<p class=\"who\">Tells the bot it could have answered with that entry.</p></form></details>"
    ));
    body
}
