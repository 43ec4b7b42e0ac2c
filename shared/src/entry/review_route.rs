//! `GET|HEAD|POST /review/{token}` on the resume function's URL. GET and HEAD change nothing
//! (email scanners open links); the form POST previews (`action=preview`) or applies
//! (`action=apply`). The token is never logged, only a short fingerprint of it.

use chrono::Utc;

use super::http::{body_bytes, method, path};
use super::resume_route::{cross_site, html};
use super::{UrlRequest, UrlResponse};
use crate::app::App;
use crate::resume::{render_outcome_page, token_fingerprint, TokenError};
use crate::review::{
    apply_review, preview_review, render_review_page, ApplyOutcome, ReviewForm, ReviewPageView,
    ReviewToken,
};

fn page(status: u16, title: &str, message: &str, ok: bool) -> UrlResponse {
    html(status, render_outcome_page(title, message, ok))
}

fn try_again() -> UrlResponse {
    page(503, "Try again", "The review could not be loaded or saved just now; nothing was changed. Try again in a moment.", false)
}

/// Handles one request for the review page.
pub async fn handle_review(app: &App, req: &UrlRequest) -> UrlResponse {
    let app = &app.current().await;
    let now = Utc::now();
    let Some(raw) = path(req)
        .strip_prefix("/review/")
        .filter(|t| !t.is_empty() && !t.contains('/'))
    else {
        return page(404, "Not found", "There is nothing here.", false);
    };
    let fingerprint = token_fingerprint(raw);
    let Some(keys) = &app.settings.link_keys else {
        tracing::error!("no LINK_KEYS for the resume function: every review link is refused");
        return page(
            403,
            "This link cannot be used",
            "This link is not valid.",
            false,
        );
    };
    let token = match ReviewToken::verify(raw, keys, now) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(token = %fingerprint, error = %e, "review link refused");
            let message = match e {
                TokenError::Expired(_) => format!("{e}. Next week's digest brings a new link; `handoff review now` makes one today."),
                _ => "This link is not valid. Use the link from the digest exactly as it arrived.".into(),
            };
            return page(403, "This link cannot be used", &message, false);
        }
    };
    let Some(reviews) = &app.reviews else {
        return try_again();
    };
    let history = match &app.versions {
        Some(v) => v.history().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "version history not read; the page shows the review as built");
            Vec::new()
        }),
        None => Vec::new(),
    };
    let mut stored = match reviews.get_review(token.review).await {
        Ok(Some(s)) => s,
        Ok(None) => return page(404, "Not found", "This review no longer exists.", false),
        Err(e) => {
            tracing::error!(token = %fingerprint, error = %e, "review could not load");
            return try_again();
        }
    };
    stored.review = stored.review.with_versions_since(&history);
    let action = format!("/review/{raw}");
    let m = method(req);
    match m.as_str() {
        "GET" | "HEAD" => {
            let preview =
                match preview_review(app, &stored.review, &ReviewForm::default(), now).await {
                    Ok(Ok(p)) => Some(p),
                    Ok(Err(e)) | Err(crate::app::FlowError::BadEvent(e)) => {
                        tracing::error!(error = %e, "review preview failed");
                        None
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "review preview failed");
                        return try_again();
                    }
                };
            let mut r = html(
                200,
                render_review_page(&ReviewPageView {
                    review: &stored.review,
                    action: &action,
                    preview: preview.as_ref(),
                    form: None,
                    notice: None,
                }),
            );
            if m == "HEAD" {
                r.body = None;
            }
            r
        }
        "POST" => {
            if cross_site(req) {
                tracing::warn!(token = %fingerprint, "cross-site review POST refused");
                return page(
                    403,
                    "Refused",
                    "This form can only be sent from its own page.",
                    false,
                );
            }
            let body = body_bytes(req).unwrap_or_default();
            let form = match ReviewForm::parse(&body, &stored.review) {
                Ok(f) => f,
                Err(e) => return page(400, "Check the form", &e, false),
            };
            let apply = form_urlencoded::parse(&body).any(|(k, v)| k == "action" && v == "apply");
            let render = |status,
                          preview: Option<&crate::review::ReviewPreview>,
                          notice: (&str, bool),
                          review: &crate::review::Review| {
                html(
                    status,
                    render_review_page(&ReviewPageView {
                        review,
                        action: &action,
                        preview,
                        form: Some(&form),
                        notice: Some(notice),
                    }),
                )
            };
            if !apply {
                return match preview_review(app, &stored.review, &form, now).await {
                    Ok(Ok(p)) => render(
                        200,
                        Some(&p),
                        (
                            "Nothing is applied yet: this is what your choices would do.",
                            true,
                        ),
                        &stored.review,
                    ),
                    Ok(Err(e)) => render(400, None, (&e, false), &stored.review),
                    Err(e) => {
                        tracing::error!(error = %e, "review preview failed");
                        try_again()
                    }
                };
            }
            match apply_review(app, token.review, &form, now).await {
                Ok(ApplyOutcome::Published(version, p)) => {
                    tracing::info!(version, review = %token.review, "review applied");
                    let history = match &app.versions {
                        Some(v) => v.history().await.unwrap_or_default(),
                        None => Vec::new(),
                    };
                    let fresh = reviews
                        .get_review(token.review)
                        .await
                        .ok()
                        .flatten()
                        .map(|s| s.review)
                        .unwrap_or(stored.review.clone())
                        .with_versions_since(&history);
                    let note = format!("Done: version {version} is live; the bot uses it within a minute. Your decisions are recorded.");
                    render(200, Some(&p), (&note, true), &fresh)
                }
                Ok(ApplyOutcome::Recorded(p)) => {
                    let fresh = reviews.get_review(token.review).await.ok().flatten().map(|s| s.review).unwrap_or(stored.review.clone());
                    render(200, Some(&p), ("Your decisions are recorded; nothing to publish.", true), &fresh)
                }
                Ok(ApplyOutcome::Refused(p)) => render(409, Some(&p), ("Nothing was applied: these changes would make the bot answer wrong too often.", false), &stored.review),
                Ok(ApplyOutcome::Invalid(e)) => render(400, None, (&e, false), &stored.review),
                Err(e) => {
                    tracing::error!(token = %fingerprint, error = %e, "review apply failed");
                    try_again()
                }
            }
        }
        _ => page(405, "Not allowed", "Open the link in a browser.", false),
    }
}
