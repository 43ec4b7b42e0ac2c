//! `GET|HEAD|POST /answer/{token}`: the one-click answer. GET and HEAD show the page and act on
//! nothing (mail scanners open links); only the form POST sends. The token is never logged,
//! only a short fingerprint of it.

use chrono::Utc;

use super::http::{body_bytes, method, path, query};
use super::resume_route::{html, outcome, refuse_cross_site};
use super::{UrlRequest, UrlResponse};
use crate::app::{resume_url, send_one_click, App, OneClickOutcome, OneClickRequest};
use crate::escalation::{Escalation, TranscriptLine};
use crate::resume::{
    describe_resumed, render_answer_page, token_fingerprint, AnswerPageView, LinkKind, ResumeToken,
    TokenError,
};

fn refused(err: &TokenError) -> UrlResponse {
    let message = match err {
        TokenError::Expired(_) => format!(
            "{err}. Reply to the customer in the inbox, and hand them back to the bot from there or with `handoff resume`."
        ),
        _ => "This link is not valid. Use the link from the handoff message exactly as it arrived.".to_string(),
    };
    outcome(403, "This link cannot be used", &message, false)
}

/// The form: which entry, who, and the newest message the page showed.
fn read_form(body: &[u8]) -> (Option<String>, Option<String>, Option<i64>) {
    let (mut entry, mut typed, mut by, mut seen) = (None, None, None, None);
    for (k, v) in form_urlencoded::parse(body) {
        let v = v.trim().to_string();
        if v.is_empty() {
            continue;
        }
        match k.as_ref() {
            "entry" => entry = Some(v),
            "entry_typed" => typed = Some(v),
            "by" => by = Some(v.chars().take(80).collect()),
            "seen" => seen = v.parse().ok(),
            _ => {}
        }
    }
    // A typed entry is the more deliberate choice.
    (typed.or(entry), by, seen)
}

/// Handles one request to an answer link.
pub async fn handle_answer(app: &App, req: &UrlRequest) -> UrlResponse {
    let app = &app.current().await;
    let now = Utc::now();
    let Some(raw) = path(req)
        .strip_prefix("/answer/")
        .filter(|t| !t.is_empty() && !t.contains('/'))
    else {
        return outcome(404, "Not found", "There is nothing here.", false);
    };
    let fingerprint = token_fingerprint(raw);
    let Some(keys) = &app.settings.link_keys else {
        tracing::error!("no LINK_KEYS for the resume function: every link is refused");
        return refused(&TokenError::UnknownKey);
    };
    let token = match ResumeToken::verify_for(LinkKind::Answer, raw, keys, now) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(token = %fingerprint, error = %e, "answer link refused");
            return refused(&e);
        }
    };
    let esc = match app
        .escalations
        .get_escalation(&token.conversation, &token.escalation_id)
        .await
    {
        Ok(Some(e)) => e,
        Ok(None) => return outcome(404, "Not found", "This escalation no longer exists.", false),
        Err(e) => {
            tracing::error!(token = %fingerprint, error = %e, "answer page could not load");
            return outcome(
                503,
                "Try again",
                "The page could not be loaded; try again in a moment.",
                false,
            );
        }
    };
    let action = format!("/answer/{raw}");
    let m = method(req);
    match m.as_str() {
        "GET" | "HEAD" => {
            let choosing = query(req, "choose").is_some();
            let mut r = render(app, &esc, &action, choosing, &[], None);
            if m == "HEAD" {
                r.body = None;
            }
            r
        }
        "POST" => post(app, req, &token, &esc, &action, &fingerprint, now).await,
        _ => outcome(405, "Not allowed", "Open the link in a browser.", false),
    }
}

/// The form's POST: the chosen entry's answer sent with one click (same-site only).
async fn post(
    app: &App,
    req: &UrlRequest,
    token: &ResumeToken,
    esc: &Escalation,
    action: &str,
    fingerprint: &str,
    now: chrono::DateTime<Utc>,
) -> UrlResponse {
    if let Some(refusal) = refuse_cross_site(req, "answer", fingerprint) {
        return refusal;
    }
    let body = body_bytes(req).unwrap_or_default();
    let (entry, by, seen) = read_form(&body);
    let Some(entry) = entry else {
        return outcome(
            400,
            "Check the form",
            "Choose the answer to send: go back and pick an entry.",
            false,
        );
    };
    if app.knowledge.get(&entry).is_none() {
        return outcome(
            400,
            "Check the form",
            &format!(
                "\"{}\" is not an entry of the knowledge file. Go back and pick one from the list.",
                entry.chars().take(200).collect::<String>()
            ),
            false,
        );
    }
    let request = OneClickRequest {
        entry,
        by,
        seen_until_ms: seen,
    };
    match send_one_click(app, token, &request, now).await {
        Ok(o) => answered(app, esc, action, o),
        Err(e) => {
            tracing::error!(token = %fingerprint, error = %e, "one-click answer failed");
            outcome(
                503,
                "Try again",
                "Nothing was sent just now; try again in a moment.",
                false,
            )
        }
    }
}

fn render(
    app: &App,
    esc: &Escalation,
    action: &str,
    choosing: bool,
    since: &[TranscriptLine],
    notice: Option<&str>,
) -> UrlResponse {
    let language = esc
        .suggestion
        .as_ref()
        .map_or("en", |s| s.language.as_str());
    let entries: Vec<(&str, &str)> = app
        .knowledge
        .entries()
        .iter()
        .map(|e| (e.id.as_str(), e.answer_in(language)))
        .collect();
    let resume = resume_url(app, esc);
    html(
        200,
        render_answer_page(&AnswerPageView {
            escalation: esc,
            action,
            resume_url: &resume,
            entries: &entries,
            choosing,
            since,
            notice,
        }),
    )
}

/// The page after a POST: what happened, in words.
fn answered(app: &App, esc: &Escalation, action: &str, o: OneClickOutcome) -> UrlResponse {
    let fmt = |t: chrono::DateTime<Utc>| t.format("%a %d %b %H:%M UTC").to_string();
    match o {
        OneClickOutcome::Sent { entry } => outcome(
            200,
            "Answer sent",
            &format!("The customer has the answer of \"{entry}\" and is back with the bot. The bot learns from it. Thank you!"),
            true,
        ),
        OneClickOutcome::AlreadySent {
            entry,
            at,
            by,
            recorded,
        } => outcome(
            200,
            "Already answered",
            &format!(
                "The answer of \"{entry}\" was already sent{}{}. Nothing was sent again.{}",
                by.map(|b| format!(" by {b}")).unwrap_or_default(),
                at.map(|t| format!(" on {}", fmt(t))).unwrap_or_default(),
                if recorded {
                    ""
                } else {
                    " Meta has not confirmed that it reached the customer: check the conversation in the inbox and send it from there if it is missing."
                }
            ),
            recorded,
        ),
        OneClickOutcome::CustomerWroteAgain { since } => {
            let mut r = render(
                app,
                esc,
                action,
                true,
                &since,
                Some("Not sent: the customer wrote again since the suggestion. Read what they wrote below, then choose again."),
            );
            r.status_code = 409;
            r
        }
        OneClickOutcome::PersonReplied { at } => outcome(
            409,
            "A person already replied",
            &format!("Not sent: someone replied to this customer in the inbox on {}. Continue there; when done, hand the customer back with the resume link.", fmt(at)),
            false,
        ),
        OneClickOutcome::HandedBack { at, by } => outcome(
            409,
            "Already handed back",
            &format!("Not sent. {}", describe_resumed(at, by)),
            false,
        ),
        OneClickOutcome::WindowClosed { closed_at } => outcome(
            409,
            "Meta's 24-hour window closed",
            &format!("Not sent: the customer's last message is more than 24 hours old (the window closed on {}). Reply in the inbox, where a person may still answer with the human-agent tag for 7 days.", fmt(closed_at)),
            false,
        ),
        OneClickOutcome::Superseded => outcome(
            409,
            "A newer escalation holds this customer",
            "Not sent: the customer was escalated again since. Use the newest handoff message.",
            false,
        ),
        OneClickOutcome::NotDelivered { entry, error } => outcome(
            502,
            "Not delivered",
            &format!("The customer is back with the bot, but Meta did not take the answer of \"{entry}\" ({error}). Send it from the inbox."),
            false,
        ),
        OneClickOutcome::NotFound => outcome(404, "Not found", "This escalation no longer exists.", false),
    }
}
