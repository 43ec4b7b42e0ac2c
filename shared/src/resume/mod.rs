//! Handing the customer back to the bot: the signed link and its page.

pub(crate) mod page;
pub(crate) mod token;

mod answer_page;
pub use answer_page::{render_answer_page, AnswerPageView};
pub use page::{describe_resumed, render_outcome_page, render_resume_page, ResumePageView};
pub use token::{token_fingerprint, LinkKeys, LinkKeysError, LinkKind, ResumeToken, TokenError};
