//! Configuration: paths, the config file with its profiles, credentials, connection
//! resolution. (Themes and the keymap are read by `tui::theme` and `tui::keys`.)

pub mod connection;
pub mod credentials;
pub mod paths;
pub mod settings;

pub use connection::{ConnectionSpec, Resolved, Target, TokenSource};
pub use paths::Paths;
pub use settings::Settings;
