//! Which server versions Mattermost still supports: a feature release for about three months,
//! an Extended Support Release (ESR) for longer. From Mattermost's release lifecycle page,
//! as of [`TABLE_DATE`]; a version newer than the table is taken as supported.

use crate::mm::ServerVersion;

/// When the table was last brought up to date.
pub const TABLE_DATE: &str = "2025-10-20";

pub const LIFECYCLE_URL: &str = "https://docs.mattermost.com/about/mattermost-server-releases.html";

/// One minor release: (major, minor, released, end of support, ESR).
pub struct Release {
    pub major: u32,
    pub minor: u32,
    pub released: &'static str,
    pub end_of_support: &'static str,
    pub esr: bool,
}

const fn release(major: u32, minor: u32, released: &'static str, end: &'static str) -> Release {
    Release {
        major,
        minor,
        released,
        end_of_support: end,
        esr: false,
    }
}

const fn esr(major: u32, minor: u32, released: &'static str, end: &'static str) -> Release {
    Release {
        major,
        minor,
        released,
        end_of_support: end,
        esr: true,
    }
}

pub const RELEASES: &[Release] = &[
    esr(9, 5, "2024-02-16", "2024-11-15"),
    release(9, 6, "2024-03-15", "2024-06-15"),
    release(9, 7, "2024-04-16", "2024-07-15"),
    release(9, 8, "2024-05-16", "2024-08-15"),
    release(9, 9, "2024-06-14", "2024-09-15"),
    release(9, 10, "2024-07-16", "2024-10-15"),
    esr(9, 11, "2024-08-16", "2025-08-15"),
    release(10, 0, "2024-09-16", "2024-12-15"),
    release(10, 1, "2024-10-16", "2025-01-15"),
    release(10, 2, "2024-11-15", "2025-02-15"),
    release(10, 3, "2024-12-16", "2025-03-15"),
    release(10, 4, "2025-01-16", "2025-04-15"),
    esr(10, 5, "2025-02-14", "2025-11-15"),
    release(10, 6, "2025-03-14", "2025-06-15"),
    release(10, 7, "2025-04-16", "2025-07-15"),
    release(10, 8, "2025-05-16", "2025-08-15"),
    release(10, 9, "2025-06-16", "2025-09-15"),
    release(10, 10, "2025-07-16", "2025-10-15"),
    esr(10, 11, "2025-08-15", "2026-08-15"),
    release(11, 0, "2025-10-16", "2026-01-15"),
];

/// What the table says of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Support {
    /// Supported until that date (`YYYY-MM-DD`).
    Until { end: &'static str, esr: bool },
    /// Support ended on that date.
    Ended { end: &'static str, esr: bool },
    /// Older than every release in the table: long out of support.
    OlderThanTable,
    /// Newer than the table: taken as supported.
    NewerThanTable,
}

/// `today` is `YYYY-MM-DD` (dates of this form compare as text).
pub fn support(version: &ServerVersion, today: &str) -> Support {
    let key = (version.major, version.minor);
    if let Some(release) = RELEASES.iter().find(|r| (r.major, r.minor) == key) {
        return if today > release.end_of_support {
            Support::Ended {
                end: release.end_of_support,
                esr: release.esr,
            }
        } else {
            Support::Until {
                end: release.end_of_support,
                esr: release.esr,
            }
        };
    }
    let newest = RELEASES.iter().map(|r| (r.major, r.minor)).max();
    match newest {
        Some(newest) if key > newest => Support::NewerThanTable,
        _ => Support::OlderThanTable,
    }
}

/// The ESRs still supported on `today`, for the advice.
pub fn supported_esrs(today: &str) -> Vec<String> {
    RELEASES
        .iter()
        .filter(|r| r.esr && today <= r.end_of_support)
        .map(|r| format!("{}.{}", r.major, r.minor))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_ordered_and_dated() {
        let keys: Vec<(u32, u32)> = RELEASES.iter().map(|r| (r.major, r.minor)).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        for r in RELEASES {
            assert!(r.released < r.end_of_support, "{}.{}", r.major, r.minor);
            assert_eq!(r.released.len(), 10);
        }
    }

    #[test]
    fn versions_are_judged_by_the_date() {
        let v = |s: &str| ServerVersion::parse(s).unwrap();
        assert_eq!(
            support(&v("10.11.3"), "2026-01-01"),
            Support::Until {
                end: "2026-08-15",
                esr: true
            }
        );
        assert!(matches!(
            support(&v("10.6.1"), "2026-01-01"),
            Support::Ended { .. }
        ));
        assert_eq!(support(&v("7.8.0"), "2026-01-01"), Support::OlderThanTable);
        assert_eq!(support(&v("11.4.4"), "2026-01-01"), Support::NewerThanTable);
        assert_eq!(supported_esrs("2026-01-01"), vec!["10.11".to_string()]);
    }
}
