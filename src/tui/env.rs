//! What the console starts with ([`Launch`]) and what every view can read while it runs
//! ([`Env`]): the server client, the install dir, the clock, where files go.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::keys::Keymap;
use super::tabs::invites::InvitesLaunch;
use super::tabs::logs::LogsLaunch;
use super::theme::Theme;
use crate::error::Error;
use crate::host::MmHome;
use crate::mm::MmClient;
use crate::packet::open::Packet;

/// Where "now" comes from: the system clock, or a fixed instant for reproducible tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    System,
    Fixed(i64),
}

impl Clock {
    pub fn now_ms(self) -> i64 {
        match self {
            Clock::System => chrono::Utc::now().timestamp_millis(),
            Clock::Fixed(ms) => ms,
        }
    }
}

/// Re-reads credentials and returns a new client and where its token came from.
pub type Reconnect = Arc<dyn Fn() -> Result<(MmClient, String), Error> + Send + Sync>;

/// Starts the process that puts the levels back at a capture's time limit should the console
/// die first; answers its pid.
pub type Watchdog = Arc<dyn Fn(&str) -> std::io::Result<u32> + Send + Sync>;

/// Where a capture is recorded and how long it may run.
#[derive(Clone)]
pub struct CaptureLaunch {
    /// `None`: no capture here (over a packet, or a console without a state directory).
    pub file: Option<crate::capture::CaptureFile>,
    pub max_minutes: u32,
    pub watchdog: Option<Watchdog>,
    /// The profile the server was reached with, named in advice.
    pub profile: Option<String>,
    /// The capture recorded when the console started (running elsewhere, or unfinished).
    pub found: Option<crate::capture::Capture>,
}

impl Default for CaptureLaunch {
    fn default() -> Self {
        Self {
            file: None,
            max_minutes: crate::capture::DEFAULT_MAX_MINUTES,
            watchdog: None,
            profile: None,
            found: None,
        }
    }
}

/// Builds the console's launch for a profile of the fleet (Enter in the fleet view).
pub type Connect = Arc<dyn Fn(&str) -> Result<Launch, Error> + Send + Sync>;

/// Reads the config file's profiles again (after an edit).
pub type Members = Arc<dyn Fn() -> Result<Vec<crate::fleet::Member>, Error> + Send + Sync>;

/// Checks a profile's form by connecting with it: the server's name for the notice.
pub type Validate = Arc<
    dyn Fn(
            crate::fleet::profiles::ProfileFields,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<String, Error>> + Send>>
        + Send
        + Sync,
>;

/// The fleet view's sources: the config file's profiles, how to open one, where its
/// summaries are kept while the view is closed.
#[derive(Clone)]
pub struct FleetLaunch {
    pub paths: crate::config::Paths,
    pub members: Members,
    pub connect: Connect,
    pub validate: Validate,
    pub options: crate::fleet::Options,
    /// Open the fleet view when the console starts (`mmops fleet`).
    pub open_at_start: bool,
    /// The last summaries, kept across closing and opening the view.
    pub kept: Arc<std::sync::Mutex<Vec<crate::fleet::Summary>>>,
}

/// Everything the console starts with.
pub struct Launch {
    pub client: Option<MmClient>,
    /// How the status bar names the server (URL, `local <socket>`, `DEMO`).
    pub server_label: String,
    pub insecure: bool,
    pub mm_home: Option<MmHome>,
    pub theme: Theme,
    pub keymap: Keymap,
    pub refresh_every: Duration,
    pub clock: Clock,
    pub logs: LogsLaunch,
    /// Where the token came from, named when the server refuses it.
    pub token_source: String,
    /// The config file, for the "no server" advice.
    pub config_file: String,
    /// Builds a new client from the credentials on disk (after `mmops login` in another
    /// shell); `None` where credentials cannot change (the demo).
    pub reconnect: Option<Reconnect>,
    /// Where support packets are written (the directory mmops was started in).
    pub packet_dir: PathBuf,
    /// Where the Config tab keeps snapshots of this server's config.
    pub snapshot_dir: PathBuf,
    /// The Invites tab's ledger and database.
    pub invites: InvitesLaunch,
    /// A support packet opened read-only instead of a server (`mmops open`).
    pub packet: Option<Arc<Packet>>,
    pub capture: CaptureLaunch,
    /// The fleet of the config file's profiles (`F`), when there are profiles.
    pub fleet: Option<FleetLaunch>,
}

/// What the app draws around the views: the theme and the status bar's server.
pub struct Chrome {
    pub theme: Theme,
    /// How the status bar names the server.
    pub server_label: String,
    pub insecure: bool,
}

/// What every view can read. Only the app changes it (a reconnect replaces the client).
pub struct Env {
    pub client: Option<MmClient>,
    /// The keys, for words that name them.
    pub keymap: Keymap,
    pub mm_home: Option<MmHome>,
    pub clock: Clock,
    pub refresh_every: Duration,
    pub token_source: String,
    pub config_file: String,
    pub packet_dir: PathBuf,
    pub snapshot_dir: PathBuf,
    pub logs: LogsLaunch,
    pub invites: InvitesLaunch,
    /// A support packet opened read-only instead of a server: every tab reads it, and
    /// nothing acts on a server.
    pub packet: Option<Arc<Packet>>,
    pub capture: CaptureLaunch,
    pub fleet: Option<FleetLaunch>,
    pub(crate) reconnect: Option<Reconnect>,
    /// The server a packet opened from the console goes back to (its status-bar name).
    pub returns_to: Option<String>,
}

impl Env {
    /// Splits a launch into the environment and what the app draws around the views.
    pub fn from_launch(launch: Launch) -> (Env, Chrome) {
        let env = Env {
            client: launch.client,
            keymap: launch.keymap,
            mm_home: launch.mm_home,
            clock: launch.clock,
            refresh_every: launch.refresh_every,
            token_source: launch.token_source,
            config_file: launch.config_file,
            packet_dir: launch.packet_dir,
            snapshot_dir: launch.snapshot_dir,
            logs: launch.logs,
            invites: launch.invites,
            packet: launch.packet,
            capture: launch.capture,
            fleet: launch.fleet,
            reconnect: launch.reconnect,
            returns_to: None,
        };
        let chrome = Chrome {
            theme: launch.theme,
            server_label: launch.server_label,
            insecure: launch.insecure,
        };
        (env, chrome)
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// This console's environment over `packet` instead of a server: the same keys, clock and
    /// directories; no client, install, ledger or database, no log files to follow.
    pub fn for_packet(&self, packet: Arc<Packet>, returns_to: Option<String>) -> Env {
        let mut logs = self.logs.clone();
        logs.files.clear();
        Env {
            client: None,
            keymap: self.keymap.clone(),
            mm_home: None,
            clock: self.clock,
            refresh_every: self.refresh_every,
            token_source: String::new(),
            config_file: self.config_file.clone(),
            packet_dir: self.packet_dir.clone(),
            snapshot_dir: self.snapshot_dir.clone(),
            logs,
            invites: InvitesLaunch::over_packet(),
            packet: Some(packet),
            capture: CaptureLaunch::default(),
            fleet: self.fleet.clone(),
            reconnect: None,
            returns_to,
        }
    }
}
