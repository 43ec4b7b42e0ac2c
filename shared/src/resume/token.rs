//! The signed resume link: `v1.{kid}.{payload}.{mac}`, HMAC-SHA256, URL-safe, under 200 characters.
//! The payload binds one escalation, one conversation and an expiry.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::conversation::ConversationKey;

type HmacSha256 = Hmac<Sha256>;

/// Signing keys: the first signs, every one verifies (so keys can rotate).
#[derive(Clone)]
pub struct LinkKeys {
    keys: Vec<(String, Vec<u8>)>,
}

impl std::fmt::Debug for LinkKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kids: Vec<&str> = self.keys.iter().map(|(k, _)| k.as_str()).collect();
        write!(f, "LinkKeys({kids:?})")
    }
}

/// What is wrong with `LINK_KEYS`; never includes key material.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum LinkKeysError {
    #[error("expected kid:base64key[,kid:base64key…] with at least one key")]
    Empty,
    #[error("entry {0} is not kid:base64key (kid: letters, digits, - or _)")]
    Entry(usize),
    #[error("key {0:?} is shorter than 16 bytes; use 32 random bytes (openssl rand -base64 32)")]
    Short(String),
}

impl LinkKeys {
    /// Parses `kid:base64key,kid:base64key`.
    pub fn parse(spec: &str) -> Result<Self, LinkKeysError> {
        let mut keys = Vec::new();
        for (i, part) in spec
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .enumerate()
        {
            let (kid, b64) = part.split_once(':').ok_or(LinkKeysError::Entry(i + 1))?;
            let valid_kid = !kid.is_empty()
                && kid.len() <= 16
                && kid
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !valid_kid {
                return Err(LinkKeysError::Entry(i + 1));
            }
            let key = STANDARD
                .decode(b64.trim())
                .or_else(|_| URL_SAFE_NO_PAD.decode(b64.trim()))
                .map_err(|_| LinkKeysError::Entry(i + 1))?;
            if key.len() < 16 {
                return Err(LinkKeysError::Short(kid.to_string()));
            }
            keys.push((kid.to_string(), key));
        }
        if keys.is_empty() {
            return Err(LinkKeysError::Empty);
        }
        Ok(Self { keys })
    }

    fn signing(&self) -> &(String, Vec<u8>) {
        &self.keys[0]
    }

    fn find(&self, kid: &str) -> Option<&[u8]> {
        self.keys
            .iter()
            .find(|(k, _)| k == kid)
            .map(|(_, v)| v.as_slice())
    }
}

/// What a valid link grants: resuming this escalation of this conversation until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResumeToken {
    pub escalation_id: String,
    pub conversation: ConversationKey,
    pub expires_at: DateTime<Utc>,
}

/// Why a link was refused. The messages are safe to show: they never include the token.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the link is malformed")]
    Malformed,
    #[error("the link was signed with a key that is no longer accepted")]
    UnknownKey,
    #[error("the link's signature is not valid")]
    BadSignature,
    #[error("the link expired at {0}")]
    Expired(DateTime<Utc>),
}

/// The page a link opens. The kind is part of what is signed, so a resume link never opens the
/// one-click answer page, nor the reverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    /// `/resume/{token}`: hand the customer back, with a label.
    Resume,
    /// `/answer/{token}`: send the bot's suggested answer (or another entry's) in one click.
    Answer,
}

impl LinkKind {
    fn version(self) -> &'static str {
        match self {
            LinkKind::Resume => "v1",
            LinkKind::Answer => "a1",
        }
    }
}

fn mac(key: &[u8], signed_part: &str) -> HmacSha256 {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    m.update(signed_part.as_bytes());
    m
}

impl ResumeToken {
    /// Signs the resume link with the first key.
    pub fn sign(&self, keys: &LinkKeys) -> String {
        self.sign_for(LinkKind::Resume, keys)
    }

    /// Signs a link of `kind` for this escalation with the first key.
    pub fn sign_for(&self, kind: LinkKind, keys: &LinkKeys) -> String {
        keys.sign(
            kind.version(),
            &format!(
                "{}|{}|{}",
                self.escalation_id,
                self.conversation.partition_key(),
                self.expires_at.timestamp()
            ),
        )
    }

    /// Verifies a resume link's signature (constant time) and expiry at `now`.
    pub fn verify(token: &str, keys: &LinkKeys, now: DateTime<Utc>) -> Result<Self, TokenError> {
        Self::verify_for(LinkKind::Resume, token, keys, now)
    }

    /// Verifies a link of `kind`: another kind of link is refused as malformed.
    pub fn verify_for(
        kind: LinkKind,
        token: &str,
        keys: &LinkKeys,
        now: DateTime<Utc>,
    ) -> Result<Self, TokenError> {
        let payload = keys.verify(kind.version(), token)?;
        let mut fields = payload.split('|');
        let (Some(eid), Some(pk), Some(exp), None) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(TokenError::Malformed);
        };
        let conversation = ConversationKey::from_partition_key(pk).ok_or(TokenError::Malformed)?;
        Ok(Self {
            escalation_id: eid.to_string(),
            conversation,
            expires_at: unexpired(exp, now)?,
        })
    }
}

/// An expiry written as epoch seconds, if it is still ahead of `now`.
pub(crate) fn unexpired(exp: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, TokenError> {
    let expires_at = exp
        .parse::<i64>()
        .ok()
        .and_then(|s| DateTime::from_timestamp(s, 0))
        .ok_or(TokenError::Malformed)?;
    if expires_at <= now {
        return Err(TokenError::Expired(expires_at));
    }
    Ok(expires_at)
}

impl LinkKeys {
    /// `{version}.{kid}.{payload}.{mac}`, the payload URL-safe base64, signed with the first key.
    /// The version names the kind of link, so one kind never opens another's page.
    pub(crate) fn sign(&self, version: &str, payload: &str) -> String {
        let (kid, key) = self.signing();
        let signed_part = format!("{version}.{kid}.{}", URL_SAFE_NO_PAD.encode(payload));
        let sig = mac(key, &signed_part).finalize().into_bytes();
        format!("{signed_part}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    /// The payload of a `version` link, its signature checked (constant time) with its key.
    pub(crate) fn verify(&self, version: &str, token: &str) -> Result<String, TokenError> {
        if token.len() > 400 {
            return Err(TokenError::Malformed);
        }
        let (signed_part, sig_b64) = token.rsplit_once('.').ok_or(TokenError::Malformed)?;
        let mut parts = signed_part.splitn(3, '.');
        let (Some(v), Some(kid), Some(payload_b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        if v != version {
            return Err(TokenError::Malformed);
        }
        let key = self.find(kid).ok_or(TokenError::UnknownKey)?;
        let sig = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| TokenError::Malformed)?;
        mac(key, signed_part)
            .verify_slice(&sig)
            .map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload_b64)
            .map_err(|_| TokenError::Malformed)?;
        String::from_utf8(payload).map_err(|_| TokenError::Malformed)
    }
}

/// A short, non-reversible name for a token, for logs.
pub fn token_fingerprint(token: &str) -> String {
    hex::encode(&Sha256::digest(token.as_bytes())[..4])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conversation::Channel;
    use chrono::Duration;

    fn keys(spec: &str) -> LinkKeys {
        LinkKeys::parse(spec).unwrap()
    }
    const K1: &str = "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
    const K2: &str = "k2:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

    fn token(now: DateTime<Utc>) -> ResumeToken {
        ResumeToken {
            escalation_id: "1764067200000-3fa2c1d9".into(),
            conversation: ConversationKey::new(
                Channel::Messenger,
                "104729384756123",
                "7654321098765432",
            ),
            expires_at: now + Duration::days(7),
        }
    }

    #[test]
    fn round_trips_and_stays_short_and_url_safe() {
        let now = Utc::now();
        let t = token(now);
        let s = t.sign(&keys(K1));
        assert!(s.len() < 200, "{} chars", s.len());
        assert!(s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
        let back = ResumeToken::verify(&s, &keys(K1), now).unwrap();
        assert_eq!(back.escalation_id, t.escalation_id);
        assert_eq!(back.conversation, t.conversation);
    }

    #[test]
    fn refuses_tampering_unknown_keys_and_expiry() {
        let now = Utc::now();
        let s = token(now).sign(&keys(K1));
        let (head, sig) = s.rsplit_once('.').unwrap();
        // Tampered payload: another escalation id.
        let forged_payload = URL_SAFE_NO_PAD.encode("other|C#messenger#1#2|9999999999");
        let parts: Vec<&str> = head.split('.').collect();
        let tampered = format!("{}.{}.{}.{}", parts[0], parts[1], forged_payload, sig);
        assert_eq!(
            ResumeToken::verify(&tampered, &keys(K1), now),
            Err(TokenError::BadSignature)
        );
        // Tampered signature.
        let mut bad_sig = s.clone();
        let last = bad_sig.pop().unwrap();
        bad_sig.push(if last == 'A' { 'B' } else { 'A' });
        assert!(ResumeToken::verify(&bad_sig, &keys(K1), now).is_err());
        // Unknown key id.
        assert_eq!(
            ResumeToken::verify(&s, &keys(K2), now),
            Err(TokenError::UnknownKey)
        );
        // Rotation: new key first, old still verifies.
        let rotated = keys(&format!("{K2},{K1}"));
        assert!(ResumeToken::verify(&s, &rotated, now).is_ok());
        assert!(token(now).sign(&rotated).starts_with("v1.k2."));
        // Expired.
        assert!(matches!(
            ResumeToken::verify(&s, &keys(K1), now + Duration::days(8)),
            Err(TokenError::Expired(_))
        ));
        assert_eq!(
            ResumeToken::verify("garbage", &keys(K1), now),
            Err(TokenError::Malformed)
        );
    }

    #[test]
    fn a_resume_link_never_opens_the_answer_page_nor_the_reverse() {
        let now = Utc::now();
        let k = keys(K1);
        let resume = token(now).sign(&k);
        let answer = token(now).sign_for(LinkKind::Answer, &k);
        assert!(answer.starts_with("a1.k1.") && answer.len() < 200);
        assert_eq!(
            ResumeToken::verify_for(LinkKind::Answer, &resume, &k, now),
            Err(TokenError::Malformed)
        );
        assert_eq!(
            ResumeToken::verify(&answer, &k, now),
            Err(TokenError::Malformed)
        );
        let back = ResumeToken::verify_for(LinkKind::Answer, &answer, &k, now).unwrap();
        assert_eq!(back, token(now).with_expiry_rounded());
        // Rotation and expiry as for the resume link.
        let rotated = keys(&format!("{K2},{K1}"));
        assert!(ResumeToken::verify_for(LinkKind::Answer, &answer, &rotated, now).is_ok());
        assert!(matches!(
            ResumeToken::verify_for(LinkKind::Answer, &answer, &k, now + Duration::days(8)),
            Err(TokenError::Expired(_))
        ));
    }

    impl ResumeToken {
        fn with_expiry_rounded(mut self) -> Self {
            self.expires_at = DateTime::from_timestamp(self.expires_at.timestamp(), 0).unwrap();
            self
        }
    }

    #[test]
    fn link_keys_errors_never_show_key_material() {
        assert_eq!(LinkKeys::parse("").unwrap_err(), LinkKeysError::Empty);
        let e = LinkKeys::parse("k1:c2hvcnQ=").unwrap_err().to_string();
        assert!(e.contains("shorter") && !e.contains("c2hvcnQ"), "{e}");
        assert!(LinkKeys::parse("bad kid:MDEyMzQ1Njc4OWFiY2RlZg==").is_err());
        assert!(!format!("{:?}", keys(K1)).contains("MDEy"));
    }
}
