#![no_main]
//! Any string in a resume link: verification never panics and never accepts a forgery.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else { return };
    let keys = handoff::resume::LinkKeys::parse("f1:ZnV6ei1vbmx5LWxpbmsta2V5LTMyLWJ5dGVzLWxvbmchIQ==").unwrap();
    let now = chrono::DateTime::from_timestamp(1_795_600_000, 0).unwrap();
    if handoff::resume::ResumeToken::verify(token, &keys, now).is_ok() {
        // Only tokens we signed verify: the corpus holds none, so a success is a forgery.
        panic!("forged token accepted: {token:?}");
    }
});
