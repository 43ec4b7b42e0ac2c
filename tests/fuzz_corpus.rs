//! The fuzz corpora (fuzz/corpus/*) as regression tests: every input that ever mattered runs
//! through the same code as the fuzz targets on every CI run.

mod common;

use common::repo_path;

fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = repo_path(&format!("fuzz/corpus/{target}"));
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

#[test]
fn webhook_corpus_never_panics() {
    let inputs = corpus("webhook_parse");
    assert!(inputs.len() >= 10);
    for (name, data) in inputs {
        let r = std::panic::catch_unwind(|| {
            let _ = handoff::webhook::verify_signature(b"fuzz-secret", &data, Some("sha256=00"));
            let _ = handoff::webhook::parse_webhook(&data, "555000111222333");
        });
        assert!(r.is_ok(), "{name} panicked");
    }
}

#[test]
fn token_corpus_never_verifies_a_forgery() {
    let keys =
        handoff::resume::LinkKeys::parse("f1:ZnV6ei1vbmx5LWxpbmsta2V5LTMyLWJ5dGVzLWxvbmchIQ==")
            .unwrap();
    let now = chrono::DateTime::from_timestamp(1_795_600_000, 0).unwrap();
    for (name, data) in corpus("resume_token") {
        let token = String::from_utf8_lossy(&data);
        assert!(
            handoff::resume::ResumeToken::verify(&token, &keys, now).is_err(),
            "{name} verified"
        );
    }
}
