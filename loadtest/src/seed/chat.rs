//! Seeded conversations, written through the chat worker's own store (MySQL or ScyllaDB,
//! whichever `chat.store` names), so they read back exactly like sent messages.

use std::sync::Arc;

use chat::store::ChatStore;
use contract::chat::MessageInfo;
use futures::{StreamExt, TryStreamExt};
use ids::Snowflake;
use rand::{Rng, SeedableRng, rngs::StdRng};

/// Messages stored at once: the store writes one message per call (a small transaction).
const IN_FLIGHT: usize = 16;

/// Writes `messages` messages spread over `pairs` (user ids), at times between `start_ms`
/// and `now_ms`; returns each pair's newest message time (0 for a pair without messages).
pub async fn seed(
    store: Arc<dyn ChatStore>,
    ids: &Snowflake,
    pairs: &[(i64, i64)],
    messages: usize,
    (start_ms, now_ms): (i64, i64),
    rng_seed: u64,
) -> anyhow::Result<Vec<i64>> {
    let mut rng = StdRng::seed_from_u64(rng_seed ^ 0xC4A7);
    let mut newest = vec![0i64; pairs.len()];
    let mut all = Vec::with_capacity(messages);
    for n in 0..messages {
        let pair = n % pairs.len().max(1);
        let Some(&(a, b)) = pairs.get(pair) else {
            break;
        };
        let (from_id, to_id) = if rng.gen_bool(0.5) { (a, b) } else { (b, a) };
        let create_time = rng.gen_range(start_ms..now_ms);
        all.push((
            pair,
            MessageInfo {
                id: ids.next_id().await?,
                from_id,
                to_id,
                content: format!("load test message {n}"),
                create_time,
            },
        ));
    }
    // Oldest first: the store moves a time that is not after its conversation's latest (see
    // `ChatStore::append`), which then stays a shift of a few ms from concurrent writes.
    all.sort_by_key(|(_, message)| message.create_time);
    let stored: Vec<(usize, i64)> = futures::stream::iter(all)
        .map(|(pair, message)| {
            let store = Arc::clone(&store);
            async move { Ok::<_, anyhow::Error>((pair, store.append(&message).await?)) }
        })
        .buffer_unordered(IN_FLIGHT)
        .try_collect()
        .await?;
    // The times the store assigned, not the ones asked for.
    for (pair, time) in stored {
        newest[pair] = newest[pair].max(time);
    }
    Ok(newest)
}
