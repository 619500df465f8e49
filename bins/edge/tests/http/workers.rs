//! The domain workers behind a test's edge: every one, or only those the test's routes need
//! (each worker costs a MySQL pool, a Redis client, NATS connections and its start-up).

use std::future::Future;

use settings::NatsRole;
use testkit::TestEnv;

/// Which workers a test app starts besides the two that always run: the user worker (every
/// test registers) and the favorite worker (`App::favorite`, which tests reach into).
#[derive(Clone, Copy, Debug)]
pub struct WorkerSet {
    pub video: bool,
    pub comment: bool,
    pub relation: bool,
    pub chat: bool,
}

impl WorkerSet {
    pub const ALL: Self = Self {
        video: true,
        comment: true,
        relation: true,
        chat: true,
    };

    /// What the user routes need: a User view is composed of the profile (user), the work
    /// count (video), the like counts (favorite) and the follow counts (relation).
    pub const USER_ROUTES: Self = Self {
        video: true,
        comment: false,
        relation: true,
        chat: false,
    };
}

/// The running workers, stopped when the test's runtime ends.
pub struct Workers {
    _user: user::UserWorker,
    _video: Option<video::VideoWorker>,
    _comment: Option<comment::CommentWorker>,
    pub relation: Option<relation::RelationWorker>,
    _chat: Option<chat::ChatWorker>,
}

impl Workers {
    /// Starts the workers of `set` (all at once: their start-ups are independent) and
    /// returns them with the favorite worker, which the app exposes.
    pub async fn start(env: &TestEnv, set: WorkerSet) -> (Self, favorite::FavoriteWorker) {
        let settings = &env.settings;
        let (user, favorite, video, comment, relation, chat) = tokio::try_join!(
            async { user::start(settings, nats(env, NatsRole::User).await).await },
            async { favorite::start(settings, nats(env, NatsRole::Favorite).await).await },
            start_if(set.video, || async {
                video::start(settings, nats(env, NatsRole::Video).await).await
            }),
            start_if(set.comment, || async {
                comment::start(settings, nats(env, NatsRole::Comment).await).await
            }),
            start_if(set.relation, || async {
                relation::start(settings, nats(env, NatsRole::Relation).await).await
            }),
            start_if(set.chat, || async {
                chat::start(settings, nats(env, NatsRole::Chat).await).await
            }),
        )
        .expect("the workers start");
        let workers = Self {
            _user: user,
            _video: video,
            _comment: comment,
            relation,
            _chat: chat,
        };
        (workers, favorite)
    }
}

/// A NATS connection of its own for one worker, as its role (as in production: on a
/// locked-down bus, `GOPHERTOK_TEST_NATS_AUTH=1`, with that role's permissions only).
async fn nats(env: &TestEnv, role: NatsRole) -> async_nats::Client {
    env.nats_as(role).await.expect("nats")
}

async fn start_if<W, F>(wanted: bool, start: impl FnOnce() -> F) -> anyhow::Result<Option<W>>
where
    F: Future<Output = anyhow::Result<W>>,
{
    if wanted {
        start().await.map(Some)
    } else {
        Ok(None)
    }
}
