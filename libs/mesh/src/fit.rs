//! Replies encoded within the byte budget of one NATS message. A reply over the server's
//! `max_payload` cannot be published: the caller would wait its whole timeout for nothing
//! (a 504), and would again on every retry. List routes drop items from the end until the
//! reply fits (the client pages on from the shorter page); anything else that does not fit
//! answers [`too_large`] at once.

use bytes::Bytes;
use contract::{ServiceError, Trim};
use serde::Serialize;

/// Room left in a message for headers (trace context, service error headers).
pub(crate) const HEADER_ROOM: usize = 1024;

/// Encodes a reply in at most `budget` bytes, or fails.
pub(crate) type Encoder<T> = fn(&T, usize) -> Result<Bytes, ServiceError>;

/// The payload budget of a reply on `client`'s connection (follows the server it is on).
pub(crate) fn budget(client: &async_nats::Client) -> usize {
    client.max_payload().saturating_sub(HEADER_ROOM)
}

/// The answer to a reply that cannot be sent. 503, not 500: the request was fine and the
/// worker healthy, the message bus cannot carry the answer; it is counted as an error.
pub(crate) fn too_large() -> ServiceError {
    ServiceError::unavailable("reply too large")
}

/// The reply as it is, if it fits.
pub(crate) fn whole<T: Serialize>(reply: &T, budget: usize) -> Result<Bytes, ServiceError> {
    let bytes = encode(reply)?;
    if bytes.len() > budget {
        tracing::warn!(size = bytes.len(), budget, "reply too large to send");
        return Err(too_large());
    }
    Ok(bytes)
}

/// The reply, or the longest first part of its list that fits (at least one item).
pub(crate) fn trimmed<T>(reply: &T, budget: usize) -> Result<Bytes, ServiceError>
where
    T: Serialize + Trim + Clone,
{
    let bytes = encode(reply)?;
    if bytes.len() <= budget {
        return Ok(bytes);
    }
    // Binary search on the items kept: `fits` is known to fit (0: nothing yet), `over` not.
    let (mut fits, mut over, mut best) = (0, reply.items(), None);
    while over - fits > 1 {
        let keep = fits + (over - fits) / 2;
        let mut cut = reply.clone();
        cut.keep_first(keep);
        let bytes = encode(&cut)?;
        if bytes.len() <= budget {
            (fits, best) = (keep, Some(bytes));
        } else {
            over = keep;
        }
    }
    tracing::debug!(
        items = reply.items(),
        kept = fits,
        budget,
        "list reply trimmed to fit"
    );
    best.ok_or_else(|| {
        tracing::warn!(budget, "not even one item of a list reply fits");
        too_large()
    })
}

fn encode<T: Serialize>(reply: &T) -> Result<Bytes, ServiceError> {
    serde_json::to_vec(reply)
        .map(Bytes::from)
        .map_err(|err| ServiceError::internal(format!("encoding reply: {err}")))
}

#[cfg(test)]
mod tests {
    use contract::comment::{CommentInfo, Comments};

    use super::*;

    fn comments(n: i64) -> Comments {
        let comment = |id| CommentInfo {
            id,
            video_id: 1,
            user_id: 2,
            content: "x".repeat(100),
            created_ms: id,
        };
        Comments {
            comments: (0..n).map(comment).collect(),
        }
    }

    #[test]
    fn a_list_keeps_the_most_items_that_fit() {
        let list = comments(50);
        let one = encode(&comments(1)).unwrap().len();
        let budget = 10 * one;
        let bytes = trimmed(&list, budget).unwrap();
        let kept: Comments = serde_json::from_slice(&bytes).unwrap();
        assert!(bytes.len() <= budget);
        assert!(kept.comments.len() >= 9, "kept {}", kept.comments.len());
        assert_eq!(kept.comments[0].id, 0, "cut from the end");
        let bigger = encode(&comments(kept.comments.len() as i64 + 1)).unwrap();
        assert!(bigger.len() > budget, "one more would have fitted");
    }

    #[test]
    fn a_list_whose_first_item_does_not_fit_is_too_large() {
        assert_eq!(trimmed(&comments(3), 20).unwrap_err(), too_large());
        assert_eq!(whole(&comments(3), 20).unwrap_err(), too_large());
        assert!(whole(&comments(3), 10_000).is_ok());
    }
}
