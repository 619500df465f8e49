//! A worker binary started as its own process, configured by environment variables only (as
//! an operator runs it) against a [`TestEnv`]'s servers, with its admin endpoint on a free
//! port; killed when dropped. Plus a reader of the Prometheus text it serves.

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use serde_json::Value;
use tokio::process::{Child, Command};

use crate::{TestEnv, free_ports};

/// A running worker process and the base URL of its admin endpoint.
pub struct WorkerProcess {
    child: Child,
    pub admin: String,
    http: reqwest::Client,
}

impl WorkerProcess {
    /// Starts `bin` (e.g. `env!("CARGO_BIN_EXE_favorite")`) with `extra` settings on top of
    /// the env's, and waits until its admin endpoint answers `/healthz`. A port taken by
    /// someone else between choosing and binding makes the child exit: it is started again.
    pub async fn start(bin: &str, env: &TestEnv, extra: &[(&str, &str)]) -> anyhow::Result<Self> {
        for _ in 0..3 {
            let [port] = free_ports::<1>()?;
            let mut process = Self {
                child: spawn(bin, env, port, extra)?,
                admin: format!("http://127.0.0.1:{port}"),
                http: reqwest::Client::new(),
            };
            if process.wait_alive().await? {
                return Ok(process);
            }
        }
        bail!("{bin} exited before its admin endpoint answered, three times")
    }

    /// True once `/healthz` answers; false if the process exits first.
    async fn wait_alive(&mut self) -> anyhow::Result<bool> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(false);
            }
            if let Ok((200, _)) = self.get("/healthz").await {
                return Ok(true);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("no answer from {}/healthz within 60 s", self.admin)
    }

    /// Status and body of `GET <admin><path>`.
    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, String)> {
        let response = self
            .http
            .get(format!("{}{path}", self.admin))
            .timeout(Duration::from_secs(5))
            .send()
            .await?;
        Ok((response.status().as_u16(), response.text().await?))
    }

    /// `/metrics`, which must answer 200.
    pub async fn metrics(&self) -> anyhow::Result<String> {
        let (status, body) = self.get("/metrics").await?;
        anyhow::ensure!(status == 200, "/metrics answered {status}: {body}");
        Ok(body)
    }

    /// Polls `/readyz` until its readiness is `ready`; its JSON body then.
    pub async fn wait_ready(&self, ready: bool, within: Duration) -> anyhow::Result<Value> {
        let started = Instant::now();
        loop {
            let (status, body) = self.get("/readyz").await?;
            if (status == 200) == ready {
                return serde_json::from_str(&body).context("/readyz body");
            }
            if started.elapsed() > within {
                bail!("/readyz still {status} after {within:?}: {body}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn spawn(bin: &str, env: &TestEnv, port: u16, extra: &[(&str, &str)]) -> anyhow::Result<Child> {
    Command::new(bin)
        // The URL and, on a locked bus, the roles' keys: the process connects as its role.
        .envs(env.nats_env())
        .env("GOPHERTOK__MYSQL__URL", &env.db.url)
        .env("GOPHERTOK__MYSQL__MAX_CONNECTIONS", "4")
        .env("GOPHERTOK__REDIS__URL", &env.settings.redis.url)
        .env("GOPHERTOK__REDIS__PREFIX", &env.settings.redis.prefix)
        .env("GOPHERTOK__DATA_DIR", env.data_dir.path())
        .env(
            "GOPHERTOK__MEDIA__NATS_BUCKET",
            &env.settings.media.nats_bucket,
        )
        .env("GOPHERTOK__TELEMETRY__LOG_FILTER", "warn")
        .env("GOPHERTOK__ADMIN__LISTEN", format!("127.0.0.1:{port}"))
        .envs(extra.iter().copied())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {bin}"))
}

/// What every worker binary shows after it served `subject` once: ready (NATS, MySQL,
/// Redis and whatever else it probes), its NATS connection up, and the subject counted by
/// outcome with a latency histogram. Returns `/metrics` for the caller's own checks.
pub async fn assert_serves(
    worker: &WorkerProcess,
    connection: &str,
    subject: &str,
) -> anyhow::Result<String> {
    let ready = worker.wait_ready(true, Duration::from_secs(30)).await?;
    for check in ["nats", "redis"] {
        anyhow::ensure!(ready["checks"][check] == "ok", "{check} in {ready}");
    }
    let text = worker.metrics().await?;
    let has = |name: &str, labels: &[(&str, &str)], at_least: f64| {
        let value = metric(&text, name, labels);
        anyhow::ensure!(
            value.is_some_and(|v| v >= at_least),
            "{name}{labels:?} is {value:?}, want at least {at_least}:\n{text}"
        );
        Ok(())
    };
    has("nats_connected", &[("connection", connection)], 1.0)?;
    has("mesh_requests_total", &[("subject", subject)], 1.0)?;
    has(
        "mesh_request_duration_seconds_count",
        &[("subject", subject)],
        1.0,
    )?;
    has(
        "mesh_request_duration_seconds_bucket",
        &[("subject", subject), ("le", "+Inf")],
        1.0,
    )?;
    Ok(text)
}

/// Starts `bin` for `env`, sends it one `request` on `subject`, which must be answered
/// without an error, and checks [`assert_serves`]; the worker and its `/metrics` then.
pub async fn serve_once(
    bin: &str,
    env: &TestEnv,
    extra: &[(&str, &str)],
    connection: &str,
    (subject, request): (&str, Value),
) -> anyhow::Result<(WorkerProcess, String)> {
    let worker = WorkerProcess::start(bin, env, extra).await?;
    worker.wait_ready(true, Duration::from_secs(30)).await?;
    let nats = env.nats_client().await?;
    let payload = serde_json::to_vec(&request)?;
    let reply = nats.request(subject.to_owned(), payload.into()).await?;
    let error = reply
        .headers
        .as_ref()
        .and_then(|h| h.get("Nats-Service-Error"));
    anyhow::ensure!(error.is_none(), "{subject} answered {error:?}");
    let text = assert_serves(&worker, connection, subject).await?;
    Ok((worker, text))
}

/// A persisting worker's consumer is up and its lag is read from the server (set
/// `persist.lag_poll_ms` low: the first reading comes one poll after the start).
pub async fn assert_persisting(worker: &WorkerProcess, consumer: &str) -> anyhow::Result<()> {
    let labels = [("consumer", consumer)];
    let started = Instant::now();
    loop {
        let text = worker.metrics().await?;
        let up = metric(&text, "consumer_up", &labels) == Some(1.0);
        if up && metric(&text, "consumer_lag", &labels).is_some() {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(10) {
            bail!("{consumer}: no consumer_up 1 and consumer_lag within 10 s:\n{text}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The value of the series `name` whose labels include every pair of `labels`, summed over
/// the matching series (a counter split by another label adds up); `None` if none matches.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    let mut found = None;
    for line in text.lines().filter(|line| !line.starts_with('#')) {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
        let matches = series_name == name
            && labels
                .iter()
                .all(|(key, want)| series_labels.contains(&format!("{key}=\"{want}\"")));
        if matches && let Ok(value) = value.parse::<f64>() {
            *found.get_or_insert(0.0) += value;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::metric;

    #[test]
    fn a_series_is_found_by_name_and_labels_and_summed_over_the_rest() {
        let text =
            "# TYPE x counter\nx{a=\"1\",b=\"ok\"} 2\nx{a=\"1\",b=\"no\"} 3\nxy{a=\"1\"} 9\n";
        assert_eq!(metric(text, "x", &[("a", "1")]), Some(5.0));
        assert_eq!(metric(text, "x", &[("b", "ok")]), Some(2.0));
        assert_eq!(metric(text, "x", &[("a", "2")]), None);
        assert_eq!(metric(text, "y", &[]), None);
    }
}
