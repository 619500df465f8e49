//! Reads during a fault, as an open app makes them: the feed, a comment list, a follow list
//! and a chat poll at the newest message time. Which of them must keep answering depends on
//! the fault: all of them on a cluster that lost a node (after a bounded election), those
//! served from hot state while MySQL is stopped.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::{api::Api, world::World};

/// The hook for h1's in-memory feed index (issue 9/11). Every page that shows a video or a
/// user carries data of the video worker, which reads MySQL today: the feed, and the work
/// counts of every user a comment or follow list shows (`edge::compose::users`). While
/// false, those reads are made and reported during a MySQL outage but not required; set it
/// to true once the video worker serves feed pages and work counts from memory, and the
/// "mysql stopped" row then requires the feed, comment and follow lists too.
pub const VIDEO_WORKER_ANSWERS_WITHOUT_MYSQL: bool = false;

/// How long after a node of the cluster is killed reads and writes may fail: the streams'
/// leader elections and the reconnects of every client (a few seconds on an idle machine).
pub const CLUSTER_RECOVERY: Duration = Duration::from_secs(15);

/// One read of an app's page.
struct Read {
    name: &'static str,
    /// Carries data of the video worker (see [`VIDEO_WORKER_ANSWERS_WITHOUT_MYSQL`]).
    video_worker: bool,
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
            video_worker: true,
            path: "feed",
            query: vec![],
        },
        Read {
            name: "comments",
            video_worker: true,
            path: "comment/list",
            query: vec![("video_id", world.videos[0].to_string())],
        },
        Read {
            name: "follows",
            video_worker: true,
            path: "relation/follow/list",
            query: me(vec![("user_id", writer.id.to_string())]),
        },
        Read {
            name: "chat poll",
            video_worker: false,
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
    /// Failed, and required to answer while MySQL is stopped.
    pub failed_without_mysql: Vec<&'static str>,
}

impl Answers {
    /// Whether every read that must answer from hot state while MySQL is down did.
    pub fn answered_without_mysql(&self) -> bool {
        self.failed_without_mysql.is_empty()
    }
}

/// Each read once.
pub async fn once(api: &Api, world: &World) -> Answers {
    let (mut answers, mut failed, mut required) = (Vec::new(), Vec::new(), Vec::new());
    for read in reads(world) {
        let answer = match api.get(read.path, &read.query).await {
            Ok(_) => "ok".to_owned(),
            Err((status, _)) => {
                failed.push(read.name);
                if !read.video_worker || VIDEO_WORKER_ANSWERS_WITHOUT_MYSQL {
                    required.push(read.name);
                }
                status.to_string()
            }
        };
        answers.push(format!("{} {answer}", read.name));
    }
    Answers {
        note: answers.join(", "),
        failed,
        failed_without_mysql: required,
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
