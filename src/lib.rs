#![recursion_limit = "512"]
//! mmops: a terminal operations console for Mattermost servers.
//!
//! The binary (`src/main.rs`) only parses the command line and dispatches; everything else lives
//! here so that tests, benchmarks and the demo server use the same code.

pub mod app_log;
pub mod build_info;
pub mod capture;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod doctor;
pub mod error;
pub mod fleet;
pub mod fsutil;
pub mod fuzzy;
pub mod host;
pub mod invites;
pub mod logs;
pub mod mm;
pub mod overview;
pub mod packet;
pub mod plugins;
pub mod redact;
pub mod sanitize;
pub mod secret;
pub mod server_config;
pub mod text;
pub mod timefmt;
pub mod tui;
