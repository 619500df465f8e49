//! Tokens already verified, by their text. Checking a token is an Ed25519 signature check
//! (tens of µs of CPU, the largest single cost of an authenticated call after JSON in the
//! feed's profile) and an app sends the same token with every call, so the edge remembers
//! who a valid token belongs to and until when, for `cache.token_ttl_ms`. An expired token
//! is never answered from here: past its `exp` it goes through the full check again, which
//! names the error. The cost of remembering: a key removed from `user.v1.keys` stops
//! accepting its tokens up to the TTL later, not at once.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use moka::future::Cache;

/// Who a verified token was issued to, and when it expires (seconds since the epoch).
#[derive(Debug, Clone, Copy)]
pub struct Verified {
    pub user_id: i64,
    pub exp: u64,
}

pub struct VerifiedTokens {
    cache: Option<Cache<String, Verified>>,
}

impl VerifiedTokens {
    /// At most `entries` tokens, each for `ttl`; `entries == 0` remembers nothing.
    pub fn new(entries: u64, ttl: Duration) -> Self {
        let cache = (entries > 0).then(|| {
            Cache::builder()
                .max_capacity(entries)
                .time_to_live(ttl)
                .build()
        });
        Self { cache }
    }

    /// The user of `token` if it was verified recently and has not expired since.
    pub async fn get(&self, token: &str) -> Option<i64> {
        let found = self.cache.as_ref()?.get(token).await?;
        (found.exp > now_secs()).then_some(found.user_id)
    }

    pub async fn insert(&self, token: &str, verified: Verified) {
        if let Some(cache) = &self.cache {
            cache.insert(token.to_owned(), verified).await;
        }
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_remembered_token_answers_until_it_expires() {
        let tokens = VerifiedTokens::new(10, Duration::from_secs(60));
        let now = now_secs();
        tokens
            .insert(
                "a",
                Verified {
                    user_id: 7,
                    exp: now + 100,
                },
            )
            .await;
        tokens
            .insert(
                "b",
                Verified {
                    user_id: 8,
                    exp: now - 1,
                },
            )
            .await;
        assert_eq!(tokens.get("a").await, Some(7));
        assert_eq!(
            tokens.get("b").await,
            None,
            "expired tokens are checked again"
        );
        assert_eq!(tokens.get("c").await, None);
        let off = VerifiedTokens::new(0, Duration::from_secs(60));
        off.insert(
            "a",
            Verified {
                user_id: 7,
                exp: now + 100,
            },
        )
        .await;
        assert_eq!(off.get("a").await, None);
    }
}
