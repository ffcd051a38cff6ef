//! Keys: the actions, one key table per scope with a description for every binding, and the
//! user's `keymap.toml` that overrides them.
//!
//! The same tables drive dispatch, the footer hints and the `?` help, so help never drifts
//! from the real keys.
//!
//! ```toml
//! # ~/.config/mmops/keymap.toml: only the actions you want to move
//! [global]
//! quit = ["q", "ctrl-q"]
//! [server]
//! refresh = ["r", "f5"]
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Suspend,
    NextTab,
    PrevTab,
    ShowServer,
    ShowPlugins,
    ShowLogs,
    ShowConfig,
    ShowInvites,
    Help,
    Close,
    Refresh,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Left,
    Right,
    Open,
    LevelError,
    LevelWarn,
    LevelInfo,
    LevelDebug,
    LevelAll,
    LevelPicker,
    Filter,
    Find,
    NextMatch,
    PrevMatch,
    ToggleCase,
    ToggleInvert,
    ClearFilter,
    SameRequest,
    ToggleUtc,
    ToggleWrap,
    Yank,
    Save,
    Command,
    SwitchSource,
    Packet,
    ServerPacket,
    ToggleLogs,
    TogglePrivacy,
    TogglePlugin,
    EnablePlugin,
    DisablePlugin,
    Confirm,
    CycleView,
    Compare,
    Snapshot,
    StatusFilter,
    TeamFilter,
    Invite,
    InvalidateInvites,
    Sync,
    Export,
    Members,
}

impl Action {
    /// The name used in keymap.toml.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Suspend => "suspend",
            Action::NextTab => "next_tab",
            Action::PrevTab => "prev_tab",
            Action::ShowServer => "tab_server",
            Action::ShowPlugins => "tab_plugins",
            Action::ShowLogs => "tab_logs",
            Action::ShowConfig => "tab_config",
            Action::ShowInvites => "tab_invites",
            Action::Help => "help",
            Action::Close => "close",
            Action::Refresh => "refresh",
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::Left => "left",
            Action::Right => "right",
            Action::Open => "open",
            Action::LevelError => "level_error",
            Action::LevelWarn => "level_warn",
            Action::LevelInfo => "level_info",
            Action::LevelDebug => "level_debug",
            Action::LevelAll => "level_all",
            Action::LevelPicker => "level_picker",
            Action::Filter => "filter",
            Action::Find => "find",
            Action::NextMatch => "next_match",
            Action::PrevMatch => "prev_match",
            Action::ToggleCase => "toggle_case",
            Action::ToggleInvert => "toggle_invert",
            Action::ClearFilter => "clear_filter",
            Action::SameRequest => "same_request",
            Action::ToggleUtc => "toggle_utc",
            Action::ToggleWrap => "toggle_wrap",
            Action::Yank => "yank",
            Action::Save => "save",
            Action::Command => "command",
            Action::SwitchSource => "switch_source",
            Action::Packet => "packet",
            Action::ServerPacket => "server_packet",
            Action::ToggleLogs => "toggle_logs",
            Action::TogglePrivacy => "toggle_privacy",
            Action::TogglePlugin => "toggle_plugin",
            Action::EnablePlugin => "enable_plugin",
            Action::DisablePlugin => "disable_plugin",
            Action::Confirm => "confirm",
            Action::CycleView => "cycle_view",
            Action::Compare => "compare",
            Action::Snapshot => "snapshot",
            Action::StatusFilter => "status_filter",
            Action::TeamFilter => "team_filter",
            Action::Invite => "invite",
            Action::InvalidateInvites => "invalidate_invites",
            Action::Sync => "sync",
            Action::Export => "export",
            Action::Members => "members",
        }
    }
}

impl Action {
    /// Where a selection among `len` rows goes on this movement (`page` rows to a page); any
    /// other action leaves it where it is.
    pub fn select(self, selected: usize, len: usize, page: usize) -> usize {
        let last = len.saturating_sub(1);
        let page = page.max(1);
        match self {
            Action::Down => (selected + 1).min(last),
            Action::Up => selected.saturating_sub(1),
            Action::PageDown => (selected + page).min(last),
            Action::PageUp => selected.saturating_sub(page),
            Action::Top => 0,
            Action::Bottom => last,
            _ => selected,
        }
    }

    /// A text view's scroll offset after this movement (the view clamps it to its end).
    pub fn scroll(self, offset: u16) -> u16 {
        match self {
            Action::Down => offset.saturating_add(1),
            Action::Up => offset.saturating_sub(1),
            Action::PageDown => offset.saturating_add(10),
            Action::PageUp => offset.saturating_sub(10),
            Action::Top => 0,
            Action::Bottom => u16::MAX,
            _ => offset,
        }
    }
}

/// A key with its modifiers, as written in keymap.toml: `q`, `G`, `ctrl-c`, `alt-x`, `f5`,
/// `tab`, `shift-tab`, `enter`, `esc`, `up`, `pagedown`, `space`...
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyCombo {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl KeyCombo {
    pub const fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        Self { code, mods }
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("an empty key".to_string());
        }
        // A single character is the key itself, even `-`.
        let mut parts: Vec<&str> = if text.chars().count() == 1 {
            vec![text]
        } else {
            text.split('-').collect()
        };
        // `ctrl--` means Ctrl and the minus key.
        if parts.len() >= 2 && parts[parts.len() - 1].is_empty() {
            parts.pop();
            if let Some(last) = parts.last_mut() {
                *last = "-";
            }
        }
        let Some((key, modifiers)) = parts.split_last() else {
            return Err(format!("'{text}' is not a key"));
        };
        let mut mods = KeyModifiers::NONE;
        for m in modifiers {
            mods |= match m.to_ascii_lowercase().as_str() {
                "ctrl" | "control" => KeyModifiers::CONTROL,
                "alt" | "meta" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                other => return Err(format!("unknown modifier '{other}' in '{text}'")),
            };
        }
        let lower = key.to_ascii_lowercase();
        let code = match lower.as_str() {
            "tab" if mods.contains(KeyModifiers::SHIFT) => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "delete" | "del" => KeyCode::Delete,
            "insert" | "ins" => KeyCode::Insert,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" | "pgup" => KeyCode::PageUp,
            "pagedown" | "pgdn" => KeyCode::PageDown,
            f if f.len() >= 2
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=24).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ if key.chars().count() == 1 => {
                let mut c = key.chars().next().unwrap_or(' ');
                if mods.contains(KeyModifiers::SHIFT) && c.is_ascii_alphabetic() {
                    c = c.to_ascii_uppercase();
                    mods.remove(KeyModifiers::SHIFT);
                }
                if mods.contains(KeyModifiers::CONTROL) {
                    c = c.to_ascii_lowercase();
                }
                KeyCode::Char(c)
            }
            _ => return Err(format!("unknown key '{key}' in '{text}'")),
        };
        Ok(Self { code, mods })
    }

    /// Whether a terminal key event is this combo. Shift is folded into the character for
    /// letters and symbols, so `G` and `?` match however the terminal reports them.
    pub fn matches(&self, event: &KeyEvent) -> bool {
        let mut mods =
            event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match event.code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        code == self.code && mods == self.mods
    }

    /// The combo as keymap.toml spells it (`ctrl-d`, `shift-tab`, `pagedown`), so that
    /// `KeyCombo::parse(&combo.spelling())` gives the combo back.
    pub fn spelling(&self) -> String {
        let mut out = String::new();
        for (flag, name) in [
            (KeyModifiers::CONTROL, "ctrl-"),
            (KeyModifiers::ALT, "alt-"),
            (KeyModifiers::SHIFT, "shift-"),
        ] {
            if self.mods.contains(flag) {
                out.push_str(name);
            }
        }
        match self.code {
            KeyCode::Char(' ') => out.push_str("space"),
            KeyCode::Char(c) => out.push(c),
            KeyCode::F(n) => out.push_str(&format!("f{n}")),
            KeyCode::Tab => out.push_str("tab"),
            KeyCode::BackTab => out.push_str("shift-tab"),
            KeyCode::Enter => out.push_str("enter"),
            KeyCode::Esc => out.push_str("esc"),
            KeyCode::Backspace => out.push_str("backspace"),
            KeyCode::Delete => out.push_str("delete"),
            KeyCode::Insert => out.push_str("insert"),
            KeyCode::Up => out.push_str("up"),
            KeyCode::Down => out.push_str("down"),
            KeyCode::Left => out.push_str("left"),
            KeyCode::Right => out.push_str("right"),
            KeyCode::Home => out.push_str("home"),
            KeyCode::End => out.push_str("end"),
            KeyCode::PageUp => out.push_str("pageup"),
            KeyCode::PageDown => out.push_str("pagedown"),
            _ => out.push('?'),
        }
        out
    }

    /// The key event this combo stands for (used by tests and the screenshot tool).
    pub fn to_event(self) -> KeyEvent {
        KeyEvent::new(self.code, self.mods)
    }
}

impl fmt::Display for KeyCombo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                write!(f, "{}", c.to_ascii_uppercase())
            }
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Insert => f.write_str("Ins"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            _ => f.write_str("?"),
        }
    }
}

/// Where a table applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    Global,
    Help,
    Server,
    Plugins,
    Logs,
    Config,
    Invites,
    Packet,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::Global,
        Scope::Help,
        Scope::Server,
        Scope::Plugins,
        Scope::Logs,
        Scope::Config,
        Scope::Invites,
        Scope::Packet,
    ];

    /// The table name in keymap.toml.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Global => "global",
            Scope::Help => "help",
            Scope::Server => "server",
            Scope::Plugins => "plugins",
            Scope::Logs => "logs",
            Scope::Config => "config",
            Scope::Invites => "invites",
            Scope::Packet => "packet",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Help => "Help",
            Scope::Server => "Server tab",
            Scope::Plugins => "Plugins tab",
            Scope::Logs => "Logs tab",
            Scope::Config => "Config tab",
            Scope::Invites => "Invites tab",
            Scope::Packet => "Support packet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<KeyCombo>,
    pub description: &'static str,
    /// The short label in the footer; `None` keeps the binding out of the footer.
    pub hint: Option<&'static str>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyTable {
    pub bindings: Vec<Binding>,
}

impl KeyTable {
    pub fn action_for(&self, event: &KeyEvent) -> Option<Action> {
        self.bindings
            .iter()
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
            .map(|b| b.action)
    }

    pub fn keys_for(&self, action: Action) -> &[KeyCombo] {
        self.bindings
            .iter()
            .find(|b| b.action == action)
            .map(|b| b.keys.as_slice())
            .unwrap_or(&[])
    }
}

/// Builds a table from `(action, keys, description, hint)` rows. Keys are written as in
/// keymap.toml; the defaults are known good, a bad one is a programming error caught by tests.
fn table(rows: &[(Action, &[&str], &'static str, Option<&'static str>)]) -> KeyTable {
    KeyTable {
        bindings: rows
            .iter()
            .map(|(action, keys, description, hint)| Binding {
                action: *action,
                keys: keys
                    .iter()
                    .filter_map(|k| KeyCombo::parse(k).ok())
                    .collect(),
                description,
                hint: *hint,
            })
            .collect(),
    }
}

const SCROLL_ROWS: &[(Action, &[&str], &str, Option<&str>)] = &[
    (Action::Down, &["j", "down"], "Scroll down", None),
    (Action::Up, &["k", "up"], "Scroll up", None),
    (Action::PageDown, &["ctrl-d", "pagedown"], "Page down", None),
    (Action::PageUp, &["ctrl-u", "pageup"], "Page up", None),
    (Action::Top, &["g", "home"], "Go to the top", None),
    (Action::Bottom, &["G", "end"], "Go to the bottom", None),
];

fn default_table(scope: Scope) -> KeyTable {
    match scope {
        Scope::Global => table(&[
            (Action::Quit, &["q", "ctrl-c"], "Quit mmops", Some("quit")),
            (
                Action::Help,
                &["?", "f1"],
                "Show or hide this help",
                Some("help"),
            ),
            (Action::NextTab, &["tab"], "Next tab", None),
            (Action::PrevTab, &["shift-tab"], "Previous tab", None),
            (Action::ShowServer, &["1"], "Server tab", None),
            (Action::ShowPlugins, &["2"], "Plugins tab", None),
            (Action::ShowLogs, &["3"], "Logs tab", None),
            (Action::ShowConfig, &["4"], "Config tab", None),
            (Action::ShowInvites, &["5"], "Invites tab", None),
            (
                Action::Packet,
                &["p"],
                "Write a support packet (built by mmops)",
                Some("packet"),
            ),
            (
                Action::ServerPacket,
                &["P"],
                "Download the server's own packet (needs a licence)",
                None,
            ),
            (
                Action::Suspend,
                &["ctrl-z"],
                "Suspend to the shell (fg to come back)",
                None,
            ),
        ]),
        Scope::Help => {
            let mut t = table(&[(
                Action::Close,
                &["esc", "?", "q", "f1"],
                "Close the help",
                Some("close"),
            )]);
            t.bindings.extend(table(SCROLL_ROWS).bindings);
            t
        }
        Scope::Server => {
            let mut t = table(&[(
                Action::Refresh,
                &["r", "f5"],
                "Refresh now",
                Some("refresh"),
            )]);
            let mut scroll = table(SCROLL_ROWS);
            if let Some(first) = scroll.bindings.first_mut() {
                first.hint = Some("scroll");
            }
            t.bindings.extend(scroll.bindings);
            t
        }
        Scope::Logs => table(&[
            (
                Action::Filter,
                &["/"],
                "Filter: a regex, and field=value or field~text",
                Some("filter"),
            ),
            (
                Action::Find,
                &["f"],
                "Find: highlight matches, keep the rest",
                Some("find"),
            ),
            (Action::NextMatch, &["n"], "Next match of the find", None),
            (
                Action::PrevMatch,
                &["N"],
                "Previous match of the find",
                None,
            ),
            (
                Action::LevelError,
                &["e"],
                "Show errors and worse",
                Some("level"),
            ),
            (
                Action::LevelWarn,
                &["w"],
                "Show warnings and worse",
                Some("level"),
            ),
            (
                Action::LevelInfo,
                &["i"],
                "Show info and worse",
                Some("level"),
            ),
            (
                Action::LevelDebug,
                &["d"],
                "Show debug and worse",
                Some("level"),
            ),
            (Action::LevelAll, &["a"], "Show every level", None),
            (Action::LevelPicker, &["L"], "Pick the levels to show", None),
            (
                Action::Open,
                &["enter"],
                "Show the entry in full (fields, raw JSON)",
                Some("open"),
            ),
            (
                Action::Bottom,
                &["G", "b", "end"],
                "Last entry; follow new ones",
                Some("follow"),
            ),
            (
                Action::Top,
                &["g", "t", "home"],
                "First entry (pauses following)",
                None,
            ),
            (Action::Down, &["j", "down"], "Next entry", None),
            (
                Action::Up,
                &["k", "up"],
                "Previous entry (pauses following)",
                None,
            ),
            (Action::PageDown, &["ctrl-d", "pagedown"], "Page down", None),
            (Action::PageUp, &["ctrl-u", "pageup"], "Page up", None),
            (
                Action::Left,
                &["h", "left"],
                "Scroll left (when not wrapping)",
                None,
            ),
            (
                Action::Right,
                &["l", "right"],
                "Scroll right (when not wrapping)",
                None,
            ),
            (
                Action::SameRequest,
                &["r"],
                "Only the selected entry's request (request_id)",
                None,
            ),
            (
                Action::ToggleCase,
                &["c"],
                "Case-sensitive matching on or off",
                None,
            ),
            (
                Action::ToggleInvert,
                &["v"],
                "Invert the filter: hide what matches",
                None,
            ),
            (
                Action::ClearFilter,
                &["x"],
                "Clear the filter, the levels and the find",
                None,
            ),
            (
                Action::ToggleWrap,
                &["W"],
                "Wrap long lines on or off",
                None,
            ),
            (
                Action::ToggleUtc,
                &["z"],
                "Times in UTC or local time",
                None,
            ),
            (
                Action::Yank,
                &["y"],
                "Copy the selected raw line (OSC 52, works over SSH)",
                None,
            ),
            (
                Action::Save,
                &["s"],
                "Save the filtered raw lines to a file",
                Some("save"),
            ),
            (
                Action::Command,
                &[":"],
                "Command: goto 14:05, goto 2026-11-22 14:05, level warn",
                None,
            ),
            (
                Action::SwitchSource,
                &["o"],
                "Switch the source: log files or the REST API",
                None,
            ),
            (Action::Close, &["esc"], "Close the find highlight", None),
        ]),
        Scope::Packet => {
            let mut t = table(&[
                (
                    Action::Open,
                    &["enter"],
                    "Write the packet (when it is written: close)",
                    Some("write"),
                ),
                (
                    Action::ToggleLogs,
                    &["l"],
                    "Include the logs or leave them out",
                    Some("logs"),
                ),
                (
                    Action::TogglePrivacy,
                    &["v"],
                    "Privacy mode: pseudonyms for emails, IPs, usernames, user ids",
                    Some("privacy"),
                ),
                (
                    Action::TogglePlugin,
                    &["space"],
                    "Server packet: ask for the selected plugin's packet or not",
                    None,
                ),
                (
                    Action::Close,
                    &["esc"],
                    "Cancel (while writing: stop, nothing is kept) or close",
                    Some("close"),
                ),
            ]);
            t.bindings.extend(table(SCROLL_ROWS).bindings);
            t
        }
        Scope::Plugins => {
            let mut t = table(&[
                (
                    Action::Open,
                    &["enter"],
                    "The plugin in full: manifest, settings, recent log entries",
                    Some("open"),
                ),
                (
                    Action::EnablePlugin,
                    &["E"],
                    "Enable the plugin (asks first)",
                    Some("enable"),
                ),
                (
                    Action::DisablePlugin,
                    &["D"],
                    "Disable the plugin (asks first)",
                    Some("disable"),
                ),
                (Action::Confirm, &["y"], "Yes, when asked", None),
                (
                    Action::Close,
                    &["esc", "n"],
                    "Close the plugin, or say no when asked",
                    None,
                ),
                (
                    Action::Refresh,
                    &["r", "f5"],
                    "Refresh now",
                    Some("refresh"),
                ),
            ]);
            t.bindings.extend(table(SCROLL_ROWS).bindings);
            t
        }
        Scope::Config => {
            let mut t = table(&[
                (
                    Action::Open,
                    &["enter", "space"],
                    "Fold or unfold the section",
                    Some("fold"),
                ),
                (Action::Left, &["h", "left"], "Fold the section", None),
                (Action::Right, &["l", "right"], "Unfold the section", None),
                (
                    Action::Filter,
                    &["/"],
                    "Search paths and values",
                    Some("search"),
                ),
                (Action::NextMatch, &["n"], "Next match", None),
                (Action::PrevMatch, &["N"], "Previous match", None),
                (
                    Action::CycleView,
                    &["v"],
                    "View: every setting, changed from default, what support looks at",
                    Some("view"),
                ),
                (
                    Action::Yank,
                    &["y"],
                    "Copy Path.To.Setting = value (OSC 52)",
                    Some("copy"),
                ),
                (
                    Action::Compare,
                    &["c"],
                    "Compare with a config.json, a support packet or a snapshot",
                    Some("compare"),
                ),
                (
                    Action::Snapshot,
                    &["S"],
                    "Save a snapshot of this config (sanitized) to compare with later",
                    None,
                ),
                (
                    Action::Close,
                    &["esc"],
                    "Clear the search, close the comparison",
                    None,
                ),
                (Action::Refresh, &["r", "f5"], "Refresh now", None),
            ]);
            t.bindings.extend(table(SCROLL_ROWS).bindings);
            t
        }
        Scope::Invites => {
            let mut t = table(&[
                (
                    Action::Filter,
                    &["/"],
                    "Find: fuzzy over email, team, sender and user, as you type",
                    Some("find"),
                ),
                (
                    Action::StatusFilter,
                    &["f"],
                    "Status filter: all, pending, accepted, by another account, expired...",
                    Some("status"),
                ),
                (
                    Action::TeamFilter,
                    &["t"],
                    "Team filter: pick a team (in the members view: pick the team)",
                    Some("team"),
                ),
                (
                    Action::ClearFilter,
                    &["x"],
                    "Clear the finder and the filters",
                    None,
                ),
                (
                    Action::Open,
                    &["enter"],
                    "The invitation in full, with its evidence",
                    Some("open"),
                ),
                (
                    Action::Invite,
                    &["i"],
                    "Send invitations: team, addresses, channels (asks first)",
                    Some("invite"),
                ),
                (
                    Action::InvalidateInvites,
                    &["X"],
                    "Invalidate every pending email invite (asks first)",
                    None,
                ),
                (
                    Action::Sync,
                    &["s"],
                    "Sync the ledger now from every source",
                    Some("sync"),
                ),
                (
                    Action::Export,
                    &["e"],
                    "Export the rows shown to a CSV or JSON file",
                    None,
                ),
                (
                    Action::Members,
                    &["m"],
                    "Members: how each member of a team got in",
                    Some("members"),
                ),
                (
                    Action::Left,
                    &["h", "left"],
                    "Members view: the previous team",
                    None,
                ),
                (
                    Action::Right,
                    &["l", "right"],
                    "Members view: the next team",
                    None,
                ),
                (Action::Confirm, &["y"], "Yes, when asked", None),
                (
                    Action::Close,
                    &["esc", "n"],
                    "Close the view, or say no when asked",
                    None,
                ),
                (Action::Refresh, &["r", "f5"], "Read the ledger again", None),
            ]);
            t.bindings.extend(table(SCROLL_ROWS).bindings);
            t
        }
    }
}

/// All key tables, defaults with the user's overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    tables: BTreeMap<Scope, KeyTable>,
}

impl Default for Keymap {
    fn default() -> Self {
        Self {
            tables: Scope::ALL.iter().map(|s| (*s, default_table(*s))).collect(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("keymap {origin}: {detail}")]
pub struct KeymapError {
    pub origin: String,
    pub detail: String,
}

impl Keymap {
    pub fn table(&self, scope: Scope) -> &KeyTable {
        static EMPTY: KeyTable = KeyTable {
            bindings: Vec::new(),
        };
        self.tables.get(&scope).unwrap_or(&EMPTY)
    }

    /// Defaults overridden by `path` when it exists.
    pub fn load(path: &Path) -> Result<Self, KeymapError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::default().with_overrides(&text, &path.display().to_string()),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(err) => Err(KeymapError {
                origin: path.display().to_string(),
                detail: err.to_string(),
            }),
        }
    }

    pub fn with_overrides(mut self, text: &str, origin: &str) -> Result<Self, KeymapError> {
        let fail = |detail: String| KeymapError {
            origin: origin.to_string(),
            detail,
        };
        let file: BTreeMap<String, BTreeMap<String, Vec<String>>> =
            toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        for (scope_name, actions) in file {
            let scope = Scope::ALL
                .iter()
                .copied()
                .find(|s| s.name() == scope_name)
                .ok_or_else(|| fail(format!("unknown table [{scope_name}]")))?;
            let table = self.tables.entry(scope).or_default();
            for (action_name, keys) in actions {
                let binding = table
                    .bindings
                    .iter_mut()
                    .find(|b| b.action.name() == action_name)
                    .ok_or_else(|| fail(format!("[{scope_name}] has no action '{action_name}'")))?;
                binding.keys = keys
                    .iter()
                    .map(|k| {
                        KeyCombo::parse(k)
                            .map_err(|e| fail(format!("[{scope_name}] {action_name}: {e}")))
                    })
                    .collect::<Result<_, _>>()?;
            }
        }
        self.validate().map_err(fail)?;
        Ok(self)
    }

    /// Refuses keymaps that would trap or confuse: quit without a key, one key for two actions
    /// of a table, or a tab's key that hides a key working everywhere.
    fn validate(&self) -> Result<(), String> {
        if self.table(Scope::Global).keys_for(Action::Quit).is_empty() {
            return Err("[global] quit needs at least one key".to_string());
        }
        let global = self.table(Scope::Global);
        for scope in Scope::ALL {
            let table = self.table(scope);
            for (i, binding) in table.bindings.iter().enumerate() {
                for key in &binding.keys {
                    if let Some(other) = table.bindings[i + 1..]
                        .iter()
                        .find(|b| b.keys.contains(key))
                    {
                        return Err(format!(
                            "[{}] {key} is bound to both {} and {}",
                            scope.name(),
                            binding.action.name(),
                            other.action.name()
                        ));
                    }
                    let tab_scope = scope != Scope::Global && scope != Scope::Help;
                    let shadows = global
                        .bindings
                        .iter()
                        .find(|b| tab_scope && b.keys.contains(key));
                    if let Some(global_binding) = shadows {
                        return Err(format!(
                            "[{}] {} uses {key}, which is [global] {}",
                            scope.name(),
                            binding.action.name(),
                            global_binding.action.name()
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// The whole keymap as a keymap.toml that loads back to itself: every table and action
    /// with its keys, each described in a comment (`mmops keymap`).
    pub fn to_documented_toml(&self) -> String {
        let mut out = String::from(
            "# mmops keymap: every action with its keys. Save as ~/.config/mmops/keymap.toml and\n\
             # keep only the lines you change; an action's keys replace its defaults.\n\
             # Keys: a character (q, G, ?), ctrl-x, alt-x, shift-tab, f1..f24, enter, esc, space,\n\
             # tab, backspace, delete, insert, up, down, left, right, home, end, pageup, pagedown.\n",
        );
        for scope in Scope::ALL {
            out.push_str(&format!("\n# {}\n[{}]\n", scope.title(), scope.name()));
            for binding in &self.table(scope).bindings {
                let keys: Vec<String> = binding
                    .keys
                    .iter()
                    .map(|k| {
                        format!(
                            "\"{}\"",
                            k.spelling().replace('\\', "\\\\").replace('"', "\\\"")
                        )
                    })
                    .collect();
                out.push_str(&format!(
                    "{} = [{}]  # {}\n",
                    binding.action.name(),
                    keys.join(", "),
                    binding.description
                ));
            }
        }
        out
    }

    /// Every action with its keys and description, for the documentation and the help.
    pub fn describe(&self) -> Vec<(Scope, &Binding)> {
        Scope::ALL
            .iter()
            .flat_map(|s| self.table(*s).bindings.iter().map(move |b| (*s, b)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_keymap_loads_back_to_the_defaults() {
        let text = Keymap::default().to_documented_toml();
        let loaded = Keymap::default()
            .with_overrides(&text, "generated")
            .expect("the generated keymap parses");
        assert_eq!(loaded, Keymap::default());
        for (scope, binding) in Keymap::default().describe() {
            assert!(
                text.contains(&format!("{} = [", binding.action.name())),
                "{} {} is missing",
                scope.name(),
                binding.action.name()
            );
            for key in &binding.keys {
                assert_eq!(KeyCombo::parse(&key.spelling()), Ok(*key));
            }
        }
    }

    #[test]
    fn movements_stay_inside_the_rows() {
        assert_eq!(Action::Down.select(4, 5, 10), 4);
        assert_eq!(Action::Up.select(0, 5, 10), 0);
        assert_eq!(Action::PageDown.select(1, 50, 10), 11);
        assert_eq!(Action::PageUp.select(3, 50, 10), 0);
        assert_eq!(Action::Bottom.select(0, 0, 10), 0);
        assert_eq!(Action::Bottom.select(0, 7, 0), 6);
        assert_eq!(Action::Open.select(3, 7, 10), 3);
        assert_eq!(Action::Bottom.scroll(2), u16::MAX);
        assert_eq!(Action::Up.scroll(0), 0);
        assert_eq!(Action::Yank.scroll(5), 5);
    }

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_keys() {
        assert_eq!(
            KeyCombo::parse("q").unwrap(),
            KeyCombo::new(KeyCode::Char('q'), KeyModifiers::NONE)
        );
        assert_eq!(
            KeyCombo::parse("ctrl-c").unwrap(),
            KeyCombo::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            KeyCombo::parse("shift-tab").unwrap(),
            KeyCombo::new(KeyCode::BackTab, KeyModifiers::NONE)
        );
        assert_eq!(
            KeyCombo::parse("F5").unwrap(),
            KeyCombo::new(KeyCode::F(5), KeyModifiers::NONE)
        );
        assert_eq!(
            KeyCombo::parse("shift-g").unwrap(),
            KeyCombo::new(KeyCode::Char('G'), KeyModifiers::NONE)
        );
        assert_eq!(
            KeyCombo::parse("-").unwrap(),
            KeyCombo::new(KeyCode::Char('-'), KeyModifiers::NONE)
        );
        assert_eq!(
            KeyCombo::parse("alt--").unwrap(),
            KeyCombo::new(KeyCode::Char('-'), KeyModifiers::ALT)
        );
        assert!(KeyCombo::parse("hyper-x").is_err());
        assert!(KeyCombo::parse("f99").is_err());
        assert!(KeyCombo::parse("").is_err());
    }

    #[test]
    fn matching_folds_shift_into_characters() {
        let big_g = KeyCombo::parse("G").unwrap();
        assert!(big_g.matches(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(big_g.matches(&ev(KeyCode::Char('G'), KeyModifiers::NONE)));
        let question = KeyCombo::parse("?").unwrap();
        assert!(question.matches(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)));
        let ctrl_c = KeyCombo::parse("ctrl-c").unwrap();
        assert!(ctrl_c.matches(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(!ctrl_c.matches(&ev(KeyCode::Char('c'), KeyModifiers::NONE)));
        let back = KeyCombo::parse("shift-tab").unwrap();
        assert!(back.matches(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)));
    }

    #[test]
    fn defaults_parse_completely() {
        let keymap = Keymap::default();
        for (scope, binding) in keymap.describe() {
            assert!(
                !binding.keys.is_empty(),
                "{:?} {:?} lost its keys",
                scope,
                binding.action
            );
        }
        let global = keymap.table(Scope::Global);
        assert_eq!(
            global.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            Some(Action::Quit)
        );
        assert_eq!(
            global.action_for(&ev(KeyCode::Char('3'), KeyModifiers::NONE)),
            Some(Action::ShowLogs)
        );
    }

    #[test]
    fn user_overrides_replace_keys() {
        let keymap = Keymap::default()
            .with_overrides(
                "[global]\nquit = [\"ctrl-q\"]\n[server]\nrefresh = [\"R\"]\n",
                "test",
            )
            .unwrap();
        let global = keymap.table(Scope::Global);
        assert_eq!(
            global.action_for(&ev(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            global.action_for(&ev(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(
            keymap
                .table(Scope::Server)
                .action_for(&ev(KeyCode::Char('R'), KeyModifiers::SHIFT)),
            Some(Action::Refresh)
        );
    }

    #[test]
    fn bad_overrides_say_what_is_wrong() {
        let err = Keymap::default()
            .with_overrides("[nowhere]\nquit=[\"q\"]\n", "k.toml")
            .unwrap_err();
        assert!(err.to_string().contains("[nowhere]"), "{err}");
        let err = Keymap::default()
            .with_overrides("[global]\nfly=[\"q\"]\n", "k.toml")
            .unwrap_err();
        assert!(err.to_string().contains("fly"), "{err}");
        let err = Keymap::default()
            .with_overrides("[global]\nquit=[\"hyper-q\"]\n", "k.toml")
            .unwrap_err();
        assert!(err.to_string().contains("hyper"), "{err}");
    }

    #[test]
    fn conflicting_keymaps_are_refused() {
        let err = Keymap::default()
            .with_overrides("[global]\nquit = []\n", "k")
            .unwrap_err();
        assert!(
            err.to_string().contains("quit needs at least one key"),
            "{err}"
        );
        let err = Keymap::default()
            .with_overrides("[server]\nrefresh = [\"j\"]\n", "k")
            .unwrap_err();
        assert!(
            err.to_string().contains("bound to both refresh and down"),
            "{err}"
        );
        let err = Keymap::default()
            .with_overrides("[server]\nrefresh = [\"1\"]\n", "k")
            .unwrap_err();
        assert!(
            err.to_string().contains("which is [global] tab_server"),
            "{err}"
        );
        let err = Keymap::default()
            .with_overrides("[global]\nquit = [\"j\"]\n", "k")
            .unwrap_err();
        assert!(err.to_string().contains("[server] down uses j"), "{err}");
    }

    #[test]
    fn display_is_readable() {
        assert_eq!(KeyCombo::parse("ctrl-d").unwrap().to_string(), "Ctrl-D");
        assert_eq!(KeyCombo::parse("pagedown").unwrap().to_string(), "PgDn");
        assert_eq!(
            KeyCombo::parse("shift-tab").unwrap().to_string(),
            "Shift-Tab"
        );
    }
}
