//! The Mattermost API client: transport, typed models, errors and version gates. No UI types.

pub mod api;
pub mod client;
pub mod error;
pub mod models;
pub mod routes;
pub mod version;
pub mod websocket;

pub use client::{ClientOptions, Endpoint, MmClient, RetryPolicy};
pub use error::ApiError;
pub use version::ServerVersion;
