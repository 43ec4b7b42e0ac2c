//! What makes a knowledge file unusable (an error that says what to fix) or suspicious (a
//! warning).

use std::collections::{HashMap, HashSet};

use super::super::text::tokens;
use super::super::PolicyError;
use super::super::LANGUAGES;
use super::{content_terms, Knowledge, KnowledgeEntry};

pub(super) fn validate(entries: &[KnowledgeEntry]) -> Result<(), PolicyError> {
    let mut seen = HashSet::new();
    for e in entries {
        if e.id.trim().is_empty() {
            return Err(PolicyError::Invalid(
                "a knowledge entry has an empty id".into(),
            ));
        }
        if !seen.insert(e.id.as_str()) {
            return Err(PolicyError::Invalid(format!(
                "knowledge entry id {:?} appears twice; ids must be unique",
                e.id
            )));
        }
        if e.questions.iter().all(|q| content_terms(q).is_empty()) {
            return Err(PolicyError::Invalid(format!(
                "knowledge entry {:?} has no question with searchable words",
                e.id
            )));
        }
        if e.confirm
            && e.confirm_prompt
                .as_deref()
                .is_none_or(|p| p.trim().is_empty())
        {
            return Err(PolicyError::Invalid(format!(
                "knowledge entry {:?} has confirm = true but no confirm_prompt to propose",
                e.id
            )));
        }
        for (code, text) in &e.answers {
            if !LANGUAGES.iter().any(|(c, _)| c == code) {
                let known: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
                return Err(PolicyError::Invalid(format!(
                    "knowledge entry {:?} has answers.{code}, but {code:?} is not a shipped language; choose from {known:?}",
                    e.id
                )));
            }
            if text.trim().is_empty() {
                return Err(PolicyError::Invalid(format!(
                    "knowledge entry {:?} has an empty answers.{code}",
                    e.id
                )));
            }
        }
        if e.answer.trim().is_empty() {
            return Err(PolicyError::Invalid(format!(
                "knowledge entry {:?} has an empty answer",
                e.id
            )));
        }
    }
    Ok(())
}

pub(super) fn duplicate_questions(entries: &[KnowledgeEntry]) -> Vec<String> {
    let mut seen: HashMap<Vec<String>, &str> = HashMap::new();
    let mut warnings = Vec::new();
    for e in entries {
        for q in &e.questions {
            let key = tokens(q);
            match seen.get(&key) {
                Some(other) if *other != e.id => warnings.push(format!(
                    "question {q:?} appears in entries {other:?} and {:?}; customers asking it get whichever ranks first",
                    e.id
                )),
                Some(_) => {}
                None => {
                    seen.insert(key, &e.id);
                }
            }
        }
    }
    warnings
}

/// `[outside]` examples that are also an entry's question: the engine cannot learn both.
pub(super) fn outside_overlaps(k: &Knowledge) -> Vec<String> {
    let questions: HashMap<Vec<String>, &str> = k
        .entries
        .iter()
        .flat_map(|e| e.questions.iter().map(move |q| (tokens(q), e.id.as_str())))
        .collect();
    let mut seen = HashSet::new();
    k.outside
        .iter()
        .filter_map(|x| {
            let key = tokens(x);
            let id = questions.get(&key)?;
            seen.insert(key).then(|| {
                format!("[outside] example {x:?} is also a question of entry {id:?}; remove one")
            })
        })
        .collect()
}
