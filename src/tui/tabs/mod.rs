//! The tabs of the console.

pub mod config;
pub mod invites;
pub mod logs;
pub mod plugins;
pub mod server;

use super::keys::{Action, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TabId {
    Server,
    Plugins,
    Logs,
    Config,
    Invites,
}

impl TabId {
    pub const ALL: [TabId; 5] = [
        TabId::Server,
        TabId::Plugins,
        TabId::Logs,
        TabId::Config,
        TabId::Invites,
    ];

    pub fn title(self) -> &'static str {
        match self {
            TabId::Server => "Server",
            TabId::Plugins => "Plugins",
            TabId::Logs => "Logs",
            TabId::Config => "Config",
            TabId::Invites => "Invites",
        }
    }

    pub fn scope(self) -> Scope {
        match self {
            TabId::Server => Scope::Server,
            TabId::Plugins => Scope::Plugins,
            TabId::Logs => Scope::Logs,
            TabId::Config => Scope::Config,
            TabId::Invites => Scope::Invites,
        }
    }

    /// The tab a "show" action selects.
    pub fn for_action(action: Action) -> Option<Self> {
        Some(match action {
            Action::ShowServer => TabId::Server,
            Action::ShowPlugins => TabId::Plugins,
            Action::ShowLogs => TabId::Logs,
            Action::ShowConfig => TabId::Config,
            Action::ShowInvites => TabId::Invites,
            _ => return None,
        })
    }

    pub fn next(self) -> Self {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Self::ALL[(i + 1) % Self::ALL.len()]
    }

    pub fn prev(self) -> Self {
        let i = Self::ALL.iter().position(|t| *t == self).unwrap_or(0);
        Self::ALL[(i + Self::ALL.len() - 1) % Self::ALL.len()]
    }
}
