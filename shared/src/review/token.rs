//! The review link: `r1.{kid}.{payload}.{mac}`, signed and rotated with the resume links' keys
//! (`LINK_KEYS`), its own prefix so neither link opens the other's page.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, NaiveDate, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::resume::{LinkKeys, TokenError};

const VERSION: &str = "r1";

/// What a valid review link grants: this review, until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewToken {
    pub review: NaiveDate,
    pub expires_at: DateTime<Utc>,
}

fn mac(key: &[u8], signed_part: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(signed_part.as_bytes());
    m
}

impl ReviewToken {
    pub fn sign(&self, keys: &LinkKeys) -> String {
        let (kid, key) = keys.signing();
        let payload = format!("review|{}|{}", self.review, self.expires_at.timestamp());
        let signed_part = format!("{VERSION}.{kid}.{}", URL_SAFE_NO_PAD.encode(payload));
        let sig = mac(key, &signed_part).finalize().into_bytes();
        format!("{signed_part}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// Verifies signature (constant time) and expiry at `now`.
    pub fn verify(token: &str, keys: &LinkKeys, now: DateTime<Utc>) -> Result<Self, TokenError> {
        if token.len() > 400 {
            return Err(TokenError::Malformed);
        }
        let (signed_part, sig_b64) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let mut parts = signed_part.splitn(3, '.');
        let (Some(VERSION), Some(kid), Some(payload_b64)) =
            (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let key = keys.find(kid).ok_or(TokenError::UnknownKey)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| TokenError::Malformed)?;
        mac(key, signed_part)
            .verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .ok()
            .and_then(|p| String::from_utf8(p).ok())
            .ok_or(TokenError::Malformed)?;
        let mut fields = payload.split('|');
        let (Some("review"), Some(id), Some(exp), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(TokenError::Malformed);
        };
        let review = id.parse().map_err(|_| TokenError::Malformed)?;
        let expires_at = exp
            .parse::<i64>()
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or(TokenError::Malformed)?;
        if expires_at <= now {
            return Err(TokenError::Expired(expires_at));
        }
        Ok(Self { review, expires_at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resume::ResumeToken;

    const K1: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";

    #[test]
    fn round_trips_and_a_resume_link_does_not_open_a_review() {
        let keys = LinkKeys::parse(K1).unwrap();
        let now = Utc::now();
        let t = ReviewToken {
            review: "2026-11-30".parse().unwrap(),
            expires_at: DateTime::from_timestamp(now.timestamp() + 7 * 86_400, 0).unwrap(),
        };
        let s = t.sign(&keys);
        assert_eq!(ReviewToken::verify(&s, &keys, now).unwrap(), t);
        assert!(ResumeToken::verify(&s, &keys, now).is_err());
        let mut forged = s.clone();
        forged.pop();
        forged.push(if s.ends_with('A') { 'B' } else { 'A' });
        assert!(ReviewToken::verify(&forged, &keys, now).is_err());
        assert!(matches!(
            ReviewToken::verify(&s, &keys, now + chrono::Duration::days(8)),
            Err(TokenError::Expired(_))
        ));
    }
}
