//! Keys as data: the actions, the scopes where keys apply, and the key tables, loaded from the
//! embedded `keymap.toml` with the user's own file over it.
//!
//! The same tables dispatch keys, draw the footer hints and the `?` help, so neither can drift
//! from the real keys. Action and scope names are the enums' names in snake case.

mod combo;

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;

use crossterm::event::KeyEvent;
use serde::Deserialize;

pub use combo::KeyCombo;
use combo::typed_char;

/// Everything a key can do. The keymap names an action by its variant in snake case
/// (`NextTab` is `next_tab`).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Action {
    Quit,
    Suspend,
    NextTab,
    PrevTab,
    TabServer,
    TabPlugins,
    TabLogs,
    TabConfig,
    TabInvites,
    TabDoctor,
    Help,
    Reconnect,
    Close,
    Submit,
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
    Toggle,
    FoldAll,
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
    OpenPacket,
    ComparePacket,
    Capture,
    Fleet,
    AddProfile,
    EditProfile,
    RemoveProfile,
    PatternsView,
    Mark,
    NextError,
    PrevError,
    NextWarning,
    PrevWarning,
    AroundThis,
    ToggleBookmark,
    NextBookmark,
    PrevBookmark,
    Timeline,
    PrevBucket,
    NextBucket,
    ZoomIn,
    ZoomOut,
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
    NextField,
    PrevField,
    CursorLeft,
    CursorRight,
    LineStart,
    LineEnd,
    DeleteBack,
    DeleteForward,
    DeleteWord,
    ClearBefore,
    ClearAfter,
    SeverityFilter,
    CategoryFilter,
    ShowUnchecked,
}

impl Action {
    /// The name used in keymap.toml.
    pub fn name(self) -> &'static str {
        self.into()
    }

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

/// Where a table of keys applies: everywhere, a tab, a mode of a tab, a dialog, any prompt.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Scope {
    Global,
    Help,
    Server,
    Plugins,
    PluginDetail,
    Logs,
    LogsDetail,
    LogsLevels,
    LogsPatterns,
    Config,
    ConfigCompare,
    Invites,
    InviteDetail,
    InviteMembers,
    InviteForm,
    Doctor,
    Packet,
    PacketCompare,
    Fleet,
    FleetForm,
    Prompt,
    Question,
}

impl Scope {
    /// Every scope, in the order of `?` and `mmops keymap`.
    pub fn all() -> &'static [Scope] {
        <Scope as strum::VariantArray>::VARIANTS
    }

    /// The table name in keymap.toml.
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::Help => "Help",
            Scope::Server => "Server tab",
            Scope::Plugins => "Plugins tab",
            Scope::PluginDetail => "Plugins tab: a plugin in full",
            Scope::Logs => "Logs tab",
            Scope::LogsDetail => "Logs tab: an entry in full",
            Scope::LogsLevels => "Logs tab: the level picker",
            Scope::LogsPatterns => "Logs tab: the patterns",
            Scope::Config => "Config tab",
            Scope::ConfigCompare => "Config tab: a comparison",
            Scope::Invites => "Invites tab",
            Scope::InviteDetail => "Invites tab: an invitation in full",
            Scope::InviteMembers => "Invites tab: a team's members",
            Scope::InviteForm => "Invites tab: the send form",
            Scope::Doctor => "Doctor tab",
            Scope::Packet => "Support packet",
            Scope::PacketCompare => "Support packets compared",
            Scope::Fleet => "The fleet: every profile's server",
            Scope::FleetForm => "The fleet: a profile's form",
            Scope::Prompt => "Typing (prompts, finders, pickers, form fields)",
            Scope::Question => "Questions (y/n)",
        }
    }

    /// A prompt, form, question or dialog: it has the keyboard until it closes, and only the
    /// global keys of [`Scope::passes`] reach past it.
    pub fn is_modal(self) -> bool {
        matches!(
            self,
            Scope::Help
                | Scope::LogsLevels
                | Scope::InviteForm
                | Scope::Packet
                | Scope::PacketCompare
                | Scope::Fleet
                | Scope::FleetForm
                | Scope::Prompt
                | Scope::Question
        )
    }

    /// The global actions that still work while this modal scope has the keyboard.
    pub fn passes(self) -> &'static [Action] {
        match self {
            Scope::Packet | Scope::PacketCompare => &[Action::Help, Action::Suspend],
            // The fleet is where `mmops fleet` starts: q quits from it.
            Scope::Fleet => &[Action::Help, Action::Suspend, Action::Quit],
            _ => &[Action::Suspend],
        }
    }

    /// Characters are typed, not looked up as keys.
    pub fn takes_text(self) -> bool {
        self == Scope::Prompt
    }

    /// Its keys are looked up before those of a prompt under it (the send form's fields): a
    /// plain character here could no longer be typed there.
    fn over_text(self) -> bool {
        matches!(self, Scope::InviteForm | Scope::FleetForm)
    }

    /// Left only by its `close` key (or by quitting): a prompt, form, question or dialog, or
    /// a mode of a tab (a plugin or an entry in full, a comparison, a team's members).
    fn left_by_close(self) -> bool {
        self.is_modal()
            || matches!(
                self,
                Scope::PluginDetail
                    | Scope::LogsDetail
                    | Scope::LogsPatterns
                    | Scope::ConfigCompare
                    | Scope::InviteDetail
                    | Scope::InviteMembers
            )
    }

    /// A key bound to nothing answers the question: no.
    pub fn unbound_closes(self) -> bool {
        self == Scope::Question
    }
}

/// Which tables the keyboard goes through: the view's scope, then (for a form) the scope of
/// the field under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    pub scope: Scope,
    pub under: Option<Scope>,
}

impl Focus {
    pub const fn on(scope: Scope) -> Self {
        Self { scope, under: None }
    }

    pub const fn over(scope: Scope, under: Scope) -> Self {
        Self {
            scope,
            under: Some(under),
        }
    }

    pub fn scopes(self) -> impl Iterator<Item = Scope> {
        std::iter::once(self.scope).chain(self.under)
    }

    pub fn is_modal(self) -> bool {
        self.scope.is_modal()
    }

    pub fn takes_text(self) -> bool {
        self.scopes().any(Scope::takes_text)
    }
}

/// What a key means where the focus is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMeaning {
    /// An action of one of the focus' scopes.
    Action(Action),
    /// An action of the global table.
    Global(Action),
    /// A character typed into a prompt.
    Text(char),
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub action: Action,
    pub keys: Vec<KeyCombo>,
    pub description: String,
    /// The short label in the footer; `None` keeps the binding out of the footer.
    pub hint: Option<String>,
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

/// All key tables: the embedded defaults with the user's overrides applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    tables: BTreeMap<Scope, KeyTable>,
}

#[derive(Debug, thiserror::Error)]
#[error("keymap {origin}: {detail}")]
pub struct KeymapError {
    pub origin: String,
    pub detail: String,
}

/// One action in keymap.toml: its keys, or its keys with the words `?` and the footer show.
#[derive(Deserialize)]
#[serde(untagged)]
enum Entry {
    Keys(Vec<String>),
    Full {
        keys: Option<Vec<String>>,
        help: Option<String>,
        hint: Option<String>,
    },
}

/// The defaults as shipped.
const DEFAULTS: &str = include_str!("keymap.toml");

static DEFAULT_KEYMAP: LazyLock<Keymap> = LazyLock::new(|| {
    Keymap::from_toml(DEFAULTS, "(built in)").unwrap_or_else(|err| {
        // Only a broken build gets here (a test loads the defaults); keep quitting possible.
        tracing::error!("{err}");
        Keymap::fallback()
    })
});

impl Default for Keymap {
    fn default() -> Self {
        DEFAULT_KEYMAP.clone()
    }
}

impl Keymap {
    pub fn table(&self, scope: Scope) -> &KeyTable {
        static EMPTY: KeyTable = KeyTable {
            bindings: Vec::new(),
        };
        self.tables.get(&scope).unwrap_or(&EMPTY)
    }

    /// How the screen names the key of `action` in `scope` (its first key), so words that
    /// mention a key stay right when the keymap moves it.
    pub fn key_name(&self, scope: Scope, action: Action) -> String {
        self.table(scope)
            .keys_for(action)
            .first()
            .map_or_else(|| "(no key)".to_string(), ToString::to_string)
    }

    /// What `key` means with `focus`: the focus' tables first; then, past a plain view, the
    /// global table; past a modal scope only the global actions it lets through, typed text,
    /// and for a question "no".
    pub fn resolve(&self, focus: Focus, key: &KeyEvent) -> KeyMeaning {
        for scope in focus.scopes() {
            if let Some(action) = self.table(scope).action_for(key) {
                return KeyMeaning::Action(action);
            }
        }
        let global = self.table(Scope::Global).action_for(key);
        if !focus.is_modal() {
            return global.map_or(KeyMeaning::Nothing, KeyMeaning::Global);
        }
        if let Some(action) = global.filter(|a| focus.scope.passes().contains(a)) {
            return KeyMeaning::Global(action);
        }
        if focus.takes_text()
            && let Some(c) = typed_char(key)
        {
            return KeyMeaning::Text(c);
        }
        if focus.scope.unbound_closes() {
            return KeyMeaning::Action(Action::Close);
        }
        KeyMeaning::Nothing
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

    /// A keymap read from scratch: every table and action comes from `text`.
    fn from_toml(text: &str, origin: &str) -> Result<Self, KeymapError> {
        let mut keymap = Self {
            tables: BTreeMap::new(),
        };
        keymap.apply(text, origin, true)?;
        Ok(keymap)
    }

    pub fn with_overrides(mut self, text: &str, origin: &str) -> Result<Self, KeymapError> {
        self.apply(text, origin, false)?;
        Ok(self)
    }

    /// Reads `text` over this keymap. `define` lets it add actions to tables (the defaults);
    /// a user's file may only move the keys of actions that exist.
    fn apply(&mut self, text: &str, origin: &str, define: bool) -> Result<(), KeymapError> {
        let fail = |detail: String| KeymapError {
            origin: origin.to_string(),
            detail,
        };
        let file: toml::Table = toml::from_str(text).map_err(|e| fail(e.to_string()))?;
        for (scope_name, actions) in file {
            let scope = Scope::from_str(&scope_name)
                .map_err(|_| fail(format!("unknown table [{scope_name}]")))?;
            let actions = actions
                .as_table()
                .ok_or_else(|| fail(format!("[{scope_name}] must be a table of actions")))?;
            let table = self.tables.entry(scope).or_default();
            for (action_name, value) in actions {
                let unknown = || fail(format!("[{scope_name}] has no action '{action_name}'"));
                let action = Action::from_str(action_name).map_err(|_| unknown())?;
                let entry = Entry::deserialize(value.clone()).map_err(|_| {
                    fail(format!(
                        "[{scope_name}] {action_name}: give a list of keys, like [\"q\", \"ctrl-q\"]"
                    ))
                })?;
                let position = table.bindings.iter().position(|b| b.action == action);
                let binding = match position {
                    Some(i) => &mut table.bindings[i],
                    None if define => {
                        table.bindings.push(Binding {
                            action,
                            keys: Vec::new(),
                            description: String::new(),
                            hint: None,
                        });
                        let last = table.bindings.len() - 1;
                        &mut table.bindings[last]
                    }
                    None => return Err(unknown()),
                };
                let (keys, help, hint) = match entry {
                    Entry::Keys(keys) => (Some(keys), None, None),
                    Entry::Full { keys, help, hint } => (keys, help, hint),
                };
                if let Some(keys) = keys {
                    binding.keys = keys
                        .iter()
                        .map(|k| {
                            KeyCombo::parse(k)
                                .map_err(|e| fail(format!("[{scope_name}] {action_name}: {e}")))
                        })
                        .collect::<Result<_, _>>()?;
                }
                if let Some(help) = help {
                    binding.description = help;
                }
                if hint.is_some() {
                    binding.hint = hint.filter(|h| !h.is_empty());
                }
            }
        }
        self.validate().map_err(fail)
    }

    /// Quitting with q and Ctrl-C only: what is left if the embedded defaults did not load.
    fn fallback() -> Self {
        let quit = ["q", "ctrl-c"]
            .iter()
            .filter_map(|k| KeyCombo::parse(k).ok())
            .collect();
        let binding = Binding {
            action: Action::Quit,
            keys: quit,
            description: "Quit mmops".to_string(),
            hint: Some("quit".to_string()),
        };
        Self {
            tables: BTreeMap::from([(
                Scope::Global,
                KeyTable {
                    bindings: vec![binding],
                },
            )]),
        }
    }

    /// Refuses keymaps that would trap or confuse: quit without a key, a prompt or dialog that
    /// cannot be closed, a typed character taken as a key, one key for two actions of a
    /// table, or a view's key that hides a key working everywhere.
    fn validate(&self) -> Result<(), String> {
        let global = self.table(Scope::Global);
        if global.keys_for(Action::Quit).is_empty() {
            return Err("[global] quit needs at least one key".to_string());
        }
        for &scope in Scope::all() {
            let table = self.table(scope);
            if scope.left_by_close() && table.keys_for(Action::Close).is_empty() {
                return Err(format!(
                    "[{}] close needs at least one key: it could not be left",
                    scope.name()
                ));
            }
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
                    if (scope.takes_text() || scope.over_text()) && key.types_text() {
                        return Err(format!(
                            "[{}] {} uses {key}, which could then no longer be typed",
                            scope.name(),
                            binding.action.name()
                        ));
                    }
                    let view_scope = scope != Scope::Global && !scope.is_modal();
                    // A mode's close may take a quit key: `q` goes back before it quits.
                    let goes_back = |global: &Binding| {
                        scope.left_by_close()
                            && binding.action == Action::Close
                            && global.action == Action::Quit
                    };
                    let shadowed = global
                        .bindings
                        .iter()
                        .find(|b| view_scope && b.keys.contains(key) && !goes_back(b));
                    if let Some(global_binding) = shadowed {
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
             # tab, backspace, delete, insert, up, down, left, right, home, end, pageup, pagedown.\n\
             # Prompts, forms, questions and dialogs close with Esc and Ctrl-C.\n",
        );
        for &scope in Scope::all() {
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
        Scope::all()
            .iter()
            .flat_map(|s| self.table(*s).bindings.iter().map(move |b| (*s, b)))
            .collect()
    }
}

#[cfg(test)]
mod tests;
