//! Who a NATS connection is: the roles of the locked-down bus (`nats/auth/roles.conf`) and
//! the credentials each role connects with, taken from the settings (file or environment,
//! never from code).

use std::{collections::BTreeMap, path::PathBuf};

use serde::{Deserialize, Serialize};

/// A role of the bus. Each process connects as the role of what it runs (the all-in-one: one
/// connection per role), and the server lets each role do only its part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NatsRole {
    Edge,
    User,
    Video,
    Favorite,
    Comment,
    Relation,
    Chat,
    /// The operator: `gophertok` commands that manage streams, the load-test seeder, tests.
    Admin,
}

impl NatsRole {
    pub const ALL: [NatsRole; 8] = [
        NatsRole::Edge,
        NatsRole::User,
        NatsRole::Video,
        NatsRole::Favorite,
        NatsRole::Comment,
        NatsRole::Relation,
        NatsRole::Chat,
        NatsRole::Admin,
    ];

    /// The role's name: its key under `nats.credentials` and in the server's config.
    pub fn as_str(self) -> &'static str {
        match self {
            NatsRole::Edge => "edge",
            NatsRole::User => "user",
            NatsRole::Video => "video",
            NatsRole::Favorite => "favorite",
            NatsRole::Comment => "comment",
            NatsRole::Relation => "relation",
            NatsRole::Chat => "chat",
            NatsRole::Admin => "admin",
        }
    }

    /// Where the role's replies arrive. The server lets each role subscribe only under its
    /// own prefix, so no role can read another's replies (a shared `_INBOX.>` would).
    pub fn inbox_prefix(self) -> String {
        format!("_INBOX_{}", self.as_str())
    }
}

/// How one role authenticates: exactly one of user + password (or password file), an nkey
/// seed (or seed file), or a `.creds` file (JWT + seed, for operator-mode servers).
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NatsCredentials {
    pub user: Option<String>,
    pub password: Option<String>,
    pub password_file: Option<PathBuf>,
    pub nkey_seed: Option<String>,
    pub nkey_seed_file: Option<PathBuf>,
    pub creds_file: Option<PathBuf>,
}

/// Secrets stay out of logs and error messages: only which kind of credential is set shows.
impl std::fmt::Debug for NatsCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |set: bool| if set { "<redacted>" } else { "-" };
        f.debug_struct("NatsCredentials")
            .field("user", &self.user)
            .field("password", &hidden(self.password.is_some()))
            .field("password_file", &self.password_file)
            .field("nkey_seed", &hidden(self.nkey_seed.is_some()))
            .field("nkey_seed_file", &self.nkey_seed_file)
            .field("creds_file", &self.creds_file)
            .finish()
    }
}

impl NatsCredentials {
    /// An nkey seed read from `path` at connect time.
    pub fn nkey_seed_file(path: impl Into<PathBuf>) -> Self {
        Self {
            nkey_seed_file: Some(path.into()),
            ..Self::default()
        }
    }

    fn check(&self) -> Result<(), String> {
        let password = self.password.is_some() || self.password_file.is_some();
        if self.password.is_some() && self.password_file.is_some() {
            return Err("set password or password_file, not both".into());
        }
        if password != self.user.is_some() {
            return Err("user and password (or password_file) go together".into());
        }
        if self.nkey_seed.is_some() && self.nkey_seed_file.is_some() {
            return Err("set nkey_seed or nkey_seed_file, not both".into());
        }
        let nkey = self.nkey_seed.is_some() || self.nkey_seed_file.is_some();
        let kinds = [password, nkey, self.creds_file.is_some()];
        match kinds.iter().filter(|set| **set).count() {
            1 => Ok(()),
            0 => Err("no credential set (user+password, nkey_seed[_file] or creds_file)".into()),
            _ => Err("more than one kind of credential set; choose one".into()),
        }
    }

    /// `options` authenticating with these credentials (files are read now, so a rotated
    /// file takes effect at the next start).
    pub(crate) async fn apply(
        &self,
        options: async_nats::ConnectOptions,
    ) -> Result<async_nats::ConnectOptions, String> {
        let read = |path: &PathBuf| {
            std::fs::read_to_string(path)
                .map(|text| text.trim().to_owned())
                .map_err(|err| format!("reading {}: {err}", path.display()))
        };
        if let Some(path) = &self.creds_file {
            return options
                .credentials_file(path)
                .await
                .map_err(|err| format!("reading {}: {err}", path.display()));
        }
        if let Some(seed) = &self.nkey_seed {
            return Ok(options.nkey(seed.trim().to_owned()));
        }
        if let Some(path) = &self.nkey_seed_file {
            return Ok(options.nkey(read(path)?));
        }
        let user = self.user.clone().unwrap_or_default();
        let password = match (&self.password, &self.password_file) {
            (Some(password), _) => password.clone(),
            (None, Some(path)) => read(path)?,
            (None, None) => String::new(),
        };
        Ok(options.user_and_password(user, password))
    }
}

/// Refuses unknown role names and incomplete or ambiguous credentials, naming the setting.
pub(crate) fn check_credentials(
    credentials: &BTreeMap<String, NatsCredentials>,
) -> Result<(), String> {
    for (role, credential) in credentials {
        if !NatsRole::ALL.iter().any(|known| known.as_str() == role) {
            let known: Vec<_> = NatsRole::ALL.iter().map(|role| role.as_str()).collect();
            return Err(format!(
                "nats.credentials.{role}: no such role (roles: {})",
                known.join(", ")
            ));
        }
        credential
            .check()
            .map_err(|err| format!("nats.credentials.{role}: {err}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nkey() -> NatsCredentials {
        NatsCredentials {
            nkey_seed: Some("SUAEXAMPLE".into()),
            ..NatsCredentials::default()
        }
    }

    #[test]
    fn each_role_has_a_private_inbox_outside_the_shared_one() {
        assert_eq!(NatsRole::Edge.inbox_prefix(), "_INBOX_edge");
        assert!(!NatsRole::User.inbox_prefix().starts_with("_INBOX."));
    }

    #[test]
    fn credentials_must_name_a_known_role_and_exactly_one_kind() {
        let one = |role: &str, credential| BTreeMap::from([(role.to_owned(), credential)]);
        assert_eq!(check_credentials(&one("edge", nkey())), Ok(()));
        let err = check_credentials(&one("edgy", nkey())).unwrap_err();
        assert!(err.contains("nats.credentials.edgy: no such role"), "{err}");
        let err = check_credentials(&one("user", NatsCredentials::default())).unwrap_err();
        assert!(err.contains("no credential set"), "{err}");
        let both = NatsCredentials {
            user: Some("u".into()),
            password: Some("p".into()),
            ..nkey()
        };
        let err = check_credentials(&one("chat", both)).unwrap_err();
        assert!(err.contains("more than one kind"), "{err}");
        let lone_user = NatsCredentials {
            user: Some("u".into()),
            ..NatsCredentials::default()
        };
        let err = check_credentials(&one("chat", lone_user)).unwrap_err();
        assert!(err.contains("go together"), "{err}");
    }

    #[test]
    fn secrets_never_reach_debug_output() {
        let shown = format!("{:?}", nkey());
        assert!(!shown.contains("SUAEXAMPLE"), "{shown}");
        assert!(shown.contains("<redacted>"), "{shown}");
    }
}
