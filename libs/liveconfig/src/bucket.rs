//! The config bucket on JetStream: opened, or created with `nats.replicas` copies by the
//! first instance (or `gophertok config`) that needs it.

use async_nats::jetstream::{self, kv};

/// The KV bucket holding the run-time settings.
pub const BUCKET: &str = "gophertok-config";

/// Versions kept per key, so an operator can see what a value was before.
const HISTORY: i64 = 5;

/// A word list of a few thousand words fits; NATS' default message limit is 1 MiB.
const MAX_VALUE_BYTES: i32 = 1 << 20;

/// The config bucket, created with `replicas` copies when it does not exist.
pub async fn open(js: &jetstream::Context, replicas: usize) -> Result<kv::Store, String> {
    if let Ok(store) = js.get_key_value(BUCKET).await {
        return Ok(store);
    }
    let config = kv::Config {
        bucket: BUCKET.to_owned(),
        description: "GopherTok run-time settings (gophertok config)".to_owned(),
        history: HISTORY,
        max_value_size: MAX_VALUE_BYTES,
        num_replicas: replicas,
        ..Default::default()
    };
    match js.create_key_value(config).await {
        Ok(store) => Ok(store),
        // Another instance created it first.
        Err(create) => js
            .get_key_value(BUCKET)
            .await
            .map_err(|_| format!("creating the config bucket {BUCKET}: {create}")),
    }
}
