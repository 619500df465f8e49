//! Fresh nkeys for every role of the locked-down bus, and the files that hand them out: one
//! seed file per role (the secret; only that role's process reads it), the public keys as
//! the env file nats-server's `nats/auth/users.conf` reads, and the settings that point each
//! role at its seed file. Used by `gophertok-nats-auth` and by the tests.

use std::{io, path::Path};

use crate::NatsRole;

/// One role's key pair: the seed signs the server's challenge, the public key is what the
/// server's config lists.
pub struct RoleKey {
    pub role: NatsRole,
    pub seed: String,
    pub public_key: String,
}

impl RoleKey {
    /// The variable `nats/auth/users.conf` takes this role's public key from.
    pub fn env_name(&self) -> String {
        format!("GOPHERTOK_NKEY_{}", self.role.as_str().to_uppercase())
    }
}

/// A new user nkey for every role.
pub fn generate_role_keys() -> Result<Vec<RoleKey>, String> {
    NatsRole::ALL
        .iter()
        .map(|&role| {
            let pair = nkeys::KeyPair::new_user();
            let seed = pair.seed().map_err(|err| err.to_string())?;
            Ok(RoleKey {
                role,
                seed,
                public_key: pair.public_key(),
            })
        })
        .collect()
}

/// `GOPHERTOK_NKEY_<ROLE>=<public key>` lines, for `set -a; . keys.env` before nats-server.
pub fn keys_env(keys: &[RoleKey]) -> String {
    let mut text = String::from(
        "# Public nkeys of the GopherTok roles for nats/auth/users.conf (not secret).\n",
    );
    for key in keys {
        text.push_str(&format!("{}={}\n", key.env_name(), key.public_key));
    }
    text
}

/// The `[nats.credentials.<role>]` settings pointing every role at its seed file in `dir`.
pub fn credentials_toml(keys: &[RoleKey], dir: &Path) -> String {
    let mut text = String::from(
        "# GopherTok settings: each role connects with its own seed (GOPHERTOK_CONFIG=this file).\n\
         # A process reads only the seed of the roles it runs; give each host only those files.\n",
    );
    for key in keys {
        let path = dir.join(format!("{}.nk", key.role.as_str()));
        text.push_str(&format!(
            "\n[nats.credentials.{}]\nnkey_seed_file = {:?}\n",
            key.role.as_str(),
            path.display().to_string()
        ));
    }
    text
}

/// Writes `<role>.nk` (readable by the owner only), `keys.env` and `gophertok.toml` to
/// `dir`, which is created if missing. Existing seed files are never overwritten: rotating
/// keys is a deliberate step (delete them first).
pub fn write_role_keys(dir: &Path, keys: &[RoleKey]) -> io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for key in keys {
        let path = dir.join(format!("{}.nk", key.role.as_str()));
        write_secret(&path, &key.seed)?;
    }
    std::fs::write(dir.join("keys.env"), keys_env(keys))?;
    let dir = std::path::absolute(dir)?;
    std::fs::write(dir.join("gophertok.toml"), credentials_toml(keys, &dir))
}

fn write_secret(path: &Path, seed: &str) -> io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display())))?;
    writeln!(file, "{seed}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_gets_its_own_user_key_and_the_files_name_them() {
        let keys = generate_role_keys().unwrap();
        assert_eq!(keys.len(), NatsRole::ALL.len());
        assert!(keys.iter().all(|key| key.public_key.starts_with('U')));
        assert!(keys.iter().all(|key| key.seed.starts_with("SU")));
        let dir = tempfile::tempdir().unwrap();
        write_role_keys(dir.path(), &keys).unwrap();
        let env = std::fs::read_to_string(dir.path().join("keys.env")).unwrap();
        assert!(env.contains(&format!("GOPHERTOK_NKEY_EDGE={}", keys[0].public_key)));
        assert!(!env.contains(&keys[0].seed), "no seed in the public file");
        let seed = std::fs::read_to_string(dir.path().join("edge.nk")).unwrap();
        assert_eq!(seed.trim(), keys[0].seed);
        let again = write_role_keys(dir.path(), &keys).unwrap_err();
        assert_eq!(
            again.kind(),
            io::ErrorKind::AlreadyExists,
            "never overwrites"
        );
        let toml = dir.path().join("gophertok.toml");
        let settings = crate::load_from(Some(&toml), Default::default()).unwrap();
        assert_eq!(settings.nats.credentials.len(), NatsRole::ALL.len());
        assert_eq!(
            settings.nats.credentials["chat"].nkey_seed_file,
            Some(std::path::absolute(dir.path()).unwrap().join("chat.nk"))
        );
    }
}
