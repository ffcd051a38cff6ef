//! The command line: global connection options and the subcommands.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::build_info;
use crate::secret::Secret;

#[derive(Debug, Parser)]
#[command(
    name = "mmops",
    version = build_info::VERSION_WITH_REVISION,
    about = "A terminal operations console for Mattermost servers",
    long_about = "A terminal operations console for Mattermost servers.\n\n\
        Without a subcommand, mmops opens the console. The token is never taken as an argument: \
        use --token-file, the MMOPS_TOKEN environment variable, `mmops login`, or mmctl's stored \
        credentials."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalOpts,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Connection and appearance options shared by every command: in each command's help they come
/// after its own, under a heading of their own.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Options of every command")]
pub struct GlobalOpts {
    /// Server URL, e.g. https://chat.example.com
    #[arg(long, global = true, value_name = "URL")]
    pub url: Option<String>,

    /// File holding a personal access token (or set MMOPS_TOKEN)
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,

    /// Named profile from the config file
    #[arg(long, global = true, value_name = "NAME", env = "MMOPS_PROFILE")]
    pub profile: Option<String>,

    /// Talk to the server over its local-mode unix socket
    /// [default socket: $MMCTL_LOCAL_SOCKET_PATH or /var/tmp/mattermost_local.socket]
    #[arg(long, global = true, value_name = "SOCKET", num_args = 0..=1)]
    pub local: Option<Option<PathBuf>>,

    /// The server's install directory on this host (config/config.json and logs/)
    /// [default: /opt/mattermost when readable]
    #[arg(long, global = true, value_name = "DIR")]
    pub mm_home: Option<PathBuf>,

    /// Read-only PostgreSQL URL of the Mattermost database (for the invitation audit).
    /// Prefer $MMOPS_DB_URL or a profile when the URL holds a password: arguments are visible
    /// to other users in the process list
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "MMOPS_DB_URL",
        hide_env_values = true
    )]
    pub db_url: Option<Secret>,

    /// A log file to follow instead of the install's (repeatable)
    #[arg(long = "log-file", global = true, value_name = "PATH")]
    pub log_files: Vec<PathBuf>,

    /// Config file [default: $MMOPS_CONFIG or ~/.config/mmops/config.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Theme: dark, light, high-contrast, or a user theme from the config dir
    #[arg(long, global = true, value_name = "NAME")]
    pub theme: Option<String>,

    /// The invitation ledger file [default: one per server in mmops' data dir]
    #[arg(long, global = true, value_name = "PATH")]
    pub ledger: Option<PathBuf>,

    /// Accept TLS certificates that do not verify (shown in red in the status bar)
    #[arg(long, global = true)]
    pub insecure: bool,
}

impl GlobalOpts {
    /// The options that name the server and where mmops keeps its files, as arguments for
    /// another mmops process (the capture's watchdog). Never a secret: the database URL is
    /// left out and the token is read from the same place.
    pub fn connection_args(&self) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = Vec::new();
        let mut pair = |flag: &str, value: &std::ffi::OsStr| {
            args.push(flag.into());
            args.push(value.to_owned());
        };
        if let Some(config) = &self.config {
            pair("--config", config.as_os_str());
        }
        if let Some(profile) = &self.profile {
            pair("--profile", profile.as_ref());
        }
        if let Some(url) = &self.url {
            pair("--url", url.as_ref());
        }
        if let Some(token_file) = &self.token_file {
            pair("--token-file", token_file.as_os_str());
        }
        if let Some(home) = &self.mm_home {
            pair("--mm-home", home.as_os_str());
        }
        match &self.local {
            Some(Some(socket)) => pair("--local", socket.as_os_str()),
            Some(None) => args.push("--local".into()),
            None => {}
        }
        if self.insecure {
            args.push("--insecure".into());
        }
        args
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the built-in demo server and open the console on it
    Demo(DemoArgs),
    /// Log in with username and password; stores the session token for the profile
    Login(LoginArgs),
    /// Show the resolved configuration, paths, profile and server (never a token)
    Info,
    /// Print the server log: from --log-file, the install under --mm-home, or the REST API
    Logs(LogsArgs),
    /// Write a support packet zip from the server and the install directory
    Packet(PacketArgs),
    /// Open a support packet in the console, read-only: mmops' own or the server's of any era
    Open(OpenArgs),
    /// Check the server for problems: findings with evidence and fixes; exit 0 none, 1 warnings,
    /// 2 critical, 3 could not check
    Doctor(DoctorArgs),
    /// Send email invitations to a team and record them in the ledger
    Invite(InviteArgs),
    /// The invitation ledger: who invited whom, and what became of each invite
    #[command(subcommand)]
    Invites(InvitesCommand),
    /// Capture a reproduction: raise the log level to DEBUG, then put it back and write the
    /// support packet with the window's lines
    #[command(subcommand)]
    Capture(CaptureCommand),
    /// Every profile of the config file at a glance, worst first: the console's fleet view, or
    /// a table (--json) with an exit status by the worst server (0 ok, 1 warning, 2 critical)
    Fleet(FleetArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page, or write one page per command into a directory
    Man(ManArgs),
    /// Print every key binding as a keymap.toml, each action described
    Keymap,
}

#[derive(Debug, Clone, Args)]
pub struct FleetArgs {
    /// One JSON document (schema mmops.fleet/1) instead of the console
    #[arg(long)]
    pub json: bool,

    /// A table on stdout instead of the console (also when stdout is not a terminal)
    #[arg(long, conflicts_with = "json")]
    pub table: bool,

    /// How many servers are asked at once
    #[arg(long, value_name = "N", default_value_t = crate::fleet::DEFAULT_CONCURRENCY,
          value_parser = clap::value_parser!(usize))]
    pub concurrency: usize,

    /// How long one server may take, in seconds, before its row says it is too slow
    #[arg(long, value_name = "SECONDS", default_value_t = 5,
          value_parser = clap::value_parser!(u64).range(1..=120))]
    pub deadline: u64,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CaptureCommand {
    /// Raise the log level to DEBUG through the API (PUT /config/patch, the level settings
    /// only) and mark the start; the levels go back at `stop`, or by themselves after
    /// --max-minutes
    Start(CaptureStartArgs),
    /// Put the levels back, then write the support packet with capture/ (the window's lines of
    /// every source, the config's changes, the doctor's findings, capture.yaml)
    Stop(CaptureStopArgs),
    /// Put back the levels of a capture whose mmops stopped without doing it; no packet
    Restore,
    /// Say whether a capture is running, since when and until when
    Status,
    /// Keeps a capture's time limit (started by `capture start`)
    #[command(hide = true)]
    Watch { id: String },
}

#[derive(Debug, Clone, Args)]
pub struct CaptureStartArgs {
    /// Start without asking
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Put the levels back after this many minutes [default: [capture] max_minutes, 30]
    #[arg(long, value_name = "MINUTES", value_parser = clap::value_parser!(u32).range(1..=24 * 60))]
    pub max_minutes: Option<u32>,

    /// Capture at the current level: mark the start, change nothing
    #[arg(long)]
    pub at_current_level: bool,
}

#[derive(Debug, Clone, Args)]
pub struct CaptureStopArgs {
    /// One line on what was reproduced, for capture.yaml
    #[arg(long, short = 'm', value_name = "TEXT")]
    pub description: Option<String>,

    /// Directory to write the zip into [default: the current directory]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Put the levels back without writing a packet
    #[arg(long)]
    pub no_packet: bool,

    /// Replace email addresses, IP addresses, usernames and user ids in the logs with stable
    /// pseudonyms
    #[arg(long)]
    pub privacy: bool,

    /// The CPU profile's window in seconds (0 leaves cpu.prof out)
    #[arg(long, value_name = "SECONDS", default_value_t = crate::packet::profiles::DEFAULT_CPU_SECONDS,
          value_parser = clap::value_parser!(u32).range(0..=60))]
    pub cpu_profile_seconds: u32,
}

#[derive(Debug, Clone, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Clone, Args)]
pub struct ManArgs {
    /// Write mmops.1 and a page per subcommand (mmops-invites-sync.1...) into this directory
    /// instead of printing mmops.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct OpenArgs {
    /// The packet's zip file
    #[arg(value_name = "PACKET.zip")]
    pub packet: PathBuf,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DoctorArgs {
    /// One JSON document (schema mmops.doctor/1, described in docs/doctor.md)
    #[arg(long, conflicts_with = "nagios")]
    pub json: bool,

    /// One line for Nagios-style monitoring, with performance data
    #[arg(long)]
    pub nagios: bool,

    /// Run only these rules (repeatable, or comma-separated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Leave these rules out (repeatable, or comma-separated)
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Check a support packet instead of a server: mmops' own or the server's of any era
    #[arg(long, value_name = "ZIP")]
    pub packet: Option<PathBuf>,

    /// List every rule instead of checking (with --json or --markdown for the docs table)
    #[arg(long)]
    pub list_rules: bool,

    /// With --list-rules: the Markdown table of docs/doctor.md
    #[arg(long, requires = "list_rules")]
    pub markdown: bool,

    /// Show what this server would send Mattermost with diagnostics on (the telemetry page's
    /// settings, with this server's values) instead of checking
    #[arg(long, conflicts_with = "list_rules")]
    pub telemetry: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InviteArgs {
    /// The team, by name (as in its URL)
    #[arg(long, value_name = "NAME")]
    pub team: String,

    /// Addresses to invite
    #[arg(required = true, value_name = "EMAIL")]
    pub emails: Vec<String>,

    /// A channel of the team to add them to, by name (repeatable)
    #[arg(long = "channel", value_name = "NAME")]
    pub channels: Vec<String>,
}

/// An invitation status on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    Pending,
    Accepted,
    #[value(name = "accepted_by_other", alias = "accepted-by-other")]
    AcceptedByOther,
    Expired,
    Revoked,
    Failed,
    Unknown,
}

impl StatusArg {
    pub fn status(self) -> crate::invites::resolve::Status {
        use crate::invites::resolve::Status;
        match self {
            StatusArg::Pending => Status::Pending,
            StatusArg::Accepted => Status::Accepted,
            StatusArg::AcceptedByOther => Status::AcceptedByOther,
            StatusArg::Expired => Status::Expired,
            StatusArg::Revoked => Status::Revoked,
            StatusArg::Failed => Status::Failed,
            StatusArg::Unknown => Status::Unknown,
        }
    }
}

#[derive(Debug, Clone, Subcommand)]
pub enum InvitesCommand {
    /// List the recorded invitations, newest first
    List(InvitesListArgs),
    /// Read every reachable source once and record what is new (for a systemd timer)
    Sync(InvitesSyncArgs),
    /// How every member of every team got in: invite, link, added, created the team, unknown
    Members(InvitesMembersArgs),
    /// Invalidate every pending email invite on the server, and record it
    Invalidate(InvitesInvalidateArgs),
}

#[derive(Debug, Clone, Args)]
pub struct InvitesInvalidateArgs {
    /// Do it: without this, only say how many pending invites the ledger knows of
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InvitesSyncArgs {
    /// Leave a source out of this run (repeatable)
    #[arg(long, value_enum, value_name = "SOURCE")]
    pub skip: Vec<SyncSource>,
}

/// The sources `mmops invites sync` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncSource {
    Database,
    AuditLog,
    ServerLog,
    Rest,
}

#[derive(Debug, Clone, Args)]
pub struct InvitesMembersArgs {
    /// Only this team (by name)
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,

    /// One JSON array of objects
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InvitesListArgs {
    /// One JSON array of objects
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,

    /// CSV with a header line
    #[arg(long)]
    pub csv: bool,

    /// Only this status
    #[arg(long, value_enum, ignore_case = true, value_name = "STATUS")]
    pub status: Option<StatusArg>,

    /// Only this team, by name
    #[arg(long, value_name = "NAME")]
    pub team: Option<String>,

    /// Only invitations sent in the last DURATION (10m, 2h, 7d)
    #[arg(long, value_name = "DURATION")]
    pub since: Option<String>,
}

#[derive(Debug, Clone, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct PacketArgs {
    #[command(subcommand)]
    pub command: Option<PacketCommand>,

    /// Directory to write the zip into [default: the current directory]
    #[arg(long, short = 'o', value_name = "DIR")]
    pub output: Option<PathBuf>,

    /// Leave the logs out
    #[arg(long)]
    pub no_logs: bool,

    /// Replace email addresses, IP addresses, usernames and user ids in the logs with stable
    /// pseudonyms
    #[arg(long)]
    pub privacy: bool,

    /// The CPU profile's window in seconds, taken from the server's metrics listener while the
    /// packet is written (0 leaves cpu.prof out)
    #[arg(long, value_name = "SECONDS", default_value_t = crate::packet::profiles::DEFAULT_CPU_SECONDS,
          value_parser = clap::value_parser!(u32).range(0..=60))]
    pub cpu_profile_seconds: u32,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PacketCommand {
    /// Compare two support packets: version, nodes, config by path, plugins, statistics, jobs
    /// that started failing, log messages new in the second
    Diff(PacketDiffArgs),
}

#[derive(Debug, Clone, Args)]
pub struct PacketDiffArgs {
    /// The earlier packet
    #[arg(value_name = "A.zip")]
    pub a: PathBuf,
    /// The later packet
    #[arg(
        value_name = "B.zip",
        required_unless_present = "live",
        conflicts_with = "live"
    )]
    pub b: Option<PathBuf>,
    /// Compare A with the server as it is now (the --url, --local or profile server): what
    /// changed since the packet was taken
    #[arg(long)]
    pub live: bool,
    /// One JSON document
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LogsArgs {
    /// Keep following new lines (like tail -F) until Ctrl-C
    #[arg(short, long)]
    pub follow: bool,

    /// Only entries at this level or worse: error, warn, info, debug, trace
    #[arg(long, value_name = "LEVEL")]
    pub level: Option<String>,

    /// Only entries whose first line matches this regex
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// With --grep: leave out what matches instead
    #[arg(long, requires = "grep")]
    pub invert: bool,

    /// With --grep: ignore case
    #[arg(short = 'i', long, requires = "grep")]
    pub ignore_case: bool,

    /// Only entries newer than this: a duration (10m, 2h, 1d) or a time (2026-11-22T14:05:00Z)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,

    /// The lines exactly as logged
    #[arg(long, conflicts_with = "json")]
    pub raw: bool,

    /// One normalized JSON object per entry (time, level, source, caller, msg, fields)
    #[arg(long)]
    pub json: bool,

    /// Only the last N lines of each file (default: all; 10 when following) or N lines of the
    /// REST API (default: 10000); with a filter, the last N entries it lets through (`-n 3
    /// --level error`: the last three errors)
    #[arg(short = 'n', long, value_name = "N")]
    pub lines: Option<usize>,

    /// Only entries older than this: a duration ago (10m, 2h) or a time, like --since
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,

    /// Instead of the entries, their message patterns (the variable parts masked): count,
    /// level, first and last time, sources, top field values; the most frequent first
    #[arg(long, conflicts_with_all = ["follow", "raw", "histogram"])]
    pub patterns: bool,

    /// With --patterns: how many (0: all)
    #[arg(long, value_name = "N", default_value_t = 20, requires = "patterns")]
    pub top: usize,

    /// Instead of the entries, how many there were over time, errors and warnings apart
    #[arg(long, conflicts_with_all = ["follow", "raw"])]
    pub histogram: bool,

    /// With --histogram: the bucket width (30s, 1m, 1h, 1d) [default: one that gives at most 60]
    #[arg(long, value_name = "WIDTH", requires = "histogram")]
    pub bucket: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// Run only the simulated server; print {"url","token","host_dir"} as the first line
    #[arg(long)]
    pub serve: bool,

    /// Address to listen on, HOST:PORT [default: 127.0.0.1:8065 with --serve, a free port otherwise]
    #[arg(long, value_name = "ADDR", value_parser = parse_addr)]
    pub addr: Option<SocketAddr>,

    /// Seed for the generated data; the same seed gives the same server
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub seed: u64,

    /// Where to write the simulated install (config/, logs/) [default: a temporary dir]
    #[arg(long, value_name = "DIR")]
    pub host_dir: Option<PathBuf>,

    /// Also serve local mode on this unix socket (no token, unsanitized config)
    #[arg(long, value_name = "PATH")]
    pub local_socket: Option<PathBuf>,

    /// A server with nothing wrong for `mmops doctor` to find (by default the demo has a
    /// failing plugin, config drift, an expiring licence, failed jobs, risky settings...)
    #[arg(long)]
    pub healthy: bool,

    /// Run N demo servers of different versions and health (one down, one rate limiting, one
    /// with a failing plugin, one with an expired licence) and open the fleet view on them
    #[arg(long, value_name = "N", conflicts_with_all = ["serve", "host_dir", "local_socket", "faults", "healthy"],
          value_parser = clap::value_parser!(u16).range(1..=200))]
    pub fleet: Option<u16>,

    /// Inject faults, e.g. "/api/v4/analytics/*=status:500;/api/v4/system/ping=latency:800"
    #[arg(long, value_name = "SPEC")]
    pub faults: Option<String>,

    /// Only write sample support packets from the demo's world into DIR and exit: one per
    /// layout (9, 10.5, 10.10, current), or the --layout given
    #[arg(long, value_name = "DIR", conflicts_with_all = ["serve", "write_log"])]
    pub write_packet: Option<PathBuf>,

    /// With --write-packet: only this layout
    #[arg(long, value_enum, requires = "write_packet")]
    pub layout: Option<crate::demo::support_packet::PacketLayout>,

    /// Only write a realistic mattermost.log of --size bytes to PATH ("-" for stdout) and exit
    #[arg(long, value_name = "PATH", conflicts_with_all = ["serve", "addr", "host_dir", "local_socket", "faults"])]
    pub write_log: Option<PathBuf>,

    /// Size of the log --write-log writes, e.g. 500K, 100M, 1G
    #[arg(long, value_name = "SIZE", default_value = "100M", value_parser = parse_size, requires = "write_log")]
    pub size: u64,
}

/// `1G`, `100M`, `500K` or plain bytes (powers of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((at, _)) => text.split_at(at),
        None => (text, ""),
    };
    let shift = match unit.to_ascii_uppercase().trim_end_matches(['B', 'I']) {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        _ => return Err(format!("unknown unit in '{text}': use K, M or G")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(1 << shift))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("'{text}' is not a size like 100M or 1G"))
}

#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    /// Username or email (prompted when absent)
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,

    /// Read the password from this file instead of prompting
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,

    /// MFA code, when the account uses multi-factor authentication (prompted when needed)
    #[arg(long, value_name = "CODE")]
    pub mfa_code: Option<String>,
}

/// `127.0.0.1:8065`, `localhost:8065` or `[::1]:8065`.
fn parse_addr(text: &str) -> Result<SocketAddr, String> {
    use std::net::ToSocketAddrs;
    text.to_socket_addrs()
        .map_err(|e| format!("'{text}' is not HOST:PORT ({e})"))?
        .next()
        .ok_or_else(|| format!("'{text}' resolves to no address"))
}
