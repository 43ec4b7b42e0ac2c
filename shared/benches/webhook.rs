//! Signature check + parse of a ~2 KB webhook body (issue goal: ≥ 50 MB/s).
//! `cargo bench -p handoff --bench webhook`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use handoff::webhook::{parse_webhook, sign, verify_signature};
use serde_json::json;

fn body() -> Vec<u8> {
    let events: Vec<serde_json::Value> = (0..6)
        .map(|i| {
            json!({"sender": {"id": format!("76543210987654{i:02}")}, "recipient": {"id": "104729384756123"},
                   "timestamp": 1795600000000u64 + i,
                   "message": {"mid": format!("m_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_{i}"),
                               "text": "Bonjour ! Est-ce que les tasses passent au lave-vaisselle ? Merci \u{e9}norm\u{e9}ment",
                               "attachments": [{"type": "image", "payload": {"url": "https://scontent.xx.fbcdn.net/v/t1.15752-9/123_456_n.jpg?_nc_cat=1"}}]}})
        })
        .collect();
    json!({"object": "page", "entry": [{"id": "104729384756123", "time": 1795600000500u64, "messaging": events}]})
        .to_string()
        .into_bytes()
}

fn bench(c: &mut Criterion) {
    let body = body();
    let secret = b"bench-app-secret";
    let sig = sign(secret, &body);
    let mut g = c.benchmark_group("webhook");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function(format!("verify+parse {} B", body.len()), |b| {
        b.iter(|| {
            verify_signature(secret, black_box(&body), Some(&sig)).unwrap();
            black_box(parse_webhook(black_box(&body), "555").unwrap())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
