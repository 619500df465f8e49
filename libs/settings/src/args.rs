//! A tiny `--name value` argument reader for the load-test commands: every flag is named in
//! advance, so a misspelt one fails instead of being silently ignored.

use std::{collections::HashMap, str::FromStr};

use anyhow::{Context, bail};

pub struct Args {
    values: HashMap<String, String>,
}

impl Args {
    /// Reads `--name value` pairs; `known` lists the accepted names (without `--`).
    pub fn parse(args: impl IntoIterator<Item = String>, known: &[&str]) -> anyhow::Result<Self> {
        let mut values = HashMap::new();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let Some(name) = flag.strip_prefix("--") else {
                bail!("expected --flag value, got {flag:?}");
            };
            if !known.contains(&name) {
                bail!("unknown flag --{name}; known: --{}", known.join(" --"));
            }
            let value = args
                .next()
                .with_context(|| format!("--{name} needs a value"))?;
            values.insert(name.to_owned(), value);
        }
        Ok(Self { values })
    }

    /// The value of `--name` parsed as `T`, or `default` when absent.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> anyhow::Result<T>
    where
        T::Err: std::fmt::Display,
    {
        match self.values.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse()
                .map_err(|err| anyhow::anyhow!("--{name} {raw:?}: {err}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn known_flags_are_read_and_others_refused() {
        let parsed = Args::parse(args(&["--users", "5"]), &["users", "videos"]).unwrap();
        assert_eq!(parsed.get("users", 1usize).unwrap(), 5);
        assert_eq!(parsed.get("videos", 7usize).unwrap(), 7);
        assert!(Args::parse(args(&["--user", "5"]), &["users"]).is_err());
        assert!(Args::parse(args(&["--users"]), &["users"]).is_err());
        assert!(parsed.get::<u8>("users", 0).is_ok());
        let bad = Args::parse(args(&["--users", "x"]), &["users"]).unwrap();
        assert!(bad.get("users", 0usize).is_err());
    }
}
