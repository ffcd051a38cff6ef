//! The integration tests: one module per area, all in one binary, so that mmops and its
//! dependencies are linked into a test binary once, not once per area. One module alone:
//! `cargo test --test it logs_tab::`.
//!
//! The modules' tests share this process and run in parallel: a test that needs a process of
//! its own (its own environment, an abort) runs one as a child, and the temp paths and database
//! names the modules share are distinct.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod capture;
mod cli;
mod client;
mod config_tab;
mod contract;
mod demo_invites;
mod docs;
mod doctor;
mod doctor_tab;
mod e2e_pty;
mod faults;
mod fleet;
mod follow;
mod fuzzy_ranking;
mod hostile;
mod invites_cli;
mod invites_db;
mod invites_tab;
mod keymap;
mod least_privilege;
mod logs_cli;
mod logs_rest;
mod logs_tab;
mod packet;
mod packet_console;
mod packet_dialog;
mod packet_open;
mod packet_schema;
mod pg_harness;
mod plugins_tab;
mod screenshots;
mod secrets;
mod ui;
