//! Reading a DataSource (URL or libpq `key=value` form): the parameters tokio-postgres is
//! given, and the TLS settings mmops applies itself (`sslmode`, `sslrootcert`).

use std::path::PathBuf;

use super::{DbError, describe};
use crate::invites::pg_tls::Verify;

/// Hides the password of a DataSource for messages.
pub fn redacted(url: &str) -> String {
    crate::redact::redact_dsn(url)
}

/// Connection parameters tokio-postgres understands; Mattermost's DataSource (read by Go's
/// lib/pq) may carry others, such as `binary_parameters=yes`, which are dropped. The TLS
/// parameters (`sslmode`, `sslrootcert`) are read by mmops itself.
const KNOWN_PARAMETERS: &[&str] = &[
    "user",
    "password",
    "dbname",
    "options",
    "application_name",
    "host",
    "hostaddr",
    "port",
    "connect_timeout",
    "tcp_user_timeout",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_retries",
    "target_session_attrs",
    "channel_binding",
    "load_balance_hosts",
];

/// The sslmode of a DataSource, as libpq spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    /// libpq tries plain first; mmops treats it as `prefer` (TLS first).
    Allow,
    /// TLS when the server offers it (certificate verified), plain only when it offers none.
    Prefer,
    /// TLS or nothing, the certificate verified (libpq does not verify it; mmops does).
    Require,
    /// TLS or nothing, the certificate signed by the `sslrootcert` CA; names not checked.
    VerifyCa,
    /// TLS or nothing, the certificate verified and naming the host.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value.trim() {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }

    /// The mode handed to tokio-postgres, which knows disable, prefer and require only.
    fn for_tokio_postgres(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as Pg;
        match self {
            SslMode::Disable => Pg::Disable,
            SslMode::Allow | SslMode::Prefer => Pg::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => Pg::Require,
        }
    }
}

/// A DataSource read: what tokio-postgres is given, and the TLS settings mmops applies.
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub config: tokio_postgres::Config,
    /// As the DataSource says (`prefer` when it says nothing, as libpq and tokio-postgres).
    pub ssl_mode: SslMode,
    /// How the server's certificate is checked; None when TLS is off (disable, unix socket).
    pub verify: Option<Verify>,
    /// The DataSource names a client certificate (`sslcert`, `sslkey`), which mmops does not
    /// present.
    pub client_cert_ignored: bool,
}

/// The `key=value` pairs of a libpq connection string (values quoted with `'` or not, `\`
/// escaping), or None when it is not one.
fn keyword_pairs(text: &str) -> Option<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.peek().is_none() {
            return Some(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && !c.is_whitespace()) {
            key.push(c);
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        chars.next_if_eq(&'=')?;
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next()? {
                    '\'' => break,
                    '\\' => value.push(chars.next()?),
                    c => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                if c == '\\' {
                    value.push(chars.next()?);
                } else {
                    value.push(c);
                }
            }
        }
        pairs.push((key, value));
    }
}

/// A value quoted for a libpq connection string.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Parses a DataSource (URL or `key=value` form) into a connection config and TLS settings.
pub fn connection_settings(data_source: &str) -> Result<ConnectionSettings, DbError> {
    let data_source = data_source.trim();
    let is_url = data_source.starts_with("postgres://") || data_source.starts_with("postgresql://");
    let mut ssl_mode = None;
    let mut root_cert = None;
    let mut client_cert_ignored = false;
    let mut take_tls = |key: &str, value: &str| match key {
        "sslmode" => {
            ssl_mode = Some(value.to_string());
            true
        }
        "sslrootcert" => {
            root_cert = Some(value.to_string());
            true
        }
        "sslcert" | "sslkey" => {
            client_cert_ignored = true;
            true
        }
        _ => false,
    };
    let cleaned = if is_url {
        match reqwest::Url::parse(data_source) {
            Ok(mut url) => {
                let kept: Vec<(String, String)> = url
                    .query_pairs()
                    .filter(|(k, v)| !take_tls(k, v) && KNOWN_PARAMETERS.contains(&k.as_ref()))
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                url.set_query(None);
                if !kept.is_empty() {
                    url.query_pairs_mut().extend_pairs(kept);
                }
                url.to_string()
            }
            Err(_) => data_source.to_string(),
        }
    } else {
        match keyword_pairs(data_source) {
            Some(pairs) => pairs
                .iter()
                .filter(|(k, v)| !take_tls(k, v) && KNOWN_PARAMETERS.contains(&k.as_str()))
                .map(|(k, v)| format!("{k}={}", quoted(v)))
                .collect::<Vec<_>>()
                .join(" "),
            // Not well-formed: tokio-postgres' parser says what is wrong with it.
            None => data_source.to_string(),
        }
    };
    let ssl_mode = match ssl_mode {
        None => SslMode::Prefer,
        Some(value) => SslMode::parse(&value).ok_or_else(|| {
            DbError::Address(format!(
                "sslmode={value} is not one of disable, allow, prefer, require, verify-ca, \
                 verify-full"
            ))
        })?,
    };
    let mut config: tokio_postgres::Config = cleaned
        .parse()
        .map_err(|e: tokio_postgres::Error| DbError::Address(describe(&e)))?;
    // With hostaddr alone the address is also the name the certificate must hold.
    if config.get_hosts().is_empty() {
        for addr in config.get_hostaddrs().to_vec() {
            config.host(addr.to_string());
        }
    }
    // TLS does not apply to a unix socket (libpq does not ask for it there either).
    let only_sockets = config.get_hostaddrs().is_empty()
        && !config.get_hosts().is_empty()
        && config
            .get_hosts()
            .iter()
            .all(|h| !matches!(h, tokio_postgres::config::Host::Tcp(_)));
    let root_cert = root_cert
        .filter(|path| !path.trim().is_empty() && path != "system")
        .map(PathBuf::from);
    let verify = match ssl_mode {
        _ if only_sockets => None,
        SslMode::Disable => None,
        SslMode::VerifyCa => Some(match root_cert {
            Some(ca) => Verify::CaOnly { ca },
            // Without a CA of its own, a public CA's certificate for any name would pass:
            // checked as verify-full instead.
            None => Verify::Full { extra_ca: None },
        }),
        _ => Some(Verify::Full {
            extra_ca: root_cert,
        }),
    };
    config.ssl_mode(if verify.is_none() {
        tokio_postgres::config::SslMode::Disable
    } else {
        ssl_mode.for_tokio_postgres()
    });
    Ok(ConnectionSettings {
        config,
        ssl_mode,
        verify,
        client_cert_ignored,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn data_sources_lose_the_parameters_only_lib_pq_knows() {
        let settings = connection_settings(
            "postgres://mmuser:pw@db:5433/mattermost?sslmode=disable&connect_timeout=10&binary_parameters=yes",
        )
        .unwrap();
        let config = &settings.config;
        assert_eq!(config.get_dbname(), Some("mattermost"));
        assert_eq!(config.get_ports(), &[5433]);
        assert_eq!(config.get_connect_timeout(), Some(&Duration::from_secs(10)));
        assert_eq!(settings.ssl_mode, SslMode::Disable);
        assert_eq!(settings.verify, None);
        let settings =
            connection_settings("host=/var/run/postgresql dbname=mm binary_parameters=yes")
                .unwrap();
        assert_eq!(settings.config.get_dbname(), Some("mm"));
        assert!(connection_settings("postgres://u:p@db:notaport/mm").is_err());
    }

    #[test]
    fn every_sslmode_maps_to_tls_with_a_verified_certificate_or_to_none() {
        use tokio_postgres::config::SslMode as Pg;
        let mode = |url: &str| {
            let s = connection_settings(url).unwrap();
            (s.ssl_mode, s.config.get_ssl_mode(), s.verify)
        };
        let full = |ca: Option<&str>| {
            Some(Verify::Full {
                extra_ca: ca.map(PathBuf::from),
            })
        };
        // Nothing said: tokio-postgres' and libpq's prefer, the certificate checked if offered.
        assert_eq!(
            mode("postgres://u:p@db/mm"),
            (SslMode::Prefer, Pg::Prefer, full(None))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=allow"),
            (SslMode::Allow, Pg::Prefer, full(None))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=require&sslrootcert=%2Fetc%2Fmm%2Fca.pem"),
            (SslMode::Require, Pg::Require, full(Some("/etc/mm/ca.pem")))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=verify-full&sslrootcert=system"),
            (SslMode::VerifyFull, Pg::Require, full(None))
        );
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=verify-ca&sslrootcert=/ca.pem"),
            (
                SslMode::VerifyCa,
                Pg::Require,
                Some(Verify::CaOnly {
                    ca: PathBuf::from("/ca.pem")
                })
            )
        );
        // verify-ca without a CA of its own would pass any public certificate: verify-full.
        assert_eq!(
            mode("postgres://u:p@db/mm?sslmode=verify-ca"),
            (SslMode::VerifyCa, Pg::Require, full(None))
        );
        // A unix socket: no TLS whatever the mode (as libpq).
        assert_eq!(
            mode("host=/var/run/postgresql dbname=mm sslmode=require"),
            (SslMode::Require, Pg::Disable, None)
        );
        // hostaddr alone: the address is the name the certificate must hold.
        let settings =
            connection_settings("hostaddr=10.1.2.3 dbname=mm sslmode=verify-full").unwrap();
        assert_eq!(
            settings.config.get_hosts(),
            &[tokio_postgres::config::Host::Tcp("10.1.2.3".into())]
        );
        let err = connection_settings("postgres://u:p@db/mm?sslmode=verify_full").unwrap_err();
        assert!(
            err.to_string()
                .contains("sslmode=verify_full is not one of"),
            "{err}"
        );
        let settings =
            connection_settings("postgres://u:p@db/mm?sslmode=require&sslcert=c.pem&sslkey=k.pem")
                .unwrap();
        assert!(settings.client_cert_ignored);
    }

    #[test]
    fn keyword_data_sources_keep_quoted_values_whole() {
        let settings = connection_settings(
            r"host=db.internal port=5432 user=mmuser password='correct horse \'battery\'' dbname=mattermost sslmode = verify-full sslrootcert='/etc/my certs/ca.pem' binary_parameters=yes",
        )
        .unwrap();
        assert_eq!(
            settings.config.get_password(),
            Some(&b"correct horse 'battery'"[..])
        );
        assert_eq!(settings.config.get_dbname(), Some("mattermost"));
        assert_eq!(settings.ssl_mode, SslMode::VerifyFull);
        assert_eq!(
            settings.verify,
            Some(Verify::Full {
                extra_ca: Some(PathBuf::from("/etc/my certs/ca.pem"))
            })
        );
        assert_eq!(
            keyword_pairs(r"a=1 b='' c=x\ y"),
            Some(vec![
                ("a".into(), "1".into()),
                ("b".into(), String::new()),
                ("c".into(), "x y".into())
            ])
        );
        assert_eq!(keyword_pairs("a='unterminated"), None);
        assert_eq!(keyword_pairs("novalue"), None);
        // Not well-formed: tokio-postgres' own error.
        assert!(connection_settings("host=db password='open").is_err());
    }
}
