//! The newest-event-wins rule of `Versioned::advance`, which rebuilds follow pairs from MySQL
//! plus the unpersisted tail: any delivery order, with replays, ends in the same state.

use mesh::batch::Versioned;

/// Follow (seq 1), unfollow (seq 2), follow again (seq 3).
const EVENTS: [(u64, bool, i64); 3] = [(1, true, 10), (2, false, 20), (3, true, 30)];

fn after(order: &[usize]) -> Versioned {
    let mut state = Versioned::default();
    for &i in order {
        let (seq, on, at_ms) = EVENTS[i];
        state.advance(seq, on, at_ms);
    }
    state
}

#[test]
fn follow_unfollow_follow_ends_followed_in_any_delivery_order() {
    let newest = Versioned {
        on: true,
        seq: 3,
        at_ms: 30,
    };
    for order in [
        &[0, 1, 2][..],
        &[2, 1, 0],
        &[1, 2, 0],
        &[2, 0, 1],
        &[0, 2, 1, 1, 0],
    ] {
        assert_eq!(after(order), newest, "delivery order {order:?}");
    }
}

#[test]
fn an_older_event_arriving_late_does_not_undo_an_unfollow() {
    let unfollowed = Versioned {
        on: false,
        seq: 2,
        at_ms: 20,
    };
    assert_eq!(after(&[1, 0]), unfollowed);
    assert_eq!(after(&[0, 1, 0]), unfollowed);
}
