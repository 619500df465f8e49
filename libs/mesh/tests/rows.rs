//! How a batch is cut into statements: never more than 65,535 placeholders nor more than
//! the byte budget in one, every row exactly once and in order, an oversized row alone.

use mesh::rows::{MAX_PLACEHOLDERS, chunks};

fn lens(runs: &[&[usize]]) -> Vec<usize> {
    runs.iter().map(|run| run.len()).collect()
}

#[test]
fn placeholders_cap_the_rows_per_statement() {
    let rows: Vec<usize> = (0..10_000).collect();
    let runs = chunks(&rows, 7, usize::MAX, |_| 0);
    assert!(runs.iter().all(|run| run.len() * 7 <= MAX_PLACEHOLDERS));
    assert_eq!(lens(&runs), [9_362, 638]);
    assert_eq!(runs.concat(), rows, "every row once, in order");
}

#[test]
fn long_rows_are_cut_by_bytes() {
    // 400-byte rows, 1 column (16 bytes of overhead each): 10 fit in 4,160 bytes.
    let rows: Vec<usize> = vec![400; 25];
    let runs = chunks(&rows, 1, 4_160, |len| *len);
    assert_eq!(lens(&runs), [10, 10, 5]);
}

#[test]
fn a_row_over_the_budget_goes_alone() {
    let rows = vec![10, 5_000, 10];
    let runs = chunks(&rows, 1, 100, |len| *len);
    assert_eq!(lens(&runs), [1, 1, 1]);
    assert!(chunks(&[] as &[usize], 3, 100, |len| *len).is_empty());
}
