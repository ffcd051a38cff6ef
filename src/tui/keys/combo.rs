//! A key with its modifiers, as keymap.toml writes it and as the terminal reports it.

use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

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

impl KeyCombo {
    /// A key that types a character in a prompt (no Ctrl or Alt).
    pub fn types_text(&self) -> bool {
        matches!(self.code, KeyCode::Char(_))
            && !self
                .mods
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    }
}

/// The character a key event types into a prompt, if it types one.
pub(super) fn typed_char(event: &KeyEvent) -> Option<char> {
    match event.code {
        KeyCode::Char(c)
            if !event
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(c)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn parses_keys() {
        let parsed = |text| KeyCombo::parse(text).expect("a key");
        assert_eq!(
            parsed("q"),
            KeyCombo::new(KeyCode::Char('q'), KeyModifiers::NONE)
        );
        assert_eq!(
            parsed("ctrl-c"),
            KeyCombo::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
        );
        assert_eq!(
            parsed("shift-tab"),
            KeyCombo::new(KeyCode::BackTab, KeyModifiers::NONE)
        );
        assert_eq!(
            parsed("F5"),
            KeyCombo::new(KeyCode::F(5), KeyModifiers::NONE)
        );
        assert_eq!(
            parsed("shift-g"),
            KeyCombo::new(KeyCode::Char('G'), KeyModifiers::NONE)
        );
        assert_eq!(
            parsed("-"),
            KeyCombo::new(KeyCode::Char('-'), KeyModifiers::NONE)
        );
        assert_eq!(
            parsed("alt--"),
            KeyCombo::new(KeyCode::Char('-'), KeyModifiers::ALT)
        );
        assert!(KeyCombo::parse("hyper-x").is_err());
        assert!(KeyCombo::parse("f99").is_err());
        assert!(KeyCombo::parse("").is_err());
    }

    #[test]
    fn matching_folds_shift_into_characters() {
        let parsed = |text| KeyCombo::parse(text).expect("a key");
        let big_g = parsed("G");
        assert!(big_g.matches(&ev(KeyCode::Char('G'), KeyModifiers::SHIFT)));
        assert!(big_g.matches(&ev(KeyCode::Char('G'), KeyModifiers::NONE)));
        let question = parsed("?");
        assert!(question.matches(&ev(KeyCode::Char('?'), KeyModifiers::SHIFT)));
        let ctrl_c = parsed("ctrl-c");
        assert!(ctrl_c.matches(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(!ctrl_c.matches(&ev(KeyCode::Char('c'), KeyModifiers::NONE)));
        let back = parsed("shift-tab");
        assert!(back.matches(&ev(KeyCode::BackTab, KeyModifiers::SHIFT)));
    }

    #[test]
    fn typed_characters() {
        assert_eq!(
            typed_char(&ev(KeyCode::Char('Q'), KeyModifiers::SHIFT)),
            Some('Q')
        );
        assert_eq!(
            typed_char(&ev(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(typed_char(&ev(KeyCode::Enter, KeyModifiers::NONE)), None);
        assert!(KeyCombo::parse("x").is_ok_and(|k| k.types_text()));
        assert!(KeyCombo::parse("ctrl-x").is_ok_and(|k| !k.types_text()));
    }

    #[test]
    fn display_is_readable() {
        let shown = |text| KeyCombo::parse(text).expect("a key").to_string();
        assert_eq!(shown("ctrl-d"), "Ctrl-D");
        assert_eq!(shown("pagedown"), "PgDn");
        assert_eq!(shown("shift-tab"), "Shift-Tab");
    }
}
