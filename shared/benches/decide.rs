//! One policy decision with 1,000 knowledge entries and 50 rules (goals: p99 ≤ 50 µs by words,
//! ≤ 10 ms with the sentence encoder). `cargo bench -p handoff --bench decide`; `-- --p99` also
//! prints percentiles. The encoder's figures need `ENCODER_FILE` (or config/encoder/use-m3.bin).

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Utc};
use criterion::{criterion_group, Criterion};
use handoff::policy::{decide, Knowledge, Policy, Turn};

const NOUNS: &[&str] = &[
    "mug", "vase", "bowl", "plate", "teapot", "cup", "jug", "platter", "planter", "lamp", "tile",
    "dish", "candle", "glaze", "clay", "kiln", "gift", "voucher", "workshop", "course", "order",
    "parcel", "box", "label", "colour", "size", "set", "lid", "handle", "saucer",
];
const VERBS: &[&str] = &[
    "ship", "deliver", "wash", "paint", "repair", "return", "exchange", "store", "clean", "order",
    "book", "engrave", "wrap", "reserve", "collect", "heat", "freeze", "stack", "display", "hang",
];
const PLACES: &[&str] = &[
    "lyon", "paris", "belgium", "germany", "spain", "italy", "london", "geneva", "oven", "garden",
];

struct Lcg(u64);
impl Lcg {
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        list[(self.0 >> 33) as usize % list.len()]
    }
}

fn knowledge(n: usize) -> String {
    let mut rng = Lcg(42);
    let mut out = String::new();
    for i in 0..n {
        let (a, b, c) = (rng.pick(NOUNS), rng.pick(VERBS), rng.pick(PLACES));
        let (d, e) = (rng.pick(NOUNS), rng.pick(VERBS));
        out.push_str(&format!(
            "[[entry]]\nid = \"e{i}\"\ntopic = \"{a}\"\nquestions = [\"Can I {b} the {a} to {c}?\", \"How do you {e} a {d} {a}?\", \"{a} {b} {c} {i}\"]\nanswer = \"Answer {i}.\"\n\n"
        ));
    }
    out
}

fn policy(rules: usize) -> String {
    let mut rng = Lcg(7);
    let mut out = String::from("[answers]\nconfidence_threshold = 0.55\n\n[hours]\ntimezone = \"Europe/Paris\"\nmonday = [\"09:00-18:00\"]\ntuesday = [\"09:00-18:00\"]\nwednesday = [\"09:00-18:00\"]\nthursday = [\"09:00-18:00\"]\nfriday = [\"09:00-18:00\"]\n\n");
    for i in 0..rules {
        let (a, b) = (rng.pick(NOUNS), rng.pick(VERBS));
        out.push_str(&format!(
            "[[rule]]\nname = \"r{i}\"\nphrases = [\"special {a} {b} {i}\", \"promo{i}\"]\npayloads = [\"P{i}\"]\naction = \"escalate\"\n\n"
        ));
    }
    out
}

fn messages() -> Vec<&'static str> {
    vec![
        "Can I ship the vase to Lyon?",
        "How do you wash a glazed mug?",
        "I want a refund for my teapot",
        "WHY IS MY PARCEL NOT HERE???",
        "Est-ce que vous livrez en Belgique ?",
        "What is the airspeed of an unladen swallow?",
    ]
}

fn setup() -> (Policy, Knowledge, DateTime<Utc>) {
    let p = Policy::from_toml(&policy(50)).unwrap();
    let k = Knowledge::from_toml(&knowledge(1000)).unwrap();
    let now = DateTime::parse_from_rfc3339("2026-11-24T11:00:00+01:00")
        .unwrap()
        .with_timezone(&Utc);
    (p, k, now)
}

fn encoder() -> Option<std::sync::Arc<handoff::encoder::SentenceEncoder>> {
    let path = std::env::var("ENCODER_FILE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../config/encoder/use-m3.bin").to_string()
    });
    let e = handoff::encoder::SentenceEncoder::open(std::path::Path::new(&path)).ok()?;
    Some(std::sync::Arc::new(e))
}

/// The same 1,000 entries read by meaning too, their vectors computed once (as
/// `handoff knowledge build` does ahead of time).
fn semantic_knowledge() -> Option<Knowledge> {
    let k = Knowledge::from_toml(&knowledge(1000))
        .unwrap()
        .with_encoder(encoder()?, None);
    k.warm();
    Some(k)
}

/// One criterion benchmark: `decide` over the sample messages in turn.
fn bench_messages(c: &mut Criterion, name: &str, p: &Policy, k: &Knowledge, now: DateTime<Utc>) {
    let msgs = messages();
    let mut i = 0;
    c.bench_function(name, |b| {
        b.iter(|| {
            i = (i + 1) % msgs.len();
            black_box(decide(
                p,
                k,
                Turn {
                    text: Some(msgs[i]),
                    ..Default::default()
                },
                now,
            ))
        })
    });
}

fn bench_decide(c: &mut Criterion) {
    let (p, k, now) = setup();
    if let Some(sk) = semantic_knowledge() {
        bench_messages(c, "decide/1000-entries-50-rules-encoder", &p, &sk, now);
    }
    bench_messages(c, "decide/1000-entries-50-rules", &p, &k, now);
}

fn report(what: &str, mut samples: Vec<u128>) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q) as usize] as f64 / 1000.0;
    println!(
        "{what} over {} runs: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        samples.len(),
        at(0.5),
        at(0.9),
        at(0.99),
        at(1.0)
    );
}

/// Percentiles over single decisions, since criterion reports means; then the answer engine
/// alone and each message's median, to see where the time goes.
fn percentiles() {
    // What the answer engine adds to a cold start: parsing and training, once per process.
    let example = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../config/knowledge.toml"
    ))
    .unwrap();
    for (what, source) in [
        ("the example shop (config/knowledge.toml)", example),
        ("1,000 entries", knowledge(1000)),
    ] {
        let mut runs: Vec<u128> = (0..5)
            .map(|_| {
                let start = Instant::now();
                black_box(Knowledge::from_toml(&source).unwrap());
                start.elapsed().as_micros()
            })
            .collect();
        runs.sort_unstable();
        println!(
            "knowledge build, {what}: median {:.2} ms",
            runs[2] as f64 / 1000.0
        );
    }
    let (p, k, now) = setup();
    let msgs = messages();
    let time = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        f();
        start.elapsed().as_nanos()
    };
    let decide_one = |m: &str| {
        black_box(decide(
            &p,
            &k,
            Turn {
                text: Some(m),
                ..Default::default()
            },
            now,
        ));
    };
    let samples: Vec<u128> = (0..20_000)
        .map(|i| time(&mut || decide_one(msgs[i % msgs.len()])))
        .collect();
    report("decide", samples);
    let samples: Vec<u128> = (0..20_000)
        .map(|i| {
            time(&mut || {
                black_box(k.scores(msgs[i % msgs.len()]));
            })
        })
        .collect();
    report("answer engine alone", samples);
    for m in &msgs {
        let mut samples: Vec<u128> = (0..2_000).map(|_| time(&mut || decide_one(m))).collect();
        samples.sort_unstable();
        println!("  {:>7.1} µs median  {m}", samples[1_000] as f64 / 1000.0);
    }
    let start = Instant::now();
    let Some(sk) = semantic_knowledge() else {
        println!("no encoder (ENCODER_FILE): the figures with the sentence encoder are skipped");
        return;
    };
    println!(
        "with the encoder: embedding the 1,000 entries' 4,000 examples (what `handoff knowledge build` does ahead of time): {:.2} s",
        start.elapsed().as_secs_f64()
    );
    let samples: Vec<u128> = (0..3_000)
        .map(|i| {
            time(&mut || {
                black_box(decide(
                    &p,
                    &sk,
                    Turn {
                        text: Some(msgs[i % msgs.len()]),
                        ..Default::default()
                    },
                    now,
                ));
            })
        })
        .collect();
    report("decide with the encoder", samples);
}

criterion_group!(benches, bench_decide);

fn main() {
    if std::env::args().any(|a| a == "--p99") {
        percentiles();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
