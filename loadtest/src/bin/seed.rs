//! `seed`: fills the deployment the settings name (GOPHERTOK_CONFIG / GOPHERTOK__… like the
//! server) with a load-test data set and writes its manifest. Flags: see `loadtest/README.md`.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let plan = loadtest::seed::Plan::from_args(std::env::args().skip(1))?;
    let settings = settings::load()?;
    eprintln!("seed: {plan:?}");
    let manifest = loadtest::seed::run(&settings, &plan).await?;
    eprintln!(
        "seed: wrote {} ({} users, {} videos, celebrity id {})",
        plan.out.display(),
        manifest.users.count,
        manifest.videos.count,
        manifest.celebrity.id
    );
    Ok(())
}
