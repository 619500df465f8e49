//! Token verification at the edge. The edge holds no signing key: it asks the user service
//! for the public keys (`user.v1.keys`), caches them, and refetches — at most every few
//! seconds — when a token names a key it does not know (key rotation). Only EdDSA is
//! accepted; `exp`, `iss` and `aud` are checked.
//!
//! Tokens with unknown `kid`s are what an attacker sends for free, so a refetch is
//! single-flight (one fetch in flight, the other unknown-`kid` tokens wait for its outcome;
//! tokens with known keys never wait), a `kid` no fetch knew is remembered for a while, and
//! a failed fetch is not retried for a moment: meanwhile such tokens answer 503 (the user
//! service is down, the token may be fine), not 401.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError, RwLock},
    time::{Duration, Instant},
};

use axum::http::StatusCode;
use contract::user::{Claims, GetVerifyingKeys, VerifyingKeys};
use jsonwebtoken::{Algorithm, DecodingKey, Validation, errors::ErrorKind as JwtErrorKind};
use mesh::Caller;

use crate::{
    error::ApiError,
    verified::{Verified, VerifiedTokens},
};

/// A fetch that succeeded is good for this long before an unknown `kid` may refetch.
const REFETCH_AFTER: Duration = Duration::from_secs(5);
/// After a failed fetch, unknown `kid`s answer 503 without fetching for this long.
const BACKOFF: Duration = Duration::from_secs(1);
/// A `kid` no fetch knew costs no fetch for this long.
const UNKNOWN_FOR: Duration = Duration::from_secs(10);
/// Most unknown `kid`s remembered (random ones beyond it are still bounded by REFETCH_AFTER).
const UNKNOWN_MAX: usize = 10_000;

pub struct Verifier {
    caller: Caller,
    /// Tokens that passed the full check lately (skips the signature check).
    verified: VerifiedTokens,
    /// The keys last fetched: read by every token, written once per fetch.
    keys: RwLock<Option<Arc<KeySet>>>,
    /// `kid`s no fetch knew, with when they were last looked for.
    unknown: Mutex<HashMap<String, Instant>>,
    /// Held by the one request fetching; the last attempt tells the waiters its outcome.
    refresh: tokio::sync::Mutex<Option<Attempt>>,
}

struct KeySet {
    keys: HashMap<String, Arc<DecodingKey>>,
    validation: Validation,
}

#[derive(Clone, Copy)]
struct Attempt {
    at: Instant,
    succeeded: bool,
}

impl Verifier {
    pub fn new(caller: Caller, verified: VerifiedTokens) -> Self {
        Self {
            caller,
            verified,
            keys: RwLock::new(None),
            unknown: Mutex::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(None),
        }
    }

    /// The user id a valid token was issued to; 401 for anything else, 503 while the keys
    /// cannot be fetched.
    pub async fn verify(&self, token: &str) -> Result<i64, ApiError> {
        if let Some(user_id) = self.verified.get(token).await {
            return Ok(user_id);
        }
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
        let user_id = data.claims.sub.parse().map_err(|_| invalid())?;
        let verified = Verified {
            user_id,
            exp: data.claims.exp,
        };
        self.verified.insert(token, verified).await;
        Ok(user_id)
    }

    async fn key(&self, kid: &str) -> Result<(Arc<DecodingKey>, Validation), ApiError> {
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        if self.known_unknown(kid) {
            return Err(invalid());
        }
        let mut last = self.refresh.lock().await;
        // The fetch this request waited for may have brought the key.
        if let Some(found) = self.cached(kid) {
            return Ok(found);
        }
        let previous = *last;
        match previous {
            Some(attempt) if !attempt.succeeded && attempt.at.elapsed() < BACKOFF => {
                return Err(keys_unavailable());
            }
            Some(attempt) if attempt.succeeded && attempt.at.elapsed() < REFETCH_AFTER => {}
            _ => {
                let fetched = self.caller.call(&GetVerifyingKeys {}).await;
                *last = Some(Attempt {
                    at: Instant::now(),
                    succeeded: fetched.is_ok(),
                });
                let reply = fetched.map_err(|err| {
                    tracing::warn!(error = %err, "fetching the token keys");
                    keys_unavailable()
                })?;
                // Stored before the lock is released: a request waiting on it must find the
                // keys this fetch brought, or it takes its known kid for an unknown one (a
                // 401 for a good token while the first requests after start-up race).
                *self.keys.write().unwrap_or_else(PoisonError::into_inner) =
                    Some(Arc::new(key_set(reply)));
                drop(last);
                if let Some(found) = self.cached(kid) {
                    return Ok(found);
                }
            }
        }
        self.remember_unknown(kid);
        Err(invalid())
    }

    fn cached(&self, kid: &str) -> Option<(Arc<DecodingKey>, Validation)> {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        let set = keys.as_ref()?;
        let key = set.keys.get(kid)?;
        Some((Arc::clone(key), set.validation.clone()))
    }

    fn known_unknown(&self, kid: &str) -> bool {
        let unknown = self.unknown.lock().unwrap_or_else(PoisonError::into_inner);
        unknown
            .get(kid)
            .is_some_and(|at| at.elapsed() < UNKNOWN_FOR)
    }

    fn remember_unknown(&self, kid: &str) {
        let mut unknown = self.unknown.lock().unwrap_or_else(PoisonError::into_inner);
        if unknown.len() >= UNKNOWN_MAX {
            unknown.retain(|_, at| at.elapsed() < UNKNOWN_FOR);
        }
        if unknown.len() < UNKNOWN_MAX {
            unknown.insert(kid.to_owned(), Instant::now());
        }
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
    KeySet { keys, validation }
}

fn invalid() -> ApiError {
    ApiError::unauthorized("invalid token")
}

fn keys_unavailable() -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "token keys unavailable")
}
