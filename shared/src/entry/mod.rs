//! The edge: Lambda event shapes in, domain calls, Lambda responses out. The function binaries and
//! `handoff dev` both call these, so local runs take the very path that runs on Lambda.

mod answer_route;
mod http;
mod resume_route;
mod review_route;
pub mod stream;
mod webhook_route;

pub use answer_route::handle_answer;
pub use aws_lambda_events::dynamodb::{Event as StreamEvent, EventRecord as StreamEventRecord};
pub use aws_lambda_events::lambda_function_urls::{
    LambdaFunctionUrlRequest as UrlRequest, LambdaFunctionUrlResponse as UrlResponse,
};
pub use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
pub use http::{request, text_response};
pub use resume_route::handle_resume;
pub use review_route::handle_review;
pub use stream::{handle_policy_batch, handle_scheduled_event, notify_new_escalations};
pub use webhook_route::handle_webhook;

/// The resume function's URL: the resume links (`/resume/{token}`), the one-click answers
/// (`/answer/{token}`) and the weekly review (`/review/{token}`).
pub async fn handle_link(app: &crate::App, req: &UrlRequest) -> UrlResponse {
    let path = http::path(req);
    if path.starts_with("/review/") {
        handle_review(app, req).await
    } else if path.starts_with("/answer/") {
        handle_answer(app, req).await
    } else {
        handle_resume(app, req).await
    }
}

/// The largest request a Lambda Function URL passes on (6 MB): `handoff dev` takes the same.
pub const MAX_REQUEST_BYTES: usize = 6 * 1024 * 1024;
