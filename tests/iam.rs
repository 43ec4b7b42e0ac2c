//! Least privilege, checked where the local endpoint cannot: it does not enforce IAM, so a call the
//! template forgot to allow would pass every other test and fail only on AWS (the Instagram echo
//! check once did exactly that: ingest queried the table without `dynamodb:Query`). Here
//! `handoff dev` records every DynamoDB and SNS call with the function that made it
//! (`HANDOFF_RECORD_AWS_CALLS`), the whole loop runs — answer, escalation and notice, a person's
//! Instagram echo, the resume page and form, an inbox hand-back, the sweep — and each recorded
//! call must be allowed by that function's statements in `template.yaml`, on the right resource.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::*;
use serde_json::json;

/// The IAM statements of each function in the template: function → {(action, resource)}, where
/// the resource is `table`, `index/<name>` or `topic`.
fn template_grants() -> BTreeMap<String, BTreeSet<(String, String)>> {
    let template = std::fs::read_to_string(repo_path("template.yaml")).unwrap();
    let functions = [
        ("ingest", "IngestFunction:"),
        ("policy", "PolicyFunction:"),
        ("escalate", "EscalateFunction:"),
        ("resume", "ResumeFunction:"),
    ];
    let mut grants = BTreeMap::new();
    for (name, header) in functions {
        let start = template
            .find(&format!("\n  {header}"))
            .unwrap_or_else(|| panic!("{header} not in template.yaml"));
        let block: String = template[start + 1..]
            .lines()
            .skip(1)
            .take_while(|l| l.is_empty() || l.starts_with("    "))
            .collect::<Vec<_>>()
            .join("\n");
        let mut set = BTreeSet::new();
        let mut actions: Vec<String> = Vec::new();
        for line in block.lines().map(str::trim) {
            if let Some(a) = line
                .strip_prefix("- Action:")
                .or_else(|| line.strip_prefix("Action:"))
            {
                actions = a
                    .trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .split(',')
                    .map(|x| x.trim().to_string())
                    .filter(|x| !x.is_empty())
                    .collect();
            } else if let Some(name) = line
                .strip_prefix("- !Sub \"")
                .and_then(|r| r.split("${SecretsPath}/").nth(1))
            {
                // One of a list of SSM parameters under `Resource:`.
                for a in &actions {
                    set.insert((
                        a.clone(),
                        format!("parameter/{}", name.trim_end_matches('"')),
                    ));
                }
            } else if let Some(r) = line
                .strip_prefix("Resource:")
                .filter(|r| !r.trim().is_empty())
            {
                let resource = if let Some(i) = r.find("/index/") {
                    format!("index/{}", r[i + 7..].trim_end_matches('"').trim())
                } else if r.contains("Table.Arn") {
                    "table".to_string()
                } else if r.contains("EscalationsTopic") {
                    "topic".to_string()
                } else if r.contains("ChatTopic") {
                    "chat-topic".to_string()
                } else if r.contains("foundation-model/${BedrockModelId}") {
                    "bedrock-model".to_string()
                } else {
                    panic!("{name}: unknown resource {r}")
                };
                for a in actions.drain(..) {
                    set.insert((a, resource.clone()));
                }
            }
        }
        grants.insert(name.to_string(), set);
    }
    grants
}

/// Each function's role may read exactly the secrets its configuration reads (no more, or a
/// leaked role reads another function's secrets; no less, or it cannot start).
#[test]
fn each_role_reads_exactly_its_functions_secrets() {
    use handoff::config::{parameter_name, Function};
    let grants = template_grants();
    for (name, function) in [
        ("ingest", Function::Ingest),
        ("policy", Function::Policy),
        ("escalate", Function::Escalate),
        ("resume", Function::Resume),
    ] {
        let granted: BTreeSet<String> = grants[name]
            .iter()
            .filter(|(action, _)| action == "ssm:GetParameters")
            .map(|(_, resource)| resource.clone())
            .collect();
        let read: BTreeSet<String> = function
            .secrets()
            .iter()
            .map(|v| format!("parameter{}", parameter_name("", v)))
            .collect();
        assert_eq!(granted, read, "{name}");
        // Bedrock (when chosen): only the functions with a model call, and only that model.
        let bedrock: Vec<_> = grants[name]
            .iter()
            .filter(|(action, _)| action.starts_with("bedrock:"))
            .collect();
        let uses_model = matches!(function, Function::Policy | Function::Escalate);
        let expected = (
            "bedrock:InvokeModel".to_string(),
            "bedrock-model".to_string(),
        );
        assert_eq!(
            bedrock,
            if uses_model { vec![&expected] } else { vec![] },
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_aws_call_each_function_makes_is_allowed_by_its_template_statements() {
    let log = repo_path(&format!("artifacts/test-logs/{}.calls", unique("iam")));
    // A chat topic too, so the publishes there are recorded and checked.
    let chat = Team::new(&aws().await).await;
    let dev = DevServer::start_with(&[
        ("HANDOFF_RECORD_AWS_CALLS", log.as_str()),
        ("HANDOFF_SWEEP_SECONDS", "1"),
        ("HANDOFF_REVIEW_SECONDS", "2"),
        ("BOUNDARY_CHECK_SECONDS", "1"),
        ("CHAT_TOPIC_ARN", chat.topic_arn.as_str()),
    ])
    .await;

    // Answered, then escalated (the notice goes out), on Messenger.
    let user = "7000000000000901";
    dev.post_signed(&customer_text(
        user,
        "m_iam_1",
        "How long does shipping take?",
        now_ms(),
    ))
    .await;
    eventually("the answer", || async {
        (!dev.sends_to(user).await.is_empty()).then_some(())
    })
    .await;
    dev.post_signed(&customer_text(
        user,
        "m_iam_2",
        "I want to make a complaint",
        now_ms(),
    ))
    .await;
    let link = eventually("the handoff", || async {
        dev.team
            .delivered()
            .await
            .iter()
            .find_map(|d| d["resume_url"].as_str().map(str::to_string))
    })
    .await;
    // A person writes in the Messenger inbox (an echo from the Page Inbox app).
    dev.post_signed(&echo(
        user,
        "m_iam_3",
        "Hi, Camille here",
        263902037430900,
        now_ms(),
    ))
    .await;
    // The resume page, then the form.
    let http = dev.http();
    assert_eq!(http.get(&link).send().await.unwrap().status(), 200);
    let posted = http
        .post(&link)
        .form(&[("outcome", "needed_person")])
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);

    // A person replying on Instagram: ingest asks the table whether our sends got that mid.
    let (page, ig_user) = ("17841400000000001", "5566778899009901");
    let ig_echo = json!({"object": "instagram", "entry": [{"id": page, "time": 1, "messaging": [{
        "sender": {"id": page}, "recipient": {"id": ig_user}, "timestamp": now_ms(),
        "message": {"mid": "aWdfZAG1_iam_human", "is_echo": true, "text": "Hello from the shop"}}]}]});
    assert_eq!(dev.post_signed(&ig_echo.to_string()).await.status(), 200);

    // Escalated again, then handed back in the inbox (thread control passed to our app).
    dev.post_signed(&customer_text(
        user,
        "m_iam_4",
        "I want to talk to a person",
        now_ms(),
    ))
    .await;
    eventually("the second handoff", || async {
        (dev.team.delivered().await.len() >= 2).then_some(())
    })
    .await;
    let back = json!({"object": "page", "entry": [{"id": PAGE, "time": 1, "messaging": [{
        "sender": {"id": user}, "recipient": {"id": PAGE}, "timestamp": now_ms(),
        "pass_thread_control": {"previous_owner_app_id": "263902037430900", "new_owner_app_id": APP_ID, "metadata": "done"}}]}]});
    assert_eq!(dev.post_signed(&back.to_string()).await.status(), 200);
    // An escalation whose pause ran out a day ago: the sweep resumes it by itself.
    let expired_user = "7000000000000909";
    let conv = handoff::conversation::ConversationKey::new(
        handoff::conversation::Channel::Messenger,
        PAGE,
        expired_user,
    );
    let long_ago = chrono::Utc::now() - chrono::Duration::days(2);
    let mut e = sample_escalation(&conv, long_ago);
    e.notified_at = Some(long_ago);
    e.escalation_id = handoff::escalation::escalation_id_for(long_ago.timestamp_millis(), "m_old");
    let paused = paused_for(&e);
    let direct = handoff::adapters::DynamoStore::new(dev.dynamodb.clone(), &dev.table);
    open_as_policy(&direct, &e, &paused, 0).await;
    // The sweep runs every second under `handoff dev`.
    eventually("the expired pause resumed by the sweep", || async {
        use handoff::ports::{Conversations, Escalations};
        // Backdated: had it been opened two days ago, the sweeps since would have kept their
        // cursor at it (set again each time, in case a sweep in flight moved it meanwhile).
        direct.save_sweep_cursor(long_ago).await.unwrap();
        (!direct
            .get_state(&conv)
            .await
            .unwrap()
            .holds_at(chrono::Utc::now())
            && direct.get_state(&conv).await.unwrap().status == handoff::state::PauseStatus::Active)
            .then_some(())
    })
    .await;
    // An escalation its opener never published (it died after opening): the sweep publishes it
    // late, to the team's topic and the chat topic.
    let late_user = "7000000000000910";
    let late_conv = handoff::conversation::ConversationKey::new(
        handoff::conversation::Channel::Messenger,
        PAGE,
        late_user,
    );
    let ten_minutes_ago = chrono::Utc::now() - chrono::Duration::minutes(10);
    let mut late = sample_escalation(&late_conv, ten_minutes_ago);
    late.escalation_id =
        handoff::escalation::escalation_id_for(ten_minutes_ago.timestamp_millis(), "m_late");
    open_as_policy(&direct, &late, &paused_for(&late), 0).await;
    eventually("the late handoff published by the sweep", || async {
        (dev.team.delivered().await.len() >= 3).then_some(())
    })
    .await;
    // The weekly review (on a timer under `handoff dev`, as the escalate function), its page and
    // its form (as the resume function).
    let review_url = eventually("the weekly digest", || async {
        dev.team.delivered().await.iter().find_map(|d| {
            (d["type"] == "handoff.review").then(|| d["review_url"].as_str().unwrap().to_string())
        })
    })
    .await;
    assert_eq!(http.get(&review_url).send().await.unwrap().status(), 200);
    let applied = http
        .post(&review_url)
        .form(&[("by", "Camille"), ("action", "apply")])
        .send()
        .await
        .unwrap();
    assert_eq!(applied.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;

    let recorded: BTreeSet<(String, String, String)> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| {
            let mut p = l.split(' ');
            (
                p.next().unwrap().to_string(),
                p.next().unwrap().to_string(),
                p.next().unwrap().to_string(),
            )
        })
        .collect();
    let grants = template_grants();
    let functions: BTreeSet<&str> = recorded.iter().map(|(f, _, _)| f.as_str()).collect();
    assert_eq!(
        functions,
        BTreeSet::from(["escalate", "ingest", "policy", "resume"]),
        "every function was exercised and no call went unattributed: {recorded:?}"
    );
    let missing: Vec<String> = recorded
        .iter()
        .filter(|(f, action, resource)| {
            !grants[f.as_str()].contains(&(action.clone(), resource.clone()))
        })
        .map(|(f, a, r)| format!("{f}: {a} on {r}"))
        .collect();
    assert!(
        missing.is_empty(),
        "calls the template does not allow (they would get AccessDenied on AWS):\n  {}\nrecorded: {recorded:#?}",
        missing.join("\n  ")
    );
    // The recorder saw the calls that matter, so the check above cannot pass by seeing nothing.
    for expected in [
        ("ingest", "dynamodb:Query", "table"),
        ("policy", "dynamodb:UpdateItem", "table"),
        ("policy", "sns:Publish", "topic"),
        ("policy", "sns:Publish", "chat-topic"),
        ("escalate", "sns:Publish", "topic"),
        ("escalate", "sns:Publish", "chat-topic"),
        ("escalate", "dynamodb:Query", "index/escalations-by-time"),
        ("escalate", "dynamodb:PutItem", "table"),
        ("resume", "dynamodb:GetItem", "table"),
        ("resume", "dynamodb:UpdateItem", "table"),
        ("resume", "dynamodb:Query", "index/escalations-by-time"),
        ("escalate", "dynamodb:GetItem", "table"),
    ] {
        let e = (expected.0.into(), expected.1.into(), expected.2.into());
        assert!(
            recorded.contains(&e),
            "{expected:?} not recorded: {recorded:#?}"
        );
    }
}
