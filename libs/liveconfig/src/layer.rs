//! The bucket's values over the base layer: a candidate built from the base settings and
//! every key in the bucket, validated whole with the file layer's own `validate()` before
//! any of it is used.

use std::{collections::BTreeMap, sync::Arc};

use settings::{EdgeLimits, FeatureSettings, Settings};
use wordfilter::WordFilter;

use crate::keys::{Candidate, Key};

/// What the instance runs with now: the base layer with the bucket's values applied.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub limits: EdgeLimits,
    pub features: FeatureSettings,
    pub filter: Arc<WordFilter>,
    /// `None`: the start-up log filter.
    pub log_filter: Option<String>,
}

/// A value that was not applied, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused {key}: {reason}")]
pub struct Refusal {
    pub key: String,
    pub reason: String,
}

/// The bucket's values by key.
pub(crate) type Overrides = BTreeMap<Key, String>;

/// Defaults, file and environment as loaded at start, with the word filter they name.
#[derive(Debug)]
pub(crate) struct Base {
    pub settings: Settings,
    pub filter: Arc<WordFilter>,
}

impl Base {
    /// `base` with every value of `overrides`, validated whole; the reason otherwise.
    pub(crate) fn with(&self, overrides: &Overrides) -> Result<Snapshot, String> {
        let mut candidate = Candidate {
            settings: self.settings.clone(),
            words: None,
            log_filter: None,
        };
        for (key, value) in overrides {
            key.apply(&mut candidate, value)?;
        }
        candidate
            .settings
            .validate()
            .map_err(|err| err.to_string())?;
        let filter = match &candidate.words {
            Some(list) => Arc::new(WordFilter::from_list(list).map_err(|err| err.to_string())?),
            None => Arc::clone(&self.filter),
        };
        Ok(Snapshot {
            limits: candidate.settings.edge.limits,
            features: candidate.settings.features,
            filter,
            log_filter: candidate.log_filter,
        })
    }
}

/// Whether `value` for `key` would be applied over `settings` and the bucket's `current`
/// values (raw key names, as read from the bucket): what `gophertok config set` checks
/// before it writes. Unknown keys in `current` are ignored, as instances ignore them.
pub fn check(
    settings: &Settings,
    current: &BTreeMap<String, String>,
    key: &str,
    value: &str,
) -> Result<Key, Refusal> {
    let refusal = |reason: String| Refusal {
        key: key.to_owned(),
        reason,
    };
    let parsed = Key::parse(key).map_err(refusal)?;
    let mut overrides: Overrides = current
        .iter()
        .filter_map(|(name, value)| Some((Key::parse(name).ok()?, value.clone())))
        .collect();
    overrides.insert(parsed, value.to_owned());
    let base = Base {
        settings: settings.clone(),
        filter: Arc::new(WordFilter::default()),
    };
    base.with(&overrides).map(drop).map_err(refusal)?;
    Ok(parsed)
}

/// The base layer's value of `key`, in the bucket's format where it has one.
pub fn base_value(settings: &Settings, key: Key) -> String {
    let limits = &settings.edge.limits;
    let limit = |limit| serde_json::to_string(limit).unwrap_or_default();
    let switch = |on: bool| if on { "on" } else { "off" }.to_owned();
    match key {
        Key::PerIp => limit(&limits.per_ip),
        Key::PerUser => limit(&limits.per_user),
        Key::WritesPerUser => limit(&limits.writes_per_user),
        Key::LoginsPerUsername => limit(&limits.logins_per_username),
        Key::Words => match &settings.filter.words_path {
            Some(path) => format!("(the list in {})", path.display()),
            None => "(the built-in list)".to_owned(),
        },
        Key::LogFilter => settings.telemetry.log_filter.clone(),
        Key::Registration => switch(settings.features.registration),
        Key::Uploads => switch(settings.features.uploads),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_value_is_checked_by_format_and_by_the_settings_own_validation() {
        let settings = Settings::default();
        let none = current(&[]);
        let limit = r#"{"per_second": 5, "burst": 10}"#;
        assert_eq!(
            check(&settings, &none, "edge.limits.per_ip", limit),
            Ok(Key::PerIp)
        );
        let zero = r#"{"per_second": 5, "burst": 0}"#;
        let refused = check(&settings, &none, "edge.limits.per_ip", zero).unwrap_err();
        assert!(refused.reason.contains("edge.limits"), "{refused}");
        let typo = r#"{"per_sec": 5, "burst": 1}"#;
        let refused = check(&settings, &none, "edge.limits.per_user", typo).unwrap_err();
        assert!(refused.reason.contains("per_second"), "{refused}");
        let refused = check(&settings, &none, "features.uploads", "maybe").unwrap_err();
        assert!(refused.reason.contains("on or off"), "{refused}");
        let refused = check(&settings, &none, "telemetry.log_filter", "edge=loud").unwrap_err();
        assert!(refused.reason.contains("log filter"), "{refused}");
        assert!(check(&settings, &none, "nats.url", "x").is_err());
    }

    #[test]
    fn the_words_replace_the_base_list_and_deleting_them_restores_it() {
        let base = Base {
            settings: Settings::default(),
            filter: Arc::new(WordFilter::from_words(["spam"]).unwrap()),
        };
        let mut overrides = Overrides::new();
        overrides.insert(Key::Words, "# ours\nbanana\n".into());
        let live = base.with(&overrides).unwrap();
        assert_eq!(live.filter.mask("spam banana"), "spam ******");
        overrides.clear();
        let restored = base.with(&overrides).unwrap();
        assert_eq!(restored.filter.mask("spam banana"), "**** banana");
        assert_eq!(restored.limits, Settings::default().edge.limits);
    }
}
