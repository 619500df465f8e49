//! The stack's NATS config through nats-server: valid, and it locks the bus (a real node
//! refuses clients without a role's key).

use super::*;

/// A NATS node of the stack as its container sees it: every file of its `configs:` copied
/// to its target under a temporary root, and its resolved environment.
struct NatsNode {
    root: tempfile::TempDir,
    /// The config file its command names, under `root`.
    config: PathBuf,
    env: HashMap<String, String>,
}

impl NatsNode {
    fn of(stack: &Value, name: &str) -> Self {
        let node = &stack["services"][name];
        let root = tempfile::tempdir().unwrap();
        let under_root = |target: &str| root.path().join(target.trim_start_matches('/'));
        for mount in node["configs"].as_array().unwrap() {
            let file = stack["configs"][mount["source"].as_str().unwrap()]["file"]
                .as_str()
                .unwrap();
            let path = under_root(mount["target"].as_str().unwrap());
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::copy(file, &path).unwrap();
        }
        let command: Vec<&str> = node["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|arg| arg.as_str().unwrap())
            .collect();
        let config = match command.as_slice() {
            ["-c", config] => under_root(config),
            other => panic!("{name}: unexpected command {other:?}"),
        };
        Self {
            config,
            env: environment(node),
            root,
        }
    }

    /// `nats-server -t` of the node's config with exactly `env`: what it said, or `Ok`.
    fn check(&self, nats: &Path, env: &HashMap<String, String>) -> Result<(), String> {
        let output = Command::new(nats)
            .arg("-c")
            .arg(&self.config)
            .arg("-t")
            .env_clear()
            .envs(env)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            Ok(())
        } else {
            Err(said)
        }
    }
}

/// The node's environment with real public keys for every role in place of .env.example's
/// placeholders, and the keys.
fn with_real_keys(
    env: &HashMap<String, String>,
) -> (HashMap<String, String>, Vec<settings::RoleKey>) {
    let keys = settings::generate_role_keys().unwrap();
    let mut env = env.clone();
    for key in &keys {
        let placeholder = env.insert(key.env_name(), key.public_key.clone());
        assert!(
            placeholder.is_some(),
            "the NATS nodes do not get {} (compose.yml)",
            key.env_name()
        );
    }
    (env, keys)
}

/// A node's environment with real keys, and those keys.
type Keyed = (HashMap<String, String>, Vec<settings::RoleKey>);

/// The stack's first NATS node with real keys in its environment, and the nats-server to
/// run it; `None` (a visible skip) without the tools.
fn first_node() -> Option<(PathBuf, NatsNode, Keyed)> {
    let (compose, nats) = (
        tool("GOPHERTOK_COMPOSE_BIN")?,
        tool("GOPHERTOK_NATS_SERVER_BIN")?,
    );
    let node = NatsNode::of(&resolved(&compose), "nats-1");
    let keyed = with_real_keys(&node.env);
    Some((nats, node, keyed))
}

#[test]
fn the_stack_nats_config_is_valid_and_locks_the_bus() {
    let Some((nats, node, (env, _))) = first_node() else {
        return;
    };
    node.check(&nats, &env)
        .unwrap_or_else(|said| panic!("nats-server refuses the stack's config: {said}"));

    // The roles are loaded: the placeholders are not keys, and every role needs its key.
    let said = node.check(&nats, &node.env).unwrap_err();
    assert!(said.contains("nkey"), "{said}");
    for role in NatsRole::ALL {
        let variable = format!("GOPHERTOK_NKEY_{}", role.as_str().to_uppercase());
        let mut without = env.clone();
        without.remove(&variable);
        let said = node.check(&nats, &without).unwrap_err();
        assert!(said.contains(&variable), "{variable}: {said}");
    }
    // The routes log in too, with the password their URLs carry.
    let password = &env["NATS_CLUSTER_PASSWORD"];
    for n in 1..=3 {
        assert_eq!(
            env[&format!("NATS_ROUTE_{n}")],
            format!("nats-route://route:{password}@nats-{n}:6222")
        );
    }
    let mut without = env.clone();
    without.remove("NATS_CLUSTER_PASSWORD");
    let said = node.check(&nats, &without).unwrap_err();
    assert!(said.contains("NATS_CLUSTER_PASSWORD"), "{said}");
}

/// A child process killed when the test ends, however it ends.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_stack_nats_node_refuses_a_client_without_a_role_key() {
    let Some((nats, node, (env, keys))) = first_node() else {
        return;
    };
    // The node as deployed, on loopback ports it picks itself and with its store in the
    // temporary root instead of the container's volume (a flag cannot move a store_dir the
    // file sets). Its routes name the other nodes' hosts, which do not resolve here.
    let config = std::fs::read_to_string(&node.config).unwrap();
    let volume = "store_dir: \"/data\"";
    assert!(config.contains(volume), "{config}");
    let store = node.root.path().join("store");
    let config = config.replace(
        volume,
        &format!("store_dir: {:?}", store.display().to_string()),
    );
    std::fs::write(&node.config, config).unwrap();
    let ports = node.root.path().join("ports");
    std::fs::create_dir_all(&ports).unwrap();
    let log = std::fs::File::create(node.root.path().join("server.log")).unwrap();
    let child = Command::new(&nats)
        .arg("-c")
        .arg(&node.config)
        .args(["-a", "127.0.0.1", "-p", "-1", "-m", "-1"])
        .args(["--cluster", "nats://127.0.0.1:-1", "--ports_file_dir"])
        .arg(&ports)
        .env_clear()
        .envs(&env)
        .stderr(log)
        .spawn()
        .unwrap();
    let _server = Killed(child);
    let deadline = Instant::now() + Duration::from_secs(15);
    let url = loop {
        let file = std::fs::read_dir(&ports)
            .unwrap()
            .filter_map(Result::ok)
            .find(|entry| entry.file_name().to_string_lossy().ends_with(".ports"));
        let text = file.and_then(|entry| std::fs::read_to_string(entry.path()).ok());
        if let Some(url) = text
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|ports| ports["nats"][0].as_str().map(str::to_owned))
        {
            break url;
        }
        assert!(
            Instant::now() < deadline,
            "nats-server did not start: {}",
            std::fs::read_to_string(node.root.path().join("server.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let anonymous = async_nats::ConnectOptions::new().connect(&url).await;
        let err = anonymous.expect_err("a client without a key got in");
        assert_eq!(
            err.kind(),
            async_nats::ConnectErrorKind::AuthorizationViolation,
            "{err}"
        );
        // Every role's key gets in (so every service of the stack can), as that role.
        for key in keys {
            let client = async_nats::ConnectOptions::with_nkey(key.seed.clone())
                .custom_inbox_prefix(key.role.inbox_prefix())
                .connect(&url)
                .await
                .unwrap_or_else(|err| panic!("{}: refused: {err}", key.role.as_str()));
            client.flush().await.unwrap();
        }
        let stranger = nkeys_seed_of_a_stranger();
        let refused = async_nats::ConnectOptions::with_nkey(stranger)
            .connect(&url)
            .await;
        assert!(refused.is_err(), "a key of no role got in");
    });
}

/// A valid nkey seed that no role of the stack has.
fn nkeys_seed_of_a_stranger() -> String {
    settings::generate_role_keys().unwrap().remove(0).seed
}
