//! What each channel accepts in one message: Messenger text up to 2,000 characters, Instagram up
//! to 1,000 bytes of UTF-8. A fixed text over the limit of a channel in use would be refused by
//! Graph at send time and the customer left without an answer, so `policy check` refuses it first.

use super::knowledge::Knowledge;
use super::policy_file::Policy;
use crate::conversation::Channel;

/// Messenger's text limit, in characters (third-party documentation; Meta's own pages give none).
pub const MESSENGER_MAX_CHARS: usize = 2000;
/// Instagram's text limit, in bytes of UTF-8 (Meta's Instagram messaging documentation).
pub const INSTAGRAM_MAX_BYTES: usize = 1000;

/// Why `text` cannot go out on `channel` in one message, if it cannot.
pub fn over_limit(text: &str, channel: Channel) -> Option<String> {
    match channel {
        Channel::Messenger => {
            let chars = text.chars().count();
            (chars > MESSENGER_MAX_CHARS).then(|| {
                format!("{chars} characters; Messenger takes at most {MESSENGER_MAX_CHARS}")
            })
        }
        Channel::Instagram => (text.len() > INSTAGRAM_MAX_BYTES).then(|| {
            format!(
                "{} bytes of UTF-8; Instagram takes at most {INSTAGRAM_MAX_BYTES}",
                text.len()
            )
        }),
    }
}

/// `text` cut to what `channel` takes in one message: at the last sentence end that fits, else
/// at the last word that fits with an ellipsis. Text the bot composes (the LLM's answer, several
/// answers joined) must never be refused by Graph, which would leave the customer with nothing.
pub fn fit(text: &str, channel: Channel) -> std::borrow::Cow<'_, str> {
    if over_limit(text, channel).is_none() {
        return std::borrow::Cow::Borrowed(text);
    }
    // The longest prefix that fits with room left for an ellipsis, on a char boundary.
    let end = match channel {
        Channel::Messenger => text
            .char_indices()
            .nth(MESSENGER_MAX_CHARS - 1)
            .map_or(text.len(), |(i, _)| i),
        Channel::Instagram => {
            let mut e = (INSTAGRAM_MAX_BYTES - '…'.len_utf8()).min(text.len());
            while !text.is_char_boundary(e) {
                e -= 1;
            }
            e
        }
    };
    let head = &text[..end];
    let sentence_end = head
        .char_indices()
        .rev()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?')
                && text[i + c.len_utf8()..].starts_with(char::is_whitespace)
        })
        .map(|(i, c)| i + c.len_utf8());
    match sentence_end {
        Some(at) if at > end / 2 => std::borrow::Cow::Owned(text[..at].to_string()),
        _ => {
            let at = head.rfind(char::is_whitespace).unwrap_or(end);
            std::borrow::Cow::Owned(format!("{}…", head[..at].trim_end()))
        }
    }
}

/// Every fixed text the bot may send (answers, proposals, rule texts, handoff, small-talk and
/// resume messages) that is too long for a channel the policy names, as errors to fix.
pub fn check_lengths(policy: &Policy, knowledge: &Knowledge) -> Vec<String> {
    let mut texts: Vec<(String, &str)> = Vec::new();
    for e in knowledge.entries() {
        texts.push((format!("entry {:?} answer", e.id), &e.answer));
        for (code, text) in &e.answers {
            texts.push((format!("entry {:?} answers.{code}", e.id), text));
        }
        if let Some(p) = &e.confirm_prompt {
            texts.push((format!("entry {:?} confirm_prompt", e.id), p));
        }
    }
    for r in &policy.rules {
        if let Some(t) = &r.text {
            texts.push((format!("rule {:?} text", r.name), t));
        }
        if let Some(t) = &r.confirmed_text {
            texts.push((format!("rule {:?} confirmed_text", r.name), t));
        }
    }
    let m = &policy.messages;
    texts.push(("[messages] handoff".into(), &m.handoff));
    texts.push(("[messages] outside_hours".into(), &m.outside_hours));
    for (reason, t) in &m.by_reason {
        texts.push((format!("[messages.by_reason] {reason}"), t));
    }
    if let Some(t) = &m.on_resume {
        texts.push(("[messages] on_resume".into(), t));
    }
    texts.push(("[answers] clarify_text".into(), &policy.clarify_text));
    if let Some(s) = &policy.small_talk {
        for (k, t) in [
            ("greeting", &s.greeting),
            ("thanks", &s.thanks),
            ("acknowledge", &s.acknowledge),
            ("bye", &s.bye),
        ] {
            texts.push((format!("[small_talk] {k}"), t));
        }
    }
    let mut errors = Vec::new();
    for (what, text) in texts {
        for &channel in &policy.channels {
            if let Some(why) = over_limit(text, channel) {
                errors.push(format!(
                    "{what} is {why}: shorten it (or split it into two entries)"
                ));
            }
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_for_messenger_and_bytes_for_instagram() {
        let accents = "é".repeat(600); // 600 characters, 1,200 bytes
        assert!(over_limit(&accents, Channel::Messenger).is_none());
        assert!(over_limit(&accents, Channel::Instagram)
            .unwrap()
            .contains("1200 bytes"));
        assert!(over_limit(&"a".repeat(2001), Channel::Messenger).is_some());
    }

    #[test]
    fn composed_text_is_cut_at_a_sentence_to_fit_the_channel() {
        let two = format!("First answer here. {}", "Second answer. ".repeat(80));
        let cut = fit(&two, Channel::Instagram);
        assert!(over_limit(&cut, Channel::Instagram).is_none());
        assert!(cut.ends_with('.'), "{cut}");
        assert!(cut.len() > 900, "{}", cut.len());
        assert_eq!(fit("short.", Channel::Instagram), "short.");
        let one_sentence = "word ".repeat(300);
        let cut = fit(&one_sentence, Channel::Instagram);
        assert!(cut.ends_with('…') && over_limit(&cut, Channel::Instagram).is_none());
    }

    #[test]
    fn long_answers_are_errors_only_for_the_channels_in_use() {
        let knowledge = Knowledge::from_toml(&format!(
            "[[entry]]\nid='care'\nquestions=['how do I clean it']\nanswer='{}'\n",
            "é".repeat(600)
        ))
        .unwrap();
        let both = Policy::from_toml("").unwrap();
        let errors = check_lengths(&both, &knowledge);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("entry \"care\" answer is 1200 bytes"));
        let messenger = Policy::from_toml("channels = [\"messenger\"]\n").unwrap();
        assert!(check_lengths(&messenger, &knowledge).is_empty());
    }
}
