//! The review page's form: what a person chose, read strictly (a key the review does not have, or
//! a value the page never offers, is an error that says what to do).

use std::collections::BTreeMap;

use super::record::{Proposal, Review};

/// A form longer than this is refused (the page's own is a few KB).
pub const MAX_FORM_BYTES: usize = 256 * 1024;

/// What a person chose on the page.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReviewForm {
    pub by: String,
    /// Proposal or sample key → `accept`, `reject`, `right`, `wrong`.
    pub choices: BTreeMap<String, String>,
    /// Drafted entry's key → the answer written for it.
    pub answers: BTreeMap<String, String>,
    pub threshold: bool,
}

impl ReviewForm {
    /// Reads the form; the error says what to fix.
    pub fn parse(body: &[u8], review: &Review) -> Result<Self, String> {
        if body.len() > MAX_FORM_BYTES {
            return Err("The form is too long.".into());
        }
        let mut form = ReviewForm::default();
        for (k, v) in form_urlencoded::parse(body) {
            let v = v.trim();
            if let Some(key) = k.strip_prefix("p.") {
                if !review.proposals.iter().any(|p| p.key == key) {
                    return Err(
                        "The form names a proposal this review does not have; reload the page."
                            .into(),
                    );
                }
                match v {
                    "accept" | "reject" => {
                        form.choices.insert(key.to_string(), v.to_string());
                    }
                    "" => {}
                    _ => return Err("Each proposal is accept, reject or left open.".into()),
                }
            } else if let Some(key) = k.strip_prefix("s.") {
                if !review.sample.iter().any(|s| s.key == key) {
                    return Err(
                        "The form names an answer this review does not have; reload the page."
                            .into(),
                    );
                }
                match v {
                    "right" | "wrong" => {
                        form.choices.insert(key.to_string(), v.to_string());
                    }
                    "" => {}
                    _ => return Err("Each answer is right, wrong or left open.".into()),
                }
            } else if let Some(key) = k.strip_prefix("a.") {
                if !v.is_empty() {
                    form.answers
                        .insert(key.to_string(), v.chars().take(2000).collect());
                }
            } else if k == "by" {
                form.by = v.chars().take(80).collect();
            } else if k == "threshold" {
                form.threshold = v == "accept";
            }
        }
        Ok(form)
    }

    pub(super) fn accepted<'r>(&self, review: &'r Review) -> Vec<&'r Proposal> {
        review
            .proposals
            .iter()
            .filter(|p| self.choices.get(&p.key).map(String::as_str) == Some("accept"))
            .collect()
    }
}
