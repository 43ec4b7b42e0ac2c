//! Look-alike letters folded to the Latin ones they imitate, before the triggers read a message:
//! "I want to file a cоmplaint" with a Cyrillic "о", or "реrsоn" with Cyrillic "р", "е" and "о", is
//! a complaint or a request for a person all the same. The mapping is Unicode's confusables data
//! (UTS 39 skeletons, from the `unicode-security` crate). Only letters of the scripts that imitate
//! Latin (Greek, Cyrillic, Armenian, Cherokee, letter-like symbols) are folded, and only in a
//! message that shows a disguise: a word mixing Latin letters with look-alikes, or a message
//! written mostly in Latin letters (then a lone Greek "α" for "a" is folded too). A message written
//! in Greek or Cyrillic is someone writing their language, not a disguise. What is stored and shown stays as the customer wrote it.

use std::borrow::Cow;

/// Whether `c` belongs to a script whose letters pass for Latin ones.
fn imitates_latin(c: char) -> bool {
    matches!(u32::from(c),
        0x0370..=0x03FF // Greek and Coptic
        | 0x0400..=0x052F // Cyrillic and its supplement
        | 0x0530..=0x058F // Armenian
        | 0x13A0..=0x13FF // Cherokee
        | 0x2100..=0x214F // letter-like symbols
        | 0x1D00..=0x1DBF // phonetic extensions (small capitals)
    )
}

/// The Latin letter `c` imitates, if its skeleton is one.
fn latin_for(c: char) -> Option<char> {
    let mut buf = [0; 4];
    let mut s = unicode_security::skeleton(c.encode_utf8(&mut buf));
    match (s.next(), s.next()) {
        (Some(l), None) if l.is_ascii_alphanumeric() => Some(l),
        _ => None,
    }
}

/// `text` with the look-alike letters of mixed words folded to Latin (borrowed when none are).
pub fn fold_look_alikes(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(imitates_latin) {
        return Cow::Borrowed(text);
    }
    // A disguise shows as a word mixing Latin letters with look-alikes, or as look-alikes in a
    // message written mostly in Latin; then every look-alike of the message is one.
    let latin = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let imitating = text.chars().filter(|c| imitates_latin(*c)).count();
    let mixed_word = text
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w.chars().any(|c| c.is_ascii_alphabetic()) && w.chars().any(imitates_latin));
    let disguised = mixed_word || latin > imitating;
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if disguised && word.chars().any(imitates_latin) {
            out.extend(word.chars().map(|c| {
                if imitates_latin(c) {
                    latin_for(c).unwrap_or(c)
                } else {
                    c
                }
            }));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphanumeric() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_in_a_latin_word_are_folded() {
        // Cyrillic о (U+043E) in "complaint", Greek ο (U+03BF) in "person", Cyrillic р, е, о.
        assert_eq!(
            fold_look_alikes("I want to file a c\u{43e}mplaint"),
            "I want to file a complaint"
        );
        assert_eq!(fold_look_alikes("a pers\u{3bf}n please"), "a person please");
        assert_eq!(fold_look_alikes("\u{440}\u{435}rs\u{43e}n"), "person");
        // A whole word of look-alikes in an English sentence: the Greek α for "a".
        assert_eq!(
            fold_look_alikes("talk to \u{3b1} person"),
            "talk to a person"
        );
    }

    #[test]
    fn words_written_in_their_own_script_and_latin_text_stay_as_they_are() {
        for text in [
            "\u{43f}\u{440}\u{438}\u{432}\u{435}\u{442}", // привет
            "\u{3ba}\u{3b1}\u{3bb}\u{3b7}\u{3bc}\u{3ad}\u{3c1}\u{3b1}", // καλημέρα
            "Réclamation, s'il vous plaît",
            "Straße, Größe",
            "I want a refund",
        ] {
            assert_eq!(fold_look_alikes(text), text);
        }
    }
}
