//! Serve stage: an HTTP API over one loaded model, with micro-batching and input limits.
pub mod admission;
pub mod batcher;
pub mod client;
pub mod listen;
pub mod page;
pub mod request;
pub mod server;
pub mod threads;

pub use listen::serve;
pub use server::ServeOptions;
