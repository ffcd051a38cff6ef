//! A line under a tab's content: the outcome of the last action, and whether it went wrong.
//! An error stays typed until the line is drawn.

use ratatui::style::Style;

use crate::error::Error;
use crate::text::inert;
use crate::tui::theme::Theme;

#[derive(Debug)]
pub enum Notice {
    /// mmops' own words about what happened.
    Info(String),
    /// mmops' own words about something that went wrong.
    Problem(String),
    /// What failed (mmops' words) and why.
    Failed { what: String, error: Error },
    /// An error that says itself what failed.
    Error(Error),
}

impl Notice {
    pub fn info(text: impl Into<String>) -> Self {
        Notice::Info(text.into())
    }

    pub fn problem(text: impl Into<String>) -> Self {
        Notice::Problem(text.into())
    }

    pub fn failed(what: impl Into<String>, error: impl Into<Error>) -> Self {
        Notice::Failed {
            what: what.into(),
            error: error.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        !matches!(self, Notice::Info(_))
    }

    /// How the line is drawn: an error stands out, news reads as information.
    pub fn style(&self, theme: &Theme) -> Style {
        if self.is_error() {
            theme.error
        } else {
            theme.info
        }
    }

    /// The words, made now and inert (they may quote server text: a plugin's name).
    pub fn text(&self) -> String {
        match self {
            Notice::Info(text) | Notice::Problem(text) => inert(text).into_owned(),
            Notice::Failed { what, error } => format!("{what}: {}", inert(&error.to_string())),
            Notice::Error(error) => inert(&error.to_string()).into_owned(),
        }
    }
}
