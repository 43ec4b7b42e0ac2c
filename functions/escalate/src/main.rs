//! The escalate function: fed by the table's stream (filtered in the template). Wiring only.

use handoff::entry::{handle_escalate_batch, StreamEvent};
use handoff::{App, Config};
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let config = Config::from_env()?;
    config.require_resume_base_url()?;
    let aws = handoff::config::load_aws().await;
    let app = App::from_config(&config, &aws)?;
    let app = &app;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<StreamEvent>| async move {
            Ok::<_, Error>(handle_escalate_batch(app, &event.payload).await)
        },
    ))
    .await
}
