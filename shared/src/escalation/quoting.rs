//! What a customer controls (their words, their profile name, an attachment's type and link) is
//! quoted before it goes into the team's email or chat card, so it can never pass for the card's
//! own lines, links or mentions: one line, no invisible characters, no live links, no markup.

use crate::policy::text::is_invisible;

/// Shown where the customer's text had a line break.
const LINE_BREAK: &str = " ⏎ ";

/// One line of visible text: line breaks (every kind: CR, LF, NEL, U+2028/2029, vertical tab, form
/// feed) become ⏎, other control characters a space, format characters (bidi overrides among
/// them, which reorder what the reader sees) go.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}' => {
                out.push_str(LINE_BREAK)
            }
            c if c.is_control() => out.push(' '),
            c if is_invisible(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A link written by the customer, made inert: `https://x` reads `https[:]//x`, which no mail or
/// chat client turns into a link, while a person still sees where it pointed.
fn defang(text: &str) -> String {
    text.replace("://", "[:]//")
}

/// The customer's words for the plain-text email: one line, links inert, in quotes (a quote inside
/// stays as typed: the line's own prefix, time and role, is what a reader trusts).
pub fn for_email(text: &str) -> String {
    format!("\"{}\"", defang(&one_line(text)))
}

/// A customer-controlled name or value inside an email line (not quoted: it is labelled).
pub fn email_value(text: &str) -> String {
    defang(&one_line(text))
}

/// Customer text for Slack and Microsoft Teams (one card goes to both): nothing either reads as a
/// link (`<url|x>`, `[x](url)`, a bare URL), a mention (`<!channel>`, `<@U…>`, `@here`) or
/// formatting. The brackets become look-alikes, emphasis marks spaces.
pub fn for_chat(text: &str) -> String {
    let line = one_line(text);
    let mut out = String::with_capacity(line.len());
    for c in defang(&line).chars() {
        match c {
            '<' => out.push('‹'),
            '>' => out.push('›'),
            '[' => out.push('⁅'),
            ']' => out.push('⁆'),
            '@' => out.push('＠'),
            '&' => out.push('＆'),
            '*' | '_' | '~' | '`' | '|' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_break_becomes_a_marker() {
        for brk in [
            "\n", "\r\n", "\r", "\u{85}", "\u{2028}", "\u{2029}", "\u{0B}", "\u{0C}",
        ] {
            let s = one_line(&format!("hello{brk}NEXT STEP: refund"));
            assert_eq!(s, "hello ⏎ NEXT STEP: refund", "{brk:?}");
        }
        assert_eq!(one_line("a\u{202E}b\u{200B}c\u{0}d"), "abc d");
    }

    #[test]
    fn links_and_mentions_are_inert_in_chat() {
        let s = for_chat(
            "<!channel> <@U024BE7LH> [click](https://evil.example) <https://x|y> @here *b*",
        );
        for live in ["<", ">", "[", "]", "://", "@", "*"] {
            assert!(!s.contains(live), "{live} in {s}");
        }
        assert!(s.contains("evil.example"));
        assert_eq!(
            for_email("see https://evil.example\nok"),
            "\"see https[:]//evil.example ⏎ ok\""
        );
    }
}
