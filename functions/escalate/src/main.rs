//! The escalate function: the sweep, on a schedule (`{"sweep": true}`: team notices the policy
//! function could not publish, reminders, expired pauses). A stream batch of new escalations is
//! still handled (published once), for a stack mid-update. Wiring only.

use handoff::config::Function;
use handoff::entry::handle_escalate_event;
use handoff::App;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let app = App::start(Function::Escalate).await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = handoff::deadline::from_epoch_ms(event.context.deadline);
        let result = handoff::deadline::scope(deadline, handle_escalate_event(app, event.payload));
        Ok::<_, Error>(result.await?)
    }))
    .await
}
