//! Stream and consumer state as the JetStream API reports it: per stream its messages and
//! bytes, per consumer its backlog (the same lag the persisters export as `consumer_lag`)
//! and the dead letters it left in the dead-letter stream (`dead.<stream>.<consumer>`).

use std::collections::HashMap;

use async_nats::jetstream::{self, consumer, stream};
use futures::TryStreamExt;
use mesh::batch::DEAD_LETTER_PREFIX;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct StreamState {
    pub name: String,
    pub subjects: Vec<String>,
    pub messages: u64,
    pub bytes: u64,
    pub first_seq: u64,
    pub last_seq: u64,
    pub replicas: usize,
    pub consumers: Vec<ConsumerState>,
}

#[derive(Debug, Serialize)]
pub struct ConsumerState {
    pub name: String,
    /// False for ephemeral consumers (the workers' in-memory stream tails read with them).
    pub durable: bool,
    /// Never delivered yet.
    pub pending: u64,
    /// Delivered, not acknowledged.
    pub ack_pending: u64,
    pub redelivered: u64,
    /// Pull requests waiting at the server (instances ready for a batch).
    pub waiting: u64,
    pub ack_floor: u64,
    /// Events not yet persisted: `pending + ack_pending`, as `consumer_lag`.
    pub lag: u64,
    /// Messages this consumer dead-lettered that the dead-letter stream still holds.
    pub dead_letters: u64,
}

/// Every stream (by name) with its consumers.
pub async fn read(js: &jetstream::Context) -> anyhow::Result<Vec<StreamState>> {
    let mut infos: Vec<stream::Info> = js.streams().try_collect().await?;
    infos.sort_by(|a, b| a.config.name.cmp(&b.config.name));
    let dead = dead_letters(js, &infos).await?;
    let mut streams = Vec::with_capacity(infos.len());
    for info in infos {
        let handle = js.get_stream_no_info(&info.config.name).await?;
        let mut consumers: Vec<consumer::Info> = handle.consumers().try_collect().await?;
        consumers.sort_by(|a, b| a.name.cmp(&b.name));
        let consumers = consumers
            .into_iter()
            .map(|c| consumer_state(&info.config.name, c, &dead))
            .collect();
        streams.push(StreamState {
            subjects: info.config.subjects,
            messages: info.state.messages,
            bytes: info.state.bytes,
            first_seq: info.state.first_sequence,
            last_seq: info.state.last_sequence,
            replicas: info.config.num_replicas,
            name: info.config.name,
            consumers,
        });
    }
    Ok(streams)
}

fn consumer_state(
    stream: &str,
    info: consumer::Info,
    dead: &HashMap<String, u64>,
) -> ConsumerState {
    let dead_subject = format!("{DEAD_LETTER_PREFIX}.{stream}.{}", info.name);
    let ack_pending = info.num_ack_pending as u64;
    ConsumerState {
        durable: info.config.durable_name.is_some(),
        pending: info.num_pending,
        ack_pending,
        redelivered: info.num_redelivered as u64,
        waiting: info.num_waiting as u64,
        ack_floor: info.ack_floor.stream_sequence,
        lag: info.num_pending + ack_pending,
        dead_letters: dead.get(&dead_subject).copied().unwrap_or_default(),
        name: info.name,
    }
}

/// Messages per subject in the stream that takes `dead.>` (none: no dead-letter stream).
async fn dead_letters(
    js: &jetstream::Context,
    infos: &[stream::Info],
) -> anyhow::Result<HashMap<String, u64>> {
    let wildcard = format!("{DEAD_LETTER_PREFIX}.>");
    let Some(info) = infos.iter().find(|i| i.config.subjects.contains(&wildcard)) else {
        return Ok(HashMap::new());
    };
    let stream = js.get_stream_no_info(&info.config.name).await?;
    let subjects = stream.info_with_subjects(&wildcard).await?;
    let counts: Vec<(String, usize)> = subjects.try_collect().await?;
    Ok(counts.into_iter().map(|(s, n)| (s, n as u64)).collect())
}
