//! The write load: concurrent writers through the edge, each one account liking and
//! unliking videos, commenting, following and unfollowing targets and messaging one target,
//! keeping a ledger of every ACKNOWLEDGED write and what it implies for the final state.
//! A like or follow that fails is retried with the same desired state until acknowledged
//! (setting a state twice is one state), so the last acknowledged action per pair is exact.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::api::{Api, Outcome};

/// The acknowledged writes of one writer, and the errors it saw.
#[derive(Default)]
pub struct Ledger {
    pub user: i64,
    pub acked: u64,
    /// video → liked, as the last acknowledged action left it.
    pub likes: HashMap<i64, bool>,
    /// target → following.
    pub follows: HashMap<i64, bool>,
    /// (comment id, text) of acknowledged comments.
    pub comments: Vec<(i64, String)>,
    /// Texts of acknowledged messages, and the target they went to.
    pub messages: Vec<(i64, String)>,
    /// Pairs whose last attempt was never acknowledged (the load ended first): their final
    /// state is not known, so the checks skip them and the report counts them.
    pub unsettled: u64,
    /// HTTP status (0: no answer) → how many times.
    pub errors: BTreeMap<u16, u64>,
    pub first_error: Option<Instant>,
    pub last_error: Option<Instant>,
    /// The slowest failed answer: a dependency that is down must fail fast.
    pub slowest_error: Duration,
    /// The `status_msg` of the last failure, as the client saw it.
    pub last_error_msg: String,
    pub last_ack: Option<Instant>,
    /// When each write was acknowledged (to count those acknowledged during the fault).
    pub ack_times: Vec<Instant>,
    /// Failed attempts per kind of write (like, comment, follow, message).
    pub failed_kinds: BTreeMap<&'static str, u64>,
}

/// What a writer needs to write.
pub struct Plan {
    pub token: String,
    pub user: i64,
    pub index: usize,
    pub videos: Vec<i64>,
    pub targets: Vec<i64>,
    /// Acknowledged writes of all writers together, so the scenario can tell when writes
    /// have resumed after a heal.
    pub acks: Arc<AtomicU64>,
}

/// Writes until `stop`; afterwards a pair that is still failing gets until `drain` to be
/// acknowledged.
pub async fn write(api: Api, plan: Plan, stop: Arc<AtomicBool>, drain: Duration) -> Ledger {
    let mut writer = Writer {
        api,
        plan,
        ledger: Ledger::default(),
    };
    writer.ledger.user = writer.plan.user;
    let mut step = 0usize;
    while !stop.load(Ordering::Relaxed) {
        match step % 4 {
            0 => writer.toggle_like(step, &stop, drain).await,
            1 => writer.comment(step).await,
            2 => writer.toggle_follow(step, &stop, drain).await,
            _ => writer.message(step).await,
        }
        step += 1;
    }
    writer.ledger
}

struct Writer {
    api: Api,
    plan: Plan,
    ledger: Ledger,
}

impl Writer {
    async fn toggle_like(&mut self, step: usize, stop: &AtomicBool, drain: Duration) {
        let video = self.plan.videos[(step / 4) % self.plan.videos.len()];
        let liked = !self.ledger.likes.get(&video).copied().unwrap_or(false);
        let query = [
            ("token", self.plan.token.clone()),
            ("video_id", video.to_string()),
            ("action_type", if liked { "1" } else { "2" }.into()),
        ];
        if self
            .until_acked("favorite/action", &query, stop, drain)
            .await
        {
            self.ledger.likes.insert(video, liked);
        }
    }

    async fn toggle_follow(&mut self, step: usize, stop: &AtomicBool, drain: Duration) {
        let target = self.plan.targets[(step / 4) % self.plan.targets.len()];
        let following = !self.ledger.follows.get(&target).copied().unwrap_or(false);
        let query = [
            ("token", self.plan.token.clone()),
            ("to_user_id", target.to_string()),
            ("action_type", if following { "1" } else { "2" }.into()),
        ];
        if self
            .until_acked("relation/action", &query, stop, drain)
            .await
        {
            self.ledger.follows.insert(target, following);
        }
    }

    /// One comment, tried once: a failed post may or may not exist afterwards (the checks
    /// count such leftovers apart from losses).
    async fn comment(&mut self, step: usize) {
        let video = self.plan.videos[self.plan.index % self.plan.videos.len()];
        let text = format!("w{}c{step}", self.plan.index);
        let query = [
            ("token", self.plan.token.clone()),
            ("video_id", video.to_string()),
            ("action_type", "1".into()),
            ("comment_text", text.clone()),
        ];
        if let Some(body) = self.once("comment/action", &query).await {
            let id = body["comment"]["id"].as_i64().unwrap_or_default();
            self.ledger.comments.push((id, text));
        }
    }

    async fn message(&mut self, step: usize) {
        let target = self.plan.targets[self.plan.index % self.plan.targets.len()];
        let text = format!("w{}m{step}", self.plan.index);
        let query = [
            ("token", self.plan.token.clone()),
            ("to_user_id", target.to_string()),
            ("action_type", "1".into()),
            ("content", text.clone()),
        ];
        if self.once("message/action", &query).await.is_some() {
            self.ledger.messages.push((target, text));
        }
    }

    /// Repeats an idempotent write until it is acknowledged; false if `drain` ran out after
    /// the stop (the pair is then unsettled).
    async fn until_acked(
        &mut self,
        path: &str,
        query: &[(&str, String)],
        stop: &AtomicBool,
        drain: Duration,
    ) -> bool {
        let mut stopped_at = None;
        loop {
            if self.once(path, query).await.is_some() {
                return true;
            }
            if stop.load(Ordering::Relaxed) {
                let since = *stopped_at.get_or_insert_with(Instant::now);
                if since.elapsed() > drain {
                    self.ledger.unsettled += 1;
                    return false;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn once(&mut self, path: &str, query: &[(&str, String)]) -> Option<serde_json::Value> {
        let started = Instant::now();
        let outcome: Outcome = self.api.post(path, query).await;
        match outcome {
            Ok(body) => {
                self.ledger.acked += 1;
                self.plan.acks.fetch_add(1, Ordering::Relaxed);
                self.ledger.last_ack = Some(Instant::now());
                self.ledger.ack_times.push(Instant::now());
                Some(body)
            }
            Err((status, message)) => {
                let now = Instant::now();
                self.ledger.last_error_msg = message;
                *self.ledger.failed_kinds.entry(kind(path)).or_default() += 1;
                *self.ledger.errors.entry(status).or_default() += 1;
                self.ledger.first_error.get_or_insert(now);
                self.ledger.last_error = Some(now);
                self.ledger.slowest_error = self.ledger.slowest_error.max(now - started);
                // No busy loop against a server that is down.
                tokio::time::sleep(Duration::from_millis(50)).await;
                None
            }
        }
    }
}

/// The kind of write a path makes, for the report.
fn kind(path: &str) -> &'static str {
    match path {
        "favorite/action" => "like",
        "comment/action" => "comment",
        "relation/action" => "follow",
        _ => "message",
    }
}
