//! Every kind of bad token a client can send, and every place it can send one from (query,
//! body, bearer header): the vocabulary of the per-route auth tests.

use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::{
    app::App,
    tokens::{base64url, claims, kid_of, now, sign_with_real_key},
};

/// A token that must never let a request through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadToken {
    /// No token at all (only a failure where the route needs one).
    Missing,
    /// Not a JWT.
    Garbage,
    /// A real token whose claims were swapped for another user's, signature kept.
    Tampered,
    /// Signed with the real key, but past its `exp`.
    Expired,
    /// HS256 "signed" with a guessable secret: the algorithm-confusion attack.
    WrongAlgorithm,
    /// `alg: none`, no signature.
    Unsigned,
    /// Signed with the real key for another audience.
    OtherAudience,
}

impl BadToken {
    pub const ALL: [BadToken; 7] = [
        BadToken::Missing,
        BadToken::Garbage,
        BadToken::Tampered,
        BadToken::Expired,
        BadToken::WrongAlgorithm,
        BadToken::Unsigned,
        BadToken::OtherAudience,
    ];

    /// The token text, made from `good` (a real token of user `id`) and the app's real key;
    /// `None` for [`BadToken::Missing`]. `victim` is whom a tampered token claims to be.
    pub fn mint(self, app: &App, good: &str, id: i64, victim: i64) -> Option<String> {
        let kid = kid_of(good);
        let valid_for_an_hour = claims(id, now() + 3600);
        let token = match self {
            BadToken::Missing => return None,
            BadToken::Garbage => "not-a-jwt".to_owned(),
            BadToken::Tampered => {
                let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
                let forged = serde_json::to_vec(&claims(victim, now() + 3600)).unwrap();
                parts[1] = base64url(&forged);
                parts.join(".")
            }
            BadToken::Expired => sign_with_real_key(app, &kid, &claims(id, now() - 3600)),
            BadToken::WrongAlgorithm => {
                let mut header = Header::new(Algorithm::HS256);
                header.kid = Some(kid);
                let secret = EncodingKey::from_secret(b"the public key, or anything");
                jsonwebtoken::encode(&header, &valid_for_an_hour, &secret).unwrap()
            }
            BadToken::Unsigned => format!(
                "{}.{}.",
                base64url(br#"{"alg":"none","typ":"JWT"}"#),
                base64url(&serde_json::to_vec(&valid_for_an_hour).unwrap())
            ),
            BadToken::OtherAudience => {
                let mut foreign = valid_for_an_hour;
                foreign.aud = "another-app".into();
                sign_with_real_key(app, &kid, &foreign)
            }
        };
        Some(token)
    }

    /// The `status_msg` the edge must answer with (docs/decisions.md, Tokens).
    pub fn expected_message(self) -> &'static str {
        match self {
            BadToken::Missing => "",
            BadToken::Expired => "token expired",
            _ => "invalid token",
        }
    }
}

/// Where a request carries its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    Query,
    /// A urlencoded form field, or a multipart field on the upload route.
    Body,
    Bearer,
}

impl Placement {
    pub const ALL: [Placement; 3] = [Placement::Query, Placement::Body, Placement::Bearer];
}
