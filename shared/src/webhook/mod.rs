//! Meta's webhook: verification, signatures, the body and what its events mean.

mod event;
mod events;
mod normalize;
mod payload;
mod repair;
mod signature;

pub use event::{thread_requested_by, WebhookEvent, OWN_METADATA_PREFIX, THREAD_REQUEST};
pub use events::{parse_webhook, parse_webhook_at, UnusableBody};
pub use signature::{sign, verify_signature, verify_signature_any, SignatureError};

/// The subscription handshake: `hub.mode=subscribe` with our verify token gets the challenge back.
pub fn verify_subscription<'a>(
    mode: Option<&str>,
    token: Option<&str>,
    challenge: Option<&'a str>,
    expected_token: &str,
) -> Option<&'a str> {
    use subtle::ConstantTimeEq;
    // An unset token verifies nothing, not the empty string.
    let token_ok = !expected_token.is_empty()
        && token.is_some_and(|t| bool::from(t.as_bytes().ct_eq(expected_token.as_bytes())));
    (mode == Some("subscribe") && token_ok).then_some(challenge?)
}
