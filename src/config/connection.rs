//! Working out which server to talk to and with which credentials, from the command line, the
//! environment, the profile, a stored login session and mmctl's credentials, in that order.

use std::path::{Path, PathBuf};

use reqwest::Url;

use super::credentials::{self, LoginSession, MmctlCredentials};
use super::paths::Paths;
use super::settings::{Profile, Settings, SettingsError};
use crate::cli::GlobalOpts;
use crate::host::{HomeOrigin, MmHome};
use crate::secret::Secret;

/// The socket mmctl and the server use when nothing else is configured.
pub const DEFAULT_LOCAL_SOCKET: &str = "/var/tmp/mattermost_local.socket";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A server reached over HTTP(S).
    Remote { url: Url },
    /// Local mode over the server's unix socket: no token, every request trusted.
    Local { socket: PathBuf },
}

/// Where the token came from; shown by `mmops info`, never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    None,
    TokenFile(PathBuf),
    Environment,
    ProfileTokenFile(PathBuf),
    LoginSession(PathBuf),
    Mmctl { name: String, path: PathBuf },
    Demo,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::None => f.write_str("none"),
            TokenSource::TokenFile(p) => write!(f, "--token-file {}", p.display()),
            TokenSource::Environment => f.write_str("MMOPS_TOKEN"),
            TokenSource::ProfileTokenFile(p) => write!(f, "profile token_file {}", p.display()),
            TokenSource::LoginSession(p) => write!(f, "login session {}", p.display()),
            TokenSource::Mmctl { name, path } => {
                write!(f, "mmctl credentials '{name}' ({})", path.display())
            }
            TokenSource::Demo => f.write_str("demo server"),
        }
    }
}

/// Everything needed to open a client on one server.
#[derive(Debug, Clone)]
pub struct ConnectionSpec {
    pub target: Target,
    pub token: Option<Secret>,
    pub token_source: TokenSource,
    pub insecure: bool,
    /// Shown in the status bar instead of the URL (e.g. "DEMO").
    pub label: Option<String>,
}

impl ConnectionSpec {
    /// What the status bar shows for this server.
    pub fn display_name(&self) -> String {
        if let Some(label) = &self.label {
            return label.clone();
        }
        match &self.target {
            Target::Remote { url } => url.as_str().trim_end_matches('/').to_string(),
            Target::Local { socket } => format!("local {}", socket.display()),
        }
    }
}

/// The resolved configuration of one run.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub paths: Paths,
    pub settings: Settings,
    pub profile: Option<String>,
    pub connection: Option<ConnectionSpec>,
    pub mm_home: Option<MmHome>,
    pub db_url: Option<Secret>,
    pub theme: String,
    /// Where the theme name came from, for error messages.
    pub theme_origin: String,
    /// Log files given with `--log-file`.
    pub log_files: Vec<PathBuf>,
    /// The invitation ledger given with `--ledger`.
    pub ledger: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    /// `given` is where the URL came from, with the URL as written (credentials hidden).
    #[error("{given}: {reason}")]
    BadUrl { given: String, reason: UrlError },
    #[error("cannot read the token file {}: {source}", path.display())]
    TokenFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the token file {} is empty", path.display())]
    EmptyTokenFile { path: PathBuf },
}

impl Resolved {
    /// Resolves everything from the command line, the environment and the files under `paths`.
    pub fn resolve(opts: &GlobalOpts, paths: Paths) -> Result<Self, ResolveError> {
        let settings = Settings::load(&paths)?;
        let env_token = std::env::var("MMOPS_TOKEN")
            .ok()
            .map(|t| Secret::new(t.trim()))
            .filter(|t| !t.is_empty());
        let mmctl =
            credentials::mmctl_config_path().and_then(|p| credentials::load_mmctl_active(&p));
        Self::resolve_with(opts, paths, settings, env_token, mmctl)
    }

    /// The pure part of [`Resolved::resolve`]: the environment's token and mmctl's credentials
    /// are passed in so tests can drive every branch.
    pub fn resolve_with(
        opts: &GlobalOpts,
        paths: Paths,
        settings: Settings,
        env_token: Option<Secret>,
        mmctl: Option<MmctlCredentials>,
    ) -> Result<Self, ResolveError> {
        let selected = settings.profile(opts.profile.as_deref())?;
        let profile_name = selected.as_ref().map(|(name, _)| name.clone());
        let profile = selected.map(|(_, p)| p).unwrap_or_default();
        let session = credentials::load_session(&paths, profile_name.as_deref());

        let profile_given = |shown: &str| {
            format!(
                "the url {shown} of profile '{}' in {}",
                profile_name.as_deref().unwrap_or_default(),
                paths.config_file.display()
            )
        };
        let connection =
            resolve_connection(opts, &profile, profile_given, env_token, session, mmctl)?;
        let mm_home = opts
            .mm_home
            .clone()
            .map(|p| MmHome::new(expand_tilde(&p), HomeOrigin::Flag))
            .or_else(|| {
                profile
                    .mm_home
                    .clone()
                    .map(|p| MmHome::new(expand_tilde(&p), HomeOrigin::Profile))
            })
            .or_else(MmHome::auto_detect);
        let db_url = opts
            .db_url
            .clone()
            .or_else(|| profile.db_url.clone())
            .or_else(|| {
                let var = profile.db_url_env.as_deref()?;
                std::env::var(var)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .map(Secret::new)
            });
        let (theme, theme_origin) = match (&opts.theme, &profile.theme, &settings.theme) {
            (Some(t), _, _) => (t.clone(), "--theme".to_string()),
            (None, Some(t), _) => (t.clone(), "the profile".to_string()),
            (None, None, Some(t)) => (t.clone(), paths.config_file.display().to_string()),
            (None, None, None) => ("dark".to_string(), "the default".to_string()),
        };

        Ok(Self {
            paths,
            settings,
            profile: profile_name,
            connection,
            mm_home,
            db_url,
            theme,
            theme_origin,
            log_files: opts.log_files.clone(),
            ledger: opts.ledger.as_deref().map(expand_tilde),
        })
    }
}

/// [`normalize_url`] for a URL the user gave; `given` says where, from the URL as shown (any
/// credentials hidden), for the error.
fn checked_url(raw: &str, given: impl FnOnce(&str) -> String) -> Result<Url, ResolveError> {
    normalize_url(raw).map_err(|reason| ResolveError::BadUrl {
        given: given(&hide_userinfo(raw.trim())),
        reason,
    })
}

/// `profile_given` names the profile's URL in an error, from the URL as shown.
fn resolve_connection(
    opts: &GlobalOpts,
    profile: &Profile,
    profile_given: impl FnOnce(&str) -> String,
    env_token: Option<Secret>,
    session: Option<LoginSession>,
    mmctl: Option<MmctlCredentials>,
) -> Result<Option<ConnectionSpec>, ResolveError> {
    let insecure = opts.insecure || profile.insecure;

    if let Some(socket) = &opts.local {
        let socket = socket.clone().unwrap_or_else(default_local_socket);
        return Ok(Some(local(socket, insecure)));
    }
    // The URLs given are checked only where they are used: `--local` ignores them.
    let flag_url = opts
        .url
        .as_deref()
        .map(|raw| checked_url(raw, |shown| format!("--url {shown}")))
        .transpose()?;
    let profile_url = profile
        .url
        .as_deref()
        .map(|raw| checked_url(raw, profile_given))
        .transpose()?;
    let url = match (flag_url, &profile.local_socket, &profile_url) {
        (Some(url), _, _) => Some(url),
        (None, Some(socket), _) => return Ok(Some(local(expand_tilde(socket), insecure))),
        (None, None, Some(url)) => Some(url.clone()),
        (None, None, None) => None,
    };

    let session_url = session.as_ref().and_then(|s| normalize_url(&s.url).ok());
    let mmctl_url = mmctl.as_ref().and_then(|m| normalize_url(&m.url).ok());
    let url = match url
        .or_else(|| session_url.clone())
        .or_else(|| mmctl_url.clone())
    {
        Some(url) => url,
        None => return Ok(None),
    };

    let (token, token_source) = if let Some(path) = &opts.token_file {
        (
            Some(read_token_file(path)?),
            TokenSource::TokenFile(path.clone()),
        )
    } else if let Some(token) = env_token {
        (Some(token), TokenSource::Environment)
    } else if let (Some(path), true) = (&profile.token_file, profile_url.as_ref() == Some(&url)) {
        // The profile's token belongs to the profile's server, never to another --url.
        let path = expand_tilde(path);
        (
            Some(read_token_file(&path)?),
            TokenSource::ProfileTokenFile(path),
        )
    } else if let (Some(session), true) = (&session, session_url.as_ref() == Some(&url)) {
        (
            Some(session.token.clone()),
            TokenSource::LoginSession(session.path.clone()),
        )
    } else if let (Some(mmctl), true) = (&mmctl, mmctl_url.as_ref() == Some(&url)) {
        (
            Some(mmctl.token.clone()),
            TokenSource::Mmctl {
                name: mmctl.name.clone(),
                path: mmctl.path.clone(),
            },
        )
    } else {
        (None, TokenSource::None)
    };

    Ok(Some(ConnectionSpec {
        target: Target::Remote { url },
        token,
        token_source,
        insecure,
        label: None,
    }))
}

fn local(socket: PathBuf, insecure: bool) -> ConnectionSpec {
    ConnectionSpec {
        target: Target::Local { socket },
        token: None,
        token_source: TokenSource::None,
        insecure,
        label: None,
    }
}

pub fn default_local_socket() -> PathBuf {
    local_socket_from(std::env::var_os("MMCTL_LOCAL_SOCKET_PATH"))
}

/// The socket named by `MMCTL_LOCAL_SOCKET_PATH` (given as `env`), or the server's default.
fn local_socket_from(env: Option<std::ffi::OsString>) -> PathBuf {
    env.filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_LOCAL_SOCKET))
}

/// Why a server URL cannot be used, with what is expected instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

const URL_EXPECTED: &str =
    "use an http:// or https:// URL with a host, like https://chat.example.com";

/// Accepts `chat.example.com`, `https://chat.example.com/` and `https://host/api/v4` alike and
/// returns the site root with a trailing slash.
pub fn normalize_url(raw: &str) -> Result<Url, UrlError> {
    let trimmed = raw.trim();
    let with_scheme = if names_a_scheme(trimmed) {
        // The URL parser reads `http:/x`, `http:x` and `http:///x` as http://x/: refused, as
        // they are typos or have no host.
        match trimmed.split_once("://") {
            Some((_, rest)) if !rest.is_empty() && !rest.starts_with('/') => {}
            _ => return Err(UrlError(URL_EXPECTED.to_string())),
        }
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let mut url = Url::parse(&with_scheme).map_err(|e| UrlError(format!("{e}; {URL_EXPECTED}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(UrlError(
            "it holds a user name or password; mmops takes credentials from a token or `mmops login`, never from the URL".to_string(),
        ));
    }
    if (url.scheme() != "http" && url.scheme() != "https")
        || url.host_str().is_none_or(str::is_empty)
    {
        return Err(UrlError(URL_EXPECTED.to_string()));
    }
    let path = url.path().trim_end_matches('/');
    let path = path.strip_suffix("/api/v4").unwrap_or(path);
    let path = format!("{path}/");
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url)
}

/// Whether the text begins with a scheme (`https:`, `htp:/x`, `mailto:a`) rather than a host,
/// a host and port (`chat.example.com:8065`), or user info (`admin:pw@host`).
fn names_a_scheme(text: &str) -> bool {
    let Some((head, rest)) = text.split_once(':') else {
        return false;
    };
    let scheme_like = head.starts_with(|c: char| c.is_ascii_alphabetic())
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_like {
        return false;
    }
    if rest.starts_with('/') {
        return true;
    }
    let authority = &rest[..rest.find('/').unwrap_or(rest.len())];
    let port = authority.chars().all(|c| c.is_ascii_digit());
    !port && !authority.contains('@')
}

/// The text of a URL as typed, with anything between `://` and `@` hidden, for error messages.
fn hide_userinfo(raw: &str) -> String {
    match (raw.find("://"), raw.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}****{}", &raw[..scheme + 3], &raw[at..])
        }
        (None, Some(at)) if !raw[..at].contains('/') => format!("****{}", &raw[at..]),
        _ => raw.to_string(),
    }
}

fn read_token_file(path: &Path) -> Result<Secret, ResolveError> {
    let text = std::fs::read_to_string(path).map_err(|source| ResolveError::TokenFile {
        path: path.to_path_buf(),
        source,
    })?;
    let token = Secret::new(text.trim());
    if token.is_empty() {
        return Err(ResolveError::EmptyTokenFile {
            path: path.to_path_buf(),
        });
    }
    Ok(token)
}

pub fn expand_tilde(path: &Path) -> PathBuf {
    match path.strip_prefix("~") {
        Ok(rest) => super::paths::home_dir()
            .map(|home| home.join(rest))
            .unwrap_or_else(|| path.to_path_buf()),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::paths::Origin;

    fn paths(dir: &Path) -> Paths {
        Paths {
            config_file: dir.join("config.toml"),
            config_file_origin: Origin::Default,
            config_dir: dir.to_path_buf(),
            data_dir: dir.join("data"),
            state_dir: dir.join("state"),
        }
    }

    fn mmctl(url: &str) -> MmctlCredentials {
        MmctlCredentials {
            name: "prod".into(),
            url: url.into(),
            token: Secret::new("mmctl-token"),
            path: PathBuf::from("/home/a/.config/mmctl/config"),
        }
    }

    #[test]
    fn url_normalization() {
        let n = |s: &str| normalize_url(s).unwrap().to_string();
        assert_eq!(n("chat.example.com"), "https://chat.example.com/");
        assert_eq!(
            n("https://chat.example.com/api/v4/"),
            "https://chat.example.com/"
        );
        assert_eq!(n("http://10.0.0.5:8065/mm"), "http://10.0.0.5:8065/mm/");
        assert_eq!(n("chat.example.com:8065"), "https://chat.example.com:8065/");
        assert_eq!(n("localhost:8065/mm"), "https://localhost:8065/mm/");
        assert_eq!(n("[::1]:8065"), "https://[::1]:8065/");
        assert!(normalize_url("ftp://x").is_err());
        assert!(normalize_url("https://").is_err());
    }

    #[test]
    fn a_url_with_another_scheme_or_no_host_is_refused() {
        for bad in [
            "htp:/x",
            "htp://x",
            "http:/x",
            "https:chat.example.com",
            "mailto:admin",
            "file:///var/tmp/mattermost_local.socket",
            "http://",
            "https:///api/v4",
            "",
        ] {
            let err = normalize_url(bad).unwrap_err().to_string();
            assert!(
                err.ends_with(
                    "use an http:// or https:// URL with a host, like https://chat.example.com"
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn a_bad_url_says_where_it_came_from() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GlobalOpts {
            url: Some("htp:/x".into()),
            ..Default::default()
        };
        let err = Resolved::resolve_with(&opts, paths(dir.path()), Settings::default(), None, None)
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--url htp:/x: use an http:// or https:// URL with a host, like https://chat.example.com"
        );
        let settings = Settings::parse(
            Path::new("c.toml"),
            "default_profile = \"p\"\n[profiles.p]\nurl = \"htp:/x\"\n",
        )
        .unwrap();
        let err = Resolved::resolve_with(
            &GlobalOpts::default(),
            paths(dir.path()),
            settings,
            None,
            None,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(&format!(
                "the url htp:/x of profile 'p' in {}: use an http://",
                dir.path().join("config.toml").display()
            )),
            "{err}"
        );
    }

    #[test]
    fn local_mode_ignores_the_urls_it_does_not_use() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::parse(
            Path::new("c.toml"),
            "default_profile = \"p\"\n[profiles.p]\nurl = \"htp:/x\"\n",
        )
        .unwrap();
        let opts = GlobalOpts {
            local: Some(Some(PathBuf::from("/tmp/mm.socket"))),
            ..Default::default()
        };
        let resolved = Resolved::resolve_with(&opts, paths(dir.path()), settings, None, None);
        let Ok(Some(spec)) = resolved.map(|r| r.connection) else {
            panic!("--local resolves to the socket");
        };
        assert!(matches!(spec.target, Target::Local { .. }));
    }

    #[test]
    fn credentials_in_urls_are_refused_without_being_repeated() {
        let err = normalize_url("https://admin:hunter2@chat.example.com")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("user name or password") && !err.contains("hunter2"),
            "{err}"
        );
        let err = normalize_url("admin:hunter2@chat.example.com")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }

    #[test]
    fn the_profile_token_stays_with_the_profile_server() {
        let dir = tempfile::tempdir().unwrap();
        let token = dir.path().join("tok");
        std::fs::write(&token, "prod-token").unwrap();
        let text = format!(
            "default_profile = \"prod\"\n[profiles.prod]\nurl = \"https://prod.example.com\"\ntoken_file = \"{}\"\n",
            token.display()
        );
        let settings = Settings::parse(Path::new("c.toml"), &text).unwrap();
        let r = Resolved::resolve_with(
            &GlobalOpts::default(),
            paths(dir.path()),
            settings.clone(),
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.connection.unwrap().token.unwrap().expose(), "prod-token");
        let opts = GlobalOpts {
            url: Some("https://other.example.com".into()),
            ..Default::default()
        };
        let r = Resolved::resolve_with(&opts, paths(dir.path()), settings, None, None).unwrap();
        assert!(r.connection.unwrap().token.is_none());
    }

    #[test]
    fn local_socket_default_and_override() {
        assert_eq!(local_socket_from(None), PathBuf::from(DEFAULT_LOCAL_SOCKET));
        assert_eq!(
            local_socket_from(Some("".into())),
            PathBuf::from(DEFAULT_LOCAL_SOCKET)
        );
        assert_eq!(
            local_socket_from(Some("/run/mm.sock".into())),
            PathBuf::from("/run/mm.sock")
        );
    }

    #[test]
    fn token_file_beats_env_and_mmctl() {
        let dir = tempfile::tempdir().unwrap();
        let token_path = dir.path().join("tok");
        std::fs::write(&token_path, "file-token\n").unwrap();
        let opts = GlobalOpts {
            url: Some("https://chat.example.com".into()),
            token_file: Some(token_path.clone()),
            ..Default::default()
        };
        let r = Resolved::resolve_with(
            &opts,
            paths(dir.path()),
            Settings::default(),
            Some(Secret::new("env-token")),
            Some(mmctl("https://chat.example.com")),
        )
        .unwrap();
        let conn = r.connection.unwrap();
        assert_eq!(conn.token.unwrap().expose(), "file-token");
        assert_eq!(conn.token_source, TokenSource::TokenFile(token_path));
    }

    #[test]
    fn mmctl_is_used_when_nothing_else_is_given() {
        let dir = tempfile::tempdir().unwrap();
        let r = Resolved::resolve_with(
            &GlobalOpts::default(),
            paths(dir.path()),
            Settings::default(),
            None,
            Some(mmctl("https://chat.example.com/")),
        )
        .unwrap();
        let conn = r.connection.unwrap();
        assert_eq!(
            conn.target,
            Target::Remote {
                url: normalize_url("https://chat.example.com").unwrap()
            }
        );
        assert!(matches!(conn.token_source, TokenSource::Mmctl { .. }));
    }

    #[test]
    fn mmctl_token_is_not_sent_to_another_server() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GlobalOpts {
            url: Some("https://other.example.com".into()),
            ..Default::default()
        };
        let r = Resolved::resolve_with(
            &opts,
            paths(dir.path()),
            Settings::default(),
            None,
            Some(mmctl("https://chat.example.com")),
        )
        .unwrap();
        let conn = r.connection.unwrap();
        assert!(conn.token.is_none());
        assert_eq!(conn.token_source, TokenSource::None);
    }

    #[test]
    fn local_flag_uses_the_default_socket() {
        let dir = tempfile::tempdir().unwrap();
        let opts = GlobalOpts {
            local: Some(None),
            url: Some("https://chat.example.com".into()),
            ..Default::default()
        };
        let r = Resolved::resolve_with(&opts, paths(dir.path()), Settings::default(), None, None)
            .unwrap();
        match r.connection.unwrap().target {
            Target::Local { socket } => assert_eq!(socket, default_local_socket()),
            other => panic!("expected local mode, got {other:?}"),
        }
    }

    #[test]
    fn nothing_configured_gives_no_connection() {
        let dir = tempfile::tempdir().unwrap();
        let r = Resolved::resolve_with(
            &GlobalOpts::default(),
            paths(dir.path()),
            Settings::default(),
            None,
            None,
        )
        .unwrap();
        assert!(r.connection.is_none());
        assert_eq!(r.theme, "dark");
    }

    #[test]
    fn profile_values_apply_and_flags_override_them() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings::parse(
            Path::new("c.toml"),
            "default_profile = \"p\"\n[profiles.p]\nurl = \"https://p.example.com\"\ntheme = \"light\"\ninsecure = true\n",
        )
        .unwrap();
        let r = Resolved::resolve_with(
            &GlobalOpts::default(),
            paths(dir.path()),
            settings.clone(),
            None,
            None,
        )
        .unwrap();
        assert_eq!(r.profile.as_deref(), Some("p"));
        assert_eq!(r.theme, "light");
        assert!(r.connection.as_ref().unwrap().insecure);
        let opts = GlobalOpts {
            url: Some("https://q.example.com".into()),
            theme: Some("high-contrast".into()),
            ..Default::default()
        };
        let r = Resolved::resolve_with(&opts, paths(dir.path()), settings, None, None).unwrap();
        assert_eq!(r.theme, "high-contrast");
        assert_eq!(
            r.connection.unwrap().display_name(),
            "https://q.example.com"
        );
    }
}
