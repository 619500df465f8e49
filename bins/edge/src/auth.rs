//! Token verification at the edge. The edge holds no signing key: it asks the user service
//! for the public keys (`user.v1.keys`), caches them, and refetches — at most every few
//! seconds — when a token names a key it does not know (key rotation). Only EdDSA is
//! accepted; `exp`, `iss` and `aud` are checked.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use contract::user::{Claims, GetVerifyingKeys, VerifyingKeys};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind as JwtErrorKind};
use mesh::Caller;
use tokio::sync::RwLock;

use crate::error::ApiError;

const REFETCH_AFTER: Duration = Duration::from_secs(5);

pub struct Verifier {
    caller: Caller,
    cache: RwLock<Option<KeySet>>,
}

struct KeySet {
    keys: HashMap<String, Arc<DecodingKey>>,
    validation: Validation,
    fetched_at: Instant,
}

impl Verifier {
    pub fn new(caller: Caller) -> Self {
        Self {
            caller,
            cache: RwLock::new(None),
        }
    }

    /// The user id a valid token was issued to; 401 for anything else.
    pub async fn verify(&self, token: &str) -> Result<i64, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid())?;
        if header.alg != Algorithm::EdDSA {
            return Err(invalid());
        }
        let kid = header.kid.ok_or_else(invalid)?;
        let (key, validation) = self.key(&kid).await?;
        let data =
            jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|err| {
                match err.kind() {
                    JwtErrorKind::ExpiredSignature => ApiError::unauthorized("token expired"),
                    _ => invalid(),
                }
            })?;
        data.claims.sub.parse().map_err(|_| invalid())
    }

    async fn key(&self, kid: &str) -> Result<(Arc<DecodingKey>, Validation), ApiError> {
        if let Some(found) = self.cached(kid).await {
            return Ok(found);
        }
        let mut cache = self.cache.write().await;
        let stale = cache
            .as_ref()
            .is_none_or(|set| set.fetched_at.elapsed() >= REFETCH_AFTER);
        if stale {
            let reply = self.caller.call(&GetVerifyingKeys {}).await?;
            *cache = Some(key_set(reply));
        }
        drop(cache);
        self.cached(kid).await.ok_or_else(invalid)
    }

    async fn cached(&self, kid: &str) -> Option<(Arc<DecodingKey>, Validation)> {
        let cache = self.cache.read().await;
        let set = cache.as_ref()?;
        let key = set.keys.get(kid)?;
        Some((Arc::clone(key), set.validation.clone()))
    }
}

fn key_set(reply: VerifyingKeys) -> KeySet {
    let keys = reply
        .keys
        .into_iter()
        .filter_map(
            |key| match DecodingKey::from_ed_pem(key.public_pem.as_bytes()) {
                Ok(decoding) => Some((key.kid, Arc::new(decoding))),
                Err(err) => {
                    tracing::error!(kid = key.kid, error = %err, "unusable verifying key");
                    None
                }
            },
        )
        .collect();
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.algorithms = vec![Algorithm::EdDSA];
    validation.set_issuer(&[reply.issuer]);
    validation.set_audience(&[reply.audience]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 5;
    KeySet {
        keys,
        validation,
        fetched_at: Instant::now(),
    }
}

fn invalid() -> ApiError {
    ApiError::unauthorized("invalid token")
}
