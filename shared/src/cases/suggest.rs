//! The cases the bot could have handled, turned into draft knowledge: new entries from groups
//! of similar questions, and questions for the entries a person named.

use std::collections::BTreeMap;
use toml_edit::{value, Array, ArrayOfTables, DocumentMut, Item, Table};

use crate::policy::content_terms;

use super::Case;

/// A draft knowledge entry from cases the bot could have handled.
#[derive(Clone, Debug, PartialEq)]
pub struct SuggestedEntry {
    pub id: String,
    pub questions: Vec<String>,
    pub answer: Option<String>,
    pub cases: Vec<String>,
}

fn jaccard(a: &[String], b: &[String]) -> f64 {
    let inter = a.iter().filter(|t| b.contains(t)).count() as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    if union == 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// Groups the questions of `bot_could_handle` cases by shared words (Jaccard ≥ 0.4 with the group's
/// first question) and drafts one entry per group, with the humans' suggested answer.
pub fn suggest(cases: &[Case]) -> Vec<SuggestedEntry> {
    let mut groups: Vec<(Vec<String>, SuggestedEntry)> = Vec::new();
    for c in cases
        .iter()
        .filter(|c| c.label.as_deref() == Some("bot_could_handle") && c.entry.is_none())
    {
        let question = c
            .messages
            .last()
            .map(|m| m.text.trim().to_string())
            .unwrap_or_default();
        let terms = content_terms(&question);
        if terms.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(t, _)| jaccard(t, &terms) >= 0.4) {
            Some((_, entry)) => {
                if !entry.questions.contains(&question) {
                    entry.questions.push(question);
                }
                if entry.answer.is_none() {
                    entry.answer = c.suggested_answer.clone();
                }
                entry.cases.push(c.escalation_id.clone());
            }
            None => {
                let id = terms.iter().take(4).cloned().collect::<Vec<_>>().join("-");
                groups.push((
                    terms,
                    SuggestedEntry {
                        id,
                        questions: vec![question],
                        answer: c.suggested_answer.clone(),
                        cases: vec![c.escalation_id.clone()],
                    },
                ));
            }
        }
    }
    let mut entries: Vec<SuggestedEntry> = groups.into_iter().map(|(_, e)| e).collect();
    // Unique ids, most-asked first.
    entries.sort_by(|a, b| b.cases.len().cmp(&a.cases.len()).then(a.id.cmp(&b.id)));
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for e in &mut entries {
        let n = seen.entry(e.id.clone()).or_default();
        *n += 1;
        if *n > 1 {
            e.id = format!("{}-{n}", e.id);
        }
    }
    entries
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// Escalation reasons decided by the answer engine: a "needed a person" label on one of these
/// means the message looked answerable and was not, exactly what `[outside]` teaches. Messages a
/// trigger or rule caught are already handled before the engine, and would only blur it.
const ENGINE_REASONS: &[&str] = &["low_confidence", "repeated_fallback", "confirm_declined"];

/// What the labelled cases teach the knowledge file.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KnowledgeSuggestions {
    /// Entry id → customers' words to add to its questions ("the bot could have answered with X").
    pub questions: BTreeMap<String, Vec<String>>,
    /// New entries drafted from "the bot could have handled it" cases that name no entry.
    pub drafts: Vec<SuggestedEntry>,
    /// Messages that needed a person although the engine nearly answered them.
    pub outside: Vec<String>,
    /// Labelled messages kept out of the knowledge as evidence (`in_reserve`).
    pub reserved: usize,
}

/// One labelled message in `RESERVE_EVERY` is kept out of the knowledge: a label the knowledge
/// learnt as a question is answered word for word, so it says nothing more about the threshold.
/// The reserve stays evidence of how the engine does on questions it never saw, as they stand
/// (the review's before → after reads every label as it stands; its threshold reads a learnt
/// label without itself).
pub const RESERVE_EVERY: u64 = 3;

/// Whether a labelled message belongs to the calibration reserve: decided by its words alone, so
/// the same message is always in it or never, whoever labels it and however often.
pub fn in_reserve(text: &str) -> bool {
    use sha2::{Digest, Sha256};
    let words = crate::policy::text::tokens(text).join(" ");
    let digest = Sha256::digest(words.as_bytes());
    u64::from_le_bytes(digest[..8].try_into().expect("8 bytes")) % RESERVE_EVERY == 0
}

fn last_text(c: &Case) -> Option<String> {
    c.messages
        .last()
        .map(|m| m.text.trim().to_string())
        .filter(|t| !content_terms(t).is_empty())
}

/// Sorts the labelled cases into questions for existing entries, draft entries and `[outside]`
/// examples.
pub fn knowledge_suggestions(cases: &[Case]) -> KnowledgeSuggestions {
    let mut s = KnowledgeSuggestions {
        drafts: suggest(cases),
        ..KnowledgeSuggestions::default()
    };
    for c in cases {
        let Some(text) = last_text(c) else { continue };
        let teaches = matches!(
            (c.label.as_deref(), &c.entry),
            (Some("bot_could_handle"), Some(_)) | (Some("needed_person"), _)
        );
        if teaches && in_reserve(&text) {
            s.reserved += 1;
            continue;
        }
        match (c.label.as_deref(), &c.entry) {
            (Some("bot_could_handle"), Some(entry)) => {
                let list = s.questions.entry(entry.clone()).or_default();
                if !list.contains(&text) {
                    list.push(text);
                }
            }
            (Some("needed_person"), _)
                if ENGINE_REASONS.contains(&c.reason.as_str()) && !s.outside.contains(&text) =>
            {
                s.outside.push(text)
            }
            _ => {}
        }
    }
    s
}

/// The suggestions applied to a knowledge file's source: questions appended to their entries,
/// drafts appended as new entries, `[outside]` examples added; comments and layout kept, so the
/// brand reviews a diff. Nothing already present is added twice.
pub fn apply_suggestions(source: &str, s: &KnowledgeSuggestions) -> Result<String, String> {
    let mut doc: DocumentMut = source
        .parse()
        .map_err(|e| format!("the knowledge file does not parse: {e}"))?;
    add_questions(&mut doc, s)?;
    add_drafts(&mut doc, s)?;
    add_outside(&mut doc, s)?;
    Ok(doc.to_string())
}

/// Questions appended to the entries they belong to.
fn add_questions(doc: &mut DocumentMut, s: &KnowledgeSuggestions) -> Result<(), String> {
    if s.questions.is_empty() {
        return Ok(());
    }
    let entries = doc
        .get_mut("entry")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or("the knowledge file has no [[entry]] to add questions to")?;
    for (id, questions) in &s.questions {
        let entry = entries
            .iter_mut()
            .find(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str()))
            .ok_or_else(|| {
                format!("a case names entry {id:?}, which is not in the knowledge file")
            })?;
        let list = entry
            .get_mut("questions")
            .and_then(Item::as_array_mut)
            .ok_or_else(|| format!("entry {id:?} has no questions array"))?;
        for q in questions {
            if !list.iter().any(|v| v.as_str() == Some(q.as_str())) {
                list.push(q.as_str());
            }
        }
    }
    Ok(())
}

/// Drafts appended as new entries `suggested-…`, the answer to review in a comment above each.
fn add_drafts(doc: &mut DocumentMut, s: &KnowledgeSuggestions) -> Result<(), String> {
    if s.drafts.is_empty() {
        return Ok(());
    }
    if doc.get("entry").is_none() {
        doc.insert("entry", Item::ArrayOfTables(ArrayOfTables::new()));
    }
    let entries = doc
        .get_mut("entry")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or("`entry` in the knowledge file is not an array of tables")?;
    for d in &s.drafts {
        let id = format!("suggested-{}", d.id);
        if entries
            .iter()
            .any(|t| t.get("id").and_then(Item::as_str) == Some(id.as_str()))
        {
            continue;
        }
        let mut t = Table::new();
        t.decor_mut().set_prefix(format!(
            "\n# Drafted by `handoff knowledge suggest`: asked {} time(s) ({}). Review the answer.\n",
            d.cases.len(),
            d.cases.join(", ")
        ));
        t.insert("id", value(id));
        t.insert(
            "questions",
            value(d.questions.iter().map(String::as_str).collect::<Array>()),
        );
        t.insert(
            "answer",
            value(
                d.answer
                    .clone()
                    .unwrap_or_else(|| "TODO: write the answer (nobody suggested one)".into()),
            ),
        );
        entries.push(t);
    }
    Ok(())
}

/// `[outside]` examples added, the table created when the file has none.
fn add_outside(doc: &mut DocumentMut, s: &KnowledgeSuggestions) -> Result<(), String> {
    if s.outside.is_empty() {
        return Ok(());
    }
    if doc.get("outside").is_none() {
        let mut t = Table::new();
        t.decor_mut().set_prefix(
            "\n# Messages that look like questions but need a person: the bot learns not to answer these.\n",
        );
        t.insert("examples", value(Array::new()));
        doc.insert("outside", Item::Table(t));
    }
    let examples = doc
        .get_mut("outside")
        .and_then(|o| o.get_mut("examples"))
        .and_then(Item::as_array_mut)
        .ok_or("[outside] in the knowledge file has no examples array")?;
    for x in &s.outside {
        if !examples.iter().any(|v| v.as_str() == Some(x.as_str())) {
            examples.push(x.as_str());
        }
    }
    Ok(())
}

/// The suggestions as a TOML file of their own, for a brand that pastes by hand: draft entries and
/// `[outside]` examples as TOML, questions for existing entries as comments (a TOML file cannot
/// add to an array another file defines; `apply_suggestions` edits the knowledge file instead).
pub fn suggestions_toml(s: &KnowledgeSuggestions) -> String {
    let mut out = String::from("# Drafted by `handoff knowledge suggest` from labelled escalations.\n# Review every answer before pasting these into the knowledge file.\n");
    for (id, questions) in &s.questions {
        out.push_str(&format!(
            "\n# Add to the questions of entry {}:\n",
            toml_string(id)
        ));
        for q in questions {
            out.push_str(&format!("#   {},\n", toml_string(q)));
        }
    }
    for e in &s.drafts {
        out.push_str(&format!(
            "\n# asked {} time(s): {}\n[[entry]]\nid = {}\nquestions = [\n",
            e.cases.len(),
            e.cases.join(", "),
            toml_string(&format!("suggested-{}", e.id))
        ));
        for q in &e.questions {
            out.push_str(&format!("  {},\n", toml_string(q)));
        }
        out.push_str("]\n");
        match &e.answer {
            Some(a) => out.push_str(&format!("answer = {}\n", toml_string(a))),
            None => out.push_str("answer = \"TODO: write the answer (nobody suggested one)\"\n"),
        }
    }
    if !s.outside.is_empty() {
        out.push_str("\n# Messages that look like questions but needed a person: the bot learns not to answer these.\n[outside]\nexamples = [\n");
        for x in &s.outside {
            out.push_str(&format!("  {},\n", toml_string(x)));
        }
        out.push_str("]\n");
    }
    out
}
