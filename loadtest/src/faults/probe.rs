//! Reads during a fault, as an open app makes them: the feed, a comment list, a follow list
//! and a chat poll at the newest message time. Which of them must keep answering depends on
//! the fault: all of them on a cluster that lost a node (after a bounded election), those
//! served from hot state while MySQL is stopped.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{api::Api, world::World};

/// How long after a node of the cluster is killed reads and writes may fail: the streams'
/// leader elections and the reconnects of every client (a few seconds on an idle machine).
pub const CLUSTER_RECOVERY: Duration = Duration::from_secs(15);

/// One read of an app's page.
struct Read {
    name: &'static str,
    path: &'static str,
    query: Vec<(&'static str, String)>,
}

/// The reads, as the first writer sees its pages (its chat is with the target it messages).
fn reads(world: &World) -> Vec<Read> {
    let writer = &world.writers[0];
    let me = |extra: Vec<(&'static str, String)>| {
        let mut query = vec![("token", writer.token.clone())];
        query.extend(extra);
        query
    };
    let peer = world.targets[0].id;
    vec![
        Read {
            name: "feed",
            path: "feed",
            query: vec![],
        },
        Read {
            name: "comments",
            path: "comment/list",
            query: vec![("video_id", world.videos[0].to_string())],
        },
        Read {
            name: "follows",
            path: "relation/follow/list",
            query: me(vec![("user_id", writer.id.to_string())]),
        },
        Read {
            name: "chat poll",
            path: "message/chat",
            query: me(vec![
                ("to_user_id", peer.to_string()),
                ("pre_msg_time", now_ms().to_string()),
            ]),
        },
    ]
}

/// What the reads answered, "feed ok, comments 503, …", and the names of those that failed.
pub struct Answers {
    pub note: String,
    pub failed: Vec<&'static str>,
}

/// Each read once.
pub async fn once(api: &Api, world: &World) -> Answers {
    let (mut answers, mut failed) = (Vec::new(), Vec::new());
    for read in reads(world) {
        let answer = match api.get(read.path, &read.query).await {
            Ok(_) => "ok".to_owned(),
            Err((status, _)) => {
                failed.push(read.name);
                status.to_string()
            }
        };
        answers.push(format!("{} {answer}", read.name));
    }
    Answers {
        note: answers.join(", "),
        failed,
    }
}

/// Repeats the reads until every one answers in one round, or until `bound` after `since`.
/// The note says when they all answered again.
pub async fn until_all_answer(
    api: &Api,
    world: &World,
    since: Instant,
    bound: Duration,
) -> Answers {
    loop {
        let mut answers = once(api, world).await;
        if answers.failed.is_empty() {
            answers.note = format!(
                "all reads answer again +{:.1} s",
                since.elapsed().as_secs_f64()
            );
            return answers;
        }
        if since.elapsed() > bound {
            answers.note = format!(
                "{} at +{:.1} s",
                answers.note,
                since.elapsed().as_secs_f64()
            );
            return answers;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}
