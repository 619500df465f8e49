//! The one trait that pairs a request type with its subject and its reply type, so a call
//! site cannot send a request to the wrong subject or decode the wrong reply.

use serde::{Serialize, de::DeserializeOwned};

/// A request served by a worker at [`Rpc::SUBJECT`] and answered with [`Rpc::Reply`].
pub trait Rpc: Serialize + DeserializeOwned + Send + Sync + 'static {
    /// `<domain>.v1.<verb>`, e.g. `user.v1.get`.
    const SUBJECT: &'static str;
    /// What a successful call returns.
    type Reply: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The endpoint name under the service API: the verb, the subject's last token.
    fn endpoint_name() -> &'static str {
        Self::SUBJECT.rsplit('.').next().unwrap_or(Self::SUBJECT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize)]
    struct Ping;
    impl Rpc for Ping {
        const SUBJECT: &'static str = "demo.v1.ping";
        type Reply = ();
    }

    #[test]
    fn endpoint_name_is_the_last_subject_token() {
        assert_eq!(Ping::endpoint_name(), "ping");
    }
}
