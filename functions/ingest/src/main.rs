//! The ingest function: a Function URL. Wiring only; the route lives in `handoff::entry`.

use handoff::config::Function;
use handoff::entry::{handle_webhook, UrlRequest};
use handoff::App;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = App::start(Function::Ingest).await?;
    let app = &app;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<UrlRequest>| async move {
            Ok::<_, Error>(handle_webhook(app, &event.payload).await)
        },
    ))
    .await
}
