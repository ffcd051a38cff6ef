//! The tabs of the console, and the registry that lists them. Adding a tab is a module here
//! and one line in [`registry`] (ARCHITECTURE.md, "Adding a tab").

pub mod config;
pub mod doctor;
pub mod invites;
pub mod logs;
pub mod plugins;
pub mod server;

use super::env::Env;
use super::keys::Action;
use super::view::AnyView;

/// Every tab in the order of the tab bar, with the global action that shows it.
pub fn registry(env: &Env) -> Vec<(Action, Box<dyn AnyView>)> {
    vec![
        (Action::TabServer, Box::new(server::ServerTab::new(env))),
        (Action::TabPlugins, Box::new(plugins::PluginsTab::new(env))),
        (Action::TabLogs, Box::new(logs::LogsTab::new(env))),
        (Action::TabConfig, Box::new(config::ConfigTab::new(env))),
        (Action::TabInvites, Box::new(invites::InvitesTab::new(env))),
        (Action::TabDoctor, Box::new(doctor::DoctorTab::new(env))),
    ]
}
