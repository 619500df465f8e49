//! A tiny `--name value` / `--switch` argument reader for the project's commands (the
//! load-test tools, `gophertok mesh`): every flag is named in advance, so a misspelt one
//! fails instead of being silently ignored. Small enough not to need a parser crate.

use std::{collections::HashMap, str::FromStr};

#[derive(Debug, thiserror::Error)]
pub enum ArgsError {
    #[error("expected --flag, got {0:?}")]
    NotAFlag(String),
    #[error("unknown flag --{name}; known: {known}")]
    Unknown { name: String, known: String },
    #[error("--{0} needs a value")]
    MissingValue(String),
    #[error("--{name} {raw:?}: {reason}")]
    Invalid {
        name: String,
        raw: String,
        reason: String,
    },
}

pub struct Args {
    values: HashMap<String, String>,
}

impl Args {
    /// Reads `--name value` pairs; `known` lists the accepted names (without `--`).
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
    ) -> Result<Self, ArgsError> {
        Self::parse_with_switches(args, known, &[])
    }

    /// Like [`Args::parse`], and `switches` are flags that take no value (`--json`).
    pub fn parse_with_switches(
        args: impl IntoIterator<Item = String>,
        known: &[&str],
        switches: &[&str],
    ) -> Result<Self, ArgsError> {
        let mut values = HashMap::new();
        let mut args = args.into_iter();
        while let Some(flag) = args.next() {
            let Some(name) = flag.strip_prefix("--") else {
                return Err(ArgsError::NotAFlag(flag));
            };
            let value = if switches.contains(&name) {
                String::from("true")
            } else if known.contains(&name) {
                args.next()
                    .ok_or_else(|| ArgsError::MissingValue(name.to_owned()))?
            } else {
                let all: Vec<String> = known
                    .iter()
                    .chain(switches)
                    .map(|k| format!("--{k}"))
                    .collect();
                return Err(ArgsError::Unknown {
                    name: name.to_owned(),
                    known: all.join(" "),
                });
            };
            values.insert(name.to_owned(), value);
        }
        Ok(Self { values })
    }

    /// The value of `--name` parsed as `T`, or `default` when absent.
    pub fn get<T: FromStr>(&self, name: &str, default: T) -> Result<T, ArgsError>
    where
        T::Err: std::fmt::Display,
    {
        match self.values.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse().map_err(|err: T::Err| ArgsError::Invalid {
                name: name.to_owned(),
                raw: raw.clone(),
                reason: err.to_string(),
            }),
        }
    }

    /// Whether the switch `--name` was given.
    pub fn switch(&self, name: &str) -> bool {
        self.values.contains_key(name)
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

    #[test]
    fn switches_take_no_value() {
        let parsed = Args::parse_with_switches(
            args(&["--json", "--window-ms", "9"]),
            &["window-ms"],
            &["json"],
        )
        .unwrap();
        assert!(parsed.switch("json"));
        assert_eq!(parsed.get("window-ms", 0u64).unwrap(), 9);
        let without = Args::parse_with_switches(args(&[]), &["window-ms"], &["json"]).unwrap();
        assert!(!without.switch("json"));
        let err = Args::parse_with_switches(args(&["--jsn"]), &[], &["json"])
            .err()
            .unwrap();
        assert!(err.to_string().contains("--json"), "{err}");
    }
}
