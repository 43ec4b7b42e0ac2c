//! The review link: `r1.{kid}.{payload}.{mac}`, signed and rotated with the resume links' keys
//! (`LINK_KEYS`), its own prefix so neither link opens the other's page.

use chrono::{DateTime, NaiveDate, Utc};

use crate::resume::token::unexpired;
use crate::resume::{LinkKeys, TokenError};

const VERSION: &str = "r1";

/// What a valid review link grants: this review, until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewToken {
    pub review: NaiveDate,
    pub expires_at: DateTime<Utc>,
}

impl ReviewToken {
    pub fn sign(&self, keys: &LinkKeys) -> String {
        keys.sign(
            VERSION,
            &format!("review|{}|{}", self.review, self.expires_at.timestamp()),
        )
    }

    /// Verifies signature (constant time) and expiry at `now`.
    pub fn verify(token: &str, keys: &LinkKeys, now: DateTime<Utc>) -> Result<Self, TokenError> {
        let payload = keys.verify(VERSION, token)?;
        let mut fields = payload.split('|');
        let (Some("review"), Some(id), Some(exp), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(TokenError::Malformed);
        };
        Ok(Self {
            review: id.parse().map_err(|_| TokenError::Malformed)?,
            expires_at: unexpired(exp, now)?,
        })
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
