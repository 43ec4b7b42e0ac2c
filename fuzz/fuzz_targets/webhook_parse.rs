#![no_main]
//! Any bytes Meta (or an attacker) could send: the signature check and the parser never panic.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = handoff::webhook::verify_signature(b"fuzz-secret", data, Some("sha256=00"));
    if let Ok(events) = handoff::webhook::parse_webhook(data, "555000111222333") {
        for e in events {
            if let handoff::webhook::WebhookEvent::Customer(m) = e {
                let _ = m.display_text();
                let _ = m.sort_key();
            }
        }
    }
});
