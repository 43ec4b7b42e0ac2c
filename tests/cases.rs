//! Every escalation is data: a seeded table with escalations of every reason and label goes
//! through export → replay → suggest, a policy change that would answer a "needed a person" case
//! fails `policy test`, and the report's numbers match the seed.

mod common;

use chrono::{Datelike, Duration, Utc};
use common::*;
use handoff::adapters::DynamoStore;
use handoff::conversation::{Channel, ConversationKey};
use handoff::escalation::{AnswersVerdict, Escalation, OutcomeLabel, ResumedBy};
use handoff::policy::Knowledge;
use handoff::ports::Stats;

struct Seed {
    reason: &'static str,
    text: &'static str,
    label: Option<OutcomeLabel>,
    resumed_by: Option<ResumedBy>,
    minutes_to_resume: i64,
    note: Option<&'static str>,
    reminded: bool,
    days_ago: i64,
    /// With bot_could_handle: the entry the person chose on the resume page.
    entry: Option<&'static str>,
    /// The person's verdict on the bot's answers before the handoff.
    earlier: Option<AnswersVerdict>,
}

fn seeds() -> Vec<Seed> {
    use OutcomeLabel::*;
    use ResumedBy::*;
    let s = |reason, text, label, resumed_by, minutes_to_resume, note, reminded, days_ago| Seed {
        reason,
        text,
        label,
        resumed_by,
        minutes_to_resume,
        note,
        reminded,
        days_ago,
        entry: None,
        earlier: None,
    };
    let mut seeds = vec![
        s(
            "complaint",
            "My vase arrived broken, I want to file a complaint",
            Some(NeededPerson),
            Some(Link),
            12,
            Some("replacement sent"),
            false,
            1,
        ),
        s(
            "money",
            "I want a refund for order 1042",
            Some(NeededPerson),
            Some(Link),
            30,
            None,
            true,
            2,
        ),
        s(
            "human_request",
            "Can I talk to a real person please?",
            Some(BotCouldHandle),
            Some(Link),
            5,
            Some("We are open Tuesday to Saturday."),
            false,
            3,
        ),
        s(
            "frustration",
            "WHERE IS MY ORDER???",
            Some(NeededPerson),
            Some(Inbox),
            45,
            None,
            false,
            8,
        ),
        s(
            "low_confidence",
            "Do you sell bicycles?",
            Some(NeededPerson),
            Some(Link),
            20,
            Some("no bicycles, only ceramics"),
            false,
            9,
        ),
        s(
            "low_confidence",
            "Do you do gift cards?",
            Some(BotCouldHandle),
            Some(Link),
            8,
            Some("Yes: gift cards from 20 € at atelier-lumen.example/gift"),
            false,
            10,
        ),
        s(
            "low_confidence",
            "do you sell gift cards",
            Some(BotCouldHandle),
            Some(Cli),
            15,
            None,
            false,
            11,
        ),
        s(
            "outside_hours",
            "Are you open on Christmas day?",
            None,
            Some(Expired),
            60 * 24,
            None,
            true,
            15,
        ),
        s(
            "unsupported_media",
            "",
            Some(Spam),
            Some(Link),
            3,
            None,
            false,
            16,
        ),
        s(
            "wholesale",
            "we want a wholesale price for my shop",
            None,
            Some(Inbox),
            90,
            None,
            false,
            17,
        ),
        s("confirm_declined", "no", None, None, 0, None, true, 2),
    ];
    // Chosen on the resume page: the entry the bot could have used, and verdicts on the bot's
    // earlier answers (one right, one wrong).
    seeds[2].entry = Some("opening-hours");
    seeds[3].earlier = Some(AnswersVerdict::Wrong);
    seeds[1].earlier = Some(AnswersVerdict::Right);
    seeds
}

fn escalation(i: usize, seed: &Seed) -> Escalation {
    let created = Utc::now() - Duration::days(seed.days_ago) - Duration::minutes(i as i64);
    let resumed_at = seed
        .resumed_by
        .map(|_| created + Duration::minutes(seed.minutes_to_resume));
    Escalation {
        reminded_at: seed.reminded.then(|| created + Duration::minutes(15)),
        resumed_at,
        resumed_by: seed.resumed_by,
        outcome: seed.label,
        note: seed.note.map(str::to_string),
        answer_entry: seed.entry.map(str::to_string),
        earlier_answers: seed.earlier,
        ..seeded_escalation(
            i,
            ConversationKey::new(Channel::Messenger, PAGE, format!("7100000000000{i:03}")),
            seed.reason,
            seed.text,
            created,
        )
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_replay_suggest_and_report_on_a_seeded_table() {
    let aws = aws().await;
    let table = unique("cases");
    let ddb = aws_sdk_dynamodb::Client::new(&aws);
    handoff::adapters::dynamodb::bootstrap(
        &ddb,
        &aws_sdk_sns::Client::new(&aws),
        &table,
        &unique("unused"),
    )
    .await
    .unwrap();
    let seeds = seeds();
    for (i, seed) in seeds.iter().enumerate() {
        put_escalation(&ddb, &table, &escalation(i, seed)).await;
    }
    let store = DynamoStore::new(ddb.clone(), &table);
    let today = Utc::now().date_naive();
    for _ in 0..30 {
        store.count_answer(today).await.unwrap();
    }
    for _ in 0..19 {
        store.count_answer(today - Duration::days(8)).await.unwrap();
    }
    let env = base_env(
        &table,
        "arn:aws:sns:us-east-1:123456789012:unused",
        "http://127.0.0.1:9",
        "https://r.example",
    );
    let dir = repo_path("artifacts/cases");
    std::fs::create_dir_all(&dir).unwrap();
    let cases_file = format!("{dir}/{table}.jsonl");

    // Export: every escalation, one case a line, with labels, suggested answers and progress.
    let (code, _, err) = handoff_cli(
        &env,
        &[
            "cases",
            "export",
            "--since",
            &(today - Duration::days(30)).to_string(),
            "--out",
            &cases_file,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("exported 11 escalations"), "{err}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&cases_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), seeds.len());
    assert!(lines
        .iter()
        .all(|c| c["format"] == "handoff.case" && c["version"] == 1));
    let gift = lines
        .iter()
        .find(|c| c["messages"][0]["text"] == "Do you do gift cards?")
        .unwrap();
    assert_eq!(gift["label"], "bot_could_handle");
    assert_eq!(
        gift["suggested_answer"],
        "Yes: gift cards from 20 € at atelier-lumen.example/gift"
    );
    let inbox = lines.iter().find(|c| c["reason"] == "wholesale").unwrap();
    assert!(inbox.get("label").is_none());
    assert!(inbox["unlabelled_because"]
        .as_str()
        .unwrap()
        .contains("inbox"));
    let expired = lines
        .iter()
        .find(|c| c["reason"] == "outside_hours")
        .unwrap();
    assert!(expired["unlabelled_because"]
        .as_str()
        .unwrap()
        .contains("automatically"));
    let (_, money, _) = handoff_cli(
        &env,
        &[
            "cases",
            "export",
            "--since",
            &(today - Duration::days(30)).to_string(),
            "--reason",
            "money",
        ],
    );
    assert_eq!(money.lines().count(), 1);

    // Replay against the shipped boundary: nothing a person was needed for is now answered.
    let policy = repo_path("config/policy.toml");
    let knowledge = repo_path("config/knowledge.toml");
    let (code, out, err) = handoff_cli(
        &env,
        &[
            "policy",
            "test",
            &cases_file,
            "--policy",
            &policy,
            "--knowledge",
            &knowledge,
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok: no case labelled"), "{out}");
    assert!(out.contains("still escalates"), "{out}");

    // A knowledge change that would answer "Do you sell bicycles?" (labelled needed a person) fails.
    let changed = format!("{dir}/{table}-knowledge.toml");
    std::fs::write(
        &changed,
        format!("{}\n[[entry]]\nid = \"bicycles\"\nquestions = [\"Do you sell bicycles?\"]\nanswer = \"Yes!\"\n", std::fs::read_to_string(&knowledge).unwrap()),
    )
    .unwrap();
    let (code, out, _) = handoff_cli(
        &env,
        &[
            "policy",
            "test",
            &cases_file,
            "--policy",
            &policy,
            "--knowledge",
            &changed,
            "--verbose",
        ],
    );
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("REGRESSION") && out.contains("answer bicycles"),
        "{out}"
    );
    assert!(out.contains("  now:"), "verbose shows both traces: {out}");

    let person = lines
        .iter()
        .find(|c| c["reason"] == "human_request")
        .unwrap();
    assert_eq!(person["entry"], "opening-hours");
    let shouting = lines.iter().find(|c| c["reason"] == "frustration").unwrap();
    assert_eq!(shouting["earlier_answers"], "wrong");

    // Suggest: the two gift-card questions become one draft entry with the humans' answer; the
    // case labelled with an entry adds its words to that entry; "Do you sell bicycles?" (needed a
    // person, decided by the engine) becomes an [outside] example.
    let (code, toml_out, err) = handoff_cli(&env, &["knowledge", "suggest", &cases_file]);
    assert_eq!(code, 0, "{err}");
    let drafts = Knowledge::from_toml(&toml_out).expect("the drafts are a valid knowledge file");
    let gift = drafts
        .entries()
        .iter()
        .find(|e| e.questions.iter().any(|q| q.contains("gift cards")))
        .unwrap();
    assert_eq!(gift.questions.len(), 2, "{toml_out}");
    assert!(gift.answer.contains("gift cards from 20"));
    assert!(
        !drafts
            .entries()
            .iter()
            .any(|e| e.answer.contains("open Tuesday")),
        "a case labelled with an entry drafts no new entry: {toml_out}"
    );
    assert!(toml_out.contains("# Add to the questions of entry \"opening-hours\":\n#   \"Can I talk to a real person please?\""), "{toml_out}");
    assert_eq!(drafts.outside(), ["Do you sell bicycles?"], "{toml_out}");
    assert!(
        err.contains(
            "1 question(s) for 1 existing entries, 1 draft entries, 1 [outside] example(s)"
        ),
        "{err}"
    );

    // With --knowledge: the brand's own file, comments kept, with every suggestion applied.
    let (code, applied, err) = handoff_cli(
        &env,
        &[
            "knowledge",
            "suggest",
            &cases_file,
            "--knowledge",
            &knowledge,
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        applied.starts_with("# What the Atelier Lumen bot may answer alone"),
        "comments kept"
    );
    let merged = Knowledge::from_toml(&applied).expect("a valid knowledge file");
    let shipped = Knowledge::from_toml(&std::fs::read_to_string(&knowledge).unwrap()).unwrap();
    assert_eq!(
        merged.entries().len(),
        shipped.entries().len() + 1,
        "one draft added"
    );
    assert!(merged
        .get("opening-hours")
        .unwrap()
        .questions
        .contains(&"Can I talk to a real person please?".to_string()));
    assert_eq!(merged.outside(), ["Do you sell bicycles?"]);
    // Applying twice adds nothing twice.
    let twice = format!("{dir}/{table}-applied.toml");
    std::fs::write(&twice, &applied).unwrap();
    let (_, again, _) = handoff_cli(
        &env,
        &["knowledge", "suggest", &cases_file, "--knowledge", &twice],
    );
    let again = Knowledge::from_toml(&again).unwrap();
    assert_eq!(again.outside().len(), 1);
    assert_eq!(
        again.get("opening-hours").unwrap().questions.len(),
        merged.get("opening-hours").unwrap().questions.len()
    );

    // Report: numbers match the seed.
    let html = format!("{dir}/{table}-report.html");
    let (code, out, err) = handoff_cli(&env, &["report", "--weeks", "4", "--html", &html]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Answered by the bot: 49 of 60 (82%); escalated: 11 (18%)"),
        "{out}"
    );
    // Resumed by a person: 12, 30, 5, 45, 20, 8, 15, 3, 90 minutes → median 15, p90 (nearest rank) 90.
    assert!(out.contains("median 15 min, p90 1.5 h"), "{out}");
    assert!(
        out.contains("Auto-resumed (nobody handed back): 1 of 10 resumed (10%)"),
        "{out}"
    );
    assert!(out.contains("Reminders sent: 3"), "{out}");
    assert!(
        out.contains("Bot answers judged at a handoff: 2 (1 wrong, 50%)"),
        "{out}"
    );
    assert!(
        out.contains("Labels: bot_could_handle 3, needed_person 4, spam 1"),
        "{out}"
    );
    // This week's row: the seeded escalations created this week and the 30 answers of today.
    let monday =
        |d: chrono::NaiveDate| d - Duration::days(d.weekday().num_days_from_monday().into());
    let this_week = monday(today);
    let expected = seeds
        .iter()
        .enumerate()
        .filter(|(i, s)| monday(escalation(*i, s).created_at.date_naive()) == this_week)
        .count();
    // The table's row (the chart above it starts with the week too).
    let row = out
        .lines()
        .rfind(|l| l.starts_with(&this_week.to_string()))
        .expect("a row for this week");
    let cols: Vec<&str> = row.split_whitespace().collect();
    let n = cols.len();
    assert_eq!(cols[n - 3], expected.to_string(), "{row}");
    assert_eq!(cols[n - 2], "30", "{row}");
    let page = std::fs::read_to_string(&html).unwrap();
    assert_eq!(page.matches("<svg").count(), 3, "three charts");
    assert!(page.contains("Share answered by the bot, and of its answers marked wrong"));
    assert!(
        page.contains("Escalations per week, by reason")
            && page.contains("Answered by the bot vs escalated")
    );
    assert!(page.contains("low_confidence"));
}
