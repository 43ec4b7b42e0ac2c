//! What an escalation carries of the conversation: bounded, so that no history (a thousand
//! messages, a few pasted essays) can make the record larger than DynamoDB's 400 KB item or the
//! handoff larger than SNS's 256 KB message. Each line is clipped, the newest lines are kept
//! within a byte budget, and the record says what was cut so the card can tell the team.

use serde::{Deserialize, Serialize};

use super::TranscriptLine;

/// Longest text one transcript line keeps, in characters.
pub const LINE_CHARS: usize = 2_000;
/// Bytes of transcript an escalation keeps (text, links and a little per line): a sixth of the
/// item limit, leaving room for the trace, the labels and the summary.
pub const TRANSCRIPT_BYTES: usize = 64 * 1024;
/// What one line costs beyond its text: its time, role and the item's field names.
const LINE_OVERHEAD: usize = 64;
/// A link longer than this is not a link a person opens.
const URL_BYTES: usize = 2_048;

/// What the transcript left out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptCut {
    /// Older lines not kept.
    #[serde(default)]
    pub omitted: usize,
    /// Kept lines whose text was shortened.
    #[serde(default)]
    pub shortened: usize,
}

impl TranscriptCut {
    pub fn is_empty(&self) -> bool {
        self.omitted == 0 && self.shortened == 0
    }

    /// "3 older messages left out, 2 long ones shortened", for the card.
    pub fn describe(&self) -> Option<String> {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = Vec::new();
        if self.omitted > 0 {
            parts.push(format!(
                "{} left out",
                plural(self.omitted, "older message", "older messages")
            ));
        }
        if self.shortened > 0 {
            parts.push(format!(
                "{} shortened",
                plural(self.shortened, "long message", "long messages")
            ));
        }
        (!parts.is_empty()).then(|| parts.join(", "))
    }
}

/// Clips each line to `LINE_CHARS` and keeps the newest lines within `TRANSCRIPT_BYTES` (the
/// newest always, whatever its size once clipped).
pub fn bounded(lines: Vec<TranscriptLine>) -> (Vec<TranscriptLine>, TranscriptCut) {
    let mut cut = TranscriptCut::default();
    let mut kept: Vec<TranscriptLine> = Vec::new();
    let mut bytes = 0;
    let total = lines.len();
    for mut line in lines.into_iter().rev() {
        let clipped = clip(&line.text, LINE_CHARS);
        let shortened = clipped.len() != line.text.len();
        line.text = clipped;
        // Bounded first, so the size counts what is kept.
        line.attachments.truncate(10);
        for a in &mut line.attachments {
            a.kind = clip(&a.kind, 64);
            if a.url.as_ref().is_some_and(|u| u.len() > URL_BYTES) {
                a.url = None;
            }
        }
        let size = LINE_OVERHEAD
            + line.text.len()
            + line
                .attachments
                .iter()
                .map(|a| a.kind.len() + a.url.as_ref().map_or(0, String::len) + 16)
                .sum::<usize>();
        if !kept.is_empty() && bytes + size > TRANSCRIPT_BYTES {
            break;
        }
        bytes += size;
        cut.shortened += usize::from(shortened);
        kept.push(line);
    }
    cut.omitted = total - kept.len();
    kept.reverse();
    (kept, cut)
}

/// At most `max` characters, an ellipsis in place of the rest.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((at, _)) => format!("{}…", &text[..at]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{Attachment, Role};
    use chrono::{DateTime, Utc};

    fn line(i: usize, text: String) -> TranscriptLine {
        TranscriptLine {
            at: DateTime::<Utc>::from_timestamp_millis(1_764_064_800_000 + i as i64).unwrap(),
            role: Role::Customer,
            text,
            attachments: vec![],
        }
    }

    #[test]
    fn a_thousand_long_messages_keep_the_newest_within_the_budget() {
        let lines: Vec<_> = (0..1_000)
            .map(|i| line(i, format!("{i} {}", "é😀".repeat(2_500))))
            .collect();
        let (kept, cut) = bounded(lines);
        let bytes: usize = kept.iter().map(|l| l.text.len() + LINE_OVERHEAD).sum();
        assert!(bytes <= TRANSCRIPT_BYTES, "{bytes}");
        assert!(kept.last().unwrap().text.starts_with("999 "));
        assert!(kept
            .iter()
            .all(|l| l.text.chars().count() <= LINE_CHARS + 1));
        assert_eq!(cut.omitted + kept.len(), 1_000);
        assert_eq!(cut.shortened, kept.len());
        assert_eq!(
            cut.describe().unwrap(),
            format!(
                "{} older messages left out, {} long messages shortened",
                cut.omitted,
                kept.len()
            )
        );
    }

    #[test]
    fn a_short_history_is_kept_whole() {
        let (kept, cut) = bounded(vec![
            line(0, "hi".into()),
            line(1, "where is my order".into()),
        ]);
        assert_eq!(kept.len(), 2);
        assert!(cut.is_empty());
        assert_eq!(cut.describe(), None);
    }

    #[test]
    fn lines_and_their_attachments_are_clipped() {
        let mut newest = line(1, "x".repeat(100_000));
        newest.attachments = (0..50)
            .map(|_| Attachment {
                kind: "k".repeat(500),
                url: Some(format!("https://cdn.example/{}", "a".repeat(5_000))),
            })
            .collect();
        let (kept, cut) = bounded(vec![line(0, "y".repeat(100_000)), newest]);
        assert_eq!(kept.len(), 2);
        assert_eq!(
            cut,
            TranscriptCut {
                omitted: 0,
                shortened: 2
            }
        );
        assert_eq!(kept[1].attachments.len(), 10);
        assert!(kept[1]
            .attachments
            .iter()
            .all(|a| a.url.is_none() && a.kind.chars().count() <= 65));
    }
}
