//! Debian's headless chromium through chromedriver, for the pages people click.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::json;

use super::*;

/// chromedriver, killed when dropped.
pub struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn chromedriver_path() -> String {
    std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

/// Debian's headless chromium through chromedriver, phone-sized.
pub async fn browser() -> (Driver, fantoccini::Client) {
    assert!(
        std::path::Path::new(&chromedriver_path()).exists(),
        "chromedriver not found at {}: scripts/test installs Debian's chromium and chromium-driver",
        chromedriver_path()
    );
    let port = free_port();
    let driver = Driver(
        Command::new(chromedriver_path())
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()), "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=412,915"
        ]}),
    );
    for _ in 0..50 {
        let mut builder = fantoccini::ClientBuilder::new(
            hyper_util::client::legacy::connect::HttpConnector::new(),
        );
        builder.capabilities(caps.clone());
        if let Ok(c) = builder.connect(&format!("http://127.0.0.1:{port}")).await {
            return (driver, c);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("could not connect to chromedriver");
}
