//! The table's rows: each recorded invitation with what the finder searches, how its status
//! reads, and the rows kept by the status and team filters.

use crate::fuzzy;
use crate::invites::ledger::Invitation;
use crate::invites::resolve::Status;

pub struct Row {
    pub invite: Invitation,
    pub status: Option<Status>,
}

impl Row {
    pub fn new(invite: Invitation) -> Self {
        Self {
            status: Status::parse(&invite.status),
            invite,
        }
    }

    /// What the finder searches: email, team, sender and the account that used it.
    pub fn haystack(&self) -> fuzzy::Haystack {
        let i = &self.invite;
        fuzzy::haystack(&[
            &i.email,
            i.team_name.as_deref().unwrap_or(""),
            i.sender_username.as_deref().unwrap_or(""),
            i.used_by_username.as_deref().unwrap_or(""),
            i.used_by_email.as_deref().unwrap_or(""),
        ])
    }

    /// Someone other than the invited address used it: the row stands out.
    pub fn flagged(&self) -> bool {
        self.status == Some(Status::AcceptedByOther)
    }

    pub fn team(&self) -> &str {
        self.invite
            .team_name
            .as_deref()
            .filter(|n| !n.is_empty())
            .or(self.invite.team_id.as_deref())
            .unwrap_or("?")
    }

    /// Who used it, with "(new)" when the invite created the account.
    pub fn used_by(&self) -> String {
        let i = &self.invite;
        let who = i
            .used_by_username
            .as_deref()
            .or(i.used_by_email.as_deref())
            .or(i.used_by_user_id.as_deref());
        match (who, i.user_created) {
            (Some(who), Some(true)) => format!("{who} (new)"),
            (Some(who), _) => who.to_string(),
            (None, _) => String::new(),
        }
    }
}

/// A status as the table's column shows it.
pub fn status_label(status: Option<Status>) -> &'static str {
    match status {
        Some(Status::Pending) => "pending",
        Some(Status::Accepted) => "accepted",
        Some(Status::AcceptedByOther) => "⚑ by other",
        Some(Status::Expired) => "expired",
        Some(Status::Revoked) => "revoked",
        Some(Status::Failed) => "failed",
        Some(Status::Unknown) | None => "unknown",
    }
}

/// A status in words, for the filter line and the detail.
pub fn status_words(status: Status) -> &'static str {
    match status {
        Status::Pending => "pending",
        Status::Accepted => "accepted",
        Status::AcceptedByOther => "used by another account",
        Status::Expired => "expired",
        Status::Revoked => "revoked",
        Status::Failed => "failed to send",
        Status::Unknown => "unknown",
    }
}

/// An age in the largest unit that fits: `45m`, `5h`, `3d`, `12w`.
pub fn age(now_ms: i64, then_ms: i64) -> String {
    let minutes = (now_ms - then_ms).max(0) / 60_000;
    match minutes {
        m if m < 60 => format!("{m}m"),
        m if m < 48 * 60 => format!("{}h", m / 60),
        m if m < 14 * 24 * 60 => format!("{}d", m / (24 * 60)),
        m => format!("{}w", m / (7 * 24 * 60)),
    }
}

/// The filters besides the finder.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub status: Option<Status>,
    /// (id, name) of the team.
    pub team: Option<(String, String)>,
}

impl Filters {
    pub fn keeps(&self, row: &Row) -> bool {
        self.status.is_none_or(|s| row.status == Some(s))
            && self
                .team
                .as_ref()
                .is_none_or(|(id, _)| row.invite.team_id.as_deref() == Some(id.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.status.is_none() && self.team.is_none()
    }

    /// The next status filter: all, then each status in turn, then all again.
    pub fn next_status(&mut self) {
        self.status = match self.status {
            None => Some(Status::ALL[0]),
            Some(current) => Status::ALL
                .iter()
                .position(|s| *s == current)
                .and_then(|i| Status::ALL.get(i + 1))
                .copied(),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_use_the_largest_unit_that_fits() {
        let now = 1_000_000_000_000;
        assert_eq!(age(now, now - 5 * 60_000), "5m");
        assert_eq!(age(now, now - 47 * 3_600_000), "47h");
        assert_eq!(age(now, now - 3 * 86_400_000), "3d");
        assert_eq!(age(now, now - 30 * 86_400_000), "4w");
        assert_eq!(age(now, now + 60_000), "0m");
    }

    #[test]
    fn the_status_filter_cycles_through_every_status_and_back_to_all() {
        let mut filters = Filters::default();
        let mut seen = Vec::new();
        for _ in 0..=Status::ALL.len() {
            filters.next_status();
            seen.push(filters.status);
        }
        assert_eq!(seen.first(), Some(&Some(Status::Pending)));
        assert_eq!(seen.last(), Some(&None));
        assert_eq!(seen.len(), Status::ALL.len() + 1);
    }
}
