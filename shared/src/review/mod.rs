//! The weekly review: the week's labelled escalations become proposals, a random sample of the
//! week's answers asks for a right / wrong click, a digest goes to the team with one signed
//! link, and what a person accepts on the review page goes live as a new boundary version.
//! See `docs/review.md`.

mod apply;
mod build;
mod digest;
pub mod evaluate;
mod form;
mod page;
mod proposal;
mod record;
mod token;

pub use apply::{apply_review, preview_review, ApplyOutcome, ReviewForm, ReviewPreview};
pub use build::{build_review, review_url, BuiltReview, REVIEW_DAYS};
pub use digest::render_digest;
pub use page::{render_review_page, ReviewPageView};
pub use proposal::{apply as apply_proposals, proposals};
pub use record::{
    AnsweredSample, Change, Proposal, Review, ReviewDecision, StoredReview, ThresholdProposal,
};
pub use token::ReviewToken;
