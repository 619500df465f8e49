//! The Prometheus configs through promtool.

use super::*;

#[test]
fn promtool_accepts_every_prometheus_config() {
    let Some(promtool) = tool("GOPHERTOK_PROMTOOL_BIN") else {
        return;
    };
    let dir = root().join("compose/prometheus");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        // Scrape configs only; rule files are checked by `promtool check config` with them.
        if text.contains("scrape_configs:") {
            run(Command::new(&promtool)
                .arg("check")
                .arg("config")
                .arg(&path));
            checked += 1;
        }
    }
    assert!(checked >= 1, "no Prometheus config in {}", dir.display());
    let stack = std::fs::read_to_string(dir.join("prometheus.yml")).unwrap();
    for job in BINARIES {
        assert!(
            stack.contains(&format!("job_name: {job}\n")),
            "no scrape job {job}"
        );
    }
}
