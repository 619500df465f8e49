//! Hot state in Redis that scales: what the domains with hot state (likes, follows,
//! comments) share. Layout and rules, each in its module:
//!
//! - [`keys`]: every key is `<prefix><domain>:{<tag><id>}:<part>`; the `{…}` hash tag puts
//!   one entity's group in one Redis Cluster slot, and every script touches one group only.
//! - [`pairs`]: groups of (entity, member) pairs, each with the sequence of its last event;
//!   each group applies an event only if newer (the consumers' MySQL rule), so groups are
//!   independent — no shared applied-record, no global key on every write. One write is
//!   one pipeline of per-group scripts ([`script::run_all`], `EVALSHA`).
//! - [`tail`]: each instance follows its stream's unpersisted tail in memory, indexed by
//!   key; a rebuild reads MySQL plus the key's tail events, in the order the module
//!   documents, and costs what the key holds — no JetStream consumer per miss.
//! - [`install`]: rebuilt groups are installed only where still missing: small ones by
//!   scripts that fill many at once (one per group on a cluster), large ones in bounded
//!   chunks through staging keys renamed into place; a group rebuilt from nothing expires
//!   after `hot.empty_ttl_secs` unless written to.
//! - [`rebuilds`]: concurrent misses of one key coalesce; rebuilds have their own bulkhead.
//! - [`repair`]: after each persisted batch, its events are applied to Redis again (a no-op
//!   where they are; never creating a group), which mends a hot-state update that failed
//!   after the PubAck.
//! - [`verify`]: every `hot.verify_interval_secs` the groups recent batches touched
//!   ([`recent`]) are compared with MySQL plus the tail, and rebuilt where Redis differs
//!   (a fail-over that lost recent writes to keys that still exist).
//!
//! A domain's rebuild of groups `ids`: `rebuilds.run(ids, |ids| { pin = tail.pin()?; rows =
//! MySQL(ids); events = pin.events(keys(ids)); merge by sequence; install_all(groups) })`.
//!
//! How the domains map onto it: likes — user group `{u<id>}` (set group: liked videos),
//! video `{v<id>}` and author `{a<id>}` (count groups), one `Tail` keyed by all three;
//! follows — two set groups per user under one tag `{u<id>}` (out side `o`/`os`, in side
//! `i`/`is`: the friend list intersects them in one script), `Tail` keyed by (side, user);
//! comments — one video group `{v<id>}` with its own script (per-comment sequence), `Tail`
//! keyed by video.

pub mod install;
pub mod keys;
pub mod many;
pub mod pairs;
pub mod rebuilds;
pub mod recent;
pub mod repair;
pub mod script;
pub mod tail;
pub mod verify;

pub use install::{Rebuilt, Staged, install, install_all};
pub use keys::Group;
pub use rebuilds::Rebuilds;
pub use recent::Recent;
pub use repair::{Reapply, Repairing};
pub use script::{Call, Script};
pub use tail::{Pin, Tail, TailSpec};
pub use verify::{Truth, Verifier};

/// Why hot state could not be read or rebuilt.
#[derive(Debug, thiserror::Error)]
pub enum HotError {
    /// The in-memory tail cannot vouch for the unpersisted events (behind the stream, or
    /// started over): a rebuild now could be wrong, so it is refused (a 503).
    #[error("hot state unavailable: {0}")]
    Behind(String),
    #[error("JetStream: {0}")]
    JetStream(String),
    #[error("redis: {0}")]
    Redis(#[from] fred::error::Error),
}
