//! `verify`: once persistence has caught up, every sampled count the API answers must equal
//! what MySQL holds — users' follow / follower / favorite / total-favorited / work counts
//! and the sampled videos' like and comment counts. Used after a load run, and after the
//! cold-start run (Redis flushed mid-run), where the rebuilt hot state must be exact.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use futures::{StreamExt, TryStreamExt};
use serde_json::Value;
use sqlx::{MySqlPool, QueryBuilder};

use crate::manifest::Manifest;

/// HTTP requests in flight at once while reading the API's answers.
const IN_FLIGHT: usize = 8;

/// The persistence consumers whose backlog must be empty before MySQL is the truth.
const CONSUMERS: [(&str, &str); 3] = [
    (
        contract::favorite::STREAM,
        contract::favorite::PERSIST_CONSUMER,
    ),
    (
        contract::relation::STREAM,
        contract::relation::PERSIST_CONSUMER,
    ),
    (
        contract::comment::STREAM,
        contract::comment::PERSIST_CONSUMER,
    ),
];

/// Waits until every persistence consumer has acknowledged its whole stream.
pub async fn wait_persisted(nats: async_nats::Client, limit: Duration) -> anyhow::Result<()> {
    let js = async_nats::jetstream::new(nats);
    let deadline = Instant::now() + limit;
    loop {
        let mut behind = Vec::new();
        for (stream, consumer) in CONSUMERS {
            let stream = js.get_stream(stream).await?;
            let info = stream.consumer_info(consumer).await?;
            if info.num_pending > 0 || info.num_ack_pending > 0 {
                behind.push(format!(
                    "{consumer}: {} pending",
                    info.num_pending + info.num_ack_pending as u64
                ));
            }
        }
        if behind.is_empty() {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "persistence did not catch up: {behind:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// How much of the manifest's sample one comparison reads through the API.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub users: usize,
    /// Authors whose every video (favorite and comment counts) is checked.
    pub authors: usize,
}

/// A count the API shows and the MySQL rows it must equal: (field, table, grouped column,
/// condition).
type CountSpec = (&'static str, &'static str, &'static str, &'static str);

const USER_COUNTS: [CountSpec; 5] = [
    ("follow_count", "follows", "follower_id", "following = 1"),
    ("follower_count", "follows", "followee_id", "following = 1"),
    ("favorite_count", "favorites", "user_id", "liked = 1"),
    ("total_favorited", "favorites", "author_id", "liked = 1"),
    ("work_count", "videos", "author_id", "1 = 1"),
];

const VIDEO_COUNTS: [CountSpec; 2] = [
    ("favorite_count", "favorites", "video_id", "liked = 1"),
    ("comment_count", "comments", "video_id", "deleted = 0"),
];

/// The API's answers against MySQL: one line per count that differs (empty when all agree).
pub async fn compare(
    db: &MySqlPool,
    base_url: &str,
    manifest: &Manifest,
    limits: Limits,
) -> anyhow::Result<Vec<String>> {
    let http = reqwest::Client::new();
    let base = base_url.trim_end_matches('/');
    let users = &chosen_users(manifest, limits);
    let sampled = &manifest.videos.sample_authors;
    let authors = &sampled[..limits.authors.min(sampled.len())];
    let api_users = fetch(&http, base, "/douyin/user/", users, |reply| {
        vec![reply["user"].clone()]
    })
    .await?;
    let api_videos = fetch(&http, base, "/douyin/publish/list/", authors, |reply| {
        reply["video_list"].as_array().cloned().unwrap_or_default()
    })
    .await?;
    let video_ids: Vec<i64> = api_videos.keys().copied().collect();
    let mut mismatches = Vec::new();
    let truth = counts(db, &USER_COUNTS, users).await?;
    check(&mut mismatches, "user", &api_users, &truth, users);
    let truth = counts(db, &VIDEO_COUNTS, &video_ids).await?;
    check(&mut mismatches, "video", &api_videos, &truth, &video_ids);
    let works = count_by(db, "videos", "author_id", "1 = 1", authors).await?;
    let expected: i64 = works.values().sum();
    if expected != video_ids.len() as i64 {
        mismatches.push(format!(
            "the sampled authors have {expected} videos in MySQL, their publish lists {}",
            video_ids.len()
        ));
    }
    eprintln!(
        "verify: compared {} users × {} counts and {} videos × {} counts",
        users.len(),
        USER_COUNTS.len(),
        video_ids.len(),
        VIDEO_COUNTS.len()
    );
    Ok(mismatches)
}

/// The celebrity and the login users (whose counts every write changes) first, then the
/// rest of the sample, up to `limits.users`.
fn chosen_users(manifest: &Manifest, limits: Limits) -> Vec<i64> {
    let first: Vec<i64> = [manifest.celebrity.id]
        .into_iter()
        .chain(manifest.users.login_ids.iter().copied())
        .collect();
    let rest = manifest
        .users
        .sample_ids
        .iter()
        .filter(|id| !first.contains(id));
    first
        .iter()
        .chain(rest)
        .copied()
        .take(limits.users)
        .collect()
}

/// MySQL's value of every count in `specs` for `ids`.
async fn counts(
    db: &MySqlPool,
    specs: &[CountSpec],
    ids: &[i64],
) -> anyhow::Result<Vec<(&'static str, HashMap<i64, i64>)>> {
    let mut all = Vec::with_capacity(specs.len());
    for (field, table, column, condition) in specs {
        all.push((*field, count_by(db, table, column, condition, ids).await?));
    }
    Ok(all)
}

/// GETs `path?user_id=<id>` for every id; `objects` picks the reply's objects, keyed by `id`.
async fn fetch(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    ids: &[i64],
    objects: impl Fn(&Value) -> Vec<Value>,
) -> anyhow::Result<HashMap<i64, Value>> {
    let replies: Vec<Value> = futures::stream::iter(ids)
        .map(|id| async move {
            let reply: Value = http
                .get(format!("{base}{path}?user_id={id}"))
                .send()
                .await?
                .json()
                .await?;
            anyhow::ensure!(reply["status_code"] == 0, "{path} of {id}: {reply}");
            Ok(reply)
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    Ok(replies
        .iter()
        .flat_map(&objects)
        .filter_map(|object| Some((object["id"].as_i64()?, object)))
        .collect())
}

/// Rows matching `condition` per `column` value among `ids` (absent = 0).
async fn count_by(
    db: &MySqlPool,
    table: &str,
    column: &str,
    condition: &str,
    ids: &[i64],
) -> anyhow::Result<HashMap<i64, i64>> {
    let mut counts = HashMap::new();
    for chunk in ids.chunks(1_000) {
        let mut query = QueryBuilder::new(format!(
            "SELECT {column}, COUNT(*) FROM {table} WHERE {condition} AND {column} IN ("
        ));
        let mut list = query.separated(", ");
        for id in chunk {
            list.push_bind(*id);
        }
        query.push(format!(") GROUP BY {column}"));
        let rows: Vec<(i64, i64)> = query.build_query_as().fetch_all(db).await?;
        counts.extend(rows);
    }
    Ok(counts)
}

/// Appends a line for every `field` of an object in `api` that differs from MySQL's count.
fn check(
    mismatches: &mut Vec<String>,
    kind: &str,
    api: &HashMap<i64, Value>,
    truth: &[(&str, HashMap<i64, i64>)],
    ids: &[i64],
) {
    for id in ids {
        let Some(object) = api.get(id) else {
            mismatches.push(format!("{kind} {id}: not in the API's answer"));
            continue;
        };
        for (field, counts) in truth {
            let want = counts.get(id).copied().unwrap_or(0);
            let got = object[*field].as_i64();
            if got != Some(want) {
                mismatches.push(format!("{kind} {id} {field}: API {got:?}, MySQL {want}"));
            }
        }
    }
}
