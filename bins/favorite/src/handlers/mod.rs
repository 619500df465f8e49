//! One file per request type of `favorite.v1.*`.

pub mod list;
pub mod page_stats;
pub mod set;
pub mod user_stats;
pub mod video_stats;

use crate::hot::FavKey;

/// The groups of `keys` whose read found nothing (not loaded).
fn missing<T>(keys: &[FavKey], found: &[Option<T>]) -> Vec<FavKey> {
    keys.iter()
        .zip(found)
        .filter(|(_, value)| value.is_none())
        .map(|(key, _)| *key)
        .collect()
}
