//! `handoff policy check|explain` as a brand runs them.

mod common;

use std::process::Command;

use common::repo_path;

fn handoff(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_file(name: &str, content: &str) -> String {
    let dir = repo_path("artifacts/cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = format!("{dir}/{}-{name}", std::process::id());
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn check_accepts_the_example_boundary() {
    let (code, out, err) = handoff(&[
        "policy",
        "check",
        &repo_path("config/policy.toml"),
        &repo_path("config/knowledge.toml"),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ok: 3 rules"), "{out}");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn check_reports_file_line_and_column() {
    let knowledge = repo_path("config/knowledge.toml");
    let syntax = temp_file(
        "syntax.toml",
        "[answers]\nconfidence_threshold = 0.5\n\n[hours\ntimezone = \"Europe/Paris\"\n",
    );
    let (code, _, err) = handoff(&["policy", "check", &syntax, &knowledge]);
    assert_eq!(code, 1);
    assert!(err.contains(&format!("{syntax}:4:")), "{err}");
    let typo = temp_file("typo.toml", "[answers]\nconfidence_treshold = 0.5\n");
    let (_, _, err) = handoff(&["policy", "check", &typo, &knowledge]);
    assert!(
        err.contains(&format!(
            "{typo}:2:1: error: unknown field `confidence_treshold`"
        )),
        "{err}"
    );
    let zone = temp_file(
        "zone.toml",
        "[hours]\ntimezone = \"Paris\"\nmonday = [\"09:00-18:00\"]\n",
    );
    let (_, _, err) = handoff(&["policy", "check", &zone, &knowledge]);
    assert!(
        err.contains(&format!(
            "{zone}:2:12: error: [hours] timezone \"Paris\" is not an IANA time zone"
        )),
        "{err}"
    );
}

#[test]
fn check_warns_about_rules_that_never_fire_and_duplicate_questions() {
    let policy = temp_file(
        "shadow.toml",
        "[[rule]]\nname = \"a\"\nphrases = [\"wholesale\", \"bulk\"]\naction = \"escalate\"\n\n[[rule]]\nname = \"b\"\nphrases = [\"bulk\"]\naction = \"escalate\"\n",
    );
    let knowledge = temp_file(
        "dup.toml",
        "[[entry]]\nid = \"x\"\nquestions = [\"When are you open?\"]\nanswer = \"9-5\"\n\n[[entry]]\nid = \"y\"\nquestions = [\"when are you OPEN\"]\nanswer = \"10-6\"\n",
    );
    let (code, out, err) = handoff(&["policy", "check", &policy, &knowledge]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("rule \"b\" can never fire: rule \"a\" before it"),
        "{err}"
    );
    assert!(err.contains("appears in entries \"x\" and \"y\""), "{err}");
    // The same question under two entries: the engine cannot tell them apart either.
    assert!(
        err.contains("entries \"x\" and \"y\" are hard to tell apart"),
        "{err}"
    );
    assert!(out.contains("3 warnings"), "{out}");
}

#[test]
fn explain_prints_the_decision_first_then_the_trace() {
    let p = repo_path("config/policy.toml");
    let k = repo_path("config/knowledge.toml");
    let (code, out, _) = handoff(&[
        "policy",
        "explain",
        &p,
        &k,
        "I want a refund",
        "--at",
        "2026-11-24T11:00:00+01:00",
    ]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "escalate money");
    assert!(out.contains("FIRED trigger:money"), "{out}");
    let (_, out, _) = handoff(&[
        "policy",
        "explain",
        &p,
        &k,
        "what is your refund policy?",
        "--at",
        "2026-11-24T11:00:00+01:00",
    ]);
    assert_eq!(out.lines().next(), Some("answer returns-policy"), "{out}");
    let (_, out, _) = handoff(&[
        "policy",
        "explain",
        &p,
        &k,
        "",
        "--attachment",
        "audio",
        "--json",
    ]);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["decision"], "escalate unsupported_media");
    let steps = v["trace"]["steps"].as_array().unwrap();
    let deciding = steps.iter().rev().find(|s| s["fired"] == true).unwrap();
    assert_eq!(deciding["check"], "trigger:unsupported_media");
    let (code, _, err) = handoff(&["policy", "explain", &p, &k, "hi", "--at", "yesterday"]);
    assert_eq!(code, 1);
    assert!(err.contains("RFC 3339"), "{err}");
}

#[test]
fn knowledge_eval_counts_right_wrong_escalated_and_recommends_a_threshold() {
    let labelled = temp_file(
        "labelled.jsonl",
        concat!(
            r#"{"text": "how long does shiping take", "expect": "answer shipping-time"}"#,
            "\n",
            r#"{"text": "when are you open on saturdays", "expect": "answer opening-hours"}"#,
            "\n",
            r#"{"text": "can I put my mug in the dishwasher", "expect": "answer dishwasher"}"#,
            "\n",
            r#"{"text": "do you sell bicycles", "expect": "escalate"}"#,
            "\n",
            r#"{"text": "what is the capital of Peru", "expect": "escalate"}"#,
            "\n",
            r#"{"text": "hello", "expect": "escalate"}"#,
            "\n",
        ),
    );
    let args = |json: bool| {
        let mut a = vec![
            "knowledge".to_string(),
            "eval".into(),
            repo_path("config/policy.toml"),
            repo_path("config/knowledge.toml"),
            labelled.clone(),
            "--at".into(),
            "2026-11-24T11:00:00+01:00".into(),
        ];
        if json {
            a.push("--json".into());
        }
        a
    };
    let run = |json: bool| {
        let a = args(json);
        handoff(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (code, out, err) = run(false);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("6 messages: 3 with an entry, 3 without"),
        "{out}"
    );
    assert!(
        out.contains("threshold    right    wrong  escalated"),
        "{out}"
    );
    assert!(out.contains("small-talk replies (not answers): 1"), "{out}");
    let (code, out, err) = run(true);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let at = &v["policy_threshold"];
    assert_eq!(at["right"], 3, "{v}");
    assert_eq!(at["wrong"], 0, "{v}");
    assert_eq!(at["off_topic_answered"], 0, "{v}");
    assert!(v["recommended"]["threshold"].as_f64().is_some(), "{v}");

    let bad = temp_file(
        "bad.jsonl",
        "{\"text\": \"hi\", \"expect\": \"answer nope\"}\n",
    );
    let mut a = args(false);
    a[4] = bad;
    let (code, _, err) = handoff(&a.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 1);
    assert!(err.contains("entry \"nope\" is not in"), "{err}");
}

#[test]
fn check_refuses_an_answer_too_long_for_a_channel_in_use() {
    let knowledge = temp_file(
        "long.toml",
        &format!(
            "[[entry]]\nid = \"care\"\nquestions = [\"How do I clean the vase?\"]\nanswer = \"{}\"\n",
            "Rinse with warm water. ".repeat(50)
        ),
    );
    let (code, _, err) = handoff(&[
        "policy",
        "check",
        &repo_path("config/policy.toml"),
        &knowledge,
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(
            "error: entry \"care\" answer is 1150 bytes of UTF-8; Instagram takes at most 1000"
        ),
        "{err}"
    );
}

/// The weekly review's threshold rests on every label: the ones the knowledge has learnt (its
/// questions and `[outside]` examples now) are read without themselves. Here every label was
/// learnt, so none could count as it stands (each would be answered exactly).
#[test]
fn knowledge_eval_proposes_a_threshold_from_labels_the_knowledge_has_learnt() {
    let shop = common::LabelledShop::new();
    let policy = temp_file("learnt-policy.toml", common::LABELLED_SHOP_POLICY);
    let knowledge = temp_file("learnt-knowledge.toml", &shop.knowledge);
    let labels = temp_file("learnt-labels.jsonl", &shop.labels_jsonl());
    let (code, out, err) = handoff(&["knowledge", "eval", &policy, &knowledge, &labels, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // As they stand, every learnt label is answered exactly (or, outside, never): no evidence.
    assert_eq!(v["policy_threshold"]["right"], 102, "{v}");
    assert_eq!(v["policy_threshold"]["off_topic_answered"], 0, "{v}");
    let p = &v["proposal"];
    assert_eq!(p["labels"], 192, "{v}");
    let (current, proposed) = (
        p["current"].as_f64().unwrap(),
        p["proposed"].as_f64().unwrap(),
    );
    assert!(proposed < current, "{p}");
    assert!(!p["why"].as_str().unwrap().contains(" 0 more right"), "{p}");
}
