//! `GET|HEAD|POST /resume/{token}`. GET and HEAD act on nothing (email scanners open links);
//! only the form POST resumes. The token is never logged, only a short fingerprint of it.

use chrono::Utc;

use super::http::{body_bytes, header, method, path, text_response, with_header};
use super::{UrlRequest, UrlResponse};
use crate::app::{resume_escalation, App, ResumeOutcome};
use crate::escalation::{AnswersVerdict, Escalation, HumanLabel, OutcomeLabel, ResumedBy};
use crate::resume::{
    describe_resumed, render_outcome_page, render_resume_page, token_fingerprint, ResumePageView,
    ResumeToken, TokenError,
};

const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// A short page that says what happened: a result, or why nothing was done.
pub(super) fn outcome(status: u16, title: &str, message: &str, ok: bool) -> UrlResponse {
    html(status, render_outcome_page(title, message, ok))
}

/// The refusal of a `form` posted from another site (`cross_site`), or `None` when it is ours.
pub(super) fn refuse_cross_site(
    req: &UrlRequest,
    form: &str,
    fingerprint: &str,
) -> Option<UrlResponse> {
    if !cross_site(req) {
        return None;
    }
    tracing::warn!(token = %fingerprint, form, "cross-site POST refused");
    Some(outcome(
        403,
        "Refused",
        "This form can only be sent from its own page.",
        false,
    ))
}

pub(super) fn html(status: u16, body: String) -> UrlResponse {
    let r = text_response(status, "text/html; charset=utf-8", body);
    let r = with_header(r, "cache-control", "no-store");
    let r = with_header(r, "referrer-policy", "no-referrer");
    let r = with_header(r, "content-security-policy", CSP);
    let r = with_header(r, "x-frame-options", "DENY");
    with_header(r, "x-content-type-options", "nosniff")
}

fn refused(err: &TokenError) -> UrlResponse {
    let message = match err {
        TokenError::Expired(_) => format!(
            "{err}. The customer can still be handed back from the inbox (pass the conversation back to the bot), \
             with `handoff resume`, or by waiting: the bot resumes by itself when the pause ends."
        ),
        _ => "This link is not valid. Use the link from the handoff message exactly as it arrived.".to_string(),
    };
    outcome(403, "This link cannot be used", &message, false)
}

/// A cross-site POST is refused where the browser tells us. `Sec-Fetch-Site` decides when sent;
/// otherwise the `Origin` host must be ours, and without an `Origin` the `Referer`'s. With
/// `Referrer-Policy: no-referrer` browsers send `Origin: null` on the page's own form, so "null"
/// alone proves nothing either way.
fn cross_site(req: &UrlRequest) -> bool {
    if let Some(site) = header(req, "sec-fetch-site") {
        return !matches!(site, "same-origin" | "none");
    }
    let host = header(req, "host");
    let foreign = |url: &str| {
        let rest = url.split("://").nth(1).unwrap_or(url);
        let url_host = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        host.is_none_or(|h| !url_host.eq_ignore_ascii_case(h))
    };
    match header(req, "origin") {
        Some("null") => false,
        Some(origin) => foreign(origin),
        None => header(req, "referer").is_some_and(foreign),
    }
}

/// How many of the engine's best entries the page offers first.
const CANDIDATES: usize = 3;

/// The engine's best entries for the customer's last message, as (id, answer).
fn candidates<'a>(app: &'a App, e: &Escalation) -> Vec<(&'a str, &'a str)> {
    let question = e
        .transcript
        .iter()
        .rev()
        .find(|l| l.role == crate::message::Role::Customer)
        .map(|l| l.text.as_str())
        .unwrap_or("");
    app.knowledge
        .rank(question)
        .into_iter()
        .take(CANDIDATES)
        .map(|(entry, _)| (entry.id.as_str(), entry.answer.as_str()))
        .collect()
}

fn check_the_form(message: &str) -> Box<UrlResponse> {
    Box::new(outcome(400, "Check the form", message, false))
}

/// Reads the form into a label; the error page says what to fix.
fn read_label(app: &App, body: &[u8]) -> Result<HumanLabel, Box<UrlResponse>> {
    let mut label = HumanLabel::default();
    let mut entry = None;
    let mut entry_other = None;
    for (k, v) in form_urlencoded::parse(body) {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_ref() {
            "outcome" => {
                label.outcome = Some(OutcomeLabel::parse(v).ok_or_else(|| {
                    check_the_form("The outcome must be one of needed_person, bot_could_handle or spam (or left empty).")
                })?)
            }
            "note" => label.note = Some(v.chars().take(2000).collect()),
            "entry" => entry = Some(v.to_string()),
            "entry_other" => entry_other = Some(v.to_string()),
            "earlier_answers" => {
                label.earlier_answers = Some(AnswersVerdict::parse(v).ok_or_else(|| {
                    check_the_form("Whether the bot's earlier answers were right must be right or wrong (or left empty).")
                })?)
            }
            _ => {}
        }
    }
    // A typed entry is the more deliberate choice.
    if let Some(id) = entry_other.or(entry) {
        if app.knowledge.get(&id).is_none() {
            return Err(check_the_form(&format!(
                "\"{}\" is not an entry of the knowledge file. Go back and pick one from the list, or leave it empty and write the answer in the note.",
                id.chars().take(200).collect::<String>()
            )));
        }
        match label.outcome {
            None | Some(OutcomeLabel::BotCouldHandle) => {
                label.outcome = Some(OutcomeLabel::BotCouldHandle)
            }
            Some(other) => {
                return Err(check_the_form(&format!(
                    "An entry goes with \"the bot could have handled it\", not with {}. Go back and choose one or the other.",
                    other.as_str()
                )))
            }
        }
        label.entry = Some(id);
    }
    Ok(label)
}

/// Handles one resume request.
pub async fn handle_resume(app: &App, req: &UrlRequest) -> UrlResponse {
    let app = &app.current().await;
    let now = Utc::now();
    let Some(raw) = path(req)
        .strip_prefix("/resume/")
        .filter(|t| !t.is_empty() && !t.contains('/'))
    else {
        return outcome(404, "Not found", "There is nothing here.", false);
    };
    let fingerprint = token_fingerprint(raw);
    let Some(keys) = &app.settings.link_keys else {
        tracing::error!("no LINK_KEYS for the resume function: every link is refused");
        return refused(&TokenError::UnknownKey);
    };
    let token = match ResumeToken::verify(raw, keys, now) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(token = %fingerprint, error = %e, "resume link refused");
            return refused(&e);
        }
    };
    let m = method(req);
    match m.as_str() {
        "GET" | "HEAD" => {
            let mut r = show(app, &token, raw, &fingerprint, now).await;
            if m == "HEAD" {
                r.body = None;
            }
            r
        }
        "POST" => post(app, req, &token, &fingerprint, now).await,
        _ => outcome(405, "Not allowed", "Open the link in a browser.", false),
    }
}

/// The confirmation page: who the customer is, why they were escalated, the form (changes
/// nothing).
async fn show(
    app: &App,
    token: &ResumeToken,
    raw: &str,
    fingerprint: &str,
    now: chrono::DateTime<Utc>,
) -> UrlResponse {
    let (esc, state) = match (
        app.escalations
            .get_escalation(&token.conversation, &token.escalation_id)
            .await,
        app.conversations.get_state(&token.conversation).await,
    ) {
        (Ok(Some(e)), Ok(s)) => (e, s),
        (Ok(None), _) => {
            return outcome(404, "Not found", "This escalation no longer exists.", false)
        }
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(token = %fingerprint, error = %e, "resume page could not load");
            return outcome(
                503,
                "Try again",
                "The page could not be loaded; try again in a moment.",
                false,
            );
        }
    };
    let action = format!("/resume/{raw}");
    let candidates = candidates(app, &esc);
    let entries: Vec<&str> = app
        .knowledge
        .entries()
        .iter()
        .map(|e| e.id.as_str())
        .collect();
    html(
        200,
        render_resume_page(&ResumePageView {
            escalation: &esc,
            state: &state,
            action: &action,
            now,
            candidates: &candidates,
            entries: &entries,
        }),
    )
}

/// The form's POST: the customer handed back with the person's label (same-site only).
async fn post(
    app: &App,
    req: &UrlRequest,
    token: &ResumeToken,
    fingerprint: &str,
    now: chrono::DateTime<Utc>,
) -> UrlResponse {
    if let Some(refusal) = refuse_cross_site(req, "resume", fingerprint) {
        return refusal;
    }
    let body = body_bytes(req).unwrap_or_default();
    let label = match read_label(app, &body) {
        Ok(l) => l,
        Err(page) => return *page,
    };
    match resume_escalation(app, token, ResumedBy::Link, &label, now).await {
        Ok(ResumeOutcome::Resumed(_)) => outcome(200, "Handed back to the bot",
            "Done. The bot answers this customer again from their next message. Thank you!",
            true),
        Ok(ResumeOutcome::AlreadyResumed { at, by }) => {
            outcome(200, "Already resumed", &describe_resumed(at, by), true)
        }
        Ok(ResumeOutcome::Superseded) => outcome(409, "A newer escalation holds this customer",
            "This link is for an earlier escalation. The customer was escalated again since; use the link from the newest handoff message. Nothing was changed.",
            false),
        Ok(ResumeOutcome::NotFound) => outcome(404, "Not found", "This escalation no longer exists.", false),
        Err(e) => {
            tracing::error!(token = %fingerprint, error = %e, "resume failed");
            outcome(503, "Try again", "The customer could not be handed back just now; nothing was changed. Try again in a moment.", false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&'static str, &'static str)]) -> UrlRequest {
        let mut map = ::http::HeaderMap::new();
        map.insert("host", "links.example".parse().unwrap());
        for (k, v) in headers {
            map.insert(*k, v.parse().unwrap());
        }
        super::super::http::request("POST", "/resume/x", "", map, None)
    }

    #[test]
    fn a_post_from_another_site_is_refused_whatever_header_says_so() {
        assert!(cross_site(&post(&[("sec-fetch-site", "cross-site")])));
        assert!(!cross_site(&post(&[("sec-fetch-site", "same-origin")])));
        assert!(cross_site(&post(&[("origin", "https://evil.example")])));
        assert!(!cross_site(&post(&[("origin", "https://links.example")])));
        assert!(!cross_site(&post(&[("origin", "null")])));
        // No Origin, but a Referer from elsewhere: refused too.
        assert!(cross_site(&post(&[(
            "referer",
            "https://evil.example/page"
        )])));
        assert!(!cross_site(&post(&[(
            "referer",
            "https://links.example/review/r1.x"
        )])));
        // Neither (a command-line client): nothing says it is another site.
        assert!(!cross_site(&post(&[])));
    }
}
