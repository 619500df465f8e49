//! The config centre on the bus: the settings operators change at run time — the edge's rate
//! limits, the sensitive-word list, the log filter and the feature switches — live in the
//! JetStream KV bucket [`BUCKET`], which every instance watches ([`Live::follow`]) and
//! applies without a restart. Defaults, file and environment stay the base layer: a key
//! absent or deleted from the bucket means the base value. A bad value is refused whole (the
//! running value stays), by `gophertok config set` before it is written and again by every
//! instance on receipt, since any NATS client may write the bucket.

mod bucket;
mod keys;
mod layer;
mod live;

pub use bucket::{BUCKET, open};
pub use keys::{KEYS, Key};
pub use layer::{Refusal, Snapshot, base_value, check};
pub use live::{Live, LiveFilter};
