//! Load generation and its bookkeeping: the `seed` command that fills a deployment with a
//! realistic data set, the manifest the k6 scripts read, and `verify`, which checks every
//! sampled count the API answers against MySQL after a run, and the fault runner.

/// The flag reader lives in `settings` so that `gophertok mesh` shares it.
pub use settings::args;
pub mod faults;
pub mod manifest;
pub mod seed;
pub mod verify;
