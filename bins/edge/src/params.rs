//! The parameter extractor every route uses. It merges the query string with a urlencoded,
//! multipart or JSON body — whatever the method, since clients send forms on GET and query
//! parameters on POST — and the query wins on conflict. `Authorization: Bearer` supplies the
//! token when the parameters do not.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Request},
    http::{StatusCode, header},
};

use crate::error::ApiError;

#[derive(Debug, Default, Clone)]
pub struct Params {
    fields: HashMap<String, String>,
}

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let outside = Outside::of(&req)?;
        let content_type = content_type(&req);
        let fields = if content_type.starts_with("multipart/form-data") {
            multipart_fields(req, state).await?
        } else if content_type.starts_with("application/x-www-form-urlencoded") {
            parse_urlencoded(&body_bytes(req, state).await?)?
        } else if content_type.starts_with("application/json") {
            json_fields(req, state).await?
        } else {
            HashMap::new()
        };
        Ok(outside.merge(fields))
    }
}

/// What a request carries outside its body: query parameters and a bearer token. Taken
/// before the body is consumed, merged over the body's fields after.
pub struct Outside {
    query: HashMap<String, String>,
    bearer: Option<String>,
}

impl Outside {
    pub fn of(req: &Request) -> Result<Self, ApiError> {
        Ok(Self {
            query: parse_urlencoded(req.uri().query().unwrap_or_default().as_bytes())?,
            bearer: bearer_token(req),
        })
    }

    /// The token sent outside the body (query or bearer header), if any.
    pub fn token(&self) -> Option<&str> {
        sent(self.query.get("token").map(String::as_str)).or(sent(self.bearer.as_deref()))
    }

    /// The query wins over body fields; the bearer token fills in a missing or empty
    /// `token` (clients send `token=` when signed out of the form but not of the header).
    pub fn merge(self, mut fields: HashMap<String, String>) -> Params {
        fields.extend(self.query);
        let has_token = sent(fields.get("token").map(String::as_str)).is_some();
        if let Some(token) = self.bearer.filter(|_| !has_token) {
            fields.insert("token".into(), token);
        }
        Params { fields }
    }
}

/// A token actually sent: an empty one counts as none.
fn sent(token: Option<&str>) -> Option<&str> {
    token.filter(|token| !token.is_empty())
}

pub fn content_type(req: &Request) -> String {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name)
            .ok_or_else(|| ApiError::bad_request(format!("missing parameter {name}")))
    }

    /// An optional integer; present but not an integer is a 400, not "absent".
    pub fn i64(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.get(name).map(str::trim) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad_request(format!("parameter {name} must be an integer"))),
        }
    }

    pub fn required_i64(&self, name: &str) -> Result<i64, ApiError> {
        self.i64(name)?
            .ok_or_else(|| ApiError::bad_request(format!("missing parameter {name}")))
    }

    /// The session token, if the caller sent one (empty counts as none).
    pub fn token(&self) -> Option<&str> {
        sent(self.get("token"))
    }

    #[cfg(test)]
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Self {
        let fields = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Self { fields }
    }
}

fn bearer_token(req: &Request) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn parse_urlencoded(bytes: &[u8]) -> Result<HashMap<String, String>, ApiError> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(bytes)
        .map(|pairs| pairs.into_iter().collect())
        .map_err(|_| ApiError::bad_request("malformed urlencoded parameters"))
}

async fn body_bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state)
        .await
        .map_err(|rejection| body_error(rejection.status()))
}

async fn json_fields<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<HashMap<String, String>, ApiError> {
    let bytes = body_bytes(req, state).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(HashMap::new());
    }
    let object = serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
        .map_err(|_| ApiError::bad_request("malformed JSON body: expected an object"))?;
    Ok(object
        .into_iter()
        .filter_map(|(key, value)| scalar_text(value).map(|text| (key, text)))
        .collect())
}

fn scalar_text(value: serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text),
        serde_json::Value::Number(number) => Some(number.to_string()),
        serde_json::Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// Text fields of a multipart body. File fields are left for the routes that take uploads.
async fn multipart_fields<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<HashMap<String, String>, ApiError> {
    let mut multipart = Multipart::from_request(req, state)
        .await
        .map_err(|_| ApiError::bad_request("malformed multipart body"))?;
    let mut fields = HashMap::new();
    loop {
        let field = multipart
            .next_field()
            .await
            .map_err(|err| multipart_error(err.status()))?;
        let Some(field) = field else { break };
        let name = field.name().unwrap_or_default().to_owned();
        if field.file_name().is_some() {
            continue;
        }
        let text = field
            .text()
            .await
            .map_err(|err| multipart_error(err.status()))?;
        fields.insert(name, text);
    }
    Ok(fields)
}

pub fn multipart_error(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return body_error(status);
    }
    ApiError::bad_request("malformed multipart body")
}

fn body_error(status: StatusCode) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::too_large("request body too large")
    } else {
        ApiError::bad_request("unreadable request body")
    }
}

#[cfg(test)]
mod tests;
