//! How far a persistence consumer is behind, read from the server on a timer (not from the
//! batches, so it moves while every batch fails): gauges `consumer_lag{consumer}` (events
//! not yet persisted) and `consumer_oldest_unpersisted_seconds{consumer}`, and an ERROR log
//! once the oldest is older than `persist.lag_alert_secs` — long before the stream's
//! `max_age` would delete it.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream;

use crate::Shutdown;

/// Poll period and alert threshold (`persist.lag_poll_ms`, `persist.lag_alert_secs`).
#[derive(Debug, Clone)]
pub struct LagSpec {
    pub poll: Duration,
    pub alert_after: Duration,
}

impl LagSpec {
    pub fn new(persist: &settings::PersistSettings) -> Self {
        Self {
            poll: Duration::from_millis(persist.lag_poll_ms),
            alert_after: Duration::from_secs(persist.lag_alert_secs),
        }
    }
}

impl Default for LagSpec {
    fn default() -> Self {
        Self::new(&settings::PersistSettings::default())
    }
}

/// A consumer's backlog as the server sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lag {
    /// Events not yet persisted: never delivered plus delivered but not acknowledged.
    pub unpersisted: u64,
    /// Age of the oldest of them (`None`: nothing unpersisted, or it is gone already).
    pub oldest: Option<Duration>,
}

/// Reads the lag of `consumer` on `stream`: its counts from the consumer info, and the age
/// of the first unacknowledged event (the one right after the ack floor) from that message.
pub async fn read(js: &jetstream::Context, stream: &str, consumer: &str) -> Result<Lag, String> {
    let stream = js.get_stream(stream).await.map_err(|e| e.to_string())?;
    let info = stream
        .consumer_info(consumer)
        .await
        .map_err(|e| e.to_string())?;
    let unpersisted = info.num_pending + info.num_ack_pending as u64;
    if unpersisted == 0 {
        return Ok(Lag {
            unpersisted,
            oldest: None,
        });
    }
    // The raw get asks the stream leader and needs no `allow_direct` on the stream. A
    // missing message (deleted by hand, or a subject the consumer filters out) has no age.
    let first = info.ack_floor.stream_sequence + 1;
    let oldest = match stream.get_raw_message(first).await {
        Ok(message) => Some(age(message.time.unix_timestamp_nanos())),
        Err(_) => None,
    };
    Ok(Lag {
        unpersisted,
        oldest,
    })
}

/// Time since `stored_nanos` (Unix nanoseconds); zero if the clocks disagree the other way.
fn age(stored_nanos: i128) -> Duration {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or_default();
    Duration::from_nanos(u64::try_from(now - stored_nanos).unwrap_or_default())
}

/// Polls [`read`] every `spec.poll` until `stop`, setting the gauges and alerting.
pub(crate) async fn watch(
    js: jetstream::Context,
    stream: String,
    consumer: String,
    spec: LagSpec,
    stop: Shutdown,
) {
    let mut tick = tokio::time::interval(spec.poll);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stop.wait() => return,
            _ = tick.tick() => {}
        }
        match read(&js, &stream, &consumer).await {
            Ok(lag) => report(&consumer, &lag, &spec),
            // The persister's own health says what is wrong; this is only a reading.
            Err(error) => tracing::warn!(consumer, error, "reading the consumer lag"),
        }
    }
}

fn report(consumer: &str, lag: &Lag, spec: &LagSpec) {
    let oldest = lag.oldest.unwrap_or_default();
    metrics::gauge!("consumer_lag", "consumer" => consumer.to_owned()).set(lag.unpersisted as f64);
    metrics::gauge!("consumer_oldest_unpersisted_seconds", "consumer" => consumer.to_owned())
        .set(oldest.as_secs_f64());
    if oldest > spec.alert_after {
        tracing::error!(
            consumer,
            unpersisted = lag.unpersisted,
            oldest_secs = oldest.as_secs(),
            alert_secs = spec.alert_after.as_secs(),
            "events are waiting too long to be persisted; the stream's max_age deletes them \
             once they reach it"
        );
    }
}
