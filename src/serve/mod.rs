//! Serve stage: an HTTP API over one loaded model, with micro-batching and input limits.
pub mod batcher;
pub mod client;
pub mod page;
pub mod request;
pub mod server;

pub use server::{serve, ServeOptions};
