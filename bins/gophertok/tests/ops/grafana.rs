//! The Grafana dashboard against its provisioned datasources and what it must show.

use super::*;

/// Every `"uid"` under a `"datasource"` anywhere in `value` (panels, rows, targets).
fn datasource_uids(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            if let Some(uid) = map.get("datasource").and_then(|ds| ds["uid"].as_str()) {
                found.insert(uid.to_owned());
            }
            map.values().for_each(|v| datasource_uids(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| datasource_uids(v, found)),
        _ => {}
    }
}

#[test]
fn every_dashboard_panel_names_a_provisioned_datasource() {
    let grafana = root().join("compose/grafana");
    // The provisioning file is ours and flat: its `uid:` lines are the datasources' uids.
    let provisioned: BTreeSet<String> =
        std::fs::read_to_string(grafana.join("provisioning/datasources/datasources.yml"))
            .unwrap()
            .lines()
            .filter_map(|line| line.trim().strip_prefix("uid:"))
            .map(|uid| uid.trim().to_owned())
            .collect();
    assert!(provisioned.contains("prometheus") && provisioned.contains("loki"));
    let mut dashboards = 0;
    for entry in std::fs::read_dir(grafana.join("dashboards")).unwrap() {
        let path = entry.unwrap().path();
        let dashboard: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let panels = dashboard["panels"].as_array().unwrap();
        assert!(
            dashboard["uid"].is_string(),
            "{}: no fixed uid",
            path.display()
        );
        for panel in panels.iter().filter(|panel| panel["type"] != "row") {
            let mut used = BTreeSet::new();
            datasource_uids(panel, &mut used);
            assert!(
                !used.is_empty(),
                "{}: panel without datasource",
                panel["title"]
            );
            let unknown: Vec<_> = used.difference(&provisioned).collect();
            assert!(
                unknown.is_empty(),
                "{}: {unknown:?} not provisioned",
                panel["title"]
            );
        }
        dashboards += 1;
    }
    assert!(dashboards >= 1);
}

#[test]
fn the_dashboard_shows_what_an_operator_watches() {
    let text =
        std::fs::read_to_string(root().join("compose/grafana/dashboards/gophertok.json")).unwrap();
    for series in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "mesh_requests_total",
        "mesh_request_duration_seconds_bucket",
        "consumer_lag",
        "consumer_dead_letters_total",
        "cache_lookups_total",
    ] {
        assert!(
            text.contains(series),
            "the dashboard does not show {series}"
        );
    }
}
