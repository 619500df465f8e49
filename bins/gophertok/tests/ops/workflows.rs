//! .github/workflows through zizmor.

use super::*;

#[test]
fn zizmor_finds_nothing_in_the_workflows() {
    let Some(zizmor) = tool("GOPHERTOK_ZIZMOR_BIN") else {
        return;
    };
    // Strict: a workflow that is not valid fails, instead of being skipped with a warning.
    let report = run(Command::new(zizmor)
        .args([
            "--offline",
            "--no-progress",
            "--strict-collection",
            ".github/workflows",
        ])
        .env("NO_COLOR", "1"));
    assert!(report.contains("No findings"), "{report}");
}
