//! The web app (`bins/edge/web/`: plain ES modules, no build step) built into the binary and
//! served at `/` and `/web/<file>`, so README command 1 needs nothing else. Every answer
//! carries a Content-Security-Policy that lets the page talk to this edge only — scripts and
//! styles from here, pictures and videos from here or the configured public and media
//! origins — so no request can leave for another host.

use axum::{
    Router,
    extract::{Path, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::error::ApiError;

/// The app's files: (name, content type, content).
const FILES: [(&str, &str, &str); 11] = [
    (
        "index.html",
        "text/html; charset=utf-8",
        include_str!("../web/index.html"),
    ),
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../web/app.css"),
    ),
    ("app.js", JS, include_str!("../web/app.js")),
    ("api.js", JS, include_str!("../web/api.js")),
    ("auth.js", JS, include_str!("../web/auth.js")),
    ("chat.js", JS, include_str!("../web/chat.js")),
    ("dom.js", JS, include_str!("../web/dom.js")),
    ("feed.js", JS, include_str!("../web/feed.js")),
    ("profile.js", JS, include_str!("../web/profile.js")),
    ("publish.js", JS, include_str!("../web/publish.js")),
    ("video.js", JS, include_str!("../web/video.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The policy of every file: `origins` are where pictures and videos may come from besides
/// this edge.
#[derive(Clone)]
pub struct Policy(HeaderValue);

impl Policy {
    /// From the public base URL (avatars, covers) and the media base URL (videos).
    pub fn new(public_base_url: &str, media_base_url: &str) -> Self {
        let mut origins = vec![origin(public_base_url), origin(media_base_url)];
        origins.retain(|o| !o.is_empty());
        origins.dedup();
        let media = origins.join(" ");
        let policy = format!(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self' {media}; media-src 'self' {media}; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'"
        );
        let header = HeaderValue::from_str(&policy)
            .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
        Self(header)
    }
}

/// `scheme://host[:port]` of `url`, or "" when it has none.
fn origin(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    // Only characters a policy source may hold: a malformed setting adds nothing.
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
    if host.is_empty() || !host.chars().all(allowed) || !scheme.chars().all(allowed) {
        return String::new();
    }
    format!("{scheme}://{host}")
}

/// `/` and `/web/{file}`.
pub fn routes<S: Clone + Send + Sync + 'static>(policy: Policy) -> Router<S> {
    Router::new()
        .route("/", get(index))
        .route("/web/{file}", get(file))
        .with_state(policy)
}

async fn index(State(policy): State<Policy>) -> Response {
    serve(&policy, "index.html")
}

async fn file(State(policy): State<Policy>, Path(name): Path<String>) -> Response {
    serve(&policy, &name)
}

fn serve(policy: &Policy, name: &str) -> Response {
    let Some((_, kind, body)) = FILES.iter().find(|(file, _, _)| *file == name) else {
        return ApiError::not_found("no such file").into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
        (header::CONTENT_SECURITY_POLICY, policy.0.clone()),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ),
        // Small files: revalidated each time, so a deploy shows at the next reload.
        (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, *body).into_response()
}

#[cfg(test)]
mod tests {
    use super::{FILES, origin};

    #[test]
    fn every_file_of_the_app_is_built_in() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/web");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|entry| entry.path().is_file())
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        on_disk.sort();
        let mut built_in: Vec<String> = FILES.iter().map(|(name, _, _)| name.to_string()).collect();
        built_in.sort();
        assert_eq!(on_disk, built_in);
    }

    #[test]
    fn origins_keep_scheme_host_and_port_only() {
        assert_eq!(
            origin("http://127.0.0.1:8080/media"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin("https://cdn.example.com"), "https://cdn.example.com");
        assert_eq!(origin("not a url"), "");
        assert_eq!(origin("http://bad host; script-src *"), "");
    }
}
