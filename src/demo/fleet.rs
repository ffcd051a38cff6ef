//! `mmops demo --fleet N`: N demo servers of different versions and health, and a config file
//! with a profile for each, for the fleet view. One in five of them is down, one rate limits,
//! one has a plugin failing, one a licence that has expired, one has nothing wrong.

use std::path::PathBuf;

use super::{DemoError, DemoOptions, DemoServer, world};

const VERSIONS: [&str; 5] = ["11.4.4", "10.11.8", "11.2.2", "10.5.14", "9.11.17"];
const NAMES: [&str; 10] = [
    "prod-eu",
    "prod-us",
    "staging",
    "dr",
    "customer-a",
    "customer-b",
    "lab",
    "apac",
    "edu",
    "gov",
];

/// What a member of the demo fleet is like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Healthy,
    Down,
    RateLimited,
    FailingPlugin,
    ExpiredLicence,
}

impl Kind {
    fn of(index: usize) -> Self {
        match index % 5 {
            0 => Kind::Healthy,
            1 => Kind::Down,
            2 => Kind::RateLimited,
            3 => Kind::FailingPlugin,
            _ => Kind::ExpiredLicence,
        }
    }
}

pub struct DemoFleet {
    /// The servers that run (the one that is down has none), with their profile names.
    pub servers: Vec<(String, DemoServer)>,
    /// The config file with a profile per member, and the token files beside it.
    pub config_file: PathBuf,
    pub dir: tempfile::TempDir,
}

/// A profile name for member `index`: `prod-eu`, ... then `prod-eu-2`.
fn name(index: usize) -> String {
    let base = NAMES[index % NAMES.len()];
    match index / NAMES.len() {
        0 => base.to_string(),
        round => format!("{base}-{}", round + 1),
    }
}

pub async fn start(count: usize, now_ms: Option<i64>) -> Result<DemoFleet, DemoError> {
    let dir = tempfile::Builder::new()
        .prefix("mmops-demo-fleet-")
        .tempdir()
        .map_err(|error| DemoError::HostDir {
            path: std::env::temp_dir(),
            error,
        })?;
    let host_error = |error| DemoError::HostDir {
        path: dir.path().to_path_buf(),
        error,
    };
    let mut config = String::from(
        "# The demo fleet: one profile per demo server (written by mmops demo --fleet)\n",
    );
    let mut servers = Vec::new();
    for index in 0..count {
        let name = name(index);
        let kind = Kind::of(index);
        let url = if kind == Kind::Down {
            // A port nothing listens on: taken, then given back.
            let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).map_err(host_error)?;
            let port = listener.local_addr().map_err(host_error)?.port();
            drop(listener);
            let token = dir.path().join(format!("{name}.token"));
            crate::fsutil::write_private_atomic(&token, b"demo-token-of-a-server-that-is-down")
                .map_err(host_error)?;
            format!("http://127.0.0.1:{port}")
        } else {
            let server = DemoServer::start(DemoOptions {
                seed: index as u64 + 1,
                now_ms,
                live_logs: false,
                healthy: kind == Kind::Healthy,
                version: Some(VERSIONS[index % VERSIONS.len()].to_string()),
                faults: (kind == Kind::RateLimited).then(|| "*=429:30".to_string()),
                ..DemoOptions::default()
            })
            .await?;
            if kind == Kind::ExpiredLicence
                && let Ok(mut world) = server.shared().world.write()
            {
                world.license.expires_at = world.now_ms - 12 * world::DAY_MS;
            }
            let url = server.url.clone();
            let token = dir.path().join(format!("{name}.token"));
            crate::fsutil::write_private_atomic(&token, server.token.as_bytes())
                .map_err(host_error)?;
            servers.push((name.clone(), server));
            url
        };
        let token = dir.path().join(format!("{name}.token"));
        config.push_str(&format!(
            "\n[profiles.{name}]\nurl = \"{url}\"\ntoken_file = \"{}\"\n",
            token.display()
        ));
    }
    let config_file = dir.path().join("config.toml");
    crate::fsutil::write_private_atomic(&config_file, config.as_bytes()).map_err(host_error)?;
    Ok(DemoFleet {
        servers,
        config_file,
        dir,
    })
}
