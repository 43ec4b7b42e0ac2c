//! Reads the table's stream with GetRecords, for local runs (`handoff dev`): each record becomes
//! exactly the record Lambda would deliver, so the same batch handlers run on it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::dynamodb::{EventRecord, StreamRecord};
use aws_sdk_dynamodbstreams::error::DisplayErrorContext;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use aws_sdk_dynamodbstreams::Client;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::ports::StoreError;

/// Where a new reader starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StartAt {
    /// Everything still in the stream (a table created just now).
    Oldest,
    /// Only what is written from now on.
    Latest,
}

/// Polls every shard of one stream.
pub struct StreamReader {
    client: Client,
    stream_arn: String,
    start: StartAt,
    /// shard id → next iterator (None once the shard is closed and drained)
    iterators: HashMap<String, Option<String>>,
    /// Last sequence number handed out per shard, to resume after an expired iterator.
    last_sequence: HashMap<String, String>,
    /// Empty polls in a row per shard.
    idle_polls: HashMap<String, u32>,
    /// Where the last handled sequence number per shard is kept between runs, and what it held
    /// at start (for this stream).
    checkpoint: Option<(PathBuf, HashMap<String, String>)>,
}

/// A reader's place in its stream, saved after each handled batch: a restart reads on from
/// there, as an event source mapping does, instead of from the stream's end.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Checkpoint {
    stream_arn: String,
    /// shard id → last sequence number handled
    shards: HashMap<String, String>,
}

/// After this many empty polls an iterator is renewed from the last sequence number. Harmless on
/// AWS; needed on the local endpoint, whose iterators keep reading a stale copy of the shard after
/// a cancelled transaction rolls the table back.
const RENEW_AFTER_IDLE_POLLS: u32 = 10;

fn err(e: impl std::error::Error + 'static) -> StoreError {
    StoreError::Aws(DisplayErrorContext(e).to_string())
}

impl StreamReader {
    pub fn new(client: Client, stream_arn: impl Into<String>, start: StartAt) -> Self {
        Self {
            client,
            stream_arn: stream_arn.into(),
            start,
            iterators: HashMap::new(),
            last_sequence: HashMap::new(),
            idle_polls: HashMap::new(),
            checkpoint: None,
        }
    }

    /// Keeps the reader's place in `path`: when it holds a place in this stream, reading starts
    /// right after it (whatever `start` says); when it holds none, at the oldest record the stream
    /// still has. It is rewritten after every handled batch.
    pub fn with_checkpoint(mut self, path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let saved = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<Checkpoint>(&b).ok())
            .filter(|c| c.stream_arn == self.stream_arn)
            .map(|c| c.shards);
        match &saved {
            Some(shards) => {
                tracing::info!(path = %path.display(), shards = shards.len(), "stream read on from where the last run stopped")
            }
            None => {
                // Without a saved place a message stored while nothing read the stream would
                // never be answered: read everything the stream still holds (DynamoDB keeps 24
                // hours). What was handled before is handled again as a redelivery is: a reply
                // already sent or an escalation already opened is found and nothing is repeated.
                tracing::warn!(path = %path.display(), "no saved place in this stream: reading everything it still holds (up to 24 hours), so a message stored while nothing read it is answered; what was handled before is recognised and not repeated");
                self.start = StartAt::Oldest;
            }
        }
        if let Some(shards) = &saved {
            self.last_sequence = shards.clone();
        }
        self.checkpoint = Some((path, saved.unwrap_or_default()));
        self
    }

    /// Writes the place reached (after a handled batch); a write that fails costs only a replay
    /// on the next start, which every step survives.
    fn save_checkpoint(&self) {
        let Some((path, _)) = &self.checkpoint else {
            return;
        };
        let doc = Checkpoint {
            stream_arn: self.stream_arn.clone(),
            shards: self.last_sequence.clone(),
        };
        let tmp = path.with_extension("tmp");
        let written = serde_json::to_vec(&doc)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            tracing::warn!(path = %path.display(), error = %e, "stream place not saved");
        }
    }

    async fn discover(&mut self) -> Result<(), StoreError> {
        let desc = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await
            .map_err(err)?;
        let shards = desc
            .stream_description
            .map(|d| d.shards.unwrap_or_default())
            .unwrap_or_default();
        for shard in shards {
            let Some(id) = shard.shard_id else { continue };
            if self.iterators.contains_key(&id) {
                continue;
            }
            let saved = self
                .checkpoint
                .as_ref()
                .map(|(_, shards)| (!shards.is_empty(), shards.get(&id).cloned()));
            let req = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(&id);
            let req = match saved {
                // On from the last record handled before the stop.
                Some((_, Some(seq))) => req
                    .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                    .sequence_number(seq),
                // A shard the saved place does not know was born since: all of it is new.
                Some((true, None)) => req.shard_iterator_type(ShardIteratorType::TrimHorizon),
                // A shard born after we started is read from its beginning.
                _ if self.iterators.is_empty() && self.start == StartAt::Latest => {
                    req.shard_iterator_type(ShardIteratorType::Latest)
                }
                _ => req.shard_iterator_type(ShardIteratorType::TrimHorizon),
            };
            let it = req.send().await.map_err(err)?;
            self.iterators.insert(id, it.shard_iterator);
        }
        if self.start == StartAt::Latest {
            self.start = StartAt::Oldest;
        }
        Ok(())
    }

    /// Reads what is new, in order per shard, as Lambda stream records.
    pub async fn poll(&mut self) -> Result<Vec<EventRecord>, StoreError> {
        self.discover().await?;
        let mut out = Vec::new();
        let shard_ids: Vec<String> = self.iterators.keys().cloned().collect();
        for shard in shard_ids {
            let Some(Some(iterator)) = self.iterators.get(&shard).cloned() else {
                continue;
            };
            let resp = match self
                .client
                .get_records()
                .shard_iterator(iterator)
                .limit(100)
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    // Expired iterators restart after the last record we handed out.
                    tracing::warn!(shard, error = %DisplayErrorContext(&e), "get_records failed; renewing the iterator");
                    self.renew(&shard, true).await?;
                    continue;
                }
            };
            let records = resp.records.unwrap_or_default();
            if records.is_empty() {
                let idle = self.idle_polls.entry(shard.clone()).or_default();
                *idle += 1;
                if *idle >= RENEW_AFTER_IDLE_POLLS {
                    *idle = 0;
                    if resp.next_shard_iterator.is_some() && self.renew(&shard, false).await? {
                        continue;
                    }
                }
            } else {
                self.idle_polls.insert(shard.clone(), 0);
                tracing::debug!(shard, count = records.len(), "stream records read");
            }
            for r in records {
                if let Some(seq) = r.dynamodb.as_ref().and_then(|d| d.sequence_number.clone()) {
                    self.last_sequence.insert(shard.clone(), seq);
                }
                out.push(to_lambda_record(r, &self.stream_arn));
            }
            self.iterators.insert(shard, resp.next_shard_iterator);
        }
        Ok(out)
    }

    /// Replaces a shard's iterator with one right after the last record handed out. Without a
    /// last record it starts from the shard's beginning only when `from_start_if_unread`.
    async fn renew(&mut self, shard: &str, from_start_if_unread: bool) -> Result<bool, StoreError> {
        let mut req = self
            .client
            .get_shard_iterator()
            .stream_arn(&self.stream_arn)
            .shard_id(shard);
        req = match self.last_sequence.get(shard) {
            Some(seq) => req
                .shard_iterator_type(ShardIteratorType::AfterSequenceNumber)
                .sequence_number(seq),
            None if from_start_if_unread => req.shard_iterator_type(ShardIteratorType::TrimHorizon),
            None => return Ok(false),
        };
        let it = req.send().await.map_err(err)?;
        self.iterators.insert(shard.to_string(), it.shard_iterator);
        Ok(true)
    }

    /// Polls until `stop` resolves, handing the records to `handle` as Lambda does with the
    /// template's `ParallelizationFactor`: each conversation's records in order, on one of
    /// `PARALLELIZATION_FACTOR` lanes by its partition key, the lanes side by side, so one slow
    /// conversation holds no other. The place is saved whenever every lane has caught up.
    pub async fn run<F, Fut>(
        mut self,
        interval: Duration,
        handle: F,
        stop: tokio::sync::watch::Receiver<bool>,
    ) where
        F: Fn(Vec<EventRecord>) -> Fut + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let handle = Arc::new(handle);
        let outstanding = Arc::new(AtomicUsize::new(0));
        let lanes: Vec<mpsc::UnboundedSender<Vec<EventRecord>>> = (0..PARALLELIZATION_FACTOR)
            .map(|_| {
                let (tx, mut rx) = mpsc::unbounded_channel::<Vec<EventRecord>>();
                let (handle, outstanding) = (handle.clone(), outstanding.clone());
                tokio::spawn(async move {
                    while let Some(batch) = rx.recv().await {
                        handle(batch).await;
                        outstanding.fetch_sub(1, Ordering::SeqCst);
                    }
                });
                tx
            })
            .collect();
        let mut unsaved = false;
        while !*stop.borrow() {
            match self.poll().await {
                Ok(records) if !records.is_empty() => {
                    let mut by_lane: Vec<Vec<EventRecord>> = vec![Vec::new(); lanes.len()];
                    for record in records {
                        by_lane[lane_of(&record, lanes.len())].push(record);
                    }
                    unsaved = true;
                    for (lane, batch) in lanes.iter().zip(by_lane) {
                        if !batch.is_empty() {
                            outstanding.fetch_add(1, Ordering::SeqCst);
                            if lane.send(batch).is_err() {
                                outstanding.fetch_sub(1, Ordering::SeqCst);
                            }
                        }
                    }
                    // Lambda polls a shard a few times a second; so does this, not in a loop
                    // that would crowd the endpoint the handlers write to.
                    tokio::time::sleep(interval).await;
                }
                Ok(_) => {
                    if unsaved && outstanding.load(Ordering::SeqCst) == 0 {
                        self.save_checkpoint();
                        unsaved = false;
                    }
                    tokio::time::sleep(interval).await
                }
                Err(e) => {
                    tracing::warn!(error = %e, "stream poll failed");
                    tokio::time::sleep(interval * 5).await;
                }
            }
        }
    }
}

/// The template's event source mapping: concurrent batches per shard, one partition key's records
/// always on the same one.
const PARALLELIZATION_FACTOR: usize = 10;

fn lane_of(record: &EventRecord, lanes: usize) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    match record.change.keys.get("pk") {
        Some(serde_dynamo::AttributeValue::S(pk)) => pk.hash(&mut h),
        _ => 0u8.hash(&mut h),
    }
    (h.finish() % lanes as u64) as usize
}

fn to_lambda_record(r: Record, stream_arn: &str) -> EventRecord {
    let mut change = StreamRecord::default();
    if let Some(d) = r.dynamodb {
        change.keys = d.keys.unwrap_or_default().into();
        change.new_image = d.new_image.unwrap_or_default().into();
        change.old_image = d.old_image.unwrap_or_default().into();
        change.sequence_number = d.sequence_number;
        change.size_bytes = d.size_bytes.unwrap_or_default();
    }
    let mut record = EventRecord::default();
    record.aws_region = r.aws_region.unwrap_or_default();
    record.event_id = r.event_id.unwrap_or_default();
    record.event_name = r
        .event_name
        .map(|n| n.as_str().to_string())
        .unwrap_or_default();
    record.event_source = r.event_source;
    record.event_version = r.event_version;
    record.event_source_arn = Some(stream_arn.to_string());
    record.change = change;
    record
}
