//! The policy function: fed by the table's stream (filtered in the template); it answers, or
//! escalates and publishes the handoff it opened. Wiring only.

use handoff::config::Function;
use handoff::entry::{handle_policy_batch, StreamEvent};
use handoff::App;
use lambda_runtime::{service_fn, Error, LambdaEvent};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = App::start(Function::Policy).await?;
    let app = &app;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<StreamEvent>| async move {
            let deadline = handoff::deadline::from_epoch_ms(event.context.deadline);
            let batch = handle_policy_batch(app, &event.payload);
            Ok::<_, Error>(handoff::deadline::scope(deadline, batch).await)
        },
    ))
    .await
}
