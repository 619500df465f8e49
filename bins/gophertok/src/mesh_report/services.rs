//! The services of the mesh as the NATS service API reports them: `$SRV.PING`, `$SRV.INFO`
//! and `$SRV.STATS` sent once each to a private inbox, every reply gathered for a window,
//! and the replies joined per instance id.

use std::{collections::BTreeMap, time::Duration};

use anyhow::Context;
use async_nats::service::{PingResponse, endpoint};
use futures::StreamExt;
use serde::{Deserialize, Serialize, de::DeserializeOwned};

/// One service name with every instance that answered.
#[derive(Debug, Serialize)]
pub struct Service {
    pub name: String,
    pub description: String,
    pub instances: Vec<Instance>,
}

#[derive(Debug, Serialize)]
pub struct Instance {
    pub id: String,
    pub version: String,
    /// When the instance started (RFC 3339, as the instance sent it); empty without STATS.
    pub started: String,
    pub endpoints: Vec<Endpoint>,
}

#[derive(Debug, Serialize)]
pub struct Endpoint {
    pub name: String,
    pub subject: String,
    pub queue_group: String,
    pub requests: usize,
    pub errors: usize,
    pub average_ms: f64,
    pub last_error: Option<String>,
    /// The worker's own stats data: requests dropped because their deadline had passed.
    pub expired: Option<u64>,
}

/// The part of a `$SRV.STATS` reply this command reads; `started` stays the instance's text.
#[derive(Deserialize)]
struct StatsReply {
    name: String,
    id: String,
    version: String,
    started: String,
    endpoints: Vec<endpoint::Stats>,
}

/// Every reply to the three requests within `window`, joined into services by name.
pub async fn gather(client: &async_nats::Client, window: Duration) -> anyhow::Result<Vec<Service>> {
    let (pings, infos, stats) = tokio::try_join!(
        ask::<PingResponse>(client, "$SRV.PING", window),
        ask::<async_nats::service::Info>(client, "$SRV.INFO", window),
        ask::<StatsReply>(client, "$SRV.STATS", window),
    )?;
    Ok(join(pings, infos, stats))
}

/// Instances by id (an instance may answer one request and miss the window of another),
/// endpoints from STATS where it answered, else from INFO.
fn join(
    pings: Vec<PingResponse>,
    infos: Vec<async_nats::service::Info>,
    stats: Vec<StatsReply>,
) -> Vec<Service> {
    let mut descriptions: BTreeMap<String, String> = BTreeMap::new();
    let mut instances: BTreeMap<String, (String, Instance)> = BTreeMap::new();
    for ping in pings {
        instances.insert(
            ping.id.clone(),
            (ping.name, instance(ping.id, ping.version)),
        );
    }
    for info in infos {
        descriptions.insert(info.name.clone(), info.description);
        let (_, instance) = instances
            .entry(info.id.clone())
            .or_insert_with(|| (info.name, instance(info.id, info.version)));
        instance.endpoints = info.endpoints.into_iter().map(unmeasured).collect();
    }
    for reply in stats {
        let (_, instance) = instances
            .entry(reply.id.clone())
            .or_insert_with(|| (reply.name, instance(reply.id, reply.version)));
        instance.started = reply.started;
        instance.endpoints = reply.endpoints.into_iter().map(measured).collect();
    }
    let mut services: BTreeMap<String, Service> = BTreeMap::new();
    for (name, mut instance) in instances.into_values() {
        instance.endpoints.sort_by(|a, b| a.name.cmp(&b.name));
        let service = services.entry(name.clone()).or_insert_with(|| Service {
            description: descriptions.get(&name).cloned().unwrap_or_default(),
            name,
            instances: Vec::new(),
        });
        service.instances.push(instance);
    }
    services.into_values().collect()
}

fn instance(id: String, version: String) -> Instance {
    Instance {
        id,
        version,
        started: String::new(),
        endpoints: Vec::new(),
    }
}

/// Publishes one request to `subject` with a private inbox and decodes every reply that
/// arrives within `window` (none when the server says nobody serves it). A reply that does
/// not decode is an error: it names the sender.
async fn ask<T: DeserializeOwned>(
    client: &async_nats::Client,
    subject: &'static str,
    window: Duration,
) -> anyhow::Result<Vec<T>> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(inbox.clone()).await?;
    client.publish_with_reply(subject, inbox, "".into()).await?;
    client.flush().await?;
    let mut decoded = Vec::new();
    let deadline = tokio::time::Instant::now() + window;
    while let Ok(Some(reply)) = tokio::time::timeout_at(deadline, replies.next()).await {
        // The server's own answer that nobody serves the subject: no service is running.
        if reply.status == Some(async_nats::StatusCode::NO_RESPONDERS) {
            break;
        }
        let value = serde_json::from_slice(&reply.payload).with_context(|| {
            format!(
                "a {subject} reply: {}",
                String::from_utf8_lossy(&reply.payload)
            )
        })?;
        decoded.push(value);
    }
    Ok(decoded)
}

/// An endpoint that INFO named but STATS did not report.
fn unmeasured(info: endpoint::Info) -> Endpoint {
    Endpoint {
        name: info.name,
        subject: info.subject,
        queue_group: info.queue_group,
        requests: 0,
        errors: 0,
        average_ms: 0.0,
        last_error: None,
        expired: None,
    }
}

fn measured(stats: endpoint::Stats) -> Endpoint {
    let expired = stats.data.as_ref().and_then(|d| d.get("expired")?.as_u64());
    Endpoint {
        name: stats.name,
        subject: stats.subject,
        queue_group: stats.queue_group,
        requests: stats.requests,
        errors: stats.errors,
        average_ms: stats.average_processing_time.as_secs_f64() * 1000.0,
        last_error: stats.last_error.map(|e| format!("{} {}", e.code, e.status)),
        expired,
    }
}
