//! `handoff demo`: plays events/demo against `handoff dev --fake-graph` and prints what happens,
//! including the handoff exactly as the team receives it.

use std::error::Error;
use std::path::Path;
use std::time::{Duration, Instant};

use handoff::webhook::sign;
use serde_json::Value;

type Res<T> = Result<T, Box<dyn Error>>;

struct Demo {
    http: reqwest::Client,
    server: String,
    aws_endpoint: String,
    secret: String,
    user: String,
    run: String,
}

/// Rewrites a sample event for this run: a fresh customer, fresh mids, the current time.
fn personalise(mut body: Value, user: &str, run: &str, timestamp: i64) -> Value {
    if let Some(entries) = body.get_mut("entry").and_then(Value::as_array_mut) {
        for entry in entries {
            entry["time"] = timestamp.into();
            for list in ["messaging", "standby"] {
                for ev in entry
                    .get_mut(list)
                    .and_then(Value::as_array_mut)
                    .into_iter()
                    .flatten()
                {
                    ev["sender"]["id"] = user.into();
                    ev["timestamp"] = timestamp.into();
                    if let Some(mid) = ev
                        .pointer("/message/mid")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                    {
                        ev["message"]["mid"] = format!("{mid}.{run}").into();
                    }
                }
            }
        }
    }
    body
}

impl Demo {
    async fn post_event(&self, file: &Path) -> Res<String> {
        let raw: Value = serde_json::from_str(&std::fs::read_to_string(file)?)?;
        let now = chrono::Utc::now().timestamp_millis();
        let body = personalise(raw, &self.user, &self.run, now).to_string();
        let text = serde_json::from_str::<Value>(&body)?
            .pointer("/entry/0/messaging/0/message/text")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let resp = self
            .http
            .post(format!("{}/webhook", self.server))
            .header("content-type", "application/json")
            .header(
                "x-hub-signature-256",
                sign(self.secret.as_bytes(), body.as_bytes()),
            )
            .body(body)
            .send()
            .await?;
        if !resp.status().is_success() {
            return Err(format!("webhook answered {}", resp.status()).into());
        }
        Ok(text)
    }

    async fn sends(&self) -> Res<Vec<Value>> {
        let calls: Value = self
            .http
            .get(format!("{}/fake-graph/calls", self.server))
            .send()
            .await?
            .json()
            .await?;
        Ok(calls
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter(|c| {
                c.pointer("/body/recipient/id").and_then(Value::as_str) == Some(self.user.as_str())
            })
            .collect())
    }

    async fn wait_for_sends(&self, count: usize) -> Res<Vec<Value>> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let sends = self.sends().await?;
            if sends.len() >= count {
                return Ok(sends);
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "waited 20 s for the bot (saw {} calls, wanted {count})",
                    sends.len()
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    async fn notifications(&self) -> Res<Vec<Value>> {
        let data: Value = self
            .http
            .get(format!("{}/moto-api/data.json", self.aws_endpoint))
            .send()
            .await?
            .json()
            .await?;
        let mut out = Vec::new();
        for topic in data
            .pointer("/sns/Topic")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for n in topic
                .get("sent_notifications")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let body: Value =
                    serde_json::from_str(n.get(1).and_then(Value::as_str).unwrap_or("{}"))?;
                if body
                    .get("email")
                    .and_then(Value::as_str)
                    .is_some_and(|e| e.contains(&self.user))
                {
                    out.push(body);
                }
            }
        }
        Ok(out)
    }
}

fn say(who: &str, text: &str) {
    println!("  {who:>9} │ {text}");
}

fn last_text(sends: &[Value]) -> String {
    sends
        .iter()
        .rev()
        .find(|c| c["edge"] == "messages")
        .and_then(|c| c.pointer("/body/message/text"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

/// The demo's steps, in order.
impl Demo {
    /// 1. A question the knowledge file answers.
    async fn ask_a_question(&self, event: &Path) -> Res<()> {
        println!("1. A question the knowledge file answers");
        say("customer", &self.post_event(event).await?);
        let sends = self.wait_for_sends(1).await?;
        say("bot", &last_text(&sends));
        Ok(())
    }

    /// 2. A complaint: the bot stops, routes the thread and the team gets the email; its resume link.
    async fn complain(&self, event: &Path) -> Res<String> {
        println!("\n2. A complaint: the bot stops and calls a person");
        say("customer", &self.post_event(event).await?);
        let sends = self.wait_for_sends(3).await?;
        say("bot", &last_text(&sends));
        for c in &sends[1..] {
            if c["edge"] != "messages" {
                println!(
                    "  {:>9} │ {} → app {}",
                    "routing",
                    c["edge"].as_str().unwrap_or(""),
                    c.pointer("/body/target_app_id")
                        .and_then(Value::as_str)
                        .unwrap_or("")
                );
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        let notification = loop {
            if let Some(n) = self.notifications().await?.into_iter().next() {
                break n;
            }
            if Instant::now() > deadline {
                return Err("no SNS notification arrived within 20 s".into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let email = notification["email"].as_str().unwrap_or("").to_string();
        println!("\n   The team receives this email (SNS, MessageStructure=json, \"email\" key):");
        println!("   ┌──────────────────────────────────────────────────────────");
        for line in email.lines() {
            println!("   │ {line}");
        }
        println!("   └──────────────────────────────────────────────────────────");
        let link = email
            .lines()
            .find(|l| l.contains("/resume/"))
            .ok_or("the email has no resume link")?
            .trim()
            .to_string();
        println!("   Resume link: {link}");
        Ok(link)
    }

    /// 3. The customer writes while paused: the bot stays silent. How many sends there are.
    async fn write_while_paused(&self, event: &Path) -> Res<usize> {
        println!("\n3. The customer writes again while a person has the conversation");
        let before = self.sends().await?.len();
        say("customer", &self.post_event(event).await?);
        tokio::time::sleep(Duration::from_secs(2)).await;
        let after = self.sends().await?.len();
        if after != before {
            return Err("the bot spoke to a paused customer".into());
        }
        say("bot", "(silent: the customer is paused)");
        Ok(after)
    }

    /// 4. The person opens the link and hands the customer back (twice: the second changes nothing).
    async fn hand_back(&self, link: &str) -> Res<()> {
        println!("\n4. The person opens the link and hands the customer back");
        let page = self.http.get(link).send().await?;
        println!(
            "   GET  → {} (a confirmation page; nothing changes)",
            page.status()
        );
        let resp = self
            .http
            .post(link)
            .form(&[
                ("outcome", "needed_person"),
                ("note", "Sent a replacement vase."),
            ])
            .send()
            .await?;
        let status = resp.status();
        let body = resp.text().await?;
        let title = body
            .split("<h1>")
            .nth(1)
            .and_then(|s| s.split("</h1>").next())
            .unwrap_or("");
        println!("   POST → {status} \"{title}\"");
        let again = self.http.post(link).form(&[("outcome", "")]).send().await?;
        let body = again.text().await?;
        let title = body
            .split("<h1>")
            .nth(1)
            .and_then(|s| s.split("</h1>").next())
            .unwrap_or("");
        println!("   POST again → \"{title}\"");
        Ok(())
    }

    /// 5. The bot, resumed, says so and answers again.
    async fn answer_again(&self, event: &Path, after: usize) -> Res<()> {
        let sends = self.wait_for_sends(after + 2).await?;
        say("bot", &last_text(&sends));
        println!("\n5. The bot answers again");
        say("customer", &self.post_event(event).await?);
        let sends = self.wait_for_sends(after + 3).await?;
        say("bot", &last_text(&sends));
        Ok(())
    }
}

pub async fn run(server: &str, aws_endpoint: &str, events: &Path) -> Res<()> {
    let secret = std::env::var("META_APP_SECRET")
        .map_err(|_| "META_APP_SECRET must be set (the same as the server's)")?;
    let run = format!("{:x}", chrono::Utc::now().timestamp_millis());
    let demo = Demo {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()?,
        server: server.trim_end_matches('/').to_string(),
        aws_endpoint: aws_endpoint.trim_end_matches('/').to_string(),
        secret,
        user: format!("7{}", chrono::Utc::now().timestamp_millis()),
        run,
    };
    let file = |name: &str| events.join(name);
    println!(
        "Demo conversation with customer {} on Messenger\n",
        demo.user
    );

    demo.ask_a_question(&file("01-question.json")).await?;
    let link = demo.complain(&file("02-complaint.json")).await?;
    let after = demo
        .write_while_paused(&file("03-while-paused.json"))
        .await?;
    demo.hand_back(&link).await?;
    demo.answer_again(&file("04-question-again.json"), after)
        .await?;
    println!("\nThe loop went all the way round.");
    Ok(())
}
