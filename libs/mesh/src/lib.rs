//! The NATS runtime every worker and the edge stand on: serve a [`Router`] of typed handlers
//! on the NATS service API, make typed [`call`]s, carry W3C trace context in headers and shut
//! down gracefully; keep heavy routes behind their own [`Limit`]s and drop requests whose
//! caller's deadline has passed; persist JetStream streams in batches.

pub mod admin;
pub mod batch;
mod call;
mod deadline;
pub mod events;
pub mod facts;
mod fit;
pub mod lag;
mod limit;
pub mod lookup;
pub mod notices;
pub mod outage;
pub mod persister;
mod router;
pub mod rows;
mod serve;
mod shutdown;
pub mod streams;
pub mod trace;

pub use call::{CallError, Caller, call};
pub use deadline::DEADLINE_HEADER;
pub use limit::Limit;
pub use router::{Local, LocalFuture, Router};
pub use serve::{ServiceSpec, StartError, Worker, start};
pub use shutdown::Shutdown;

/// Header names of the NATS service API error convention.
pub const ERROR_HEADER: &str = "Nats-Service-Error";
pub const ERROR_CODE_HEADER: &str = "Nats-Service-Error-Code";
