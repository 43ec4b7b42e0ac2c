//! `GET|POST /webhook` (DESIGN.md "Routes").

use chrono::Utc;

use super::http::{body_bytes, header, method, query, text_response};
use super::UrlRequest;
use super::UrlResponse;
use crate::app::{ingest_webhook, App, IngestError};
use crate::webhook::verify_subscription;

/// Handles one webhook request.
pub async fn handle_webhook(app: &App, req: &UrlRequest) -> UrlResponse {
    match method(req).as_str() {
        "GET" => {
            let challenge = query(req, "hub.challenge");
            match verify_subscription(
                query(req, "hub.mode").as_deref(),
                query(req, "hub.verify_token").as_deref(),
                challenge.as_deref(),
                app.settings
                    .verify_token
                    .as_ref()
                    .map(|t| t.expose())
                    .unwrap_or_default(),
            ) {
                Some(c) => text_response(200, "text/plain", c),
                None => {
                    tracing::warn!("webhook verification refused");
                    text_response(403, "text/plain", "verification failed")
                }
            }
        }
        "POST" => {
            let Ok(body) = body_bytes(req) else {
                tracing::warn!("webhook body is not valid base64");
                return text_response(400, "text/plain", "body encoding");
            };
            match ingest_webhook(app, &body, header(req, "x-hub-signature-256"), Utc::now()).await {
                Ok(report) => {
                    tracing::info!(?report, "webhook stored");
                    text_response(200, "text/plain", "EVENT_RECEIVED")
                }
                Err(IngestError::Signature(e)) => {
                    tracing::warn!(error = %e, bytes = body.len(), "webhook refused");
                    text_response(401, "text/plain", "invalid signature")
                }
                Err(e @ (IngestError::Store(_) | IngestError::Busy(_))) => {
                    tracing::error!(error = %e, "webhook not stored; Meta will deliver it again");
                    text_response(503, "text/plain", "try again")
                }
            }
        }
        _ => text_response(405, "text/plain", "method not allowed"),
    }
}
