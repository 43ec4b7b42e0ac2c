//! `handoff dev` as a process on a free port with its own table and topic, and the command line.

use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use handoff::webhook::sign;
use serde_json::Value;
use wiremock::MockServer;

use super::*;

/// `handoff dev` on a free port with its own table and topic.
pub struct DevServer {
    pub base: String,
    pub table: String,
    pub team: Team,
    pub graph: MockServer,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub log: String,
    child: Child,
    pub env: Vec<(String, String)>,
    port: u16,
    http: reqwest::Client,
}

fn spawn_dev(env: &[(String, String)], log: &str, append: bool) -> Child {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(append)
        .write(true)
        .truncate(!append)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(["dev", "--bootstrap"])
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("spawn handoff dev")
}

impl Drop for DevServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl DevServer {
    pub async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// `start`, with more environment for the dev server.
    pub async fn start_with(extra_env: &[(&str, &str)]) -> Self {
        let aws = aws().await;
        let team = Team::new(&aws).await;
        let graph = graph_stub().await;
        let table = unique("handoff");
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        std::fs::create_dir_all(repo_path("artifacts/test-logs")).unwrap();
        let log = repo_path(&format!("artifacts/test-logs/{table}.log"));
        let env: Vec<(String, String)> = base_env(&table, &team.topic_arn, &graph.uri(), &base)
            .into_iter()
            .chain([
                ("HANDOFF_ADDR".to_string(), format!("127.0.0.1:{port}")),
                ("RUST_LOG".into(), "info,handoff=debug".into()),
                // The local endpoint deep-copies a table per transaction: give it time under load.
                ("HANDOFF_AWS_ATTEMPT_TIMEOUT_SECS".into(), "20".into()),
                (
                    "HANDOFF_DEV_CHECKPOINT".into(),
                    repo_path(&format!("artifacts/test-logs/{table}.stream.json")),
                ),
            ])
            .chain(
                extra_env
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            )
            .collect();
        let child = spawn_dev(&env, &log, false);
        let server = Self {
            base,
            table,
            team,
            graph,
            dynamodb: aws_sdk_dynamodb::Client::new(&aws),
            log,
            child,
            env,
            port,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        };
        server.wait_listening().await;
        server
    }

    async fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "handoff dev did not start; see {}",
                self.log
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the dev server at once (a crash: nothing is flushed or finished).
    pub fn crash(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same table, topic and port, its log appended.
    pub async fn restart(&mut self) {
        self.crash();
        self.child = spawn_dev(&self.env, &self.log, true);
        self.wait_listening().await;
    }

    pub async fn post_signed(&self, body: &str) -> reqwest::Response {
        self.post_webhook(body, Some(&sign(APP_SECRET.as_bytes(), body.as_bytes())))
            .await
    }

    pub async fn post_webhook(&self, body: &str, signature: Option<&str>) -> reqwest::Response {
        let mut req = self
            .http
            .post(format!("{}/webhook", self.base))
            .header("content-type", "application/json")
            .body(body.to_string());
        if let Some(sig) = signature {
            req = req.header("x-hub-signature-256", sig);
        }
        req.send().await.unwrap()
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// All items of a conversation.
    pub async fn items(&self, user: &str) -> Vec<HashMap<String, AttributeValue>> {
        self.dynamodb
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(
                ":pk",
                AttributeValue::S(format!("C#messenger#{PAGE}#{user}")),
            )
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .items
            .unwrap_or_default()
    }

    pub async fn state(&self, user: &str) -> Option<HashMap<String, AttributeValue>> {
        self.items(user)
            .await
            .into_iter()
            .find(|i| s(i, "sk") == "STATE")
    }

    /// Bot messages the Graph stub received for `user`.
    pub async fn sends_to(&self, user: &str) -> Vec<Value> {
        graph_calls(&self.graph, "messages")
            .await
            .into_iter()
            .filter(|b| b.pointer("/recipient/id").and_then(Value::as_str) == Some(user))
            .collect()
    }
}

/// Runs the `handoff` command line with `env`: exit code, standard output, standard error.
pub fn handoff_cli(env: &HashMap<String, String>, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args(args)
        .envs(env)
        .output()
        .expect("run handoff");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

impl DevServer {
    /// Asks `question` as a new customer (ids starting `user_prefix`) until a reply satisfies
    /// `done`, for at most 30 s: a running function picks up a new boundary version by itself.
    /// Returns the last reply.
    pub async fn ask_until(
        &self,
        user_prefix: &str,
        question: &str,
        done: impl Fn(&str) -> bool,
        what: &str,
    ) -> String {
        let started = Instant::now();
        loop {
            let n = COUNTER.fetch_add(1, Ordering::SeqCst);
            let user = format!("{user_prefix}{n:04}");
            self.post_signed(&customer_text(
                &user,
                &format!("m_ask_{user}"),
                question,
                now_ms(),
            ))
            .await;
            let reply = self.reply_to(&user).await;
            if done(&reply) {
                return reply;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{what} never happened; the last reply: {reply}"
            );
        }
    }

    /// This week's review, built by hand as the schedule builds it (`handoff review now` at the
    /// next schedule time), and its page as the link opens it: (the link, the page).
    pub async fn weekly_review(&self) -> (String, String) {
        let env: HashMap<String, String> = self.env.iter().cloned().collect();
        let (code, out, err) = handoff_cli(&env, &["review", "now", "--at", &next_review_time()]);
        assert_eq!(code, 0, "{out}{err}");
        let url = out.lines().last().unwrap().to_string();
        let page = self.http.get(&url).send().await.unwrap();
        assert_eq!(page.status(), 200);
        (url, page.text().await.unwrap())
    }

    /// The text of the bot's latest reply to `user`, once there is one.
    pub async fn reply_to(&self, user: &str) -> String {
        eventually("the bot's reply", || async {
            self.sends_to(user).await.into_iter().rev().find_map(|b| {
                b.pointer("/message/text")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
        })
        .await
    }
}

/// The handoff document the team got for `user`, once it arrives.
pub async fn handoff_for(dev: &DevServer, user: &str) -> Value {
    eventually(&format!("the handoff for {user}"), || async {
        dev.team
            .delivered()
            .await
            .into_iter()
            .find(|d| d.pointer("/conversation/user_id").and_then(Value::as_str) == Some(user))
    })
    .await
}

/// The bot's sends to `user` whose key (in the send's metadata) contains `key`: `reply-` for
/// answers, `handoff-` for the notice that a person is coming.
pub async fn sends_keyed(dev: &DevServer, user: &str, key: &str) -> Vec<Value> {
    dev.sends_to(user)
        .await
        .into_iter()
        .filter(|b| {
            b.pointer("/message/metadata")
                .and_then(Value::as_str)
                .is_some_and(|m| m.contains(key))
        })
        .collect()
}
