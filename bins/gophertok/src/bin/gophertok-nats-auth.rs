//! `gophertok-nats-auth <dir>`: makes a new nkey for every role of the locked-down bus and
//! writes the seeds (one file per role), the public keys for nats-server and the settings
//! that point each role at its seed. See nats/README.md, "A locked-down bus".

use std::path::PathBuf;

use anyhow::Context;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let (Some(dir), None) = (args.next(), args.next()) else {
        anyhow::bail!("usage: gophertok-nats-auth <dir>   (e.g. var/nats-auth)");
    };
    let dir = PathBuf::from(dir);
    let keys = settings::generate_role_keys().map_err(anyhow::Error::msg)?;
    settings::write_role_keys(&dir, &keys)
        .with_context(|| format!("writing the role keys to {}", dir.display()))?;
    println!(
        "wrote {} role seeds, keys.env and gophertok.toml to {}",
        keys.len(),
        dir.display()
    );
    println!(
        "server: set -a; . {}/keys.env; set +a; nats-server -c nats/locked.conf ...",
        dir.display()
    );
    println!(
        "clients: GOPHERTOK_CONFIG={}/gophertok.toml (or its settings in yours)",
        dir.display()
    );
    Ok(())
}
