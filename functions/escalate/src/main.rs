//! The escalate function (its deployed name since the first release): the scheduled work. The
//! sweep (`{"sweep": true}`: team notices the policy function could not publish, reminders,
//! expired pauses) and the weekly review (`{"review": true}`). A stream batch of new escalations
//! is still handled (published once), for a stack mid-update. Wiring only.

use handoff::config::Function;
use handoff::entry::handle_scheduled_event;
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
        let result = handoff::deadline::scope(deadline, handle_scheduled_event(app, event.payload));
        Ok::<_, Error>(result.await?)
    }))
    .await
}
