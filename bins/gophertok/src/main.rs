//! The all-in-one process for a laptop: the edge and every worker, each on its own NATS
//! connection (so each drains on its own), sharing one settings tree and one telemetry.
//! `gophertok mesh`, `gophertok config …` and `gophertok help` are the other commands
//! (`cli.rs`).

mod cli;
mod config;
mod mesh_report;

use anyhow::Context;
use edge::Probe;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match cli::parse(std::env::args().skip(1))? {
        cli::Command::AllInOne => {}
        cli::Command::Mesh(options) => return mesh_report::run(&options).await,
        cli::Command::Config(command) => return config::run(command).await,
        cli::Command::Help => {
            println!("{}", cli::USAGE);
            return Ok(());
        }
    }
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
    // `/readyz` of the all-in-one also answers for MySQL and Redis, which it talks to
    // directly, and for each persister.
    let mut probes = mesh::admin::storage_probes(&settings, true).await?;
    probes.extend([
        Probe::persister("persist-favorite", favorite.persist_health()),
        Probe::persister("persist-comment", comment.persist_health()),
        Probe::persister("persist-relation", relation.persist_health()),
        Probe::persister("persist-chat", chat.persist_health()),
    ]);
    let store = objects::connect(&settings.media, &edge_nats, settings.nats.replicas).await?;
    let state = edge::AppState::new(&settings, edge_nats, store, telemetry, probes);
    let listeners = edge::Listeners::bind(&settings.edge).await?;
    state.end_streams_on(&shutdown);
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
    // Last, so the spans of the shutdown itself still reach the collector.
    telemetry::shutdown();
    Ok(())
}
