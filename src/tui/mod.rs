//! The terminal UI: the app state and its tabs, widgets, keys, themes, the event loop and the
//! terminal guard.

pub mod app;
pub mod dialogs;
pub mod frame_stats;
pub mod keys;
pub mod runtime;
pub mod svg;
pub mod tabs;
pub mod terminal;
pub mod testing;
pub mod theme;
pub mod widgets;

pub use app::{App, Clock, Launch, Msg};
