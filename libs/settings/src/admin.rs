//! `admin.listen`: where a standalone worker serves `/healthz`, `/readyz` and `/metrics`.
//! Unset, each worker binary takes its own loopback port ([`admin_port`]), so one host can
//! run one of each with no configuration and a local Prometheus knows where to look; a
//! second instance of a worker on the same host needs its own address (or `""`: none).

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::{SettingsError, parse_listen};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminSettings {
    /// `host:port` (port 0: any free one, logged at start-up); `""`: no admin endpoint;
    /// unset: `127.0.0.1:<the binary's port>` (see [`admin_port`]).
    pub listen: Option<String>,
}

/// The default admin port of each worker binary, next to the edge's metrics port (9464).
pub fn admin_port(service: &str) -> Option<u16> {
    Some(match service {
        "user" => 9465,
        "video" => 9466,
        "favorite" => 9467,
        "comment" => 9468,
        "relation" => 9469,
        "chat" => 9470,
        _ => return None,
    })
}

impl AdminSettings {
    /// Where `service` serves its admin endpoint; `None`: nowhere.
    pub fn addr(&self, service: &str) -> Result<Option<SocketAddr>, SettingsError> {
        match &self.listen {
            Some(listen) => parse_listen("admin.listen", listen),
            None => Ok(admin_port(service).map(|port| SocketAddr::from(([127, 0, 0, 1], port)))),
        }
    }

    pub(crate) fn validate(&self) -> Result<(), SettingsError> {
        self.addr("").map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unset_each_worker_has_its_own_loopback_port_and_empty_means_none() {
        let unset = AdminSettings::default();
        let favorite = unset.addr("favorite").unwrap().unwrap();
        assert!(favorite.ip().is_loopback());
        assert_ne!(favorite, unset.addr("comment").unwrap().unwrap());
        let off = AdminSettings {
            listen: Some(String::new()),
        };
        assert_eq!(off.addr("favorite").unwrap(), None);
        let bad = AdminSettings {
            listen: Some("nine".into()),
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("admin.listen")
        );
    }

    #[test]
    fn the_environment_sets_or_empties_it() {
        let load = |value: &str| {
            let vars = [("GOPHERTOK__ADMIN__LISTEN".to_owned(), value.to_owned())];
            crate::load_from(None, vars.into_iter().collect())
        };
        assert_eq!(load("").unwrap().admin.addr("chat").unwrap(), None);
        let any = load("127.0.0.1:0").unwrap().admin.addr("chat").unwrap();
        assert_eq!(any, Some(SocketAddr::from(([127, 0, 0, 1], 0))));
        let unset = crate::load_from(None, Default::default()).unwrap();
        assert_eq!(unset.admin.addr("chat").unwrap().unwrap().port(), 9470);
        assert!(
            load("nowhere")
                .unwrap_err()
                .to_string()
                .contains("admin.listen")
        );
    }
}
