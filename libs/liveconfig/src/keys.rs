//! The keys of the config bucket, the format of each value and how it changes a candidate.

use settings::{RateLimit, Settings};

/// Every key the bucket may hold; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    PerIp,
    PerUser,
    WritesPerUser,
    LoginsPerUsername,
    Words,
    LogFilter,
    Registration,
    Uploads,
}

/// All keys, in the order `gophertok config get` lists them.
pub const KEYS: [Key; 8] = [
    Key::PerIp,
    Key::PerUser,
    Key::WritesPerUser,
    Key::LoginsPerUsername,
    Key::Words,
    Key::LogFilter,
    Key::Registration,
    Key::Uploads,
];

/// What a value changes, before the whole is validated.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub settings: Settings,
    /// A word list in the word file's format; `None`: the base filter.
    pub words: Option<String>,
    /// Log filter directives; `None`: the process's start-up filter.
    pub log_filter: Option<String>,
}

impl Key {
    /// The bucket key, named like the setting it overrides.
    pub fn name(self) -> &'static str {
        match self {
            Key::PerIp => "edge.limits.per_ip",
            Key::PerUser => "edge.limits.per_user",
            Key::WritesPerUser => "edge.limits.writes_per_user",
            Key::LoginsPerUsername => "edge.limits.logins_per_username",
            Key::Words => "filter.words",
            Key::LogFilter => "telemetry.log_filter",
            Key::Registration => "features.registration",
            Key::Uploads => "features.uploads",
        }
    }

    /// The key called `name`, or a message listing the known ones.
    pub fn parse(name: &str) -> Result<Key, String> {
        KEYS.into_iter()
            .find(|key| key.name() == name)
            .ok_or_else(|| {
                let known: Vec<&str> = KEYS.iter().map(|key| key.name()).collect();
                format!("unknown key {name:?}; known: {}", known.join(", "))
            })
    }

    /// Writes `value` into `candidate`; the format's error, if it is not one.
    pub(crate) fn apply(self, candidate: &mut Candidate, value: &str) -> Result<(), String> {
        let limits = &mut candidate.settings.edge.limits;
        let features = &mut candidate.settings.features;
        match self {
            Key::PerIp => limits.per_ip = rate_limit(value)?,
            Key::PerUser => limits.per_user = rate_limit(value)?,
            Key::WritesPerUser => limits.writes_per_user = rate_limit(value)?,
            Key::LoginsPerUsername => limits.logins_per_username = rate_limit(value)?,
            Key::Words => candidate.words = Some(value.to_owned()),
            Key::LogFilter => {
                telemetry::check_log_filter(value)?;
                candidate.log_filter = Some(value.to_owned());
            }
            Key::Registration => features.registration = switch(value)?,
            Key::Uploads => features.uploads = switch(value)?,
        }
        Ok(())
    }
}

fn rate_limit(value: &str) -> Result<RateLimit, String> {
    serde_json::from_str(value)
        .map_err(|err| format!("expected {{\"per_second\": N, \"burst\": N}} ({err})"))
}

fn switch(value: &str) -> Result<bool, String> {
    match value.trim() {
        "on" | "true" => Ok(true),
        "off" | "false" => Ok(false),
        other => Err(format!("expected on or off, got {other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_parses_back_from_its_name_and_others_are_refused() {
        for key in KEYS {
            assert_eq!(Key::parse(key.name()), Ok(key));
        }
        let err = Key::parse("edge.limits.per_host").unwrap_err();
        assert!(err.contains("edge.limits.per_ip"), "{err}");
    }
}
