//! Opening support packets of every era, built here by hand from the layouts the reference
//! describes (not by mmops' writer): the flat 9.x packet, the 10.5 split, the 10.10 node
//! folders of a cluster; mmops' own packet; and hostile zips. The doctor runs over each.

use std::io::Write;
use std::path::{Path, PathBuf};

use mmops::doctor::from_packet::facts;
use mmops::doctor::rule::FactKind;
use mmops::doctor::{Diagnosis, Selection, diagnose};
use mmops::packet::open::{Layout, OpenError, Packet};
use zip::write::SimpleFileOptions;

use crate::common::binary::{mmops, text};

/// 2025-06-01 00:00 UTC, for packets without metadata.
const THEN_MS: i64 = 1_748_736_000_000;

fn write_zip(path: &Path, files: &[(&str, &[u8])]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = SimpleFileOptions::default();
    for (name, body) in files {
        zip.start_file(*name, options).unwrap();
        zip.write_all(body).unwrap();
    }
    zip.finish().unwrap();
}

fn log_line(ts: &str, level: &str, msg: &str) -> String {
    format!(
        "{{\"timestamp\":\"{ts}\",\"level\":\"{level}\",\"msg\":\"{msg}\",\"caller\":\"app/x.go:1\"}}\n"
    )
}

fn config(extra: &str) -> String {
    format!(
        r#"{{
    "ServiceSettings": {{
        "SiteURL": "https://chat.example.com",
        "EnableDeveloper": false,
        "EnableLocalMode": false,
        "EnableSecurityFixAlert": true
    }},
    "SqlSettings": {{
        "DriverName": "postgres",
        "DataSource": "********************************",
        "MaxOpenConns": 300
    }},
    "RateLimitSettings": {{ "Enable": {extra} }},
    "LogSettings": {{ "EnableFile": true, "FileLevel": "INFO", "ConsoleLevel": "INFO" }}
}}"#
    )
}

fn diagnose_packet(path: &Path) -> (Packet, Diagnosis) {
    let packet = Packet::open(path).unwrap();
    let facts = facts(&packet, THEN_MS);
    let diagnosis = diagnose(&facts, &Selection::default());
    (packet, diagnosis)
}

fn fired(diagnosis: &Diagnosis) -> Vec<&'static str> {
    diagnosis.findings.iter().map(|f| f.rule.id).collect()
}

/// The 9.x packet: everything at the root, one flat support_packet.yaml (yaml.v2, lists flush,
/// jobs with `createat`), plugins.json with active/inactive, no metadata.
pub(crate) fn flat_9x(dir: &Path) -> PathBuf {
    let yaml = r#"server_os: linux
server_architecture: amd64
server_version: 7.8.1
build_hash: 4b0f2f4b9c
database_type: mysql
database_version: 8.0.33
database_schema_version: "101"
websocket_connections: 12
master_db_connections: 10
read_db_connections: 0
cluster_id: ""
file_driver: local
file_status: OK
license_to: Example Corp
license_supported_users: 100
license_is_trial: "false"
active_users: 80
daily_active_users: 20
monthly_active_users: 70
inactive_user_count: 3
total_posts: 120000
total_channels: 40
total_teams: 3
data_retention_jobs: []
message_export_jobs: []
elastic_post_indexing_jobs: []
elastic_post_aggregation_jobs: []
bleve_post_indexin_jobs: []
ldap_sync_jobs:
- id: a1
  type: ldap_sync
  priority: 0
  createat: 1748700000000
  startat: 1748700001000
  lastactivityat: 1748700060000
  status: error
  progress: 0
  data:
    error: 'LDAP Result Code 49 "Invalid Credentials"'
migration_jobs: []
"#;
    let plugins = r#"{
    "active": [{"id": "playbooks", "name": "Playbooks", "version": "1.38.0"}],
    "inactive": []
}"#;
    let mut log = log_line("2025-05-31 23:00:00.000 Z", "info", "Server is starting");
    log.push_str(&log_line(
        "2025-05-31 23:10:00.000 Z",
        "error",
        "Unable to open the file: context deadline exceeded",
    ));
    let path = dir.join("mattermost_support_packet_2025-06-01-12-00.zip");
    let config = config("false").replace("\"postgres\"", "\"mysql\"");
    write_zip(
        &path,
        &[
            ("support_packet.yaml", yaml.as_bytes()),
            ("plugins.json", plugins.as_bytes()),
            ("sanitized_config.json", config.as_bytes()),
            ("mattermost.log", log.as_bytes()),
            ("notifications.log", b""),
            ("cpu.prof", b"\x1f\x8b\x08\x00"),
            ("goroutines", b"goroutine 1 [running]:\n"),
        ],
    );
    path
}

/// The 10.5 split: metadata.yaml, diagnostics.yaml version 1 (yaml.v3, lists indented),
/// stats.yaml, jobs.yaml with formatted times, permissions.yaml, plugins.json with
/// enabled/disabled, a config with FeatureFlags last.
pub(crate) fn split_105(dir: &Path) -> PathBuf {
    let metadata = "version: 1\ntype: support-packet\ngenerated_at: 1748736000000\nserver_version: 10.5.2\nserver_id: 8fqrzj1ucjyxpcbxgcn4nr1gpr\nlicense_id: \"\"\ncustomer_id: \"\"\n";
    let diagnostics = r#"version: 1
license:
    company: ""
    users: 0
    sku_short_name: ""
server:
    os: linux
    architecture: amd64
    hostname: chat-1
    version: 10.5.2
    build_hash: 0c1d
    installation_type: deb
config:
    store_type: file:///opt/mattermost/config/config.json
database:
    type: postgres
    version: "13.14"
    schema_version: "130"
    master_connections: 20
    replica_connections: 0
    search_connections: 0
file_store:
    file_status: OK
    file_driver: local
websocket:
    connections: 50
cluster:
    id: ""
    number_of_nodes: 0
ldap: {}
elastic: {}
"#;
    let stats = "registered_users: 3000\nactive_users: 2900\ndaily_active_users: 600\nmonthly_active_users: 2000\ndeactivated_users: 100\nguests: 0\nbot_accounts: 4\nposts: 3100000\nchannels: 400\nteams: 12\nslash_commands: 0\nincoming_webhooks: 2\noutgoing_webhooks: 0\n";
    let jobs = r#"ldap_sync_jobs: []
data_retention_jobs:
    - id: dr1
      type: data_retention
      priority: 0
      create_at: "2025-05-31T02:00:00.217Z"
      start_at: "2025-05-31T02:00:01.001Z"
      last_activity_at: "2025-05-31T02:10:00.000Z"
      status: success
      progress: 100
      data: {}
message_export_jobs: []
elastic_post_indexing_jobs: []
elastic_post_aggregation_jobs: []
bleve_post_indexin_jobs: []
migration_jobs: []
"#;
    let permissions = "roles:\n    - id: r1\n      name: system_user\n      permissions:\n        - create_team\nschemes: []\n";
    let plugins = r#"{"enabled": [{"id": "com.mattermost.calls", "name": "Calls", "version": "1.5.0"}], "disabled": []}"#;
    let config = config("true").replace(
        "\n}",
        ",\n    \"FeatureFlags\": {\"TestFeature\": \"off\"}\n}",
    );
    let log = log_line(
        "2025-05-31 22:00:00.000 Z",
        "error",
        "accept tcp [::]:8065: accept4: too many open files",
    );
    let path = dir.join("mm_support_packet_Example_2025-06-01T00-00.zip");
    write_zip(
        &path,
        &[
            ("metadata.yaml", metadata.as_bytes()),
            ("diagnostics.yaml", diagnostics.as_bytes()),
            ("stats.yaml", stats.as_bytes()),
            ("jobs.yaml", jobs.as_bytes()),
            ("permissions.yaml", permissions.as_bytes()),
            ("plugins.json", plugins.as_bytes()),
            ("sanitized_config.json", config.as_bytes()),
            ("mattermost.log", log.as_bytes()),
            (
                "com.mattermost.calls/diagnostics.yaml",
                b"version: 1.5.0\ntotal_calls: 3\n",
            ),
        ],
    );
    path
}

/// The 10.10+ cluster: cluster-wide files at the root, a folder per node (its hostname) with
/// diagnostics.yaml v2, its config and its logs; a plugin's folder beside them.
pub(crate) fn nodes_1010(dir: &Path) -> PathBuf {
    let diagnostics = |host: &str| {
        format!(
            "version: 2\nlicense:\n    company: Example Corp\n    users: 500\n    sku_short_name: enterprise\nserver:\n    os: linux\n    architecture: amd64\n    hostname: {host}\n    version: 10.11.3\ndatabase:\n    type: postgres\n    version: \"16.4\"\n    schema_version: \"140\"\nfile_store:\n    file_status: OK\n    file_driver: amazons3\nwebsocket:\n    connections: 80\ncluster:\n    id: c1\n    number_of_nodes: 2\nelastic:\n    server_version: 8.15.0\n    server_plugins:\n        - analysis-kuromoji\n"
        )
    };
    let metadata = "version: 1\ntype: support-packet\ngenerated_at: 1748736000000\nserver_version: 10.11.3\nserver_id: 8fqrzj1ucjyxpcbxgcn4nr1gpr\nlicense_id: l1\ncustomer_id: c1\n";
    let stats = "active_users: 400\nposts: 90000\nteams: 5\n";
    let jobs = "ldap_sync_jobs: []\nmigration_jobs: []\n";
    let plugins = r#"{"enabled": [], "disabled": []}"#;
    let a = config("true");
    // The second node still has rate limiting off: its config differs.
    let b = config("false");
    let es = a.replace(
        "\"RateLimitSettings\"",
        "\"ElasticsearchSettings\": { \"EnableIndexing\": true, \"LiveIndexingBatchSize\": 10 },\n    \"RateLimitSettings\"",
    );
    let b = b.replace(
        "\"RateLimitSettings\"",
        "\"ElasticsearchSettings\": { \"EnableIndexing\": true, \"LiveIndexingBatchSize\": 10 },\n    \"RateLimitSettings\"",
    );
    let log_a = log_line(
        "2025-05-31 21:00:00.000 Z",
        "error",
        "websocket: bad handshake",
    );
    let log_b = log_line("2025-05-31 21:00:01.000 Z", "info", "Server is starting");
    let path = dir.join("mm_support_packet_Example_Corp_2025-06-01T00-00.zip");
    write_zip(
        &path,
        &[
            ("metadata.yaml", metadata.as_bytes()),
            ("stats.yaml", stats.as_bytes()),
            ("jobs.yaml", jobs.as_bytes()),
            ("permissions.yaml", b"roles: []\nschemes: []\n"),
            ("plugins.json", plugins.as_bytes()),
            ("mm-a/diagnostics.yaml", diagnostics("mm-a").as_bytes()),
            ("mm-a/sanitized_config.json", es.as_bytes()),
            ("mm-a/mattermost.log", log_a.as_bytes()),
            ("mm-a/cpu.prof", b"\x1f\x8b"),
            ("mm-b/diagnostics.yaml", diagnostics("mm-b").as_bytes()),
            ("mm-b/sanitized_config.json", b.as_bytes()),
            ("mm-b/mattermost.log", log_b.as_bytes()),
            (
                "playbooks/diagnostics.yaml",
                b"version: 2.0.1\ntotal_playbooks: 4\n",
            ),
        ],
    );
    path
}

#[test]
fn a_9x_packet_opens_and_the_doctor_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let (packet, diagnosis) = diagnose_packet(&flat_9x(dir.path()));
    assert_eq!(packet.layout, Layout::Flat);
    assert!(packet.problems.is_empty(), "{:?}", packet.problems);
    let ids = fired(&diagnosis);
    for id in [
        "database-not-postgres",
        "version-unsupported",
        "job-ldap-sync-failed",
        "context-deadline-exceeded",
        "rate-limiter-off",
    ] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    // What a packet cannot say is not checked, with the reason.
    let reason = |id: &str| {
        diagnosis
            .not_checked
            .iter()
            .find(|(r, _)| r.id == id)
            .map(|(_, m)| m.clone())
            .unwrap_or_else(|| panic!("{id} was checked"))
    };
    assert_eq!(reason("plugin-failing").fact, FactKind::Plugins);
    assert!(reason("license-expiring").reason.contains("expiry"));
    assert_eq!(reason("runs-as-root").fact, FactKind::Host);
}

#[test]
fn a_105_packet_opens_with_its_split_files() {
    let dir = tempfile::tempdir().unwrap();
    let (packet, diagnosis) = diagnose_packet(&split_105(dir.path()));
    assert_eq!(packet.layout, Layout::Split);
    assert_eq!(packet.nodes.len(), 1, "the plugin's folder is not a node");
    assert_eq!(packet.generated_at_ms(), Some(1_748_736_000_000));
    let ids = fired(&diagnosis);
    for id in [
        "posts-without-elasticsearch",
        "too-many-open-files",
        "postgres-too-old",
    ] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    // The jobs were read (formatted times), and the last data retention run succeeded.
    assert!(
        diagnosis
            .passed
            .iter()
            .any(|r| r.id == "job-data-retention-failed")
    );
    assert!(!ids.contains(&"rate-limiter-off"));
}

#[test]
fn a_1010_cluster_packet_opens_every_node() {
    let dir = tempfile::tempdir().unwrap();
    let (packet, diagnosis) = diagnose_packet(&nodes_1010(dir.path()));
    assert_eq!(packet.layout, Layout::NodeFolders);
    let names: Vec<&str> = packet.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, vec!["mm-a", "mm-b"]);
    let ids = fired(&diagnosis);
    for id in [
        "cluster-config-drift",
        "websocket-failures",
        "elasticsearch-icu-missing",
    ] {
        assert!(ids.contains(&id), "{id}: {ids:?}");
    }
    assert!(!ids.contains(&"cluster-version-drift"));
}

#[test]
fn mmops_own_packet_opens_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let served = crate::common::binary::serve(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let output = mmops(dir.path())
        .args([
            "--url",
            &served.url,
            "--mm-home",
            &served.host_dir,
            "packet",
            "-o",
        ])
        .arg(&out)
        .env("MMOPS_TOKEN", &served.token)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output).1);
    let zip = std::fs::read_dir(&out)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let (packet, diagnosis) = diagnose_packet(&zip);
    assert_eq!(packet.layout, Layout::Mmops);
    assert!(fired(&diagnosis).contains(&"rate-limiter-off"));
    // Today's files beside the flat one: the doctor reads the jobs from jobs.yaml.
    for part in [
        "diagnostics.yaml",
        "stats.yaml",
        "jobs.yaml",
        "support_packet.yaml",
    ] {
        assert!(
            packet.parts.contains_key(part) || packet.diagnostics().is_some(),
            "{part}"
        );
    }
    assert!(
        fired(&diagnosis).contains(&"job-ldap-sync-failed"),
        "{:?}",
        fired(&diagnosis)
    );
    assert!(!fired(&diagnosis).contains(&"cluster-config-drift"));
    // Every node's log is there to read, this host's every log file among them.
    assert!(packet.nodes.iter().filter(|n| !n.logs.is_empty()).count() >= 2);
    let host = mmops::host::hostname();
    let here = packet
        .nodes
        .iter()
        .find(|n| n.name == host)
        .unwrap_or_else(|| panic!("no folder for {host}: {:?}", packet.nodes));
    let names: Vec<&str> = here.logs.iter().map(|(name, _)| name.as_str()).collect();
    for log in ["mattermost.log", "audit.log", "ldap.log"] {
        assert!(
            names.contains(&format!("{host}/{log}").as_str()),
            "{names:?}"
        );
    }

    // Privacy mode reaches the job errors as it reaches the logs.
    let private = dir.path().join("private");
    std::fs::create_dir_all(&private).unwrap();
    let output = mmops(dir.path())
        .args(["--url", &served.url, "packet", "--privacy", "-o"])
        .arg(&private)
        .env("MMOPS_TOKEN", &served.token)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", text(&output).1);
    let zip = std::fs::read_dir(&private)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut jobs = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("jobs.yaml").unwrap(), &mut jobs).unwrap();
    assert!(jobs.contains("ldap_sync"), "{jobs}");
    assert!(!jobs.contains("10.20.0.30"), "{jobs}");
}

#[test]
fn hostile_zips_are_refused_or_opened_in_part() {
    let dir = tempfile::tempdir().unwrap();
    // Not a zip at all, and a zip cut short.
    let junk = dir.path().join("junk.zip");
    std::fs::write(&junk, b"this is not a zip").unwrap();
    assert!(matches!(
        Packet::open(&junk),
        Err(OpenError::NotAZip { .. })
    ));
    let whole = split_105(dir.path());
    let bytes = std::fs::read(&whole).unwrap();
    let cut = dir.path().join("cut.zip");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let err = Packet::open(&cut).unwrap_err();
    assert!(err.to_string().contains("cut short"), "{err}");

    // Names that climb out or start at the root are left out; the rest opens.
    let evil = dir.path().join("evil.zip");
    let config = config("true");
    write_zip(
        &evil,
        &[
            ("../../etc/cron.d/evil", b"* * * * * root sh"),
            ("/etc/passwd", b"root:x:0:0"),
            ("sanitized_config.json", config.as_bytes()),
            ("stats.yaml", b"posts: [unclosed\n"),
        ],
    );
    let packet = Packet::open(&evil).unwrap();
    assert_eq!(packet.problems.len(), 3, "{:?}", packet.problems);
    assert!(
        packet
            .problems
            .iter()
            .any(|p| p.part == "stats.yaml" && p.message.contains("not valid YAML"))
    );
    assert!(
        packet
            .problems
            .iter()
            .any(|p| p.message.contains("outside the packet"))
    );
    assert!(packet.config().is_some());
    assert!(!dir.path().join("etc").exists() && !Path::new("/etc/cron.d/evil").exists());

    // Entries that claim to unpack to far more than the file could hold: a zip bomb.
    let bomb = dir.path().join("bomb.zip");
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for i in 0..20 {
        files.push((format!("part{i}.log"), vec![b'a'; 100]));
    }
    let named: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_zip(&bomb, &named);
    let mut bytes = std::fs::read(&bomb).unwrap();
    let mut at = 0;
    while let Some(pos) = bytes[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let header = at + pos;
        // The uncompressed size in the central directory: 4 GB each.
        bytes[header + 24..header + 28].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        at = header + 4;
    }
    std::fs::write(&bomb, &bytes).unwrap();
    let err = Packet::open(&bomb).unwrap_err();
    assert!(matches!(err, OpenError::Refused { .. }), "{err}");
    assert!(
        err.to_string().contains("zip bomb") || err.to_string().contains("more than"),
        "{err}"
    );
}

#[test]
fn the_doctor_command_reads_a_packet() {
    let dir = tempfile::tempdir().unwrap();
    let zip = nodes_1010(dir.path());
    let output = mmops(dir.path())
        .args(["doctor", "--packet"])
        .arg(&zip)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(1), "{out}{err}");
    assert!(
        out.starts_with("mmops doctor: packet mm_support_packet_Example_Corp"),
        "{out}"
    );
    assert!(out.contains("10.10+ layout"), "{out}");
    let junk = dir.path().join("junk.zip");
    std::fs::write(&junk, b"nope").unwrap();
    let output = mmops(dir.path())
        .args(["doctor", "--packet"])
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    assert!(text(&output).1.contains("not a zip file"));
}

/// Two 10.5 packets of one server a week apart: the diff says what changed.
#[test]
fn two_packets_are_compared() {
    let dir = tempfile::tempdir().unwrap();
    let packet = |name: &str,
                  version: &str,
                  rate: &str,
                  calls: &str,
                  posts: u32,
                  retention: &str,
                  log: &str| {
        let path = dir.path().join(name);
        let metadata = format!(
            "version: 1\ntype: support-packet\ngenerated_at: 1748736000000\nserver_version: {version}\nserver_id: 8fqrzj1ucjyxpcbxgcn4nr1gpr\n"
        );
        let diagnostics = format!("version: 1\nserver:\n    os: linux\n    version: {version}\n");
        let stats = format!("active_users: 100\nposts: {posts}\nteams: 3\n");
        let jobs = format!(
            "data_retention_jobs:\n    - id: j1\n      type: data_retention\n      create_at: 1748700000000\n      status: {retention}\n      data:\n        error: statement timeout\n"
        );
        let plugins = format!(
            r#"{{"enabled": [{{"id": "com.mattermost.calls", "version": "{calls}"}}], "disabled": []}}"#
        );
        let config = config(rate);
        write_zip(
            &path,
            &[
                ("metadata.yaml", metadata.as_bytes()),
                ("diagnostics.yaml", diagnostics.as_bytes()),
                ("stats.yaml", stats.as_bytes()),
                ("jobs.yaml", jobs.as_bytes()),
                ("plugins.json", plugins.as_bytes()),
                ("sanitized_config.json", config.as_bytes()),
                ("mattermost.log", log.as_bytes()),
            ],
        );
        path
    };
    let old_log = log_line("2025-05-31 22:00:00.000 Z", "info", "Server is starting");
    let mut new_log = old_log.clone();
    for ip in ["10.0.0.5", "10.0.0.6", "10.0.0.7"] {
        new_log.push_str(&log_line(
            "2025-06-07 22:00:00.000 Z",
            "error",
            &format!("dial tcp {ip}:5432: i/o timeout"),
        ));
    }
    let a = packet(
        "a.zip", "10.5.2", "true", "1.5.0", 1000, "success", &old_log,
    );
    let b = packet("b.zip", "10.6.0", "false", "1.6.0", 1500, "error", &new_log);
    let output = mmops(dir.path())
        .args(["packet", "diff"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{err}");
    for expected in [
        "version 10.5.2 → 10.6.0",
        "~ RateLimitSettings.Enable: true → false",
        "~ com.mattermost.calls 1.5.0 → 1.6.0",
        "posts 1000 → 1500 (+500)",
        "data_retention: statement timeout",
        "       3  ERROR  dial tcp <ip>:#: i/o timeout",
    ] {
        assert!(out.contains(expected), "{expected}:\n{out}");
    }
    assert!(!out.contains("Server is starting"), "{out}");
    let output = mmops(dir.path())
        .args(["packet", "diff", "--json"])
        .arg(&a)
        .arg(&b)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        doc["difference"]["version"],
        serde_json::json!(["10.5.2", "10.6.0"])
    );
    assert_eq!(doc["difference"]["new_patterns"][0][1], 3);
}

/// `mmops demo --write-packet`: a packet of each era from the demo's world, each opened as its
/// layout, read by the doctor, and holding none of the config's secrets.
#[tokio::test]
async fn sample_packets_of_every_layout() {
    use mmops::demo::support_packet::{PacketLayout, build_zip, node_logs, packet_files};
    let server = crate::common::demo().await;
    let shared = server.shared();
    let logs = node_logs(shared);
    let dir = tempfile::tempdir().unwrap();
    let (zips, secrets) = {
        let world = shared.world.read().unwrap();
        let data_source = world.config["SqlSettings"]["DataSource"]
            .as_str()
            .unwrap()
            .to_string();
        let password = data_source
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('@'))
            .and_then(|(info, _)| info.split_once(':'))
            .map(|(_, password)| password.to_string())
            .unwrap();
        let google = world.config["ServiceSettings"]["GoogleDeveloperKey"]
            .as_str()
            .unwrap()
            .to_string();
        let zips: Vec<(PacketLayout, PathBuf)> = PacketLayout::ALL
            .iter()
            .map(|layout| {
                let files = packet_files(&world, crate::common::NOW_MS, *layout, &logs);
                let path = dir.path().join(format!("{}.zip", layout.name()));
                std::fs::write(&path, build_zip(&files).unwrap()).unwrap();
                (*layout, path)
            })
            .collect();
        (zips, (password, google))
    };
    let (password, google) = secrets;
    for (layout, path) in zips {
        let packet = Packet::open(&path).unwrap();
        let expected = match layout {
            PacketLayout::Flat => Layout::Flat,
            PacketLayout::Split => Layout::Split,
            PacketLayout::NodeFolders | PacketLayout::Current => Layout::NodeFolders,
        };
        assert_eq!(packet.layout, expected, "{}", layout.name());
        assert!(packet.problems.is_empty(), "{:?}", packet.problems);
        let diagnosis = diagnose(&facts(&packet, THEN_MS), &Selection::default());
        assert!(
            fired(&diagnosis).contains(&"rate-limiter-off"),
            "{}: {:?}",
            layout.name(),
            fired(&diagnosis)
        );
        assert!(packet.nodes.iter().any(|n| !n.logs.is_empty()));
        // The server masks the database password in every era...
        let mut archive = zip::ZipArchive::new(std::fs::File::open(&path).unwrap()).unwrap();
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut bytes).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains(password.as_str()), "{:?}", entry.name());
        }
        // ...but an 11.4 server leaves GoogleDeveloperKey (masked from 11.6): what mmops shows
        // of the packet is sanitized again.
        let doc = mmops::packet::shown::config_doc(&packet).unwrap();
        assert!(!doc.config.to_string().contains(google.as_str()));
    }
}

#[test]
fn the_demo_writes_sample_packets() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("samples");
    let output = mmops(dir.path())
        .args(["demo", "--write-packet"])
        .arg(&out)
        .args(["--layout", "10.5"])
        .output()
        .unwrap();
    let (stdout, err) = text(&output);
    assert!(output.status.success(), "{err}");
    assert!(stdout.starts_with("10.5 "), "{stdout}");
    let zip = std::fs::read_dir(out.join("layout-10.5"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    assert_eq!(Packet::open(&zip).unwrap().layout, Layout::Split);
}

/// `--live`: a packet against the server as it is now.
#[test]
fn a_packet_is_compared_with_the_live_server() {
    let dir = tempfile::tempdir().unwrap();
    let zip = split_105(dir.path());
    let served = crate::common::binary::serve(dir.path());
    let output = mmops(dir.path())
        .args(["--url", &served.url, "packet", "diff", "--live"])
        .arg(&zip)
        .env("MMOPS_TOKEN", &served.token)
        .output()
        .unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{err}");
    assert!(out.contains(&format!("B: {} (now)", served.url)), "{out}");
    // The packet's 10.5.2 against the demo's 11.4.4.
    assert!(out.contains("version 10.5.2 → 11.4.4"), "{out}");
    let output = mmops(dir.path())
        .args(["packet", "diff", "--live"])
        .arg(&zip)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(text(&output).1.contains("--live compares with a server"));
}
