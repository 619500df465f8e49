//! A MariaDB of the runner's own for the "MySQL stopped" fault (the shared server must never
//! be stopped): `mariadb-install-db` into a temp dir, then `mariadbd` on a free loopback port
//! with its socket in that dir and `--skip-grant-tables`, so root needs no password.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::process::Command;

use super::procs::{Proc, free_ports, wait_until};

pub struct MariaDb {
    pub port: u16,
    pub proc: Proc,
}

impl MariaDb {
    pub async fn start(dir: &Path) -> anyhow::Result<Self> {
        let dir = dir.join("mariadb");
        let data = dir.join("data");
        std::fs::create_dir_all(&data)?;
        let install = Command::new(bin(
            "GOPHERTOK_MARIADB_INSTALL_DB_BIN",
            "mariadb-install-db",
        ))
        .arg("--no-defaults")
        .args(user(&dir)?)
        .arg(format!("--datadir={}", data.display()))
        .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
        .output()
        .await
        .context("running mariadb-install-db (set GOPHERTOK_MARIADB_INSTALL_DB_BIN)")?;
        anyhow::ensure!(
            install.status.success(),
            "mariadb-install-db failed: {}",
            String::from_utf8_lossy(&install.stderr)
        );
        let [port] = free_ports::<1>()?;
        let mut command = Command::new(bin("GOPHERTOK_MARIADBD_BIN", "/usr/sbin/mariadbd"));
        command
            .arg("--no-defaults")
            .args(user(&dir)?)
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.join("mysqld.sock").display()))
            .arg(format!("--pid-file={}", dir.join("mysqld.pid").display()))
            .args(["--bind-address=127.0.0.1", &format!("--port={port}")])
            .args(["--skip-grant-tables", "--innodb-buffer-pool-size=32M"]);
        let proc = Proc::spawn("mariadbd", command, &dir.join("mariadbd.log"))?;
        let url = format!("mysql://root@127.0.0.1:{port}/mysql");
        wait_until("mariadbd", 60, || {
            let url = url.clone();
            async move {
                use sqlx::Connection;
                sqlx::MySqlConnection::connect(&url).await.is_ok()
            }
        })
        .await?;
        Ok(Self { port, proc })
    }

    /// The server URL, without a database.
    pub fn url(&self) -> String {
        format!("mysql://root@127.0.0.1:{}", self.port)
    }
}

/// `--user=root` when the runner is root (mariadbd refuses root unless told so; without
/// `--no-defaults` the system my.cnf would switch it to `mysql`, who cannot write `dir`).
fn user(dir: &Path) -> anyhow::Result<Vec<&'static str>> {
    use std::os::unix::fs::MetadataExt;
    let root = std::fs::metadata(dir)?.uid() == 0;
    Ok(if root {
        vec!["--user=root"]
    } else {
        Vec::new()
    })
}

fn bin(variable: &str, name: &str) -> PathBuf {
    std::env::var_os(variable).map_or_else(|| PathBuf::from(name), PathBuf::from)
}
