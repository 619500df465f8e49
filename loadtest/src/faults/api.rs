//! The edge's REST API as the writers and the checks call it: one POST or GET with the
//! parameters in the query string, read as the app reads it (HTTP 200 and `status_code` 0
//! is success; anything else is a client-visible error, kept with its HTTP status).

use std::time::Duration;

use serde_json::Value;

/// What the client saw: the body of a success, or the status of a failure (0 when no HTTP
/// answer came at all: refused, reset or timed out) with its `status_msg`.
pub type Outcome = Result<Value, (u16, String)>;

#[derive(Clone)]
pub struct Api {
    pub base: String,
    http: reqwest::Client,
}

impl Api {
    pub fn new(base: &str) -> anyhow::Result<Self> {
        // A generous bound, so a hung dependency shows as an error, not as a stuck writer.
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build()?;
        Ok(Self {
            base: base.to_owned(),
            http,
        })
    }

    pub async fn post(&self, path: &str, query: &[(&str, String)]) -> Outcome {
        self.send(self.http.post(self.url(path)).query(query)).await
    }

    pub async fn get(&self, path: &str, query: &[(&str, String)]) -> Outcome {
        self.send(self.http.get(self.url(path)).query(query)).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}/douyin/{path}/", self.base)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Outcome {
        let response = request
            .send()
            .await
            .map_err(|error| (0u16, error.to_string()))?;
        let status = response.status().as_u16();
        let body: Value = response
            .json()
            .await
            .map_err(|_| (status, "not JSON".to_owned()))?;
        if status == 200 && body["status_code"] == 0 {
            return Ok(body);
        }
        let message = body["status_msg"].as_str().unwrap_or_default().to_owned();
        // A 200 with a non-zero status_code is a contract breach: show it apart.
        Err((if status == 200 { 299 } else { status }, message))
    }

    /// Registers `name` and returns its user id and token.
    pub async fn register(&self, name: &str) -> anyhow::Result<(i64, String)> {
        let query = [
            ("username", name.to_owned()),
            ("password", "faults-pw".into()),
        ];
        let body = self
            .post("user/register", &query)
            .await
            .map_err(|(status, msg)| anyhow::anyhow!("registering {name}: HTTP {status} {msg}"))?;
        let id = body["user_id"].as_i64().unwrap_or_default();
        let token = body["token"].as_str().unwrap_or_default().to_owned();
        Ok((id, token))
    }
}

/// The `id` fields of the objects in `body[list]`.
pub fn ids(body: &Value, list: &str) -> Vec<i64> {
    body[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item["id"].as_i64())
                .collect()
        })
        .unwrap_or_default()
}
