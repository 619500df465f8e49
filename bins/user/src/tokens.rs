//! Session tokens: JWTs signed with Ed25519 (EdDSA). Only this worker holds the private key;
//! the edge verifies with the public key it asks for on `user.v1.keys`. Without a configured
//! key, one is generated on first start in `data_dir/keys/` and reused afterwards, so tokens
//! survive restarts.

use std::{
    io::Write,
    path::{Path, PathBuf},
    time::{SystemTime, UNIX_EPOCH},
};

use contract::user::{Claims, VerifyingKey, VerifyingKeys};
use ed25519_dalek::{
    SigningKey,
    pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, spki::der::pem::LineEnding},
};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use settings::AuthSettings;
use sha2::{Digest, Sha256};

use crate::error::UserError;

pub struct TokenIssuer {
    encoding: EncodingKey,
    public: VerifyingKey,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("signing key file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("signing key file {path} is not an Ed25519 PKCS#8 PEM key: {message}")]
    Format { path: PathBuf, message: String },
}

impl TokenIssuer {
    /// Loads the configured key, or the generated one under `data_dir` (creating it once).
    pub fn load(auth: &AuthSettings, data_dir: &Path) -> Result<Self, KeyError> {
        let path = match &auth.private_key_path {
            Some(path) => path.clone(),
            None => ensure_generated_key(&data_dir.join("keys"))?,
        };
        let pem = std::fs::read_to_string(&path).map_err(|source| KeyError::Io {
            path: path.clone(),
            source,
        })?;
        let format_error = |message: String| KeyError::Format {
            path: path.clone(),
            message,
        };
        let signing = SigningKey::from_pkcs8_pem(&pem).map_err(|e| format_error(e.to_string()))?;
        let encoding =
            EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| format_error(e.to_string()))?;
        let verifying = signing.verifying_key();
        let public_pem = verifying
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| format_error(e.to_string()))?;
        let kid = hex16(&Sha256::digest(verifying.as_bytes()));
        Ok(Self {
            encoding,
            public: VerifyingKey { kid, public_pem },
            issuer: auth.issuer.clone(),
            audience: auth.audience.clone(),
            ttl_secs: auth.token_ttl_secs,
        })
    }

    /// A signed token for `user_id`, valid for the configured lifetime.
    pub fn mint(&self, user_id: i64) -> Result<String, UserError> {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let claims = Claims {
            sub: user_id.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs,
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.public.kid.clone());
        Ok(jsonwebtoken::encode(&header, &claims, &self.encoding)?)
    }

    pub fn verifying_keys(&self) -> VerifyingKeys {
        VerifyingKeys {
            issuer: self.issuer.clone(),
            audience: self.audience.clone(),
            keys: vec![self.public.clone()],
        }
    }
}

/// Creates `dir/token-ed25519.pem` unless it exists. Instances sharing the directory race
/// safely: the key is written to a temporary file and linked into place, which fails if
/// another instance linked first — then everyone uses the winner's key.
fn ensure_generated_key(dir: &Path) -> Result<PathBuf, KeyError> {
    let path = dir.join("token-ed25519.pem");
    if path.exists() {
        return Ok(path);
    }
    let io_error = |source| KeyError::Io {
        path: path.clone(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io_error)?;
    let key = SigningKey::generate(&mut rand::rngs::OsRng);
    let pem = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| KeyError::Format {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let mut temp = tempfile_in(dir).map_err(io_error)?;
    temp.1.write_all(pem.as_bytes()).map_err(io_error)?;
    temp.1.sync_all().map_err(io_error)?;
    match std::fs::hard_link(&temp.0, &path) {
        Ok(()) => tracing::info!(path = %path.display(), "generated a token signing key"),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(err) => return Err(io_error(err)),
    }
    let _ = std::fs::remove_file(&temp.0);
    Ok(path)
}

/// A new file readable by its owner only.
fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".key-{:016x}.tmp", rand::random::<u64>()));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let file = options.open(&path)?;
    Ok((path, file))
}

fn hex16(digest: &[u8]) -> String {
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_is_kept_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let auth = AuthSettings::default();
        let first = TokenIssuer::load(&auth, dir.path()).unwrap();
        let second = TokenIssuer::load(&auth, dir.path()).unwrap();
        assert_eq!(first.public, second.public);
        let token = first.mint(42).unwrap();
        assert_eq!(token.split('.').count(), 3);
    }
}
