//! `relation.v1.list`: follows, followers or friends (mutual follows), most recent first, a
//! page of `hot.list_page` at a time after the request's cursor. Friends are found by
//! walking the follows in bounded steps (`hot.friend_scan_max` per script), keeping those
//! that follow back, so a friend is listed however far back the follow is.

use std::sync::Arc;

use contract::relation::{ListCursor, ListKind, ListRelations, UserIds};

use crate::{
    State,
    error::RelationError,
    hot::{PageCall, Side},
    rebuild,
};

pub async fn handle(state: Arc<State>, request: ListRelations) -> Result<UserIds, RelationError> {
    let user = request.user_id;
    // Friends: both sides of one user, one slot.
    let sides: &[Side] = match request.kind {
        ListKind::Follows => &[Side::Out],
        ListKind::Followers => &[Side::In],
        ListKind::Friends => &[Side::Out, Side::In],
    };
    let page = state.hot_settings.list_page.max(1);
    let mut found = Vec::new();
    let mut after = request.after;
    let mut reloads = 0;
    // One entry past the page tells whether a next page exists.
    while found.len() <= page {
        let keys = sides
            .iter()
            .map(|side| state.hot.set(*side, user))
            .collect();
        let call = PageCall {
            after,
            want: page + 1 - found.len(),
            walk_max: state.hot_settings.friend_scan_max,
        };
        let Some(step) = state.hot.page(keys, &call).await? else {
            // Loaded twice and missing twice (Redis evicting or flushing under us): not
            // "no one". A reload mid-walk resumes from the cursor, so nothing repeats.
            reloads += 1;
            if reloads > 2 {
                return Err(RelationError::HotStateLost);
            }
            let lost: Vec<(Side, i64)> = sides.iter().map(|side| (*side, user)).collect();
            rebuild::sides(&state, &lost).await?;
            continue;
        };
        found.extend(step.found);
        match step.resume {
            Some(resume) => after = Some(resume),
            None => break,
        }
    }
    Ok(reply(found, page))
}

/// The first `page` of `found`, and a cursor after its last entry when `found` has more.
fn reply(mut found: Vec<(i64, i64)>, page: usize) -> UserIds {
    let more = found.len() > page;
    found.truncate(page);
    let next = match found.last() {
        Some((user_id, at_ms)) if more => Some(ListCursor {
            at_ms: *at_ms,
            user_id: *user_id,
        }),
        _ => None,
    };
    let (user_ids, times_ms) = found.into_iter().unzip();
    UserIds {
        user_ids,
        times_ms,
        next,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_more_behind_it_goes_on_after_its_last_entry() {
        let reply = reply(vec![(9, 30), (8, 20), (7, 10)], 2);
        assert_eq!(reply.user_ids, [9, 8]);
        assert_eq!(reply.times_ms, [30, 20]);
        let next = ListCursor {
            at_ms: 20,
            user_id: 8,
        };
        assert_eq!(reply.next, Some(next));
    }

    #[test]
    fn the_last_page_has_no_cursor() {
        let reply = reply(vec![(9, 30), (8, 20)], 2);
        assert_eq!(reply.user_ids, [9, 8]);
        assert_eq!(reply.next, None);
    }
}
