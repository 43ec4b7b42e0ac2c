//! `handoff review now`: builds today's weekly review and publishes its digest, as the template's
//! schedule does every Monday (run again the same day, it prints the same review's link).

use std::error::Error;

use handoff::{App, Config};

pub async fn now() -> Result<(), Box<dyn Error>> {
    let config = Config::from_env()?;
    let aws = handoff::config::load_aws().await;
    let app = App::from_config(&config, &aws)?;
    let app = app.current().await;
    let built = handoff::review::build_review(&app, chrono::Utc::now()).await?;
    let r = &built.review;
    println!(
        "review of {} to {}: {} proposals, {} answers to check{}",
        r.from.format("%Y-%m-%d"),
        r.to.format("%Y-%m-%d"),
        r.proposals.len(),
        r.sample.len(),
        match (built.created, built.published) {
            (true, _) => ", digest published to the team",
            (false, true) => " (built earlier today), digest published now",
            (false, false) => " (built and sent earlier today)",
        }
    );
    println!("{}", built.url);
    Ok(())
}
