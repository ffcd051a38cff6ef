//! One canary suite over the whole product. The demo server is given a config with a canary in
//! every place Mattermost keeps a secret (and in plugin settings marked secret), mmops is given
//! a database URL with a canary password, and the admin's token is a secret too. Then every tab,
//! view and dialog is rendered, every copy, export, snapshot, ledger and packet is written, and
//! the headless commands run with mmops' own log at its most verbose level. No canary, in whole
//! or in part, may appear in any of it.

use std::io::Read;
use std::path::Path;

use crate::common::binary::{mmops, serve_with, text};
use crate::common::*;
use mmops::demo::DemoOptions;
use mmops::host::{HomeOrigin, MmHome};
use mmops::secret::Secret;
use mmops::tui::tabs::invites::InvitesLaunch;
use mmops::tui::testing::Harness;
use serde_json::{Value, json};

/// Every secret a Mattermost config can hold, by path; plugin settings are under
/// `PluginSettings.Plugins.<id>.<key in lower case>`, as the server stores them.
const SECRET_PATHS: &[&str] = &[
    "SqlSettings.AtRestEncryptKey",
    "FileSettings.PublicLinkSalt",
    "FileSettings.AmazonS3SecretAccessKey",
    "FileSettings.ExportAmazonS3SecretAccessKey",
    "EmailSettings.SMTPPassword",
    "LdapSettings.BindPassword",
    "GitLabSettings.Secret",
    "GoogleSettings.Secret",
    "Office365Settings.Secret",
    "OpenIdSettings.Secret",
    "ElasticsearchSettings.Password",
    "ServiceSettings.GoogleDeveloperKey",
    "ServiceSettings.GiphySdkKey",
    "MessageExportSettings.GlobalRelaySettings.SMTPPassword",
    "CacheSettings.RedisPassword",
    "PluginSettings.Plugins.github.githuboauthclientsecret",
    "PluginSettings.Plugins.github.webhooksecret",
    "PluginSettings.Plugins.github.encryptionkey",
    "PluginSettings.Plugins.jira.secret",
    "PluginSettings.Plugins.zoom.apisecret",
    "PluginSettings.Plugins.com.mattermost.calls.turnstaticauthsecret",
];

struct Canaries {
    run: String,
    values: Vec<(String, String)>,
}

impl Canaries {
    fn new() -> Self {
        let run = format!("{:08x}", std::process::id() ^ 0x5eed_cafe);
        Self {
            run,
            values: Vec::new(),
        }
    }

    fn add(&mut self, what: &str) -> String {
        let value = format!("CANARY{}x{}", self.values.len(), self.run);
        self.values.push((what.to_string(), value.clone()));
        value
    }

    /// Each leak, named with where it was found. The run's tag alone counts as a leak: part of
    /// a secret is a leak.
    fn leaks_in(&self, place: &str, text: &str, leaks: &mut Vec<String>) {
        if text.contains(&self.run) {
            let what = self
                .values
                .iter()
                .find(|(_, value)| text.contains(value.as_str()))
                .map_or("part of a canary", |(what, _)| what.as_str());
            leaks.push(format!("{what} in {place}"));
        }
    }
}

/// Sets `path` (dots, but a plugin id may hold dots too) in the config, making objects on the
/// way.
fn set_path(config: &mut Value, path: &str, value: Value) {
    let parts: Vec<&str> = match path.strip_prefix("PluginSettings.Plugins.") {
        Some(rest) => {
            let (id, key) = rest.rsplit_once('.').unwrap();
            vec!["PluginSettings", "Plugins", id, key]
        }
        None => path.split('.').collect(),
    };
    let mut node = config;
    for part in &parts[..parts.len() - 1] {
        if !node.get(*part).is_some_and(Value::is_object) {
            node[*part] = json!({});
        }
        node = node.get_mut(*part).unwrap();
    }
    node[parts[parts.len() - 1]] = value;
}

fn plant(config: &mut Value, canaries: &mut Canaries) {
    for path in SECRET_PATHS {
        let value = canaries.add(path);
        set_path(config, path, json!(value));
    }
    let user = canaries.add("SqlSettings.DataSource user");
    let password = canaries.add("SqlSettings.DataSource password");
    config["SqlSettings"]["DataSource"] = json!(format!(
        "postgres://{user}:{password}@db.internal:5432/mattermost?sslmode=disable"
    ));
    let replica = canaries.add("SqlSettings.DataSourceReplicas password");
    config["SqlSettings"]["DataSourceReplicas"] = json!([format!(
        "postgres://mmuser:{replica}@replica.internal/mattermost"
    )]);
    let search = canaries.add("SqlSettings.DataSourceSearchReplicas password");
    config["SqlSettings"]["DataSourceSearchReplicas"] = json!([format!(
        "postgres://mmuser:{search}@search.internal/mattermost"
    )]);
}

/// Every file under `dir`, zips opened: (where, text).
fn contents_under(dir: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(path) = stack.pop() {
        if path.is_dir() {
            for entry in std::fs::read_dir(&path).unwrap() {
                stack.push(entry.unwrap().path());
            }
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        out.push((name.clone(), String::from_utf8_lossy(&bytes).into_owned()));
        if name.ends_with(".zip") {
            let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            for i in 0..archive.len() {
                let mut entry = archive.by_index(i).unwrap();
                let mut data = Vec::new();
                entry.read_to_end(&mut data).unwrap();
                out.push((
                    format!("{name}:{}", entry.name().unwrap()),
                    String::from_utf8_lossy(&data).into_owned(),
                ));
            }
        }
    }
    out
}

/// Decodes the base64 payload of OSC 52 copies, so a copied secret cannot hide in it.
fn decode_osc52(bytes: &str) -> String {
    let payload = bytes
        .rsplit(';')
        .next()
        .unwrap_or("")
        .trim_end_matches(['\u{7}', '\\', '\u{1b}']);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in payload.bytes() {
        let Some(v) = alphabet.iter().position(|a| *a == c) else {
            continue;
        };
        bits = (bits << 6) | v as u32;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Screens {
    all: Vec<(String, String)>,
}

impl Screens {
    fn take(&mut self, h: &mut Harness, what: &str) {
        for (w, hgt) in [(80, 24), (120, 40), (200, 50)] {
            self.all
                .push((format!("{what} at {w}x{hgt}"), h.render_text(w, hgt)));
        }
        for bytes in h.terminal_output() {
            self.all
                .push((format!("a copy after {what}"), decode_osc52(&bytes)));
        }
    }
}

#[tokio::test]
async fn no_canary_reaches_a_screen_a_copy_a_file_or_a_packet() {
    let mut canaries = Canaries::new();
    let host = tempfile::tempdir().unwrap();
    let server = demo_with_config(
        host.path(),
        |config| plant(config, &mut canaries),
        DemoOptions::default(),
    )
    .await;
    let token_canary = server.token.clone();
    let db_password = canaries.add("the --db-url password");

    let out = tempfile::tempdir().unwrap();
    let mut launch = launch(Some(admin(&server)), "DEMO");
    launch.mm_home = Some(MmHome::new(server.host_dir.clone(), HomeOrigin::Flag));
    launch.packet_dir = out.path().join("packets");
    launch.snapshot_dir = out.path().join("snapshots");
    launch.invites = InvitesLaunch {
        ledger: Some(out.path().join("ledger.sqlite")),
        data_dir: Some(out.path().join("data")),
        db_url: Some(Secret::new(format!(
            "postgres://mmuser:{db_password}@127.0.0.1:1/mattermost"
        ))),
        no_database: None,
    };
    std::fs::create_dir_all(out.path().join("packets")).unwrap();
    let mut h = Harness::start(launch);
    h.settle().await;
    let mut screens = Screens { all: Vec::new() };

    // Server, with every page of it.
    screens.take(&mut h, "the Server tab");
    for _ in 0..4 {
        h.press(&["ctrl-d"]).unwrap();
        screens.take(&mut h, "the Server tab, scrolled");
    }
    h.press(&["?"]).unwrap();
    screens.take(&mut h, "the help");
    h.press(&["esc"]).unwrap();

    // Plugins: every plugin in full, scrolled to its end.
    h.press(&["2"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the Plugins tab");
    for i in 0..8 {
        h.press(&["enter"]).unwrap();
        screens.take(&mut h, &format!("plugin {i} in full"));
        for _ in 0..3 {
            h.press(&["ctrl-d"]).unwrap();
            screens.take(&mut h, &format!("plugin {i} in full, scrolled"));
        }
        h.press(&["esc", "j"]).unwrap();
    }

    // Config: each secret found by search and copied, every view, every page, a snapshot and
    // a comparison with the raw config.json (full of canaries) of the install.
    h.press(&["4"]).unwrap();
    h.settle().await;
    for path in SECRET_PATHS
        .iter()
        .copied()
        .chain(["DataSource", "DataSourceReplicas"])
    {
        let key = path.rsplit('.').next().unwrap();
        h.press(&["/"]).unwrap();
        h.type_text(key);
        h.press(&["enter"]).unwrap();
        h.press(&["y"]).unwrap();
        screens.take(&mut h, &format!("the config searched for {key}"));
        h.press(&["esc"]).unwrap();
    }
    for view in 0..3 {
        for page in 0..40 {
            h.press(&["ctrl-d"]).unwrap();
            if page % 4 == 0 {
                screens.take(&mut h, &format!("config view {view}, page {page}"));
            }
        }
        h.press(&["v"]).unwrap();
        h.settle().await;
    }
    h.press(&["S"]).unwrap();
    h.settle().await;
    h.press(&["c", "ctrl-u"]).unwrap();
    h.type_text(
        &server
            .host_dir
            .join("config/config.json")
            .display()
            .to_string(),
    );
    h.press(&["enter"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the comparison with config.json");
    for _ in 0..10 {
        h.press(&["ctrl-d"]).unwrap();
        screens.take(&mut h, "the comparison, scrolled");
    }
    h.press(&["esc"]).unwrap();

    // Logs and an entry in full.
    h.press(&["3"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the Logs tab");
    h.press(&["enter"]).unwrap();
    screens.take(&mut h, "a log entry in full");
    h.press(&["y", "esc"]).unwrap();

    // Invites: the sync (whose database source fails on the canary URL), the detail, the send
    // form, the members, an export of each format.
    h.press(&["5"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the Invites tab");
    h.press(&["enter"]).unwrap();
    screens.take(&mut h, "an invitation in full");
    h.press(&["esc", "i"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the send form");
    h.press(&["esc", "esc", "m"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the members");
    h.press(&["esc"]).unwrap();
    for name in ["invites.csv", "invites.json"] {
        h.press(&["e", "ctrl-u"]).unwrap();
        h.type_text(&out.path().join(name).display().to_string());
        h.press(&["enter"]).unwrap();
        h.settle().await;
        screens.take(&mut h, &format!("the export to {name}"));
    }

    // The packet mmops builds, and the server's own.
    h.press(&["p"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the packet dialog");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the packet written");
    h.press(&["esc", "P"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the server packet dialog");
    h.press(&["enter"]).unwrap();
    h.settle().await;
    screens.take(&mut h, "the server packet saved");
    h.press(&["esc"]).unwrap();

    let written = contents_under(out.path());
    assert!(
        written
            .iter()
            .any(|(name, _)| name.contains("sanitized_config.json")),
        "no packet was written: {:?}",
        written.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    assert!(
        written
            .iter()
            .any(|(name, _)| name.ends_with("invites.json"))
    );
    assert!(
        written
            .iter()
            .any(|(name, _)| name.ends_with("ledger.sqlite"))
    );
    assert!(written.iter().any(|(name, _)| name.contains("snapshots")));

    let mut leaks = Vec::new();
    for (place, text) in screens.all.iter().chain(&written) {
        canaries.leaks_in(place, text, &mut leaks);
        if text.contains(&token_canary) {
            leaks.push(format!("the admin token in {place}"));
        }
    }
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
    // The suite itself can see: the canaries are in the install's own config.json.
    let raw = std::fs::read_to_string(server.host_dir.join("config/config.json")).unwrap();
    let mut planted = Vec::new();
    canaries.leaks_in("config.json", &raw, &mut planted);
    assert!(!planted.is_empty());
}

/// The headless commands with mmops' log at trace level: no canary in their output, their
/// errors or the log; and no command takes a token as an argument.
#[test]
fn headless_commands_and_the_verbose_log_hold_no_canary() {
    let mut canaries = Canaries::new();
    let home = tempfile::tempdir().unwrap();
    let host = home.path().join("host");
    std::fs::create_dir_all(host.join("config")).unwrap();
    // The demo writes its install, then serves the config it finds there.
    let first = serve_with(home.path(), ["--host-dir", host.to_str().unwrap()]);
    drop(first);
    let path = host.join("config/config.json");
    let mut config: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    plant(&mut config, &mut canaries);
    std::fs::write(&path, serde_json::to_vec(&config).unwrap()).unwrap();
    let served = serve_with(home.path(), ["--host-dir", host.to_str().unwrap()]);
    let db_password = canaries.add("the MMOPS_DB_URL password");
    let db_url = format!("postgres://mmuser:{db_password}@127.0.0.1:1/mattermost");
    let out = home.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let state = home.path().join("state");

    let run = |args: &[&str]| {
        let output = mmops(home.path())
            .args(["--url", &served.url, "--mm-home", host.to_str().unwrap()])
            .args(args)
            .env("MMOPS_TOKEN", &served.token)
            .env("MMOPS_DB_URL", &db_url)
            .env("MMOPS_LOG", "trace")
            .env("MMOPS_STATE_DIR", &state)
            .output()
            .unwrap();
        let (stdout, stderr) = text(&output);
        (format!("mmops {args:?}"), format!("{stdout}\n{stderr}"))
    };
    let mut outputs = vec![
        run(&["info"]),
        run(&["logs", "--since", "1h"]),
        run(&["packet", "-o", out.to_str().unwrap()]),
        run(&["invites", "sync"]),
        run(&["invites", "list", "--json"]),
        run(&["invites", "members", "--json"]),
    ];
    // A database URL given on the command line is a secret too, in every error it causes.
    let (what, said) = run(&["invites", "sync", "--db-url", &db_url]);
    assert!(said.contains("database"), "{said}");
    outputs.push((what, said));

    let mut leaks = Vec::new();
    let files = contents_under(&state)
        .into_iter()
        .chain(contents_under(&out))
        .chain(contents_under(&home.path().join("data")));
    let log = std::fs::read_to_string(state.join("mmops.log")).unwrap();
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log is not verbose: {log}"
    );
    for (place, text) in outputs.iter().chain(&files.collect::<Vec<_>>()) {
        canaries.leaks_in(place, text, &mut leaks);
        if text.contains(&served.token) {
            leaks.push(format!("the token in {place}"));
        }
    }
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));

    // There is no way to give a token as an argument, where `ps` would show it.
    let output = mmops(home.path())
        .args(["--token", "x", "info"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}
