//! `gophertok config get [KEY] | set KEY VALUE | delete KEY | watch`: manage the config
//! centre's bucket (see the `liveconfig` crate). `set` checks the value as every instance
//! will — format and the settings' own validation over the base layer and the bucket's other
//! keys — and refuses a bad one with the reason (exit code 1) before writing anything.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use async_nats::jetstream::kv::{self, Operation};
use futures::{StreamExt, TryStreamExt};
use liveconfig::{KEYS, Key};
use settings::Settings;

pub const USAGE: &str = "\
usage: gophertok config get [KEY]      every key's value in use (bucket or base layer), or one
       gophertok config set KEY VALUE  check VALUE, then write it (VALUE @path: the file's text)
       gophertok config delete KEY     back to the base layer (defaults, file, environment)
       gophertok config watch          print each change as instances receive it";

#[derive(Debug, PartialEq)]
pub enum Command {
    Get(Option<String>),
    Set(String, String),
    Delete(String),
    Watch,
}

/// Reads the arguments after `config`.
pub fn parse(args: impl IntoIterator<Item = String>) -> anyhow::Result<Command> {
    let args: Vec<String> = args.into_iter().collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    Ok(match words.as_slice() {
        ["get"] => Command::Get(None),
        ["get", key] => Command::Get(Some(key.to_string())),
        ["set", key, value] => Command::Set(key.to_string(), value.to_string()),
        ["delete", key] => Command::Delete(key.to_string()),
        ["watch"] => Command::Watch,
        _ => bail!("{USAGE}"),
    })
}

/// Runs `command` against the bucket on the configured NATS.
pub async fn run(command: Command) -> anyhow::Result<()> {
    let settings = settings::load().context("loading settings")?;
    let nats = settings::connect_nats(
        &settings.nats,
        settings::NatsRole::Admin,
        "gophertok-config",
        true,
    )
    .await?;
    let js = async_nats::jetstream::new(nats);
    let bucket = liveconfig::open(&js, settings.nats.replicas)
        .await
        .map_err(anyhow::Error::msg)?;
    match command {
        Command::Get(None) => list(&settings, &bucket).await,
        Command::Get(Some(key)) => get(&settings, &bucket, &key).await,
        Command::Set(key, value) => set(&settings, &bucket, &key, &value).await,
        Command::Delete(key) => {
            Key::parse(&key).map_err(anyhow::Error::msg)?;
            bucket.delete(&key).await?;
            println!("{key}: deleted; instances use the base layer");
            Ok(())
        }
        Command::Watch => watch(&bucket).await,
    }
}

/// The bucket's current values by key.
async fn current(bucket: &kv::Store) -> anyhow::Result<BTreeMap<String, String>> {
    let keys: Vec<String> = bucket.keys().await?.try_collect().await?;
    let mut values = BTreeMap::new();
    for key in keys {
        if let Some(value) = bucket.get(&key).await? {
            values.insert(key, String::from_utf8_lossy(&value).into_owned());
        }
    }
    Ok(values)
}

async fn list(settings: &Settings, bucket: &kv::Store) -> anyhow::Result<()> {
    let current = current(bucket).await?;
    for key in KEYS {
        match current.get(key.name()) {
            Some(value) => println!("{} = {}  [bucket]", key.name(), one_line(value)),
            None => println!(
                "{} = {}  [base]",
                key.name(),
                liveconfig::base_value(settings, key)
            ),
        }
    }
    for unknown in current.keys().filter(|name| Key::parse(name).is_err()) {
        println!("{unknown}  [unknown key: instances ignore it]");
    }
    Ok(())
}

async fn get(settings: &Settings, bucket: &kv::Store, name: &str) -> anyhow::Result<()> {
    let key = Key::parse(name).map_err(anyhow::Error::msg)?;
    match bucket.get(name).await? {
        Some(value) => println!("{}", String::from_utf8_lossy(&value)),
        None => println!("{}", liveconfig::base_value(settings, key)),
    }
    Ok(())
}

async fn set(
    settings: &Settings,
    bucket: &kv::Store,
    key: &str,
    value: &str,
) -> anyhow::Result<()> {
    let value = match value.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).with_context(|| format!("reading {path}"))?,
        None => value.to_owned(),
    };
    let current = current(bucket).await?;
    liveconfig::check(settings, &current, key, &value)?;
    let revision = bucket.put(key, value.into()).await?;
    println!("{key}: set (revision {revision})");
    Ok(())
}

async fn watch(bucket: &kv::Store) -> anyhow::Result<()> {
    let mut entries = bucket.watch_with_history(">").await?;
    while let Some(entry) = entries.next().await {
        let entry = entry?;
        match entry.operation {
            Operation::Put => {
                let value = String::from_utf8_lossy(&entry.value);
                println!("#{} {} = {}", entry.revision, entry.key, one_line(&value));
            }
            Operation::Delete | Operation::Purge => {
                println!("#{} {} deleted", entry.revision, entry.key);
            }
        }
    }
    Ok(())
}

/// A multi-line value (a word list) on one line.
fn one_line(value: &str) -> String {
    value.trim_end().replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_list(list: &[&str]) -> anyhow::Result<Command> {
        parse(list.iter().map(|s| s.to_string()))
    }

    #[test]
    fn the_subcommands_take_their_arguments_and_nothing_else() {
        assert_eq!(parse_list(&["get"]).unwrap(), Command::Get(None));
        let set = parse_list(&["set", "features.uploads", "off"]).unwrap();
        assert_eq!(set, Command::Set("features.uploads".into(), "off".into()));
        assert_eq!(parse_list(&["watch"]).unwrap(), Command::Watch);
        assert!(parse_list(&["set", "features.uploads"]).is_err());
        assert!(parse_list(&["drop"]).is_err());
    }
}
