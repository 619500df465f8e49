//! The last state of one (user, video) pair and the rule that advances it — the same rule
//! the MySQL upsert applies, so hot state rebuilt from rows plus unpersisted events equals
//! what the database will hold once the consumer catches up.

use contract::favorite::FavoriteEvent;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairState {
    pub liked: bool,
    /// Stream sequence of the event that set `liked` (0: never).
    pub seq: u64,
    /// Time of the event that set the state: for a like, where the video sits in the
    /// user's list (a repeated like moves it to the top, like a fresh one).
    pub liked_ms: i64,
}

impl PairState {
    /// Applies `event` (stream sequence `seq`) if it is newer than what set this state.
    pub fn advance(&mut self, seq: u64, event: &FavoriteEvent) {
        if seq <= self.seq {
            return;
        }
        // The newest event decides everything, so the result is the same in any order.
        self.liked_ms = event.at_ms;
        self.liked = event.liked;
        self.seq = seq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(liked: bool, at_ms: i64) -> FavoriteEvent {
        FavoriteEvent {
            user_id: 1,
            video_id: 2,
            author_id: 3,
            liked,
            at_ms,
        }
    }

    #[test]
    fn like_unlike_like_ends_liked_in_any_delivery_order() {
        let events = [
            (1, event(true, 10)),
            (2, event(false, 20)),
            (3, event(true, 30)),
        ];
        let orders: [&[usize]; 5] = [
            &[0, 1, 2],
            &[2, 1, 0],
            &[1, 2, 0],
            &[2, 0, 1],
            &[0, 2, 1, 1, 0],
        ];
        for order in orders {
            let mut state = PairState::default();
            for &i in order {
                let (seq, e) = &events[i];
                state.advance(*seq, e);
            }
            assert_eq!((state.liked, state.seq, state.liked_ms), (true, 3, 30));
        }
    }

    #[test]
    fn liking_twice_moves_the_like_to_the_newest_time() {
        let mut state = PairState::default();
        state.advance(1, &event(true, 10));
        state.advance(2, &event(true, 20));
        assert_eq!((state.liked, state.liked_ms), (true, 20));
    }
}
