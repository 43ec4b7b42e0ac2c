//! `X-Hub-Signature-256`: HMAC-SHA256 of the exact bytes Meta sent, keyed by the app secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use thiserror::Error;

type HmacSha256 = Hmac<Sha256>;

/// Why a webhook's signature was refused. Never carries the secret or the expected value.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("missing X-Hub-Signature-256 header")]
    Missing,
    #[error("X-Hub-Signature-256 is not of the form sha256=<64 hex digits>")]
    Malformed,
    #[error("X-Hub-Signature-256 does not match the body")]
    Mismatch,
}

/// Verifies `header` (the header's value, if any) against `body` in constant time.
pub fn verify_signature(
    secret: &[u8],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?.trim();
    let hex_sig = header
        .strip_prefix("sha256=")
        .ok_or(SignatureError::Malformed)?;
    if hex_sig.len() != 64 {
        return Err(SignatureError::Malformed);
    }
    let expected = hex::decode(hex_sig).map_err(|_| SignatureError::Malformed)?;
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    // `verify_slice` compares in constant time.
    mac.verify_slice(&expected)
        .map_err(|_| SignatureError::Mismatch)
}

/// Verifies against each secret in turn (the current one first, the previous one during a
/// rotation); the first match wins. With no secret at all nothing verifies.
pub fn verify_signature_any(
    secrets: &[crate::secret::Secret],
    body: &[u8],
    header: Option<&str>,
) -> Result<(), SignatureError> {
    let mut result = Err(SignatureError::Mismatch);
    for secret in secrets {
        result = verify_signature(secret.expose().as_bytes(), body, header);
        if !matches!(result, Err(SignatureError::Mismatch)) {
            return result;
        }
    }
    if secrets.is_empty() {
        tracing::error!("no Meta app secret configured: every webhook is refused");
        header.ok_or(SignatureError::Missing)?;
    }
    result
}

/// The header value Meta would send for `body`; used by tests, the demo and `handoff` tooling.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn during_a_rotation_either_secret_verifies() {
        use crate::secret::Secret;
        let body = br#"{"object":"page"}"#;
        let secrets = [Secret::new("new"), Secret::new("old")];
        for key in ["new", "old"] {
            let sig = sign(key.as_bytes(), body);
            assert_eq!(verify_signature_any(&secrets, body, Some(&sig)), Ok(()));
        }
        let forged = sign(b"other", body);
        assert_eq!(
            verify_signature_any(&secrets, body, Some(&forged)),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature_any(&[], body, Some(&sign(b"new", body))),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify_signature_any(&secrets, body, Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
    }

    #[test]
    fn accepts_the_right_signature_over_the_exact_bytes() {
        let body =
            br#"{"object":"page","entry":[{"messaging":[{"message":{"text":"caf\u00e9"}}]}]}"#;
        let sig = sign(b"secret", body);
        assert_eq!(verify_signature(b"secret", body, Some(&sig)), Ok(()));
        // Re-serialising the JSON (unescaping \u00e9) changes the bytes, so it must fail.
        let reencoded =
            r#"{"object":"page","entry":[{"messaging":[{"message":{"text":"café"}}]}]}"#;
        assert_eq!(
            verify_signature(b"secret", reencoded.as_bytes(), Some(&sig)),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn refuses_missing_malformed_and_forged() {
        let body = b"{}";
        assert_eq!(
            verify_signature(b"s", body, None),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify_signature(b"s", body, Some("sha1=abc")),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify_signature(b"s", body, Some("sha256=zz")),
            Err(SignatureError::Malformed)
        );
        let forged = sign(b"other", body);
        assert_eq!(
            verify_signature(b"s", body, Some(&forged)),
            Err(SignatureError::Mismatch)
        );
        let upper = sign(b"s", body)
            .to_uppercase()
            .replace("SHA256=", "sha256=");
        assert_eq!(verify_signature(b"s", body, Some(&upper)), Ok(()));
    }
}
