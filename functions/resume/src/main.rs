//! The resume function: a Function URL (the resume links and the weekly review page). Wiring only; the route lives in `handoff::entry`.
//! Its logs never carry the raw event: the runtime's own event logging (TRACE) is capped here,
//! whatever the log level asks, because the request path holds the resume token.

use handoff::config::Function;
use handoff::entry::{handle_link, UrlRequest};
use handoff::App;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use tracing_subscriber::EnvFilter;

fn init_tracing() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".into())
        .to_lowercase();
    let filter = EnvFilter::new(format!(
        "{level},lambda_runtime=info,lambda_runtime_api_client=info"
    ));
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .without_time();
    if json {
        fmt.json().init();
    } else {
        fmt.init();
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    init_tracing();
    let app = App::start(Function::Resume).await?;
    let app = &app;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<UrlRequest>| async move {
            let deadline = handoff::deadline::from_epoch_ms(event.context.deadline);
            let response = handle_link(app, &event.payload);
            Ok::<_, Error>(handoff::deadline::scope(deadline, response).await)
        },
    ))
    .await
}
