//! Missing, tampered, expired, foreign and wrong-algorithm tokens are all 401s.

use std::time::{SystemTime, UNIX_EPOCH};

use contract::user::Claims;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;

use crate::app::{App, error_json, ok_json};

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs `claims` with the user worker's own key (found in the test's data directory).
pub(crate) fn sign_with_real_key(app: &App, kid: &str, claims: &Claims) -> String {
    let pem = std::fs::read(app.env.settings.data_dir.join("keys/token-ed25519.pem")).unwrap();
    let key = EncodingKey::from_ed_pem(&pem).unwrap();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub(crate) fn kid_of(token: &str) -> String {
    jsonwebtoken::decode_header(token).unwrap().kid.unwrap()
}

pub(crate) fn claims(sub: i64, exp: u64) -> Claims {
    Claims {
        sub: sub.to_string(),
        iss: "gophertok".into(),
        aud: "gophertok-app".into(),
        iat: now() - 7200,
        exp,
    }
}

async fn user_info_with(app: &App, token: &str) -> reqwest::Response {
    app.get(&format!("/douyin/user/?token={token}")).await
}

#[tokio::test]
async fn no_token_and_no_user_id_is_a_401() {
    let app = App::start_users_only().await;
    error_json(app.get("/douyin/user/").await, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_tampered_token_is_a_401() {
    let app = App::start_users_only().await;
    let (_, token) = app.register("tamper", "secret1").await;
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    // Claim to be someone else, keeping the original signature.
    let forged = claims(1, now() + 3600);
    let json = serde_json::to_vec(&forged).unwrap();
    parts[1] = base64url(&json);
    let tampered = parts.join(".");
    error_json(
        user_info_with(&app, &tampered).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    error_json(
        user_info_with(&app, "not-a-jwt").await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn an_expired_token_is_a_401() {
    let app = App::start_users_only().await;
    let (id, token) = app.register("expired", "secret1").await;
    let kid = kid_of(&token);
    let fresh = sign_with_real_key(&app, &kid, &claims(id, now() + 3600));
    ok_json(user_info_with(&app, &fresh).await).await;
    let expired = sign_with_real_key(&app, &kid, &claims(id, now() - 3600));
    let message = error_json(
        user_info_with(&app, &expired).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn a_token_verified_before_is_refused_once_it_expires() {
    // The edge remembers verified tokens (cache.tokens); an expired one must not pass
    // because it passed a moment ago. The check allows 5 s of clock skew past `exp`.
    let app = App::start_users_only().await;
    let (id, token) = app.register("expiring", "secret1").await;
    let kid = kid_of(&token);
    let exp = now() + 1;
    let soon = sign_with_real_key(&app, &kid, &claims(id, exp));
    ok_json(user_info_with(&app, &soon).await).await;
    ok_json(user_info_with(&app, &soon).await).await;
    while now() <= exp + 6 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let message = error_json(user_info_with(&app, &soon).await, StatusCode::UNAUTHORIZED).await;
    assert!(message.contains("expired"), "{message}");
}

#[tokio::test]
async fn a_token_for_another_issuer_or_audience_is_a_401() {
    let app = App::start_users_only().await;
    let (id, token) = app.register("foreign", "secret1").await;
    let kid = kid_of(&token);
    let mut other_issuer = claims(id, now() + 3600);
    other_issuer.iss = "someone-else".into();
    let mut other_audience = claims(id, now() + 3600);
    other_audience.aud = "another-app".into();
    for claims in [other_issuer, other_audience] {
        let token = sign_with_real_key(&app, &kid, &claims);
        error_json(user_info_with(&app, &token).await, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn a_token_signed_with_another_algorithm_is_a_401() {
    let app = App::start_users_only().await;
    let (id, token) = app.register("hs256", "secret1").await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(kid_of(&token));
    // An HMAC "signed" with the public key is the classic algorithm-confusion attack.
    let secret = EncodingKey::from_secret(b"the public key, or anything");
    let forged = jsonwebtoken::encode(&header, &claims(id, now() + 3600), &secret).unwrap();
    error_json(
        user_info_with(&app, &forged).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let unsigned = format!(
        "{}.{}.",
        base64url(br#"{"alg":"none","typ":"JWT"}"#),
        base64url(&serde_json::to_vec(&claims(id, now() + 3600)).unwrap())
    );
    error_json(
        user_info_with(&app, &unsigned).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

pub(crate) fn base64url(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
