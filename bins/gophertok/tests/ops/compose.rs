//! compose/compose.yml through the real Compose v2 binary: it resolves, every engine and
//! instance is there, every GopherTok service's settings load, traces and NATS keys are wired.

use super::*;

#[test]
fn compose_v2_accepts_the_stack_and_refuses_it_without_its_secrets() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    run(&mut compose(&bin, &["config", "-q"]));
    let without_env = Command::new(&bin)
        .args(["-f", "compose/compose.yml", "config", "-q"])
        .env_clear()
        .current_dir(root())
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&without_env.stderr);
    assert!(!without_env.status.success(), "no secrets, yet accepted");
    assert!(said.contains("required variable"), "{said}");
    // The example holds placeholders only, never a key: an nkey seed starts with `S`, a
    // user's public key with `U`, both 56 or more base32 characters.
    let example = std::fs::read_to_string(root().join("compose/.env.example")).unwrap();
    for line in example.lines().filter(|line| !line.starts_with('#')) {
        let value = line.split_once('=').map_or("", |(_, value)| value).trim();
        let key_like = value.len() >= 56
            && value
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        assert!(!key_like, "compose/.env.example holds a real key: {line}");
    }
}

#[test]
fn every_image_is_pinned_and_every_engine_and_instance_is_there() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let mut instances: HashMap<&str, usize> = HashMap::new();
    for (name, service) in services(&stack) {
        let image = service["image"].as_str().unwrap();
        let tag = image.rsplit_once(':').map(|(_, tag)| tag);
        assert!(
            tag.is_some_and(|tag| tag != "latest" && !tag.contains('/')),
            "{name}: image {image} is not pinned to a tag"
        );
        for (prefix, _) in ENGINES {
            if image.starts_with(prefix) {
                *instances.entry(prefix).or_default() += replicas(service);
            }
        }
    }
    for (prefix, wanted) in ENGINES {
        let found = instances.get(prefix).copied().unwrap_or(0);
        assert!(
            found >= wanted,
            "{prefix}: {found} instance(s), want {wanted}"
        );
    }
    for wanted in BINARIES {
        let count: usize = services(&stack)
            .filter(|(_, service)| binary(service) == Some(wanted))
            .map(|(_, service)| replicas(service))
            .sum();
        assert!(count >= 2, "{wanted}: {count} instance(s), want 2 or more");
    }
}

#[test]
fn every_gophertok_service_has_a_health_check_and_its_settings_load() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let dockerfile = std::fs::read_to_string(root().join("Dockerfile")).unwrap();
    // The key maker runs from the image on a host without a Rust toolchain (compose/README.md).
    assert!(dockerfile.contains("target/release/gophertok-nats-auth"));
    for (name, service) in services(&stack) {
        let Some(binary) = binary(service) else {
            continue;
        };
        assert!(
            dockerfile.contains(&format!("target/release/{binary}")),
            "{name}: the Dockerfile does not build {binary}"
        );
        let check = &service["healthcheck"]["test"];
        assert!(check.is_array(), "{name}: no health check");
        let settings = settings_of(name, service);
        assert_eq!(
            settings.nats.replicas, 3,
            "{name}: streams must keep 3 copies"
        );
        assert_eq!(settings.media.store, settings::StoreKind::S3, "{name}");
        assert_eq!(
            settings.chat.store,
            settings::ChatStoreKind::Scylla,
            "{name}"
        );
        assert_eq!(
            settings.telemetry.log_format, "json",
            "{name}: Loki needs JSON lines"
        );
        assert_eq!(
            settings.telemetry.otlp_endpoint, OTLP_ENDPOINT,
            "{name}: its spans must reach the collector"
        );
        // GopherTok reads telemetry.otlp_endpoint only: an OTEL_* variable would be a lie.
        let otel: Vec<_> = environment(service)
            .into_keys()
            .filter(|key| key.starts_with("OTEL_"))
            .collect();
        assert!(otel.is_empty(), "{name}: unused {otel:?}");
    }
}

#[test]
fn the_collector_receives_the_spans_over_otlp_http_and_forwards_them_to_jaeger() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let (host, port) = OTLP_ENDPOINT
        .strip_prefix("http://")
        .and_then(|address| address.split_once(':'))
        .unwrap();
    assert!(stack["services"][host].is_object(), "no service {host}");
    assert!(stack["services"]["jaeger"].is_object(), "no service jaeger");
    // The collector's own file, as the container gets it (no YAML parser here: the file is
    // ours, two-space indented, and these are its exact lines).
    let mount = &stack["services"][host]["configs"][0];
    assert_eq!(mount["target"], "/etc/otelcol/config.yml");
    let file = stack["configs"][mount["source"].as_str().unwrap()]["file"]
        .as_str()
        .unwrap();
    let config = std::fs::read_to_string(file).unwrap();
    let receiver = format!("      http:\n        endpoint: 0.0.0.0:{port}\n");
    assert!(
        config.contains(&receiver),
        "{file}: no OTLP/HTTP receiver on {port}"
    );
    assert!(
        config.contains("  otlp/jaeger:\n    endpoint: jaeger:4317\n"),
        "{file}: no OTLP exporter to Jaeger"
    );
    let traces = config.split("    traces:\n").nth(1).unwrap_or_default();
    assert!(
        traces.contains("receivers: [otlp]") && traces.contains("exporters: [otlp/jaeger]"),
        "{file}: the traces pipeline must run from the OTLP receiver to Jaeger"
    );
}

/// The role a GopherTok service runs as: its binary's, or `admin` for the operator's tool.
fn role_of(service: &Value) -> Option<&str> {
    match service["command"].as_array()?.first()?.as_str()? {
        "gophertok" => Some("admin"),
        _ => binary(service),
    }
}

#[test]
fn every_gophertok_service_logs_in_to_nats_with_its_own_role_key_only() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved_with_tools(&bin);
    // Secret name -> the role whose services mount it.
    let mut owners: HashMap<String, String> = HashMap::new();
    let mut roles = BTreeSet::new();
    for (name, service) in services(&stack) {
        let Some(role) = role_of(service) else {
            continue;
        };
        let settings = settings_of(name, service);
        let credentials: Vec<&String> = settings.nats.credentials.keys().collect();
        assert_eq!(
            credentials,
            [role],
            "{name}: must log in as {role}, with no other role's credentials"
        );
        let seed = settings.nats.credentials[role]
            .nkey_seed_file
            .as_ref()
            .unwrap_or_else(|| panic!("{name}: no nkey_seed_file for {role}"));
        let mounts = service["secrets"].as_array().cloned().unwrap_or_default();
        let target = |mount: &Value| {
            let target = mount["target"].as_str().unwrap_or_default();
            Path::new("/run/secrets").join(target)
        };
        let mount = mounts
            .iter()
            .find(|mount| target(mount) == *seed)
            .unwrap_or_else(|| panic!("{name}: {} is not a secret it mounts", seed.display()));
        let source = mount["source"].as_str().unwrap();
        let file = stack["secrets"][source]["file"].as_str().unwrap();
        assert!(
            file.ends_with(&format!("/{role}.nk")),
            "{name}: its seed {source} is {file}, not {role}'s"
        );
        for other in mounts.iter().filter_map(|mount| mount["source"].as_str()) {
            let owner = owners
                .entry(other.to_owned())
                .or_insert_with(|| role.to_owned());
            assert_eq!(owner, role, "{name}: {other} is mounted by {owner} too");
        }
        roles.insert(role.to_owned());
    }
    let all: BTreeSet<String> = NatsRole::ALL.iter().map(|r| r.as_str().into()).collect();
    assert_eq!(roles, all, "every role, admin included, has its service");
}

#[test]
fn grafana_has_no_anonymous_access_and_no_default_password() {
    let Some(bin) = tool("GOPHERTOK_COMPOSE_BIN") else {
        return;
    };
    let stack = resolved(&bin);
    let grafana = &stack["services"]["grafana"]["environment"];
    assert_eq!(grafana["GF_AUTH_ANONYMOUS_ENABLED"], "false");
    assert_ne!(grafana["GF_SECURITY_ADMIN_PASSWORD"], "admin");
    let compose = std::fs::read_to_string(root().join("compose/compose.yml")).unwrap();
    assert!(compose.contains("GF_SECURITY_ADMIN_PASSWORD: ${GRAFANA_ADMIN_PASSWORD:?"));
}
