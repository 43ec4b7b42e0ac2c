//! `GET|HEAD|POST /review/{token}` on the resume function's URL. GET and HEAD change nothing
//! (email scanners open links); the form POST previews (`action=preview`) or applies
//! (`action=apply`). The token is never logged, only a short fingerprint of it.

use chrono::Utc;

use super::http::{body_bytes, method, path};
use super::resume_route::{html, outcome, refuse_cross_site};
use super::{UrlRequest, UrlResponse};
use crate::app::App;
use crate::ports::Reviews;
use crate::resume::{token_fingerprint, TokenError};
use crate::review::{
    apply_review, preview_review, render_review_page, ApplyOutcome, Review, ReviewForm,
    ReviewPageView, ReviewPreview, ReviewToken, StoredReview,
};

fn try_again() -> UrlResponse {
    outcome(503, "Try again", "The review could not be loaded or saved just now; nothing was changed. Try again in a moment.", false)
}

/// Handles one request for the review page.
pub async fn handle_review(app: &App, req: &UrlRequest) -> UrlResponse {
    let app = &app.current().await;
    let now = Utc::now();
    let Some(raw) = path(req)
        .strip_prefix("/review/")
        .filter(|t| !t.is_empty() && !t.contains('/'))
    else {
        return outcome(404, "Not found", "There is nothing here.", false);
    };
    let opened = match open_review(app, raw, now).await {
        Ok(o) => o,
        Err(response) => return response,
    };
    let m = method(req);
    match m.as_str() {
        "GET" | "HEAD" => {
            let mut r = show(app, &opened, now).await;
            if m == "HEAD" {
                r.body = None;
            }
            r
        }
        "POST" => post(app, req, &opened, now).await,
        _ => outcome(405, "Not allowed", "Open the link in a browser.", false),
    }
}

/// A review the link's token opens, as stored, with the versions published since.
struct OpenedReview {
    token: ReviewToken,
    /// A short fingerprint of the token: what the logs say instead of it.
    fingerprint: String,
    /// Where the page's form posts (the same link).
    action: String,
    stored: StoredReview,
}

/// Verifies the link's token and loads its review; a refusal is the page to answer with.
async fn open_review(
    app: &App,
    raw: &str,
    now: chrono::DateTime<Utc>,
) -> Result<OpenedReview, UrlResponse> {
    let fingerprint = token_fingerprint(raw);
    let Some(keys) = &app.settings.link_keys else {
        tracing::error!("no LINK_KEYS for the resume function: every review link is refused");
        return Err(outcome(
            403,
            "This link cannot be used",
            "This link is not valid.",
            false,
        ));
    };
    let token = match ReviewToken::verify(raw, keys, now) {
        Ok(t) => t,
        Err(e) => {
            tracing::warn!(token = %fingerprint, error = %e, "review link refused");
            let message = match e {
                TokenError::Expired(_) => format!("{e}. Next week's digest brings a new link; `handoff review now` makes one today."),
                _ => "This link is not valid. Use the link from the digest exactly as it arrived.".into(),
            };
            return Err(outcome(403, "This link cannot be used", &message, false));
        }
    };
    let Some(reviews) = &app.reviews else {
        return Err(try_again());
    };
    let mut stored = match reviews.get_review(token.review).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return Err(outcome(
                404,
                "Not found",
                "This review no longer exists.",
                false,
            ))
        }
        Err(e) => {
            tracing::error!(token = %fingerprint, error = %e, "review could not load");
            return Err(try_again());
        }
    };
    stored.review = stored
        .review
        .with_versions_since(&version_history(app).await);
    Ok(OpenedReview {
        token,
        fingerprint,
        action: format!("/review/{raw}"),
        stored,
    })
}

/// The page as it stands, with what the recorded choices would do (changes nothing).
async fn show(app: &App, opened: &OpenedReview, now: chrono::DateTime<Utc>) -> UrlResponse {
    let (stored, action) = (&opened.stored, &opened.action);
    let preview = match preview_review(app, &stored.review, &ReviewForm::default(), now).await {
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
    html(
        200,
        render_review_page(&ReviewPageView {
            review: &stored.review,
            action,
            preview: preview.as_ref(),
            form: None,
            notice: None,
        }),
    )
}

/// The form's POST: a preview, or the choices applied (same-site only).
async fn post(
    app: &App,
    req: &UrlRequest,
    opened: &OpenedReview,
    now: chrono::DateTime<Utc>,
) -> UrlResponse {
    let (stored, action, fingerprint) = (&opened.stored, &opened.action, &opened.fingerprint);
    if let Some(refusal) = refuse_cross_site(req, "review", fingerprint) {
        return refusal;
    }
    let body = body_bytes(req).unwrap_or_default();
    let form = match ReviewForm::parse(&body, &stored.review) {
        Ok(f) => f,
        Err(e) => return outcome(400, "Check the form", &e, false),
    };
    let applying = form_urlencoded::parse(&body).any(|(k, v)| k == "action" && v == "apply");
    let render = |status, preview, notice, review: &Review| {
        form_page(action, &form, status, preview, notice, review)
    };
    if !applying {
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
    apply(app, opened, &form, now).await
}

/// The page again after the choices were posted, with what they do and a notice.
fn form_page(
    action: &str,
    form: &ReviewForm,
    status: u16,
    preview: Option<&ReviewPreview>,
    notice: (&str, bool),
    review: &Review,
) -> UrlResponse {
    html(
        status,
        render_review_page(&ReviewPageView {
            review,
            action,
            preview,
            form: Some(form),
            notice: Some(notice),
        }),
    )
}

/// Applies the posted choices: a new version when they change the boundary, the decisions
/// recorded either way; refused when the changes would answer wrong too often.
async fn apply(
    app: &App,
    opened: &OpenedReview,
    form: &ReviewForm,
    now: chrono::DateTime<Utc>,
) -> UrlResponse {
    let (stored, token, fingerprint) = (&opened.stored, &opened.token, &opened.fingerprint);
    let render = |status, preview, notice, review: &Review| {
        form_page(&opened.action, form, status, preview, notice, review)
    };
    let Some(reviews) = &app.reviews else {
        return try_again();
    };
    match apply_review(app, token.review, form, now).await {
        Ok(ApplyOutcome::Published(version, p)) => {
            tracing::info!(version, review = %token.review, "review applied");
            let fresh = fresh_review(app, reviews.as_ref(), token.review, &stored.review).await;
            let note = format!("Done: version {version} is live; the bot uses it within a minute. Your decisions are recorded.");
            render(200, Some(&p), (&note, true), &fresh)
        }
        Ok(ApplyOutcome::Recorded(p)) => {
            let fresh = fresh_review(app, reviews.as_ref(), token.review, &stored.review).await;
            render(
                200,
                Some(&p),
                ("Your decisions are recorded; nothing to publish.", true),
                &fresh,
            )
        }
        Ok(ApplyOutcome::Refused(p)) => render(
            409,
            Some(&p),
            (
                "Nothing was applied: these changes would make the bot answer wrong too often.",
                false,
            ),
            &stored.review,
        ),
        Ok(ApplyOutcome::Invalid(e)) => render(400, None, (&e, false), &stored.review),
        Err(e) => {
            tracing::error!(token = %fingerprint, error = %e, "review apply failed");
            try_again()
        }
    }
}

/// The boundary's published versions, for the chart's marks (none when they cannot be read:
/// the page then shows the review as built).
async fn version_history(app: &App) -> Vec<crate::live::VersionRecord> {
    match &app.versions {
        Some(v) => v.history().await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "version history not read; the page shows the review as built");
            Vec::new()
        }),
        None => Vec::new(),
    }
}

/// The review as stored after an apply (the decisions just recorded), with the versions
/// published since; `before` when it cannot be read again.
async fn fresh_review(
    app: &App,
    reviews: &dyn Reviews,
    id: chrono::NaiveDate,
    before: &Review,
) -> Review {
    reviews
        .get_review(id)
        .await
        .ok()
        .flatten()
        .map_or_else(|| before.clone(), |s| s.review)
        .with_versions_since(&version_history(app).await)
}
