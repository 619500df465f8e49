//! Paging by time for APIs whose next page is "strictly before/after the last time you got"
//! (the feed's `next_time`, chat's `pre_msg_time`): a page must never end in the middle of
//! a millisecond, or the rest of that millisecond would be skipped.

/// The first `limit` of `rows` (fetched as `limit + 1`), minus the trailing rows that share
/// their time with the row after the page. A page whose rows all share one time cannot be
/// split either way and is returned whole.
pub fn page_without_split<T>(mut rows: Vec<T>, limit: usize, time: impl Fn(&T) -> i64) -> Vec<T> {
    if rows.len() <= limit || limit == 0 {
        rows.truncate(limit);
        return rows;
    }
    let boundary = time(&rows[limit]);
    rows.truncate(limit);
    let keep = rows
        .iter()
        .rposition(|row| time(row) != boundary)
        .map_or(0, |i| i + 1);
    if keep > 0 {
        rows.truncate(keep);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::page_without_split;

    #[test]
    fn a_page_never_splits_a_millisecond() {
        let id = |t: &i64| *t;
        assert_eq!(page_without_split(vec![9, 8, 7, 7], 3, id), [9, 8]);
        assert_eq!(page_without_split(vec![1, 2, 3, 3], 3, id), [1, 2]);
        assert_eq!(page_without_split(vec![9, 8, 7, 6], 3, id), [9, 8, 7]);
        assert_eq!(page_without_split(vec![9, 8], 3, id), [9, 8]);
        assert_eq!(page_without_split(vec![5, 5, 5, 5], 3, id), [5, 5, 5]);
    }
}
