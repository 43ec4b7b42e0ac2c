//! Makes a signed body decodable before it is parsed, so one customer's broken character costs
//! that character and not the whole delivery. Two things break a strict JSON parser here: bytes
//! that are not UTF-8, and a `\uD83D` escape whose other half never came (an emoji cut in two by a
//! client). Both become U+FFFD, the replacement character, and everything else stays as sent.

use std::borrow::Cow;

/// The body with undecodable bytes and lone UTF-16 surrogate escapes replaced by U+FFFD, and how
/// many replacements were made (0: the body is returned as it came).
pub fn decodable(body: &[u8]) -> (Cow<'_, [u8]>, usize) {
    let (text, mut replaced) = match std::str::from_utf8(body) {
        Ok(text) => (Cow::Borrowed(text), 0),
        Err(_) => {
            let bad = body
                .utf8_chunks()
                .filter(|c| !c.invalid().is_empty())
                .count();
            (String::from_utf8_lossy(body), bad)
        }
    };
    if !text.contains("\\u") {
        return (into_bytes(text), replaced);
    }
    let bytes = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    // Only escapes are read: a backslash always begins one (outside strings it is invalid JSON,
    // which the parser then reports), so `\\u` is an escaped backslash and a literal `u`.
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            if let Some(o) = out.as_mut() {
                o.push(bytes[i]);
            }
            i += 1;
            continue;
        }
        let unit = (bytes.get(i + 1) == Some(&b'u'))
            .then(|| hex4(bytes.get(i + 2..i + 6)))
            .flatten();
        let len = match unit {
            Some(u) if (0xD800..0xDC00).contains(&u) => {
                let low = (bytes.get(i + 6) == Some(&b'\\') && bytes.get(i + 7) == Some(&b'u'))
                    .then(|| hex4(bytes.get(i + 8..i + 12)))
                    .flatten();
                if low.is_some_and(|l| (0xDC00..0xE000).contains(&l)) {
                    12
                } else {
                    replace(&mut out, bytes, i, &mut replaced);
                    i += 6;
                    continue;
                }
            }
            Some(u) if (0xDC00..0xE000).contains(&u) => {
                replace(&mut out, bytes, i, &mut replaced);
                i += 6;
                continue;
            }
            Some(_) => 6,
            // `\"`, `\\`, `\n`…, or a broken escape the parser will name.
            None => 2.min(bytes.len() - i),
        };
        if let Some(o) = out.as_mut() {
            o.extend_from_slice(&bytes[i..i + len]);
        }
        i += len;
    }
    match out {
        Some(o) => (Cow::Owned(o), replaced),
        None => (into_bytes(text), replaced),
    }
}

fn into_bytes(text: Cow<'_, str>) -> Cow<'_, [u8]> {
    match text {
        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
    }
}

/// Writes U+FFFD's escape in place of the six bytes at `at`, starting the copy on first use.
fn replace(out: &mut Option<Vec<u8>>, bytes: &[u8], at: usize, replaced: &mut usize) {
    let o = out.get_or_insert_with(|| {
        let mut o = Vec::with_capacity(bytes.len());
        o.extend_from_slice(&bytes[..at]);
        o
    });
    o.extend_from_slice(b"\\uFFFD");
    *replaced += 1;
}

fn hex4(digits: Option<&[u8]>) -> Option<u32> {
    let digits = std::str::from_utf8(digits?).ok()?;
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(body: &[u8]) -> String {
        let (fixed, _) = decodable(body);
        let v: serde_json::Value = serde_json::from_slice(&fixed).expect("decodable JSON");
        v["t"].as_str().unwrap().to_string()
    }

    #[test]
    fn lone_surrogates_become_the_replacement_character() {
        assert_eq!(text_of(br#"{"t":"cut \ud83d"}"#), "cut \u{FFFD}");
        assert_eq!(text_of(br#"{"t":"\ude00 tail"}"#), "\u{FFFD} tail");
        assert_eq!(text_of(br#"{"t":"\ud83d\ud83d\ude00"}"#), "\u{FFFD}😀");
        assert_eq!(text_of(br#"{"t":"\ud83d\u0041"}"#), "\u{FFFD}A");
        assert_eq!(decodable(br#"{"t":"\ud83d"}"#).1, 1);
    }

    #[test]
    fn what_was_fine_stays_as_it_came() {
        for body in [
            r#"{"t":"😀 \ud83d\ude00 \u00e9 \\ud83d \" \\"}"#.as_bytes(),
            br#"{"t":"plain"}"#,
        ] {
            let (fixed, n) = decodable(body);
            assert_eq!(n, 0);
            assert!(matches!(fixed, Cow::Borrowed(_)));
        }
        assert_eq!(text_of(br#"{"t":"\\ud83d"}"#), "\\ud83d");
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced_too() {
        let (fixed, n) = decodable(b"{\"t\":\"caf\xe9 \xff\"}");
        assert_eq!(n, 2);
        let v: serde_json::Value = serde_json::from_slice(&fixed).unwrap();
        assert_eq!(v["t"], "caf\u{FFFD} \u{FFFD}");
    }

    #[test]
    fn broken_escapes_are_left_for_the_parser() {
        for body in [br#"{"t":"\u12"}"#.as_slice(), br#"{"t":"\"#, b"\\"] {
            let (fixed, _) = decodable(body);
            assert!(serde_json::from_slice::<serde_json::Value>(&fixed).is_err());
        }
    }
}
