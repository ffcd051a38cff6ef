//! Running the `mmops` binary as a user would: private config, state and data dirs, and a
//! demo server in its own process.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use serde_json::Value;

/// A command with its config, data, state and home dirs inside `dir`.
pub fn mmops(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mmops"));
    cmd.env("MMOPS_CONFIG_DIR", dir.join("config"))
        .env("MMOPS_STATE_DIR", dir.join("state"))
        .env("MMOPS_DATA_DIR", dir.join("data"))
        .env("HOME", dir)
        .env("XDG_CONFIG_HOME", dir.join("xdg"))
        .env_remove("MMOPS_TOKEN")
        .env_remove("MMOPS_CONFIG")
        .env_remove("MMOPS_PROFILE")
        .env_remove("NO_COLOR")
        .env_remove("MMOPS_DB_URL");
    cmd
}

pub fn text(output: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub struct Served {
    pub child: Child,
    pub url: String,
    pub token: String,
    pub host_dir: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A demo server whose host dir lives in `dir`: the server is killed at the end, so a temp
/// dir of its own would never be removed.
pub fn serve(dir: &Path) -> Served {
    let host = dir.join("demo-host");
    serve_with(dir, [std::ffi::OsStr::new("--host-dir"), host.as_os_str()])
}

/// [`serve`] with further `mmops demo` arguments, e.g. `--host-dir DIR` or
/// `--local-socket PATH`.
pub fn serve_with<I, S>(dir: &Path, extra: I) -> Served
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut child = mmops(dir)
        .args(["demo", "--serve", "--addr", "127.0.0.1:0", "--seed", "5"])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let banner: Value = serde_json::from_str(&first).expect("the first line is JSON");
    Served {
        url: banner["url"].as_str().unwrap().to_string(),
        token: banner["token"].as_str().unwrap().to_string(),
        host_dir: banner["host_dir"].as_str().unwrap().to_string(),
        child,
    }
}
