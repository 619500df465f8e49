//! The all-in-one process for a laptop: the edge and every worker, each on its own NATS
//! connection (so each drains on its own), sharing one settings tree and one telemetry.

use anyhow::Context;
use edge::Probe;
use fred::prelude::ClientLike;
use settings::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    let telemetry = telemetry::init("gophertok", &settings.telemetry);
    let shutdown = mesh::Shutdown::on_os_signals();

    let user_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::User,
        "gophertok-user",
        true,
    )
    .await?;
    let user = user::start(&settings, user_nats)
        .await
        .context("starting user worker")?;
    let video_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Video,
        "gophertok-video",
        true,
    )
    .await?;
    let video = video::start(&settings, video_nats)
        .await
        .context("starting video worker")?;
    let favorite_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Favorite,
        "gophertok-favorite",
        true,
    )
    .await?;
    let favorite = favorite::start(&settings, favorite_nats)
        .await
        .context("starting favorite worker")?;
    let comment_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Comment,
        "gophertok-comment",
        true,
    )
    .await?;
    let comment = comment::start(&settings, comment_nats)
        .await
        .context("starting comment worker")?;
    let relation_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Relation,
        "gophertok-relation",
        true,
    )
    .await?;
    let relation = relation::start(&settings, relation_nats)
        .await
        .context("starting relation worker")?;
    let chat_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Chat,
        "gophertok-chat",
        true,
    )
    .await?;
    let chat = chat::start(&settings, chat_nats)
        .await
        .context("starting chat worker")?;

    let edge_nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Edge,
        "gophertok-edge",
        true,
    )
    .await?;
    let mut probes = storage_probes(&settings).await?;
    probes.extend([
        persist_probe("persist-favorite", favorite.persist_health()),
        persist_probe("persist-comment", comment.persist_health()),
        persist_probe("persist-relation", relation.persist_health()),
    ]);
    let store = objects::connect(&settings.media, &edge_nats, settings.nats.replicas).await?;
    let state = edge::AppState::new(&settings, edge_nats, store, telemetry, probes);
    let listeners = edge::Listeners::bind(&settings.edge).await?;
    let api = edge::router(state.clone(), &settings);
    let metrics = edge::metrics_router(state);
    edge::serve(listeners, api, metrics, &settings.edge, shutdown.clone()).await?;

    // The edge has stopped taking calls; now let the workers finish theirs.
    tokio::join!(
        user.shutdown(),
        video.shutdown(),
        favorite.shutdown(),
        comment.shutdown(),
        relation.shutdown(),
        chat.shutdown()
    );
    Ok(())
}

/// `/readyz` of the all-in-one also answers for MySQL and Redis, which it talks to directly.
async fn storage_probes(settings: &Settings) -> anyhow::Result<Vec<Probe>> {
    let db = settings::connect_mysql(&settings.mysql).await?;
    let redis = settings::connect_redis(&settings.redis).await?;
    let mysql = Probe::new("mysql", move || {
        let db = db.clone();
        async move {
            sqlx::query("SELECT 1")
                .execute(&db)
                .await
                .map(drop)
                .map_err(|err| err.to_string())
        }
    });
    let redis = Probe::new("redis", move || {
        let redis = redis.clone();
        async move {
            redis
                .ping::<String>(None)
                .await
                .map(drop)
                .map_err(|err| err.to_string())
        }
    });
    Ok(vec![mysql, redis])
}

/// Not ready while a persister is not consuming: writes would still be acknowledged, but
/// nothing would reach MySQL until it recovers.
fn persist_probe(name: &'static str, health: mesh::persister::Health) -> Probe {
    Probe::new(name, move || std::future::ready(health.check()))
}
