//! Layered configuration — defaults in code, then an optional TOML file, then
//! `GOPHERTOK__SECTION__KEY` environment variables — and the builders of the clients it
//! configures (NATS, MySQL with migrations, Redis).

mod clients;
mod migrations;
mod model;

pub use clients::{ClientError, connect_mysql, connect_nats, connect_redis};
pub use migrations::MIGRATOR;
pub use model::*;

use std::path::{Path, PathBuf};

use config::{Config, Environment, File, FileFormat};

/// Environment variable naming the optional config file.
pub const CONFIG_FILE_ENV: &str = "GOPHERTOK_CONFIG";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("reading configuration: {0}")]
    Read(#[from] config::ConfigError),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

/// Loads settings from the defaults, the file named by `GOPHERTOK_CONFIG` (or
/// `gophertok.toml` in the working directory, if present) and the environment.
pub fn load() -> Result<Settings, SettingsError> {
    let file = std::env::var_os(CONFIG_FILE_ENV).map(PathBuf::from);
    load_from(file.as_deref(), true)
}

/// Loads settings from the defaults, `file` (required if given) and, if `env`, the environment.
pub fn load_from(file: Option<&Path>, env: bool) -> Result<Settings, SettingsError> {
    let defaults = Config::try_from(&Settings::default())?;
    let mut builder = Config::builder().add_source(defaults);
    builder = match file {
        Some(path) => builder.add_source(File::from(path).required(true)),
        None => builder.add_source(File::new("gophertok", FileFormat::Toml).required(false)),
    };
    if env {
        builder = builder.add_source(
            Environment::with_prefix("GOPHERTOK")
                .prefix_separator("__")
                .separator("__")
                .try_parsing(true),
        );
    }
    let settings: Settings = builder.build()?.try_deserialize()?;
    settings.validate()?;
    Ok(settings)
}
