//! `handoff review now`: builds today's weekly review and publishes its digest, as the template's
//! schedule does every Monday (run again the same day, it prints the same review's link).

use std::error::Error;

use handoff::wording::counted;
use handoff::{App, Config};

pub async fn now(at: Option<&str>) -> Result<(), Box<dyn Error>> {
    let now = match at {
        Some(t) => chrono::DateTime::parse_from_rfc3339(t)
            .map_err(|e| format!("--at {t:?} is not an RFC 3339 time ({e})"))?
            .with_timezone(&chrono::Utc),
        None => chrono::Utc::now(),
    };
    let config = Config::from_env()?;
    let aws = handoff::config::load_aws().await;
    let app = App::from_config(&config, &aws)?;
    let app = app.current().await;
    let built = handoff::review::build_review(&app, now).await?;
    let r = &built.review;
    println!(
        "review of {} to {}: {}, {} to check{}",
        r.from.format("%Y-%m-%d"),
        r.to.format("%Y-%m-%d"),
        counted(r.proposals.len(), "proposal", "proposals"),
        counted(r.sample.len(), "answer", "answers"),
        match (built.created, built.published) {
            (true, _) => ", digest published to the team",
            (false, true) => " (built earlier today), digest published now",
            (false, false) => " (built and sent earlier today)",
        }
    );
    println!("{}", built.url);
    Ok(())
}
