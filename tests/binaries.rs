//! The four Lambda binaries themselves, not `handoff dev`: each runs under a Lambda Runtime API
//! emulator with exactly the environment `template.yaml` gives that function (only the AWS
//! endpoint, the region, credentials and the Graph base point at the local stand-ins, as Lambda
//! itself would provide them), is invoked with the sample events in `events/`, and its effects are
//! checked on the local endpoint. A wiring mistake in a `main.rs`, or a variable the template
//! forgot, fails here.

mod common;

use std::collections::{BTreeMap, VecDeque};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use handoff::adapters::dynamodb::items::EscalationItem;
use handoff::adapters::DynamoStore;
use handoff::escalation::Escalation;
use handoff::ports::{Conversations, Escalations};
use handoff::state::{StateEvent, Transition};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const SAMPLE_PAGE: &str = "104729384756123";
const SAMPLE_USER: &str = "7654321098765432";
/// The customer of `events/policy/stream-complaint.json`.
const COMPLAINT_USER: &str = "7654321098765499";

/// Each function's environment as the template gives it: `Globals` first, then its own.
fn template_environments() -> BTreeMap<String, BTreeMap<String, String>> {
    let template = std::fs::read_to_string(repo_path("template.yaml")).unwrap();
    let mut globals = BTreeMap::new();
    let mut own: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut binaries: BTreeMap<String, String> = BTreeMap::new();
    let mut resource = String::new();
    let mut in_globals = false;
    let mut vars_indent: Option<usize> = None;
    for line in template.lines() {
        let indent = line.len() - line.trim_start().len();
        let text = line.trim();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        if indent == 0 {
            in_globals = text == "Globals:";
            vars_indent = None;
            continue;
        }
        if indent == 2 && !in_globals && text.ends_with(':') {
            resource = text.trim_end_matches(':').to_string();
            vars_indent = None;
            continue;
        }
        if let Some(bin) = text.strip_prefix("Binary: ") {
            binaries.insert(resource.clone(), bin.to_string());
        }
        match vars_indent {
            Some(vi) if indent > vi => {
                let (k, v) = text.split_once(": ").expect("KEY: value");
                let target = if in_globals {
                    &mut globals
                } else {
                    own.entry(resource.clone()).or_default()
                };
                target.insert(k.to_string(), v.to_string());
                continue;
            }
            Some(_) => vars_indent = None,
            None => {}
        }
        if text == "Variables:" {
            vars_indent = Some(indent);
        }
    }
    binaries
        .into_iter()
        .map(|(resource, bin)| {
            let mut env = globals.clone();
            env.extend(own.remove(&resource).unwrap_or_default());
            (bin, env)
        })
        .collect()
}

/// What the template's references stand for in this test.
fn resolve(value: &str, table: &str, topics: (&str, &str), secrets_path: &str) -> String {
    match value {
        "!Ref Table" => table.to_string(),
        "!Ref EscalationsTopic" => topics.0.to_string(),
        "!Ref ChatTopic" => topics.1.to_string(),
        "!Ref MetaAppId" => APP_ID.to_string(),
        "!Ref SecretsPath" => secrets_path.to_string(),
        "!Ref PauseHours" => "24".to_string(),
        "!GetAtt ResumeFunctionUrl.FunctionUrl" => {
            "https://abcdefg.lambda-url.eu-west-1.on.aws/".into()
        }
        // The boundary layer (`config/`) is mounted at /opt.
        v if v.starts_with("/opt/") => repo_path(&format!("config/{}", &v[5..])),
        // The default deployment: no Bedrock (AnswerEngine=knowledge), so the variable is absent.
        v if v.starts_with("!If [UseBedrock,") => String::new(),
        // The default deployment: Monitoring=essential writes fault metrics only.
        "!If [FullMonitoring, all, faults]" => "faults".into(),
        v if v.starts_with('!') => panic!("template value {v} has no local stand-in in this test"),
        v => v.trim_matches('"').to_string(),
    }
}

/// `GET …/invocation/next`: the queued events one at a time, then nothing (a long poll).
struct NextEvent(Arc<Mutex<VecDeque<(String, Value)>>>);

impl Respond for NextEvent {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        match self.0.lock().unwrap().pop_front() {
            Some((id, event)) => {
                let deadline = chrono::Utc::now().timestamp_millis() + 15_000;
                ResponseTemplate::new(200)
                    .insert_header("Lambda-Runtime-Aws-Request-Id", id.as_str())
                    .insert_header("Lambda-Runtime-Deadline-Ms", deadline.to_string().as_str())
                    .insert_header(
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:eu-west-1:123456789012:function:handoff",
                    )
                    .insert_header(
                        "Lambda-Runtime-Trace-Id",
                        "Root=1-00000000-000000000000000000000000",
                    )
                    .set_body_json(event)
            }
            None => ResponseTemplate::new(200).set_delay(Duration::from_secs(600)),
        }
    }
}

/// One function binary under the Runtime API emulator.
struct Function {
    runtime: MockServer,
    queue: Arc<Mutex<VecDeque<(String, Value)>>>,
    child: Child,
    invoked: usize,
}

impl Drop for Function {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Function {
    async fn start(binary: &str, env: &BTreeMap<String, String>, graph: &str) -> Self {
        let runtime = MockServer::start().await;
        let queue = Arc::new(Mutex::new(VecDeque::new()));
        Mock::given(method("GET"))
            .and(path("/2018-06-01/runtime/invocation/next"))
            .respond_with(NextEvent(queue.clone()))
            .mount(&runtime)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(202))
            .mount(&runtime)
            .await;
        let exe = binaries_dir().join(binary);
        assert!(
            exe.exists(),
            "{} is not built: `cargo build -p handoff-ingest -p handoff-policy -p handoff-escalate -p handoff-resume` (scripts/test does)",
            exe.display()
        );
        let endpoint =
            std::env::var("AWS_ENDPOINT_URL").expect("AWS_ENDPOINT_URL: run through scripts/test");
        let child = Command::new(&exe)
            .env_clear()
            .envs(env)
            // What Lambda provides, and the local stand-ins.
            .env("AWS_LAMBDA_RUNTIME_API", runtime.address().to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", binary)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{binary}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("GRAPH_API_BASE", graph)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Self {
            runtime,
            queue,
            child,
            invoked: 0,
        }
    }

    /// Invokes the function with each event in turn and returns what it answered to each (or
    /// its error report). All are queued at once: the runtime polls for the next event as soon
    /// as it answered one, and the emulator hands out what is queued.
    async fn invoke(&mut self, events: Vec<Value>) -> Vec<Result<Value, Value>> {
        let ids: Vec<String> = events
            .into_iter()
            .map(|event| {
                self.invoked += 1;
                let id = format!("req-{}", self.invoked);
                self.queue.lock().unwrap().push_back((id.clone(), event));
                id
            })
            .collect();
        let mut answers = Vec::new();
        for id in ids {
            answers.push(self.answer_to(&id).await);
        }
        answers
    }

    async fn answer_to(&mut self, id: &str) -> Result<Value, Value> {
        for _ in 0..300 {
            if let Some(exit) = self.child.try_wait().unwrap() {
                panic!("the binary exited: {exit}");
            }
            for r in self.runtime.received_requests().await.unwrap_or_default() {
                let p = r.url.path().to_string();
                if p == format!("/2018-06-01/runtime/invocation/{id}/response") {
                    return Ok(serde_json::from_slice(&r.body).unwrap());
                }
                if p == format!("/2018-06-01/runtime/invocation/{id}/error")
                    || p == "/2018-06-01/runtime/init/error"
                {
                    return Err(serde_json::from_slice(&r.body).unwrap_or(Value::Null));
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no answer to {id} within 30 s");
    }
}

/// Where cargo put the binaries (`target/debug`), from this test's own path.
fn binaries_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

fn sample(file: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(repo_path(file)).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_four_binaries_run_with_the_templates_environment() {
    let direct = aws().await;
    let team = Team::new(&direct).await;
    let chat = Team::new(&direct).await;
    let graph = graph_stub().await;
    let table = fresh_table(&direct, "bins").await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&direct), &table);
    // The secrets, as the operator puts them: SecureString parameters under one path. The app
    // secret is mid-rotation (new,old) and the samples are signed with the old one.
    let secrets_path = format!("/{}", unique("handoff"));
    let ssm = aws_sdk_ssm::Client::new(&direct);
    for (variable, value) in [
        (
            "META_APP_SECRET",
            format!("rotated-new-secret,{APP_SECRET}"),
        ),
        ("META_VERIFY_TOKEN", VERIFY_TOKEN.to_string()),
        (
            "META_PAGE_TOKENS",
            json!({SAMPLE_PAGE: "test-page-token"}).to_string(),
        ),
        ("LINK_KEYS", LINK_KEYS.to_string()),
    ] {
        ssm.put_parameter()
            .name(handoff::config::parameter_name(&secrets_path, variable))
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
            .send()
            .await
            .unwrap();
    }
    let envs: BTreeMap<String, BTreeMap<String, String>> = template_environments()
        .into_iter()
        .map(|(bin, env)| {
            let env = env
                .into_iter()
                .map(|(k, v)| {
                    let topics = (team.topic_arn.as_str(), chat.topic_arn.as_str());
                    let v = resolve(&v, &table, topics, &secrets_path);
                    (k, v)
                })
                .collect();
            (bin, env)
        })
        .collect();
    assert_eq!(
        envs.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "handoff-escalate",
            "handoff-ingest",
            "handoff-policy",
            "handoff-resume"
        ]
    );
    let conv = handoff::conversation::ConversationKey::new(
        handoff::conversation::Channel::Messenger,
        SAMPLE_PAGE,
        SAMPLE_USER,
    );

    // Ingest: the signed webhook is stored; the forged one is refused with nothing stored.
    let mut ingest = Function::start("handoff-ingest", &envs["handoff-ingest"], &graph.uri()).await;
    let answers = ingest
        .invoke(vec![
            sample("events/ingest/webhook-post-signed.json"),
            sample("events/ingest/webhook-post-forged.json"),
        ])
        .await;
    let signed = answers[0].as_ref().unwrap();
    assert_eq!(signed["statusCode"], 200, "{signed}");
    let forged = answers[1].as_ref().unwrap();
    assert_eq!(forged["statusCode"], 401, "{forged}");
    let stored = store.load_conversation(&conv, 10).await.unwrap();
    assert_eq!(
        stored
            .messages
            .iter()
            .map(|m| m.mid.as_str())
            .collect::<Vec<_>>(),
        ["m_sample_1"]
    );
    drop(ingest);

    // Policy: the stream record of that message is answered through the Graph API; a complaint
    // (another customer) is escalated, the customer told and the team's handoff published by the
    // policy function itself, once to the team topic and once to the chat topic.
    let mut policy = Function::start("handoff-policy", &envs["handoff-policy"], &graph.uri()).await;
    let batches = policy
        .invoke(vec![
            sample("events/policy/stream-inbound-message.json"),
            sample("events/policy/stream-complaint.json"),
        ])
        .await;
    for batch in &batches {
        let batch = batch.as_ref().unwrap();
        assert_eq!(batch["batchItemFailures"], json!([]), "{batch}");
    }
    let sends = graph_calls(&graph, "messages").await;
    assert_eq!(sends.len(), 2, "{sends:?}");
    assert_eq!(sends[0]["recipient"]["id"], SAMPLE_USER);
    assert_eq!(
        sends[1]["recipient"]["id"], COMPLAINT_USER,
        "the handoff notice"
    );
    assert_eq!(team.delivered().await.len(), 1, "the complaint's handoff");
    assert_eq!(chat.delivered().await.len(), 1, "its chat copy");
    drop(policy);

    // Escalate (the sweep): the sample escalation, stored with its pause but never published (its
    // opener's lease long past), goes out late on the first sweep; it is a year old and nobody
    // acted, so the second sweep reminds the team, once.
    let escalation_event = sample("events/escalate/stream-new-escalation.json");
    let escalation: Escalation = escalation_from_image(&escalation_event);
    let state = store.get_state(&conv).await.unwrap();
    let Transition::Changed(paused) = state.apply(
        &StateEvent::Escalated {
            escalation_id: &escalation.escalation_id,
            until: chrono::Utc::now() + chrono::Duration::hours(24),
            notice_key: "handoff-sample",
        },
        chrono::Utc::now(),
    ) else {
        panic!()
    };
    open_as_policy(&store, &escalation, &paused, state.version).await;
    let mut escalate =
        Function::start("handoff-escalate", &envs["handoff-escalate"], &graph.uri()).await;
    let answers = escalate
        .invoke(vec![json!({"sweep": true}), json!({"sweep": true})])
        .await;
    let first = answers[0].as_ref().unwrap();
    assert_eq!(first["open"], 2, "{first}");
    assert_eq!(first["notices"], 1, "{first}");
    assert_eq!(first["reminders"], 0, "{first}");
    let second = answers[1].as_ref().unwrap();
    assert_eq!(second["notices"], 0, "{second}");
    assert_eq!(second["reminders"], 1, "{second}");
    assert_eq!(
        team.delivered().await.len(),
        3,
        "the complaint's handoff, the late one, then one reminder"
    );
    drop(escalate);

    // Resume: the page (twice: it acts on nothing), then the form hands the customer back.
    let mut resume = Function::start("handoff-resume", &envs["handoff-resume"], &graph.uri()).await;
    let answers = resume
        .invoke(vec![
            sample("events/resume/resume-get.json"),
            sample("events/resume/resume-get.json"),
            sample("events/resume/resume-post.json"),
        ])
        .await;
    let page = answers[0].as_ref().unwrap();
    assert_eq!(page["statusCode"], 200, "{page}");
    assert!(page["body"].as_str().unwrap().contains("<form"), "{page}");
    assert_eq!(answers[1], answers[0], "GET acts on nothing");
    let done = answers[2].as_ref().unwrap();
    assert_eq!(done["statusCode"], 200, "{done}");
    assert_eq!(
        store.get_state(&conv).await.unwrap().status,
        handoff::state::PauseStatus::Active
    );
    let resumed = store
        .get_escalation(&conv, &escalation.escalation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resumed.note.as_deref(), Some("Sent a replacement"));
}

/// The escalation in a stream record's image, read the way the escalate function reads it.
fn escalation_from_image(event: &Value) -> Escalation {
    let record: handoff::entry::StreamEvent = serde_json::from_value(event.clone()).unwrap();
    let item: EscalationItem =
        serde_dynamo::from_item(record.records[0].change.new_image.clone()).unwrap();
    item.escalation
}
