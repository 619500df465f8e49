//! Counting after the load: every acknowledged write is looked for in MySQL (after a bounded
//! wait for the persisters) and through the edge's reads, which answer from Redis; what is
//! missing is lost, what is there twice is duplicated, and where Redis and MySQL disagree
//! about a count or a list (also for writes the client saw fail) the state has drifted.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use sqlx::{MySqlPool, Row};

use super::{api::Api, load::Ledger, world::World};

/// One scenario's numbers. An item is a pair's final state (likes, follows) or one
/// acknowledged comment or message.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub items: u64,
    pub in_mysql: u64,
    pub in_redis: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Counts or lists where the edge's answer (Redis) and MySQL differ.
    pub drift: u64,
    /// How long MySQL took to hold every item after the load stopped (None: it never did
    /// within the wait).
    pub persisted_after: Option<Duration>,
    /// Why the reads through the edge could not be made (Redis columns then unknown).
    pub read_error: Option<String>,
}

/// Waits up to `wait` for MySQL to hold everything, then counts.
pub async fn count(
    api: &Api,
    db: &MySqlPool,
    world: &World,
    ledgers: &[Ledger],
    wait: Duration,
) -> anyhow::Result<Counts> {
    let started = Instant::now();
    let mut mysql = loop {
        let found = in_mysql(db, world, ledgers).await;
        match found {
            Ok(counts) if counts.lost == 0 => break counts,
            Ok(counts) if started.elapsed() > wait => break counts,
            // MySQL may still be coming back: keep asking until the wait runs out.
            Err(error) if started.elapsed() > wait => return Err(error),
            _ => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    };
    mysql.persisted_after = (mysql.lost == 0).then(|| started.elapsed());
    let reads = async {
        Ok::<_, anyhow::Error>((
            in_redis(api, world, ledgers).await?,
            drift(api, db, world).await?,
        ))
    };
    let (redis, drift) = match reads.await {
        Ok(found) => found,
        // The MySQL numbers still stand; the row fails on the reason.
        Err(error) => {
            mysql.read_error = Some(format!("{error:#}"));
            return Ok(mysql);
        }
    };
    Ok(Counts {
        in_redis: mysql.items - redis.0,
        lost: mysql.lost.max(redis.0),
        duplicated: mysql.duplicated.max(redis.1),
        drift,
        ..mysql
    })
}

/// Items, found, lost and duplicated in MySQL.
async fn in_mysql(db: &MySqlPool, world: &World, ledgers: &[Ledger]) -> anyhow::Result<Counts> {
    let users = list(world.writers.iter().map(|w| w.id));
    let likes = pairs(
        db,
        &format!("SELECT user_id, video_id, liked FROM favorites WHERE user_id IN ({users})"),
    )
    .await?;
    let follows = pairs(
        db,
        &format!(
            "SELECT follower_id, followee_id, following FROM follows WHERE follower_id IN ({users})"
        ),
    )
    .await?;
    let comments = texts(
        db,
        &format!(
            "SELECT content FROM comments WHERE deleted = 0 AND video_id IN ({})",
            list(world.videos.iter().copied())
        ),
    )
    .await?;
    let messages = texts(
        db,
        &format!("SELECT content FROM messages WHERE from_id IN ({users})"),
    )
    .await?;
    let mut counts = Counts::default();
    for ledger in ledgers {
        let mut tally = |found: bool| {
            counts.items += 1;
            if found {
                counts.in_mysql += 1
            } else {
                counts.lost += 1
            }
        };
        for (video, liked) in &ledger.likes {
            tally(likes.get(&(ledger.user, *video)).copied().unwrap_or(false) == *liked);
        }
        for (target, following) in &ledger.follows {
            tally(
                follows
                    .get(&(ledger.user, *target))
                    .copied()
                    .unwrap_or(false)
                    == *following,
            );
        }
        for text in ledger
            .comments
            .iter()
            .map(|(_, t)| t)
            .chain(ledger.messages.iter().map(|(_, t)| t))
        {
            let copies = comments
                .get(text)
                .or(messages.get(text))
                .copied()
                .unwrap_or(0);
            tally(copies > 0);
            counts.duplicated += u64::from(copies > 1);
        }
    }
    Ok(counts)
}

/// Items missing and duplicated in what the edge answers (the hot state in Redis).
async fn in_redis(api: &Api, world: &World, ledgers: &[Ledger]) -> anyhow::Result<(u64, u64)> {
    let (mut missing, mut twice) = (0, 0);
    for (writer, ledger) in world.writers.iter().zip(ledgers) {
        let me = [
            ("user_id", writer.id.to_string()),
            ("token", writer.token.clone()),
        ];
        let liked: HashSet<i64> = read_ids(api, "favorite/list", &me, "video_list")
            .await?
            .into_iter()
            .collect();
        missing += ledger
            .likes
            .iter()
            .filter(|(v, l)| liked.contains(v) != **l)
            .count() as u64;
        let followed: HashSet<i64> = read_ids(api, "relation/follow/list", &me, "user_list")
            .await?
            .into_iter()
            .collect();
        missing += ledger
            .follows
            .iter()
            .filter(|(t, f)| followed.contains(t) != **f)
            .count() as u64;
        let mut chat: HashMap<String, u64> = HashMap::new();
        for target in world.targets.iter().map(|t| t.id) {
            for text in history(api, &writer.token, target).await? {
                *chat.entry(text).or_default() += 1;
            }
        }
        for (_, text) in &ledger.messages {
            let copies = chat.get(text).copied().unwrap_or(0);
            missing += u64::from(copies == 0);
            twice += u64::from(copies > 1);
        }
    }
    let mut listed: HashMap<i64, u64> = HashMap::new();
    for video in &world.videos {
        let query = [("video_id", video.to_string())];
        for id in read_ids(api, "comment/list", &query, "comment_list").await? {
            *listed.entry(id).or_default() += 1;
        }
    }
    for (id, _) in ledgers.iter().flat_map(|l| &l.comments) {
        let copies = listed.get(id).copied().unwrap_or(0);
        missing += u64::from(copies == 0);
        twice += u64::from(copies > 1);
    }
    Ok((missing, twice))
}

/// Videos' like and comment counts (from the feed) and targets' follower counts (from user
/// info) that differ from MySQL's: a write that failed after its event was stored shows here.
async fn drift(api: &Api, db: &MySqlPool, world: &World) -> anyhow::Result<u64> {
    let mut drift = 0;
    let feed = read(api, "feed", &[("latest_time", "99999999999999".into())]).await?;
    for video in feed["video_list"].as_array().into_iter().flatten() {
        let id = video["id"].as_i64().unwrap_or_default();
        let likes = scalar(
            db,
            "SELECT COUNT(*) FROM favorites WHERE liked AND video_id = ?",
            id,
        )
        .await?;
        let comments = scalar(
            db,
            "SELECT COUNT(*) FROM comments WHERE NOT deleted AND video_id = ?",
            id,
        )
        .await?;
        drift += u64::from(video["favorite_count"].as_i64() != Some(likes));
        drift += u64::from(video["comment_count"].as_i64() != Some(comments));
    }
    for target in &world.targets {
        let info = read(
            api,
            "user",
            &[
                ("user_id", target.id.to_string()),
                ("token", target.token.clone()),
            ],
        )
        .await?;
        let followers = scalar(
            db,
            "SELECT COUNT(*) FROM follows WHERE following AND followee_id = ?",
            target.id,
        )
        .await?;
        drift += u64::from(info["user"]["follower_count"].as_i64() != Some(followers));
    }
    Ok(drift)
}

/// Every message text of the conversation with `target`, paging by `pre_msg_time`.
async fn history(api: &Api, token: &str, target: i64) -> anyhow::Result<Vec<String>> {
    let (mut texts, mut after) = (Vec::new(), 0i64);
    loop {
        let query = [
            ("token", token.to_owned()),
            ("to_user_id", target.to_string()),
            ("pre_msg_time", after.to_string()),
        ];
        let page = read(api, "message/chat", &query).await?;
        let messages = page["message_list"].as_array().cloned().unwrap_or_default();
        let Some(last) = messages.last() else {
            return Ok(texts);
        };
        after = last["create_time"].as_i64().unwrap_or(i64::MAX);
        texts.extend(
            messages
                .iter()
                .filter_map(|m| m["content"].as_str().map(str::to_owned)),
        );
    }
}

async fn read_ids(
    api: &Api,
    path: &str,
    query: &[(&str, String)],
    field: &str,
) -> anyhow::Result<Vec<i64>> {
    let body = read(api, path, query).await?;
    Ok(super::api::ids(&body, field))
}

/// A read after the load, repeated for up to `READ_RETRY` while it fails: the stack may
/// still be recovering (a read that fails for that long is the scenario's failure).
async fn read(
    api: &Api,
    path: &str,
    query: &[(&str, String)],
) -> anyhow::Result<serde_json::Value> {
    let started = Instant::now();
    loop {
        match api.get(path, query).await {
            Ok(body) => return Ok(body),
            Err((status, message)) if started.elapsed() > READ_RETRY => {
                anyhow::bail!(
                    "GET {path} after the load still failed after {READ_RETRY:?}: HTTP {status}: {message}"
                )
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

const READ_RETRY: Duration = Duration::from_secs(30);

async fn pairs(db: &MySqlPool, sql: &str) -> anyhow::Result<HashMap<(i64, i64), bool>> {
    let rows = sqlx::query(sql).fetch_all(db).await?;
    Ok(rows
        .iter()
        .map(|r| ((r.get(0), r.get(1)), r.get(2)))
        .collect())
}

async fn texts(db: &MySqlPool, sql: &str) -> anyhow::Result<HashMap<String, u64>> {
    let mut counts = HashMap::new();
    for row in sqlx::query(sql).fetch_all(db).await? {
        *counts.entry(row.get::<String, _>(0)).or_default() += 1;
    }
    Ok(counts)
}

async fn scalar(db: &MySqlPool, sql: &str, id: i64) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(sql).bind(id).fetch_one(db).await?)
}

fn list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}
