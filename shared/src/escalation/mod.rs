//! Escalations: why the bot stopped, and the handoff the team receives.

mod chat;
mod email;
mod handoff;
mod notice;
pub mod quoting;
mod reason;
mod record;
mod transcript;

pub use chat::chat_notification;
pub use handoff::{ascii_subject, build_handoff};
pub use notice::{
    AnswerLinks, HandoffLinks, HandoffMessage, NoticeKind, HUMAN_AGENT_WINDOW_DAYS,
    STANDARD_WINDOW_HOURS,
};
pub use reason::ReasonCode;
pub use record::{
    escalation_id_for, escalation_sort_key, AnswersVerdict, Escalation, EscalationSummary,
    HumanLabel, OneClick, OutcomeLabel, ResumedBy, TranscriptLine,
};
pub use transcript::{bounded as bounded_transcript, TranscriptCut, LINE_CHARS, TRANSCRIPT_BYTES};
