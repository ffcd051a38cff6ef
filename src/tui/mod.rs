//! The terminal UI: the router and its views (tabs and dialogs) on one contract, the job
//! pipeline, the keys, the status bar, themes, widgets, the event loop and the terminal guard.

pub mod app;
pub mod dialogs;
pub mod env;
pub mod frame_stats;
pub mod jobs;
pub mod keys;
pub mod osc52;
pub mod runtime;
pub mod status;
pub mod svg;
pub mod tabs;
pub mod terminal;
pub mod testing;
pub mod theme;
pub mod view;
pub mod widgets;

pub use app::App;
pub use env::{Clock, Launch};
pub use jobs::Envelope;
