//! The message id a posted comment is stored under, derived from the request (who, on which
//! video, what text) so a double-submitted or retried comment within the COMMENTS stream's
//! duplicate window is stored once. A random id per publish would deduplicate nothing.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// `cm.` + base64url(sha256(user, video, text)); the ids are fixed-width, so no two requests
/// hash the same bytes.
pub fn msg_id(user_id: i64, video_id: i64, text: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(user_id.to_be_bytes());
    hash.update(video_id.to_be_bytes());
    hash.update(text.as_bytes());
    format!("cm.{}", URL_SAFE_NO_PAD.encode(hash.finalize()))
}

/// The id to try once the comment stored under the last id, at `sequence`, was deleted: the
/// same text posted again after a delete is a new comment, and it is one comment however
/// often that post is retried, since every retry walks the same chain of deleted originals.
pub fn after_deleted(base: &str, sequence: u64) -> String {
    format!("{base}.{sequence}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_request_has_the_same_id_and_any_difference_another() {
        let id = msg_id(3, 7, "nice");
        assert_eq!(id, msg_id(3, 7, "nice"));
        assert!(id.starts_with("cm.") && id.len() == 3 + 43, "{id}");
        assert_ne!(id, msg_id(4, 7, "nice"));
        assert_ne!(id, msg_id(3, 8, "nice"));
        assert_ne!(id, msg_id(3, 7, "nice!"));
    }

    #[test]
    fn an_id_after_a_delete_names_the_deleted_original() {
        let base = msg_id(3, 7, "nice");
        assert_eq!(after_deleted(&base, 42), format!("{base}.42"));
        assert_ne!(after_deleted(&base, 42), after_deleted(&base, 43));
    }
}
