//! The contract between the edge and the domain workers: subjects, request / reply types
//! and the error carried on the wire. Nothing here knows about NATS or tokio, so any
//! client (another language, the `nats` CLI) can be written from these types alone.

pub mod chat;
pub mod comment;
pub mod error;
pub mod favorite;
pub mod paging;
pub mod relation;
pub mod rpc;
pub mod trim;
pub mod user;
pub mod video;

pub use error::{ErrorKind, ServiceError};
pub use rpc::Rpc;
pub use trim::Trim;
