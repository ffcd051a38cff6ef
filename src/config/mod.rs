//! Configuration: paths, the config file with its profiles, credentials, connection
//! resolution, themes and the keymap.

pub mod connection;
pub mod credentials;
pub mod keymap;
pub mod paths;
pub mod settings;
pub mod theme;

pub use connection::{ConnectionSpec, Resolved, Target, TokenSource};
pub use paths::Paths;
pub use settings::Settings;
