//! Several questions in one message ("do you deliver to Belgium? and how long does it take?"):
//! split so each part is answered, or the part nobody wrote about is named in the handoff.

use super::knowledge::content_terms;
use super::text::tokens;

/// Words that start a new question after "and" / "et" / "und" / "y" / "e".
pub(crate) const QUESTION_STARTS: &[&str] = &[
    "how", "what", "when", "where", "which", "who", "why", "do", "does", "did", "can", "could",
    "is", "are", "will", "would", "should", "comment", "combien", "quand", "ou", "quel", "quelle",
    "est", "pouvez", "avez", "wie", "was", "wann", "wo", "welche", "konnen", "gibt", "como",
    "cuanto", "cuando", "donde", "que", "cual", "puedo", "pueden", "tienen", "quanto", "quando",
    "dove", "quale", "posso", "potete", "avete",
];
const AND: &[&str] = &["and", "also", "et", "und", "y", "e"];

/// The questions in `text` (whose words, as `tokens` gives them, are `words`), when there are at
/// least two with words of their own; otherwise empty (the message is one question).
pub fn split_questions(text: &str, words: &[String]) -> Vec<String> {
    // Most messages are one sentence with no "and": nothing to split, nothing to allocate.
    let body =
        text.trim_end_matches(|c: char| matches!(c, '?' | '!' | '.' | ';') || c.is_whitespace());
    if !body.contains(['?', ';', '\n', '!'])
        && !body.contains(". ")
        && !words.iter().any(|w| AND.contains(&w.as_str()))
    {
        return Vec::new();
    }
    let mut parts: Vec<String> = Vec::new();
    for sentence in text
        .split(['?', ';', '\n', '!'])
        .flat_map(|s| s.split(". "))
    {
        let mut words: Vec<&str> = sentence.split_whitespace().collect();
        // "…Belgium? and how long…": the conjunction belongs to neither question.
        if words
            .first()
            .is_some_and(|w| tokens(w).first().is_some_and(|t| AND.contains(&t.as_str())))
        {
            words.remove(0);
        }
        let mut start = 0;
        for i in 1..words.len().saturating_sub(1) {
            let here = tokens(words[i]);
            let next = tokens(words[i + 1]);
            let is_and = here.len() == 1 && AND.contains(&here[0].as_str());
            let starts_question = next
                .first()
                .is_some_and(|w| QUESTION_STARTS.contains(&w.as_str()));
            if is_and && starts_question && i > start {
                parts.push(words[start..i].join(" "));
                start = i + 1;
            }
        }
        if start < words.len() {
            parts.push(words[start..].join(" "));
        }
    }
    parts.retain(|p| !content_terms(p).is_empty());
    if parts.len() < 2 {
        parts.clear();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> Vec<String> {
        split_questions(text, &tokens(text))
    }

    #[test]
    fn splits_on_question_marks_and_on_and_before_a_question_word() {
        assert_eq!(
            split("do you deliver to Belgium? and how long does shipping take?"),
            ["do you deliver to Belgium", "how long does shipping take"]
        );
        assert_eq!(
            split("Do you deliver to Belgium and how long does it take"),
            ["Do you deliver to Belgium", "how long does it take"]
        );
        assert_eq!(
            split("Hi! Where is my order?"),
            Vec::<String>::new(),
            "a greeting is not a question"
        );
        assert!(split("can I return and exchange a mug").is_empty());
        assert!(split("how long does shipping take").is_empty());
    }
}
