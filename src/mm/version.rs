//! The server's version, detected from the `X-Version-ID` header or the client config, and the
//! behaviour that depends on it.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// The build number from `X-Version-ID`, when present.
    pub build: Option<String>,
    /// Whether the server reports a licence, from `X-Version-ID`.
    pub licensed: Option<bool>,
}

impl ServerVersion {
    pub const fn new(major: u32, minor: u32, patch: u32) -> Self {
        Self {
            major,
            minor,
            patch,
            build: None,
            licensed: None,
        }
    }

    /// Parses `X-Version-ID`: `"{version}.{build}.{config hash}.{licensed}"`, e.g.
    /// `11.4.4.18207.3f1a9c.true`. Also accepts a bare `9.5.2`.
    pub fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.trim().split('.');
        let major = parts.next()?.trim().parse().ok()?;
        let minor = parts.next()?.trim().parse().ok()?;
        let patch = parts
            .next()
            .map(|p| {
                p.chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>()
            })
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let rest: Vec<&str> = parts.collect();
        let build = rest
            .first()
            .map(|b| b.to_string())
            .filter(|b| !b.is_empty());
        let licensed = rest.last().and_then(|l| match *l {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        });
        Some(Self {
            major,
            minor,
            patch,
            build,
            licensed: if rest.len() >= 3 { licensed } else { None },
        })
    }

    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.major, self.minor) >= (major, minor)
    }

    /// `remove_masked` / `remove_defaults` on `GET /config` (10.4+).
    pub fn supports_config_filters(&self) -> bool {
        self.at_least(10, 4)
    }

    /// `use_rest_semantics=true` on ping (9.6+), so an unhealthy server answers 200.
    pub fn supports_rest_semantics(&self) -> bool {
        self.at_least(9, 6)
    }

    /// `basic_server_logs` and `plugin_packets` on the support packet (9.8+).
    pub fn supports_packet_options(&self) -> bool {
        self.at_least(9, 8)
    }

    /// A separate `notifications.log` exists up to 10.x; 11.0 merged it into mattermost.log.
    pub fn has_notifications_log(&self) -> bool {
        !self.at_least(11, 0)
    }

    /// Plugin settings marked `secret` are masked by the server from 10.1.
    pub fn masks_plugin_secrets(&self) -> bool {
        self.at_least(10, 1)
    }
}

impl fmt::Display for ServerVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_header() {
        let v = ServerVersion::parse("11.4.4.18207.3f1a9c0d.true").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (11, 4, 4));
        assert_eq!(v.build.as_deref(), Some("18207"));
        assert_eq!(v.licensed, Some(true));
        assert_eq!(v.to_string(), "11.4.4");
        let v = ServerVersion::parse("9.5.2.8115857622.09e35101703738e85bee6f7091163f71.false")
            .unwrap();
        assert_eq!(v.licensed, Some(false));
        assert!(!v.supports_rest_semantics() && !v.supports_config_filters());
        assert!(ServerVersion::new(9, 6, 0).supports_rest_semantics());
    }

    #[test]
    fn parses_bare_and_odd_versions() {
        let v = ServerVersion::parse("9.5.2").unwrap();
        assert_eq!((v.build, v.licensed), (None, None));
        assert_eq!(ServerVersion::parse("10.12.3-rc1").unwrap().patch, 3);
        assert!(ServerVersion::parse("").is_none());
        assert!(ServerVersion::parse("banana").is_none());
    }

    #[test]
    fn feature_gates() {
        assert!(ServerVersion::new(10, 12, 0).has_notifications_log());
        assert!(!ServerVersion::new(11, 0, 0).has_notifications_log());
        assert!(ServerVersion::new(10, 4, 0).supports_config_filters());
        assert!(!ServerVersion::new(9, 7, 3).supports_packet_options());
    }
}
