//! The `cursor` of the follow, follower and friend lists: opaque to clients (they send back
//! the `next_cursor` they got), `<follow time ms>_<user id>` inside. A cursor that does not
//! parse is a 400, never a silent first page.

use contract::relation::ListCursor;

use crate::{error::ApiError, params::Params};

/// The request's `cursor`, if it sent one (an empty one counts as none).
pub fn from_params(params: &Params) -> Result<Option<ListCursor>, ApiError> {
    match params.get("cursor").filter(|cursor| !cursor.is_empty()) {
        Some(cursor) => parse(cursor)
            .map(Some)
            .ok_or_else(|| ApiError::bad_request("cursor is not a next_cursor of this list")),
        None => Ok(None),
    }
}

pub fn format(cursor: &ListCursor) -> String {
    format!("{}_{}", cursor.at_ms, cursor.user_id)
}

fn parse(cursor: &str) -> Option<ListCursor> {
    let (at_ms, user_id) = cursor.split_once('_')?;
    let cursor = ListCursor {
        at_ms: at_ms.parse().ok()?,
        user_id: user_id.parse().ok()?,
    };
    (cursor.at_ms > 0 && cursor.user_id > 0).then_some(cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formatted_cursor_parses_back() {
        let cursor = ListCursor {
            at_ms: 1_700_000_000_123,
            user_id: 42,
        };
        assert_eq!(parse(&format(&cursor)), Some(cursor));
    }

    #[test]
    fn anything_else_is_refused() {
        for bad in [
            "x", "1_", "_1", "1_2_3", "-5_3", "5_-3", "0_1", "1.5_2", "１_2",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn no_cursor_or_an_empty_one_is_the_first_page() {
        let params = Params::from_pairs(&[("cursor", "")]);
        assert_eq!(from_params(&params).unwrap(), None);
        let params = Params::from_pairs(&[("cursor", "nope")]);
        assert!(from_params(&params).is_err());
    }
}
