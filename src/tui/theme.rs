//! Themes: semantic roles (error, warn, selection...) mapped to styles, read from TOML.
//!
//! The built-ins (`dark`, `light`, `high-contrast`) are the files in `themes/`, embedded at
//! build time. User themes live in `<config dir>/themes/NAME.toml` and may `extends` a built-in.
//! With `NO_COLOR` set, colours are dropped and every role that must stay visible (selection,
//! the active tab, warnings, the insecure-TLS flag) keeps a modifier instead.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// Every role a theme file may set.
pub const ROLES: &[&str] = &[
    "base",
    "muted",
    "title",
    "accent",
    "label",
    "value",
    "key",
    "border",
    "border_focus",
    "selection",
    "tab_active",
    "tab_inactive",
    "status_bar",
    "ok",
    "info",
    "warn",
    "error",
    "debug",
    "insecure",
    "highlight",
];

pub const BUILTIN_THEMES: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

/// Every role a theme defines. Widgets ask for roles, never for colours.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub base: Style,
    pub muted: Style,
    pub title: Style,
    pub accent: Style,
    pub label: Style,
    pub value: Style,
    pub key: Style,
    pub border: Style,
    pub border_focus: Style,
    pub selection: Style,
    pub tab_active: Style,
    pub tab_inactive: Style,
    pub status_bar: Style,
    pub ok: Style,
    pub info: Style,
    pub warn: Style,
    pub error: Style,
    pub debug: Style,
    pub insecure: Style,
    pub highlight: Style,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: Option<String>,
    extends: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, StyleSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct StyleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underlined: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("unknown theme '{name}': not a built-in ({builtins}) and no {path} found")]
    Unknown {
        name: String,
        builtins: String,
        path: String,
    },
    #[error("theme {origin} is not valid: {detail}")]
    Invalid { origin: String, detail: String },
}

impl Theme {
    /// A built-in or user theme by name. User files shadow built-ins of the same name.
    pub fn load(name: &str, themes_dir: &Path, no_color: bool) -> Result<Self, ThemeError> {
        let theme = Self::resolve(name, themes_dir, 0)?;
        Ok(if no_color {
            theme.without_colour()
        } else {
            theme
        })
    }

    /// The default theme, for tests and as the fallback.
    pub fn builtin(name: &str) -> Self {
        Self::resolve(name, Path::new("/nonexistent"), 0).unwrap_or_else(|_| Self::plain("dark"))
    }

    fn resolve(name: &str, themes_dir: &Path, depth: usize) -> Result<Self, ThemeError> {
        Self::resolve_from(name, Some(themes_dir), depth)
    }

    /// `themes_dir` is `None` when only built-ins may answer: a user `dark.toml` that
    /// `extends = "dark"` means the built-in dark.
    fn resolve_from(
        name: &str,
        themes_dir: Option<&Path>,
        depth: usize,
    ) -> Result<Self, ThemeError> {
        let user_path = themes_dir
            .unwrap_or(Path::new("/nonexistent"))
            .join(format!("{name}.toml"));
        let user_text = themes_dir.and_then(|_| std::fs::read_to_string(&user_path).ok());
        let (origin, text) = match user_text {
            Some(text) if !name.contains('/') => (user_path.display().to_string(), text),
            _ => match BUILTIN_THEMES.iter().find(|(n, _)| *n == name) {
                Some((_, text)) => (format!("built-in '{name}'"), (*text).to_string()),
                None => {
                    return Err(ThemeError::Unknown {
                        name: name.to_string(),
                        builtins: BUILTIN_THEMES
                            .iter()
                            .map(|(n, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", "),
                        path: user_path.display().to_string(),
                    });
                }
            },
        };
        let invalid = |detail: String| ThemeError::Invalid {
            origin: origin.clone(),
            detail,
        };
        let file: ThemeFile = toml::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        let mut theme = match &file.extends {
            Some(parent) if depth >= 4 => {
                return Err(invalid(format!(
                    "too many `extends` steps at '{parent}' (a loop?)"
                )));
            }
            // A user `dark.toml` extending "dark" means the built-in dark.
            Some(parent) if parent == name => Self::resolve_from(parent, None, depth + 1)?,
            Some(parent) => {
                Self::resolve_from(parent, themes_dir, depth + 1).map_err(|err| match err {
                    ThemeError::Unknown { builtins, .. } => invalid(format!(
                        "extends '{parent}', which is not a theme (built-ins: {builtins})"
                    )),
                    other => other,
                })?
            }
            None => Self::plain(name),
        };
        theme.name = file.name.clone().unwrap_or_else(|| name.to_string());
        for (role, spec) in &file.roles {
            let style = spec.to_style().map_err(&invalid)?;
            let slot = theme.role_mut(role).ok_or_else(|| {
                invalid(format!(
                    "unknown role '{role}'; the roles are {}",
                    ROLES.join(", ")
                ))
            })?;
            *slot = style;
        }
        Ok(theme)
    }

    /// Modifiers only: the starting point before a theme file is applied.
    fn plain(name: &str) -> Self {
        let s = Style::default();
        Self {
            name: name.to_string(),
            base: s,
            muted: s.add_modifier(Modifier::DIM),
            title: s.add_modifier(Modifier::BOLD),
            accent: s,
            label: s,
            value: s,
            key: s.add_modifier(Modifier::BOLD),
            border: s,
            border_focus: s.add_modifier(Modifier::BOLD),
            selection: s.add_modifier(Modifier::REVERSED),
            tab_active: s.add_modifier(Modifier::REVERSED | Modifier::BOLD),
            tab_inactive: s,
            status_bar: s.add_modifier(Modifier::REVERSED),
            ok: s,
            info: s,
            warn: s.add_modifier(Modifier::BOLD),
            error: s.add_modifier(Modifier::BOLD),
            debug: s.add_modifier(Modifier::DIM),
            insecure: s.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            highlight: s.add_modifier(Modifier::REVERSED),
        }
    }

    fn role_mut(&mut self, role: &str) -> Option<&mut Style> {
        Some(match role {
            "base" => &mut self.base,
            "muted" => &mut self.muted,
            "title" => &mut self.title,
            "accent" => &mut self.accent,
            "label" => &mut self.label,
            "value" => &mut self.value,
            "key" => &mut self.key,
            "border" => &mut self.border,
            "border_focus" => &mut self.border_focus,
            "selection" => &mut self.selection,
            "tab_active" => &mut self.tab_active,
            "tab_inactive" => &mut self.tab_inactive,
            "status_bar" => &mut self.status_bar,
            "ok" => &mut self.ok,
            "info" => &mut self.info,
            "warn" => &mut self.warn,
            "error" => &mut self.error,
            "debug" => &mut self.debug,
            "insecure" => &mut self.insecure,
            "highlight" => &mut self.highlight,
            _ => return None,
        })
    }

    /// The same theme without colours. Roles that carry meaning get modifiers so that
    /// selection, focus and alarms remain visible on a monochrome terminal.
    pub fn without_colour(&self) -> Self {
        let strip = |s: Style| Style {
            fg: None,
            bg: None,
            underline_color: None,
            ..s
        };
        let plain = Self::plain(&self.name);
        let keep = |s: Style, required: Style| strip(s).patch(required);
        Self {
            name: self.name.clone(),
            base: strip(self.base),
            muted: keep(self.muted, plain.muted),
            title: keep(self.title, plain.title),
            accent: strip(self.accent),
            label: strip(self.label),
            value: strip(self.value),
            key: keep(self.key, plain.key),
            border: strip(self.border),
            border_focus: keep(self.border_focus, plain.border_focus),
            selection: plain.selection,
            tab_active: plain.tab_active,
            tab_inactive: strip(self.tab_inactive),
            status_bar: plain.status_bar,
            ok: strip(self.ok),
            info: strip(self.info),
            warn: keep(self.warn, plain.warn),
            error: keep(self.error, plain.error),
            debug: keep(self.debug, plain.debug),
            insecure: plain.insecure,
            highlight: plain.highlight,
        }
    }
}

impl StyleSpec {
    fn to_style(&self) -> Result<Style, String> {
        let mut style = Style::default();
        if let Some(fg) = &self.fg {
            style = style.fg(parse_color(fg)?);
        }
        if let Some(bg) = &self.bg {
            style = style.bg(parse_color(bg)?);
        }
        let flags = [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ];
        for (on, modifier) in flags {
            if on {
                style = style.add_modifier(modifier);
            }
        }
        Ok(style)
    }
}

/// `#rrggbb`, a colour name (`red`, `lightblue`, `darkgray`, `reset`...), or `0`-`255`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let t = text.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
            let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
            return Ok(Color::Rgb(byte(0), byte(2), byte(4)));
        }
        return Err(format!("'{text}' is not a #rrggbb colour"));
    }
    if let Ok(index) = t.parse::<u8>() {
        return Ok(Color::Indexed(index));
    }
    Ok(match t.replace(['_', '-', ' '], "").as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return Err(format!("unknown colour '{text}'")),
    })
}

/// True when the user asked for no colour (`NO_COLOR` set and not empty).
pub fn no_color_requested() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_parse_and_define_every_role() {
        for (name, _) in BUILTIN_THEMES {
            let theme = Theme::load(name, Path::new("/nonexistent"), false).unwrap();
            assert_eq!(&theme.name, name);
            assert!(theme.error.fg.is_some(), "{name} has no error colour");
            assert!(
                theme.selection.bg.is_some(),
                "{name} has no selection colour"
            );
        }
    }

    #[test]
    fn user_theme_extends_a_builtin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("ocean.toml"),
            include_str!("../../themes/example-user.toml"),
        )
        .unwrap();
        let theme = Theme::load("ocean", dir.path(), false).unwrap();
        let dark = Theme::builtin("dark");
        assert_eq!(theme.name, "ocean");
        assert_eq!(theme.title.fg, Some(Color::Rgb(0x56, 0xd4, 0xdd)));
        assert_eq!(theme.error, dark.error);
    }

    #[test]
    fn a_user_theme_may_shadow_and_extend_its_builtin() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "extends = \"dark\"\n[roles]\ntitle = { fg = \"red\" }\n",
        )
        .unwrap();
        let theme = Theme::load("dark", dir.path(), false).unwrap();
        assert_eq!(theme.title.fg, Some(Color::Red));
        assert_eq!(theme.error, Theme::builtin("dark").error);
    }

    #[test]
    fn errors_name_the_problem() {
        let dir = tempfile::tempdir().unwrap();
        let err = Theme::load("nope", dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("nope") && err.contains("dark, light, high-contrast"),
            "{err}"
        );
        std::fs::write(
            dir.path().join("bad.toml"),
            "[roles]\nfrobnicate = { fg = \"red\" }\n",
        )
        .unwrap();
        let err = Theme::load("bad", dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(err.contains("frobnicate"), "{err}");
        std::fs::write(
            dir.path().join("bad2.toml"),
            "[roles]\nerror = { fg = \"#12\" }\n",
        )
        .unwrap();
        assert!(
            Theme::load("bad2", dir.path(), false)
                .unwrap_err()
                .to_string()
                .contains("#12")
        );
    }

    #[test]
    fn no_color_keeps_selection_and_alarms_visible() {
        let theme = Theme::builtin("dark").without_colour();
        for style in [
            theme.selection,
            theme.tab_active,
            theme.insecure,
            theme.error,
            theme.warn,
            theme.base,
        ] {
            assert!(style.fg.is_none() && style.bg.is_none());
        }
        assert!(theme.selection.add_modifier.contains(Modifier::REVERSED));
        assert!(theme.tab_active.add_modifier.contains(Modifier::REVERSED));
        assert!(theme.insecure.add_modifier.contains(Modifier::REVERSED));
        assert!(theme.error.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn colours() {
        assert_eq!(parse_color("#FF0080").unwrap(), Color::Rgb(255, 0, 128));
        assert_eq!(parse_color("light-blue").unwrap(), Color::LightBlue);
        assert_eq!(parse_color("208").unwrap(), Color::Indexed(208));
        assert!(parse_color("mauve").is_err());
    }
}
