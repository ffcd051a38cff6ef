//! A real PostgreSQL server for tests and benchmarks, started in a temp dir.
//!
//! Self-contained on purpose: it is `common::pg` in the tests, and included from `benches/` as
//! `#[path = "../tests/it/common/pg.rs"] mod pg;`.
//!
//! ```ignore
//! let Some(pg) = pg::shared() else { return }; // skips (or panics with MMOPS_REQUIRE_PG=1)
//! let url = pg.create_database("my_test");     // a fresh database owned by mmuser
//! pg::load_schema(&url);                        // the Mattermost-shaped tables
//! pg::mark_migrations(&url, 175);
//! let rows = pg::run_sql(&url, "SELECT type::text FROM teams");
//!
//! let Some(tls) = pg::shared_tls() else { return }; // a second server with ssl = on
//! let url = pg::with_ssl(&tls.create_database("over_tls"), &tls.ssl_params("require"));
//! ```
//!
//! How the server is found, started and always stopped:
//! - binaries: `MMOPS_PG_BINDIR` when set (and nothing else), else `pg_config --bindir`, else the
//!   newest `/usr/lib/postgresql/*/bin`, else `PATH`. A directory counts only when it holds
//!   `initdb`, `pg_ctl` and `postgres` (libpq-dev ships `pg_config` without the server).
//! - not found: with `MMOPS_REQUIRE_PG=1` that is a panic, otherwise a "skipping" line on stderr
//!   and `None`.
//! - as root (initdb and postgres refuse root) the tools run through `runuser -u postgres`, with
//!   the temp dir chowned to that user; otherwise they run directly.
//! - the server listens on 127.0.0.1 on a free port, its unix socket is in the temp dir. The
//!   superuser `postgres` logs in over that socket (trust); `mmuser` over TCP with
//!   scram-sha-256, as a real install's `SqlSettings.DataSource` does.
//! - with TLS ([`TestPg::start_tls`], [`shared_tls`]) the server also has `ssl = on`, with a
//!   certificate for `localhost` and `127.0.0.1` signed by a CA made for it (rcgen, no openssl
//!   CLI); the CA is `ca.pem` in the temp dir ([`TestPg::ca_file`]). The key is `0600` and owned
//!   by the server's user, as PostgreSQL demands. Plain TCP logins still work on it, so the
//!   builders (which connect without TLS) fill its databases as on any other server.
//! - `Drop` runs `pg_ctl stop -m immediate` and removes the dir. For the cases where `Drop`
//!   never runs (the `shared()` static, an abort, a SIGKILL of the test process), every server
//!   has a watchdog: a tiny `sh` child whose stdin is a pipe held only by the test process. When
//!   the test process ends in any way, the kernel closes the pipe, `read` returns, and the
//!   watchdog sends SIGQUIT (immediate shutdown) to the postmaster named in the data dir's
//!   `postmaster.pid` and removes the dir. The watchdog ignores terminal signals so a Ctrl-C
//!   reaches the test but not it. `Drop` tells it "stopped" first, so it never signals a pid
//!   that may have been reused.
#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Config, NoTls, Row};

/// The login role and password of the Mattermost-like database.
pub const USER: &str = "mmuser";
pub const PASSWORD: &str = "mostest-pw";
/// The database every server starts with.
pub const DATABASE: &str = "mattermost";
/// Set to `1` to turn a missing PostgreSQL into a failure instead of a skip (CI sets it).
pub const REQUIRE_ENV: &str = "MMOPS_REQUIRE_PG";
/// A directory holding `initdb`, `pg_ctl` and `postgres`; when set, no other place is searched.
pub const BINDIR_ENV: &str = "MMOPS_PG_BINDIR";
/// The system user that runs the server when the tests run as root.
pub const SYSTEM_USER: &str = "postgres";
/// The Mattermost-shaped schema (`tests/it/fixtures/mattermost_schema.sql`).
pub const SCHEMA_SQL: &str = include_str!("../fixtures/mattermost_schema.sql");

const SUPERUSER: &str = "postgres";
const SERVER_TOOLS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];
const PORT_ATTEMPTS: usize = 5;
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// Longest path a unix socket address can hold (sun_path is 108 bytes with its NUL).
const MAX_SOCKET_PATH: usize = 107;

/// Settings appended to `postgresql.conf`: quick to start, nothing durable, quiet.
const SETTINGS: &str = "
# mmops test harness
listen_addresses = '127.0.0.1'
password_encryption = 'scram-sha-256'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
shared_buffers = 32MB
max_connections = 60
autovacuum = off
jit = off
timezone = 'UTC'
lc_messages = 'C'
logging_collector = off
log_min_messages = warning
";

/// Added to `postgresql.conf` for a server with TLS; the files are in the data dir.
const TLS_SETTINGS: &str = "
ssl = on
ssl_cert_file = 'server.crt'
ssl_key_file = 'server.key'
";

/// The names the TLS server's certificate holds.
pub const TLS_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

/// Superuser over the unix socket without a password; everyone else over TCP with SCRAM.
const PG_HBA: &str = "\
# mmops test harness
local all all trust
host all all 127.0.0.1/32 scram-sha-256
";

/// The watchdog (see the module doc). `$1` is the temp dir.
const WATCHDOG: &str = r#"
trap '' HUP INT QUIT TERM PIPE
IFS= read -r word
[ "$word" = stopped ] && exit 0
pidfile="$1/data/postmaster.pid"
if [ -f "$pidfile" ]; then
    pid=$(head -n 1 "$pidfile")
    case "$pid" in
    '' | *[!0-9]*) ;;
    *)
        kill -QUIT "$pid" 2>/dev/null
        n=0
        while kill -0 "$pid" 2>/dev/null && [ "$n" -lt 100 ]; do
            sleep 0.1
            n=$((n + 1))
        done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        ;;
    esac
fi
rm -rf "$1"
"#;

/// A running PostgreSQL server in its own temp dir; stopped and removed on drop.
pub struct TestPg {
    bindir: PathBuf,
    /// `Some("postgres")` when the tools run through `runuser` (the tests run as root).
    run_as: Option<String>,
    port: u16,
    watchdog: Option<Child>,
    /// `<dir>/ca.pem`, the CA of the server's certificate, when it has `ssl = on`.
    ca_file: Option<PathBuf>,
    /// Declared last: removed after `Drop::drop` has stopped the server.
    dir: tempfile::TempDir,
}

static SHARED: OnceLock<Option<TestPg>> = OnceLock::new();
static SHARED_TLS: OnceLock<Option<TestPg>> = OnceLock::new();

/// One server for the whole test binary (or bench), started on first use. `None` means skip.
/// Give each test its own database with [`TestPg::create_database`].
pub fn shared() -> Option<&'static TestPg> {
    SHARED.get_or_init(TestPg::start).as_ref()
}

/// A second server for the whole test binary, with `ssl = on` (see [`TestPg::start_tls`]).
/// `None` means skip.
pub fn shared_tls() -> Option<&'static TestPg> {
    SHARED_TLS.get_or_init(TestPg::start_tls).as_ref()
}

/// Whether `MMOPS_REQUIRE_PG` asks for a failure instead of a skip.
pub fn required() -> bool {
    std::env::var(REQUIRE_ENV).is_ok_and(|v| matches!(v.trim(), "1" | "true" | "yes"))
}

impl TestPg {
    /// Starts a private server. `None` (after a "skipping" line on stderr) when PostgreSQL is
    /// not installed or cannot run here; panics instead when `MMOPS_REQUIRE_PG=1`.
    pub fn start() -> Option<TestPg> {
        Self::start_found(false)
    }

    /// [`TestPg::start`] with `ssl = on` and a certificate for [`TLS_NAMES`] signed by a CA
    /// made for this server ([`TestPg::ca_file`]).
    pub fn start_tls() -> Option<TestPg> {
        Self::start_found(true)
    }

    fn start_found(tls: bool) -> Option<TestPg> {
        let Some(bindir) = find_bindir() else {
            return unavailable(
                "not installed",
                "no directory with initdb, pg_ctl and postgres from MMOPS_PG_BINDIR, \
                 pg_config --bindir, /usr/lib/postgresql/*/bin or PATH",
            );
        };
        let run_as = if nix::unistd::geteuid().is_root() {
            match nix::unistd::User::from_name(SYSTEM_USER) {
                Ok(Some(_)) if find_in_path("runuser").is_some() => Some(SYSTEM_USER.to_string()),
                Ok(Some(_)) => {
                    return unavailable("not usable", "running as root and runuser is missing");
                }
                _ => {
                    return unavailable(
                        "not usable",
                        "running as root (initdb refuses root) and there is no `postgres` \
                         system user to run it as",
                    );
                }
            }
        } else {
            None
        };
        Some(Self::start_with_options(bindir, run_as, tls))
    }

    /// Starts a server from `bindir`, through `runuser -u USER` when `run_as` is set.
    /// Panics (with the server log) when it cannot.
    pub fn start_with(bindir: PathBuf, run_as: Option<String>) -> TestPg {
        Self::start_with_options(bindir, run_as, false)
    }

    /// [`TestPg::start_with`], with `ssl = on` when `tls`.
    pub fn start_with_options(bindir: PathBuf, run_as: Option<String>, tls: bool) -> TestPg {
        let started = Instant::now();
        let dir = tempfile::Builder::new()
            .prefix("mmops-pg-")
            .tempdir_in(temp_base(run_as.is_some()))
            .unwrap_or_else(|e| panic!("creating the PostgreSQL temp dir: {e}"));
        if let Some(user) = &run_as {
            let owner = nix::unistd::User::from_name(user)
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no system user {user}"));
            std::os::unix::fs::chown(
                dir.path(),
                Some(owner.uid.as_raw()),
                Some(owner.gid.as_raw()),
            )
            .unwrap_or_else(|e| panic!("chown {} to {user}: {e}", dir.path().display()));
        }
        let watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("mmops-pg-watchdog")
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting the PostgreSQL watchdog (sh): {e}"));
        // From here on, a panic drops `pg`, which stops whatever has started.
        let mut pg = TestPg {
            bindir,
            run_as,
            port: 0,
            watchdog: Some(watchdog),
            ca_file: None,
            dir,
        };
        pg.initdb();
        pg.configure();
        if tls {
            pg.install_tls();
        }
        pg.launch();
        pg.wait_ready();
        pg.bootstrap();
        let elapsed = started.elapsed();
        if elapsed > Duration::from_secs(5) {
            eprintln!("note: PostgreSQL took {elapsed:?} to start");
        }
        pg
    }

    /// `postgres://mmuser:mostest-pw@127.0.0.1:PORT/mattermost?sslmode=disable&connect_timeout=10`
    pub fn url(&self) -> String {
        self.url_for(DATABASE)
    }

    /// The same DataSource form for another database of this server.
    pub fn url_for(&self, database: &str) -> String {
        format!(
            "postgres://{USER}:{PASSWORD}@127.0.0.1:{}/{database}?sslmode=disable&connect_timeout=10",
            self.port
        )
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The CA that signed the server's certificate (PEM), when the server has `ssl = on`.
    pub fn ca_file(&self) -> Option<&Path> {
        self.ca_file.as_deref()
    }

    /// `sslmode=MODE&sslrootcert=<ca.pem>` for [`with_ssl`] (panics on a server without TLS).
    pub fn ssl_params(&self, mode: &str) -> String {
        let ca = self
            .ca_file()
            .unwrap_or_else(|| panic!("this test server has no TLS (start it with start_tls)"));
        format!("sslmode={mode}&sslrootcert={}", ca.display())
    }

    /// The temp dir: `data/` (the cluster), `server.log`, the unix socket.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The postmaster's pid, from `data/postmaster.pid` (None once it has stopped).
    pub fn postmaster_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.path().join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// Creates an empty database owned by mmuser and returns its URL. Names are lowercase
    /// letters, digits and `_` (each test picks its own; a duplicate name panics).
    pub fn create_database(&self, name: &str) -> String {
        let valid = !name.is_empty()
            && name.len() <= 63
            && name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        assert!(
            valid,
            "database name {name:?}: use 1-63 of [a-z0-9_], not starting with a digit"
        );
        self.admin("postgres")
            .batch(&format!("CREATE DATABASE {name} OWNER {USER}"));
        self.url_for(name)
    }

    /// A superuser session (over the unix socket) on `database`.
    pub fn admin(&self, database: &str) -> Conn {
        Conn::connect_config(&self.admin_config(database))
            .unwrap_or_else(|e| panic!("superuser connection to {database}: {e}{}", self.tail()))
    }

    fn admin_config(&self, database: &str) -> Config {
        let mut config = Config::new();
        config
            .host_path(self.dir.path())
            .port(self.port)
            .user(SUPERUSER)
            .dbname(database)
            .connect_timeout(Duration::from_secs(10));
        config
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A server tool (from bindir), run as the system user when we are root.
    fn tool(&self, name: &str) -> Command {
        let exe = self.bindir.join(name);
        let mut cmd = match &self.run_as {
            Some(user) => {
                let mut cmd = Command::new("runuser");
                cmd.arg("-u").arg(user).arg("--").arg(exe);
                cmd
            }
            None => Command::new(exe),
        };
        cmd.current_dir(self.dir.path())
            .stdin(Stdio::null())
            .env("LC_ALL", "C");
        for var in [
            "PGDATA",
            "PGHOST",
            "PGHOSTADDR",
            "PGPORT",
            "PGUSER",
            "PGDATABASE",
            "PGPASSWORD",
            "PGOPTIONS",
            "PGSERVICE",
        ] {
            cmd.env_remove(var);
        }
        cmd
    }

    fn run_tool(&self, what: &str, cmd: &mut Command) -> Output {
        cmd.output()
            .unwrap_or_else(|e| panic!("running {what} ({cmd:?}): {e}"))
    }

    fn initdb(&self) {
        let mut cmd = self.tool("initdb");
        cmd.arg("-D").arg(self.data_dir()).args([
            "-U",
            SUPERUSER,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "-N",
        ]);
        let out = self.run_tool("initdb", &mut cmd);
        assert!(
            out.status.success(),
            "initdb failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Appends the settings to postgresql.conf and replaces pg_hba.conf. Writing into the
    /// existing files keeps their owner (the system user when we are root).
    fn configure(&self) {
        let data = self.data_dir();
        let socket_dir = self.dir.path().to_string_lossy().replace('\'', "''");
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap_or_else(|e| panic!("opening postgresql.conf: {e}"));
        writeln!(conf, "{SETTINGS}unix_socket_directories = '{socket_dir}'")
            .unwrap_or_else(|e| panic!("writing postgresql.conf: {e}"));
        std::fs::write(data.join("pg_hba.conf"), PG_HBA)
            .unwrap_or_else(|e| panic!("writing pg_hba.conf: {e}"));
    }

    /// `ssl = on` with a fresh CA and a server certificate for [`TLS_NAMES`]: the certificate
    /// and key in the data dir (the key `0600`, both owned by the server's user: PostgreSQL
    /// refuses a key others can read), the CA in `<dir>/ca.pem`.
    fn install_tls(&mut self) {
        let certs = test_certificates(&TLS_NAMES);
        let data = self.data_dir();
        let owner = self.run_as.as_ref().map(|user| {
            nix::unistd::User::from_name(user)
                .ok()
                .flatten()
                .unwrap_or_else(|| panic!("no system user {user}"))
        });
        for (name, text, mode) in [
            ("server.crt", &certs.server_cert_pem, 0o644),
            ("server.key", &certs.server_key_pem, 0o600),
        ] {
            let path = data.join(name);
            std::fs::write(&path, text)
                .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode))
                .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
            if let Some(owner) = &owner {
                std::os::unix::fs::chown(&path, Some(owner.uid.as_raw()), Some(owner.gid.as_raw()))
                    .unwrap_or_else(|e| panic!("chown {}: {e}", path.display()));
            }
        }
        let ca = self.dir.path().join("ca.pem");
        std::fs::write(&ca, &certs.ca_pem)
            .unwrap_or_else(|e| panic!("writing {}: {e}", ca.display()));
        let mut conf = std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .unwrap_or_else(|e| panic!("opening postgresql.conf: {e}"));
        conf.write_all(TLS_SETTINGS.as_bytes())
            .unwrap_or_else(|e| panic!("writing postgresql.conf: {e}"));
        self.ca_file = Some(ca);
    }

    /// `pg_ctl start` on a free port; another port when that one was taken meanwhile.
    fn launch(&mut self) {
        for attempt in 1..=PORT_ATTEMPTS {
            self.port = free_port();
            let log_before = self.log().len();
            let mut cmd = self.tool("pg_ctl");
            cmd.arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.dir.path().join("server.log"))
                .args(["-w", "-t", "30", "-o"])
                .arg(format!("-p {}", self.port))
                .arg("start");
            let out = self.run_tool("pg_ctl start", &mut cmd);
            if out.status.success() {
                return;
            }
            let log = self.log().get(log_before..).unwrap_or_default().to_string();
            let port_taken = [
                "could not bind",
                "Address already in use",
                "could not create any TCP/IP sockets",
            ]
            .iter()
            .any(|needle| log.contains(needle));
            if !port_taken || attempt == PORT_ATTEMPTS {
                panic!(
                    "PostgreSQL did not start (attempt {attempt}, port {}): {}{}{}",
                    self.port,
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr),
                    self.tail()
                );
            }
        }
    }

    /// Until the superuser can connect (pg_ctl -w has usually waited already).
    fn wait_ready(&self) {
        let deadline = Instant::now() + READY_TIMEOUT;
        loop {
            match Conn::connect_config(&self.admin_config("postgres")) {
                Ok(conn) => match conn.try_query("SELECT 1", &[]) {
                    Ok(_) => return,
                    Err(e) if Instant::now() > deadline => {
                        panic!(
                            "PostgreSQL not ready after {READY_TIMEOUT:?}: {e}{}",
                            self.tail()
                        )
                    }
                    Err(_) => {}
                },
                Err(e) if Instant::now() > deadline => {
                    panic!(
                        "PostgreSQL not ready after {READY_TIMEOUT:?}: {e}{}",
                        self.tail()
                    )
                }
                Err(_) => {}
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The mmuser role and its mattermost database, then a check that mmuser logs in over TCP.
    fn bootstrap(&self) {
        // One statement per call: a multi-statement batch is one transaction, and CREATE
        // DATABASE refuses to run inside one.
        let admin = self.admin("postgres");
        admin.batch("SET password_encryption = 'scram-sha-256'");
        admin.batch(&format!("CREATE ROLE {USER} LOGIN PASSWORD '{PASSWORD}'"));
        admin.batch(&format!("CREATE DATABASE {DATABASE} OWNER {USER}"));
        if let Err(e) = Conn::try_connect(&self.url()).and_then(|c| c.try_query("SELECT 1", &[])) {
            panic!("{USER} cannot log in over TCP: {e}{}", self.tail());
        }
    }

    /// The last lines of the server log, for panic messages.
    fn tail(&self) -> String {
        let log = self.log();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(30)..].join("\n");
        format!(
            "\n--- last lines of {} ---\n{tail}",
            self.dir.path().join("server.log").display()
        )
    }
}

impl Drop for TestPg {
    /// Must not panic: it also runs while a failing test unwinds.
    fn drop(&mut self) {
        let mut stopped = !self.data_dir().join("postmaster.pid").exists();
        if !stopped {
            let mut cmd = self.tool("pg_ctl");
            cmd.arg("-D")
                .arg(self.data_dir())
                .args(["-m", "immediate", "-w", "-t", "10", "stop"]);
            stopped = cmd.output().is_ok_and(|out| out.status.success());
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            if let Some(mut stdin) = watchdog.stdin.take() {
                // Not "stopped": the watchdog kills the postmaster and removes the dir.
                if stopped {
                    let _ = stdin.write_all(b"stopped\n");
                }
            }
            let _ = watchdog.wait();
        }
        // `dir` (a TempDir) is removed after this, if the watchdog has not already.
    }
}

/// A test CA and a server certificate it signed, all PEM.
pub struct TestCerts {
    pub ca_pem: String,
    pub server_cert_pem: String,
    /// PKCS #8.
    pub server_key_pem: String,
}

/// A fresh CA ("mmops test CA") and a server certificate for `names` (DNS names or IP
/// addresses), ECDSA P-256, with rcgen's default validity (1975 to 4096).
pub fn test_certificates(names: &[&str]) -> TestCerts {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let ca_key = KeyPair::generate().unwrap_or_else(|e| panic!("a CA key: {e}"));
    let mut ca = CertificateParams::new(Vec::<String>::new())
        .unwrap_or_else(|e| panic!("CA parameters: {e}"));
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "mmops test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca
        .self_signed(&ca_key)
        .unwrap_or_else(|e| panic!("the CA certificate: {e}"));
    let issuer = Issuer::new(ca, ca_key);
    let key = KeyPair::generate().unwrap_or_else(|e| panic!("a server key: {e}"));
    let mut server =
        CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap_or_else(|e| panic!("server certificate parameters: {e}"));
    server.distinguished_name.push(
        DnType::CommonName,
        names.first().copied().unwrap_or("localhost"),
    );
    server.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    server.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let server_cert = server
        .signed_by(&key, &issuer)
        .unwrap_or_else(|e| panic!("the server certificate: {e}"));
    TestCerts {
        ca_pem: ca_cert.pem(),
        server_cert_pem: server_cert.pem(),
        server_key_pem: key.serialize_pem(),
    }
}

/// `url` (one of [`TestPg::url_for`]'s) with its `sslmode=disable` replaced by `params`
/// (`sslmode=require&sslrootcert=...`, or `""` for no sslmode at all).
pub fn with_ssl(url: &str, params: &str) -> String {
    assert!(url.contains("sslmode=disable&"), "{url}");
    if params.is_empty() {
        url.replace("sslmode=disable&", "")
    } else {
        url.replace("sslmode=disable", params)
    }
}

/// Skips (None, with a line on stderr) or panics when MMOPS_REQUIRE_PG=1.
fn unavailable(state: &str, detail: &str) -> Option<TestPg> {
    assert!(
        !required(),
        "{REQUIRE_ENV}=1 but PostgreSQL is {state}: {detail}. Install the server \
         (apt-get install postgresql) or point {BINDIR_ENV} at its bin directory."
    );
    eprintln!("skipping: PostgreSQL {state} ({detail})");
    None
}

/// Where the server binaries are: `MMOPS_PG_BINDIR` alone when set, else
/// [`find_bindir_from`] with the real pg_config, /usr/lib/postgresql and PATH.
pub fn find_bindir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os(BINDIR_ENV) {
        let dir = PathBuf::from(dir);
        return has_server(&dir).then_some(dir);
    }
    find_bindir_from(
        Path::new("pg_config"),
        Path::new("/usr/lib/postgresql"),
        std::env::var_os("PATH"),
    )
}

/// The finder with its inputs spelled out (for tests): `pg_config --bindir`, else the newest
/// `lib_root/<version>/bin` (versions compared numerically: 15 > 9.6), else the first PATH
/// entry, each only if it holds initdb, pg_ctl and postgres.
pub fn find_bindir_from(
    pg_config: &Path,
    lib_root: &Path,
    path: Option<OsString>,
) -> Option<PathBuf> {
    if let Ok(out) = Command::new(pg_config)
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if has_server(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(Vec<u32>, PathBuf)> = std::fs::read_dir(lib_root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let version = name
                .split('.')
                .map(|part| part.parse::<u32>().ok())
                .collect::<Option<Vec<u32>>>()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Some(bin);
    }
    std::env::split_paths(&path?).find(|dir| has_server(dir))
}

/// Whether `dir` holds the executables a server needs.
pub fn has_server(dir: &Path) -> bool {
    SERVER_TOOLS
        .iter()
        .all(|tool| is_executable(&dir.join(tool)))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

fn find_in_path(program: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| is_executable(p))
}

/// The temp dir's parent: the usual temp dir, unless the socket path would be too long or (as
/// root) the system user could not reach it; then /tmp.
fn temp_base(for_other_user: bool) -> PathBuf {
    let base = std::env::temp_dir();
    // "<base>/mmops-pg-XXXXXX/.s.PGSQL.65535"
    let too_long = base.as_os_str().len() + 40 > MAX_SOCKET_PATH;
    let unreachable = for_other_user
        && base
            .ancestors()
            .any(|dir| std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o001 == 0));
    if too_long || unreachable {
        PathBuf::from("/tmp")
    } else {
        base
    }
}

/// A port nobody listens on right now (the OS picks it; released before postgres binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .unwrap_or_else(|e| panic!("finding a free TCP port: {e}"))
}

/// A synchronous session: a small current-thread tokio runtime plus a tokio-postgres client.
/// For sync `#[test]`s only (inside an async test use [`connect_async`]).
pub struct Conn {
    client: Client,
    rt: tokio::runtime::Runtime,
}

impl Conn {
    /// Connects or panics with the URL and the error.
    pub fn connect(url: &str) -> Conn {
        Conn::try_connect(url).unwrap_or_else(|e| panic!("connecting to {url}: {e}"))
    }

    pub fn try_connect(url: &str) -> Result<Conn, tokio_postgres::Error> {
        let config: Config = url.parse()?;
        Conn::connect_config(&config)
    }

    pub fn connect_config(config: &Config) -> Result<Conn, tokio_postgres::Error> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("building a tokio runtime: {e}"));
        let (client, connection) = rt.block_on(config.connect(NoTls))?;
        rt.spawn(async move {
            let _ = connection.await;
        });
        Ok(Conn { client, rt })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Runs a future of this session's runtime (e.g. `conn.block_on(conn.client().query(..))`).
    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.rt.block_on(future)
    }

    /// Several statements in the simple protocol; panics with the error and the SQL.
    pub fn batch(&self, sql: &str) {
        self.try_batch(sql)
            .unwrap_or_else(|e| panic!("SQL failed: {}\n{sql}", describe(&e)));
    }

    pub fn try_batch(&self, sql: &str) -> Result<(), tokio_postgres::Error> {
        self.rt.block_on(self.client.batch_execute(sql))
    }

    /// One statement with parameters; panics with the error and the SQL.
    pub fn query(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Vec<Row> {
        self.try_query(sql, params)
            .unwrap_or_else(|e| panic!("SQL failed: {}\n{sql}", describe(&e)))
    }

    pub fn try_query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, tokio_postgres::Error> {
        self.rt.block_on(self.client.query(sql, params))
    }

    /// One statement with parameters; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> u64 {
        self.try_execute(sql, params)
            .unwrap_or_else(|e| panic!("SQL failed: {}\n{sql}", describe(&e)))
    }

    pub fn try_execute(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, tokio_postgres::Error> {
        self.rt.block_on(self.client.execute(sql, params))
    }
}

/// An error with the server's message, SQLSTATE and detail when there is one.
pub fn describe(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!(
            "{} (SQLSTATE {}){}",
            db.message(),
            db.code().code(),
            db.detail().map(|d| format!(": {d}")).unwrap_or_default()
        ),
        None => error.to_string(),
    }
}

/// For async tests: connects on the current tokio runtime (the connection is a spawned task).
pub async fn connect_async(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls)
        .await
        .unwrap_or_else(|e| panic!("connecting to {url}: {e}"));
    tokio::spawn(async move {
        let _ = connection.await;
    });
    client
}

/// Runs one statement (no parameters) and returns its rows.
pub fn run_sql(url: &str, sql: &str) -> Vec<Row> {
    Conn::connect(url).query(sql, &[])
}

/// Runs several statements (simple protocol).
pub fn batch(url: &str, sql: &str) {
    Conn::connect(url).batch(sql);
}

/// Creates the Mattermost-shaped tables (`tests/it/fixtures/mattermost_schema.sql`).
pub fn load_schema(url: &str) {
    batch(url, SCHEMA_SQL);
}

/// Fills `db_migrations` with versions 1..=upto, skipping 110 as a real server does. Names are
/// the real ones for the migrations the reference mentions, a placeholder otherwise.
pub fn mark_migrations(url: &str, upto: i64) {
    const KNOWN: [(i64, &str); 9] = [
        (28, "create_tokens"),
        (60, "upgrade_jobs_v6.0"),
        (66, "upgrade_posts_v6.0"),
        (68, "upgrade_teammembers_v6.1"),
        (90, "create_enums"),
        (92, "add_createat_to_teamembers"),
        (105, "remove_tokens"),
        (115, "user_reporting_changes"),
        (127, "add_mfa_used_ts_to_users"),
    ];
    let conn = Conn::connect(url);
    conn.execute(
        "INSERT INTO db_migrations (version, name)
         SELECT v, 'migration_' || lpad(v::text, 6, '0')
         FROM generate_series(1::bigint, $1::bigint) AS v
         WHERE v <> 110
         ON CONFLICT (version) DO NOTHING",
        &[&upto],
    );
    for (version, name) in KNOWN {
        conn.execute(
            "UPDATE db_migrations SET name = $2 WHERE version = $1",
            &[&version, &name],
        );
    }
}
