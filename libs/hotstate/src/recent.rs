//! The groups that recent persisted batches touched: the drift verifier's sample. A group
//! stays in it for `hot.verify_rounds` rounds after its last persisted write, so a Redis
//! fail-over that loses writes shortly after they were persisted is still caught; at most
//! `hot.verify_max_groups` are handed out per round, the most recently touched first.
//! Groups nobody has written to lately are never verified: their keys are either untouched
//! since a rebuild (exact) or gone (rebuilt on the next read).

use std::{collections::HashMap, hash::Hash, sync::Mutex};

pub struct Recent<K> {
    inner: Mutex<Touched<K>>,
    max: usize,
    rounds: u64,
}

struct Touched<K> {
    /// The current round; a touch records it.
    round: u64,
    touched: HashMap<K, u64>,
}

impl<K: Hash + Eq + Clone> Recent<K> {
    pub fn new(settings: &settings::HotSettings) -> Self {
        Self {
            inner: Mutex::new(Touched {
                round: 0,
                touched: HashMap::new(),
            }),
            max: settings.verify_max_groups.max(1),
            rounds: u64::from(settings.verify_rounds.max(1)),
        }
    }

    /// Records the groups a persisted batch wrote to.
    pub fn touch(&self, keys: impl IntoIterator<Item = K>) {
        let mut inner = self.lock();
        let round = inner.round;
        inner
            .touched
            .extend(keys.into_iter().map(|key| (key, round)));
        // Memory stays bounded between rounds too: past twice the sample, keep the newest.
        if inner.touched.len() > 2 * self.max {
            let keep = newest(&inner.touched, self.max);
            inner.touched = keep.into_iter().collect();
        }
    }

    /// Starts a round: the groups to verify now (touched within the last `rounds` rounds,
    /// newest first, at most `max`). Older ones leave the sample.
    pub fn round(&self) -> Vec<K> {
        let mut inner = self.lock();
        inner.round += 1;
        let (round, rounds) = (inner.round, self.rounds);
        inner.touched.retain(|_, at| round - *at <= rounds);
        newest(&inner.touched, self.max)
            .into_iter()
            .map(|(key, _)| key)
            .collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Touched<K>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn newest<K: Clone>(touched: &HashMap<K, u64>, max: usize) -> Vec<(K, u64)> {
    let mut all: Vec<(K, u64)> = touched.iter().map(|(k, at)| (k.clone(), *at)).collect();
    all.sort_unstable_by_key(|(_, at)| std::cmp::Reverse(*at));
    all.truncate(max);
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recent(max: usize, rounds: u32) -> Recent<i64> {
        Recent::new(&settings::HotSettings {
            verify_max_groups: max,
            verify_rounds: rounds,
            ..Default::default()
        })
    }

    #[test]
    fn a_group_is_verified_for_the_configured_rounds_after_its_last_write() {
        let recent = recent(10, 2);
        recent.touch([1, 2]);
        let mut first = recent.round();
        first.sort();
        assert_eq!(first, [1, 2]);
        recent.touch([2]);
        assert_eq!(recent.round().len(), 2, "both still within two rounds");
        assert_eq!(recent.round(), [2], "1 was last written three rounds ago");
        assert_eq!(recent.round(), Vec::<i64>::new());
    }

    #[test]
    fn a_round_hands_out_at_most_the_newest_max_groups() {
        let recent = recent(3, 5);
        recent.touch(0..100);
        recent.round();
        recent.touch([500, 501]);
        let sample = recent.round();
        assert_eq!(sample.len(), 3);
        assert!(sample.contains(&500) && sample.contains(&501), "{sample:?}");
    }
}
