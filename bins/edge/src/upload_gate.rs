//! Who may stream an upload, decided as early as the request allows. A token outside the
//! body is checked before a byte is read; a `token` field sent before `data` is checked
//! before the file streams. Until a token is checked the upload holds one of its IP's few
//! unchecked slots, so one client cannot open many anonymous uploads that each fill the
//! store until they end.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::response::{IntoResponse, Response};

use crate::{AppState, error::ApiError, params::Params};

/// How long a refused client is told to wait: uploads hold a slot only until their token
/// is checked, which takes a moment.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Uploads per IP whose token is not checked yet.
#[derive(Clone)]
pub struct UncheckedUploads {
    limit: usize,
    open: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl UncheckedUploads {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            open: Arc::default(),
        }
    }

    /// A slot for one more unchecked upload from `ip`, or `None` when it has all of its.
    fn admit(&self, ip: IpAddr) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(ip).or_default();
        if *count >= self.limit {
            return None;
        }
        *count += 1;
        Some(Slot {
            uploads: self.clone(),
            ip,
        })
    }
}

/// One unchecked upload; freed when dropped (token checked, or the request over).
struct Slot {
    uploads: UncheckedUploads,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.uploads.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// The token check of one upload.
pub struct TokenCheck<'a> {
    state: &'a AppState,
    verified: Option<(String, i64)>,
    slot: Option<Slot>,
}

impl<'a> TokenCheck<'a> {
    /// Checks a token sent outside the body, or takes an unchecked slot of `ip`: a full IP
    /// gets a 429 with Retry-After.
    pub async fn start(
        state: &'a AppState,
        ip: IpAddr,
        outside: Option<&str>,
    ) -> Result<TokenCheck<'a>, Response> {
        let mut check = TokenCheck {
            state,
            verified: None,
            slot: None,
        };
        match outside {
            Some(token) => check
                .verify(token)
                .await
                .map_err(IntoResponse::into_response)?,
            None => check.slot = Some(state.unchecked_uploads.admit(ip).ok_or_else(busy)?),
        }
        Ok(check)
    }

    /// Whether a token has been checked already.
    pub fn is_checked(&self) -> bool {
        self.verified.is_some()
    }

    /// Checks `token` now (a 401 if it is bad), which frees the unchecked slot; the
    /// publish counts as one of the user's writes here, once.
    pub async fn verify(&mut self, token: &str) -> Result<(), ApiError> {
        let user = self.state.verify(token).await?;
        self.state.limits.write(user)?;
        self.verified = Some((token.to_owned(), user));
        self.slot = None;
        Ok(())
    }

    /// The uploader for the request's parameters: the token checked early when it is the
    /// one the parameters name, else a check now. 401 without a valid token.
    pub async fn author(self, params: &Params) -> Result<i64, ApiError> {
        match (params.token(), self.verified) {
            (Some(token), Some((checked, user))) if token == checked => Ok(user),
            _ => {
                let user = self
                    .state
                    .viewer(params)
                    .await?
                    .ok_or_else(|| ApiError::unauthorized("log in to publish"))?;
                self.state.limits.write(user)?;
                Ok(user)
            }
        }
    }
}

fn busy() -> Response {
    ApiError::too_many(
        "uploads from this address waiting for their token check",
        RETRY_AFTER,
    )
    .into_response()
}
