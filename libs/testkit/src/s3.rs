//! A throwaway S3-compatible server (SeaweedFS, pinned by `.ci/gt`) on loopback, every port
//! chosen here so concurrent tests never collide, with static credentials.

use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use settings::S3Settings;
use tokio::process::{Child, Command};

pub const ACCESS_KEY: &str = "testaccess";
pub const SECRET_KEY: &str = "testsecret";

const IDENTITIES: &str = r#"{"identities":[{"name":"tests","credentials":[{"accessKey":"testaccess","secretKey":"testsecret"}],"actions":["Admin","Read","List","Tagging","Write"]}]}"#;

pub struct S3Server {
    child: Child,
    s3_port: u16,
    grpc_ports: Vec<u16>,
    _dir: tempfile::TempDir,
}

impl S3Server {
    /// Starts SeaweedFS (master, volume, filer and S3 gateway in one process) and waits until
    /// it takes writes. Retries with new ports if one was grabbed in between.
    pub async fn start() -> anyhow::Result<Self> {
        let mut last = None;
        for _ in 0..3 {
            match Self::try_start().await {
                Ok(server) => return Ok(server),
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("SeaweedFS did not start")))
    }

    /// Settings for a bucket of this server.
    pub fn settings(&self, bucket: &str) -> S3Settings {
        S3Settings {
            endpoint: format!("http://127.0.0.1:{}", self.s3_port),
            region: "us-east-1".into(),
            bucket: bucket.into(),
            path_style: true,
            access_key_id: ACCESS_KEY.into(),
            secret_access_key: SECRET_KEY.into(),
        }
    }

    async fn try_start() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        for sub in ["data", "logs"] {
            std::fs::create_dir_all(dir.path().join(sub))?;
        }
        let config = dir.path().join("s3.json");
        std::fs::write(&config, IDENTITIES)?;
        let [
            master,
            master_grpc,
            volume,
            volume_grpc,
            filer,
            filer_grpc,
            s3,
            s3_grpc,
        ] = crate::free_ports::<8>()?;
        let d = dir.path().display();
        let args = format!(
            "-logdir={d}/logs server -dir={d}/data -ip=127.0.0.1 -ip.bind=127.0.0.1 \
             -master.port={master} -master.port.grpc={master_grpc} -master.telemetry=false \
             -master.volumeSizeLimitMB=64 -volume.port={volume} -volume.port.grpc={volume_grpc} \
             -volume.max=1000 -volume.preStopSeconds=0 -filer -filer.port={filer} \
             -filer.port.grpc={filer_grpc} -filer.localSocket={d}/filer.sock -s3 -s3.port={s3} \
             -s3.port.grpc={s3_grpc} -s3.port.iceberg=0 -s3.port.lance=0 \
             -s3.localSocket={d}/s3.sock -s3.config={d}/s3.json -s3.autoCreateBucket=false"
        );
        let bin = binary();
        let child = Command::new(&bin)
            .args(args.split_whitespace())
            .current_dir(dir.path())
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            // One volume per bucket instead of seven keeps the server small.
            .env("WEED_MASTER_VOLUME_GROWTH_COPY_1", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {} (set GOPHERTOK_WEED_BIN)", bin.display()))?;
        let mut server = Self {
            child,
            s3_port: s3,
            grpc_ports: vec![master_grpc, volume_grpc, filer_grpc, s3_grpc],
            _dir: dir,
        };
        server.wait_ready(master).await?;
        Ok(server)
    }

    /// Ready once the volume server has registered (free space > 0) and S3 answers.
    async fn wait_ready(&mut self, master: u16) -> anyhow::Result<()> {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(40);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                bail!("SeaweedFS exited early ({status}), probably a port clash");
            }
            let status = http
                .get(format!("http://127.0.0.1:{master}/dir/status"))
                .send()
                .await;
            let free = match status {
                Ok(response) => response
                    .json::<serde_json::Value>()
                    .await
                    .ok()
                    .and_then(|body| body["Topology"]["Free"].as_i64())
                    .unwrap_or(0),
                Err(_) => 0,
            };
            let s3 = http
                .get(format!("http://127.0.0.1:{}/healthz", self.s3_port))
                .send()
                .await;
            if free > 0 && s3.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!("SeaweedFS did not become ready in 40 s")
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        // The gRPC sockets are the only files SeaweedFS writes outside its directory.
        for port in &self.grpc_ports {
            for role in ["master", "volume", "filer", "s3"] {
                let _ = std::fs::remove_file(format!("/tmp/seaweedfs-{role}-grpc-{port}.sock"));
            }
        }
    }
}

/// The pinned `weed` `.ci/gt` installs, else `weed` from PATH.
fn binary() -> PathBuf {
    if let Some(path) = std::env::var_os("GOPHERTOK_WEED_BIN") {
        return PathBuf::from(path);
    }
    let local =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../var/tools/seaweedfs/bin/weed");
    if local.exists() {
        return local;
    }
    PathBuf::from("weed")
}
