//! Go profiles for the packet from the server's metrics listener
//! (`MetricsSettings.ListenAddress`, `:8067` by default), as the server's own packet carries
//! them: `cpu.prof` (a CPU profile over a short window), `heap.prof` and `goroutines` (every
//! goroutine's stack, as text). The listener runs only where metrics are on (an Enterprise
//! licence) and is often reachable only from the host itself; each profile mmops cannot get is
//! named in `warning.txt` with the reason.
//!
//! The CPU profile takes its whole window, so the fetch starts with the packet's writing and
//! runs beside the logs' streaming ([`Fetch::start`], [`Fetch::finish`]).

use std::time::Duration;

use serde_json::Value;

/// The server's own packet profiles the CPU for five seconds.
pub const DEFAULT_CPU_SECONDS: u32 = 5;
/// A profile larger than this is left out (a goroutine dump of a stuck server can be huge).
const MAX_PROFILE_BYTES: usize = 64 * 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Beyond the CPU window, how long a listener may take to answer.
const ANSWER_GRACE: Duration = Duration::from_secs(15);

/// One metrics listener to ask: a node's, or the single server's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Where the node's files go in the zip: `""` at the root, or `"<node>/"`.
    pub folder: String,
    /// `http://host:port`.
    pub base: String,
}

impl Target {
    /// The listener's host, without the scheme and port.
    pub fn host(&self) -> &str {
        let rest = self.base.strip_prefix("http://").unwrap_or(&self.base);
        match rest.rsplit_once(':') {
            Some((host, _)) => host.trim_start_matches('[').trim_end_matches(']'),
            None => rest,
        }
    }
}

/// A profile as it goes into the zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub source: String,
    /// Text the server wrote (the goroutine dump): scrubbed like a log.
    pub is_text: bool,
}

/// What came back: the profiles, and one sentence for each that did not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fetched {
    pub profiles: Vec<Profile>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Cpu,
    Heap,
    Goroutines,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Cpu, Kind::Heap, Kind::Goroutines];

    fn file(self) -> &'static str {
        match self {
            Kind::Cpu => "cpu.prof",
            Kind::Heap => "heap.prof",
            Kind::Goroutines => "goroutines",
        }
    }

    fn path(self, cpu_seconds: u32) -> String {
        match self {
            Kind::Cpu => format!("/debug/pprof/profile?seconds={cpu_seconds}"),
            Kind::Heap => "/debug/pprof/heap".to_string(),
            Kind::Goroutines => "/debug/pprof/goroutine?debug=2".to_string(),
        }
    }

    /// pprof's binary profiles are gzipped protobuf; the goroutine dump is text.
    fn looks_right(self, body: &[u8]) -> bool {
        match self {
            Kind::Cpu | Kind::Heap => body.starts_with(&[0x1f, 0x8b]),
            Kind::Goroutines => body.starts_with(b"goroutine "),
        }
    }
}

/// The listeners to ask, from the config's `MetricsSettings`: each cluster node by its
/// hostname (this host's own node at 127.0.0.1), or the single server at the API's host (or
/// 127.0.0.1 when mmops reads the install or the local socket). `Err` says why there are none.
pub fn targets(
    config: Option<&Value>,
    nodes: &[String],
    api_host: Option<&str>,
    this_host: &str,
) -> Result<Vec<Target>, String> {
    let config = config.ok_or("no config to find the metrics listener in")?;
    let metrics = config.get("MetricsSettings");
    if metrics
        .and_then(|m| m.get("Enable"))
        .and_then(Value::as_bool)
        != Some(true)
    {
        return Err(
            "metrics are off on the server (MetricsSettings.Enable), so it serves no profiles"
                .to_string(),
        );
    }
    let address = metrics
        .and_then(|m| m.get("ListenAddress"))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .unwrap_or(":8067");
    let (bound_host, port) = split_address(address)
        .ok_or_else(|| format!("MetricsSettings.ListenAddress {address:?} is not host:port"))?;
    let local = |host: &str| host == this_host || host.is_empty();
    let clustered = config
        .pointer("/ClusterSettings/Enable")
        .and_then(Value::as_bool)
        == Some(true);
    // A cluster's files go in node folders, as the server's own packet (10.10+) puts them;
    // without the API's node list, this host is the one node known.
    let this_node = [this_host.to_string()];
    let nodes = if clustered && nodes.is_empty() {
        &this_node[..]
    } else {
        nodes
    };
    if clustered || nodes.len() > 1 {
        return Ok(nodes
            .iter()
            .map(|node| Target {
                folder: format!("{}/", crate::host::logs::safe_name(node)),
                base: http_base(if local(node) { "127.0.0.1" } else { node }, port),
            })
            .collect());
    }
    let host = match (bound_host, api_host) {
        // Bound to the server's loopback: only a reader on the server reaches it, and
        // 127.0.0.1 here is this machine, not the server.
        (Some(host), Some(_)) if is_loopback(host) => {
            return Err(format!(
                "the metrics listener is bound to {host} (MetricsSettings.ListenAddress), which only the server's own host reaches: run mmops there"
            ));
        }
        (Some(host), _) => host,
        (None, api_host) => api_host.unwrap_or("127.0.0.1"),
    };
    Ok(vec![Target {
        folder: String::new(),
        base: http_base(host, port),
    }])
}

/// `":8067"`, `"0.0.0.0:8067"`, `"10.0.0.5:8067"`, `"[::1]:8067"` into the host the listener
/// is bound to (none when it listens on every address) and the port.
fn split_address(address: &str) -> Option<(Option<&str>, u16)> {
    let (host, port) = address.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let any = host.is_empty() || host == "0.0.0.0" || host == "::";
    Some(((!any).then_some(host), port))
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn http_base(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("http://[{host}]:{port}")
    } else {
        format!("http://{host}:{port}")
    }
}

/// Every profile of every target, at once.
pub async fn fetch(targets: &[Target], cpu_seconds: u32) -> Fetched {
    crate::mm::client::install_crypto_provider();
    let client = match reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(Duration::from_secs(u64::from(cpu_seconds)) + ANSWER_GRACE)
        .no_proxy()
        // A profile comes from the listener asked, not from wherever it points.
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            return Fetched {
                profiles: Vec::new(),
                warnings: vec![format!("profiles: no HTTP client: {err}")],
            };
        }
    };
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|kind| *kind != Kind::Cpu || cpu_seconds > 0)
        .collect();
    let per_target = targets.iter().map(|target| {
        let client = &client;
        let kinds = &kinds;
        async move {
            let results = futures::future::join_all(
                kinds
                    .iter()
                    .map(|kind| fetch_one(client, target, *kind, cpu_seconds)),
            )
            .await;
            (target, results)
        }
    });
    let mut out = Fetched::default();
    for (target, results) in futures::future::join_all(per_target).await {
        let mut failed: Vec<(String, String)> = Vec::new();
        for (kind, result) in kinds.iter().zip(results) {
            match result {
                Ok(profile) => out.profiles.push(profile),
                Err(why) => failed.push((format!("{}{}", target.folder, kind.file()), why)),
            }
        }
        out.warnings.extend(missing_sentences(target, failed));
    }
    if cpu_seconds == 0 {
        out.warnings
            .push("cpu.prof is missing: the CPU profile was turned off (0 seconds)".to_string());
    }
    out
}

/// One sentence for a listener that gave nothing for one reason; otherwise one per profile.
fn missing_sentences(target: &Target, failed: Vec<(String, String)>) -> Vec<String> {
    let all_alike = failed.len() > 1 && failed.iter().all(|(_, why)| *why == failed[0].1);
    if all_alike {
        let names: Vec<&str> = failed.iter().map(|(name, _)| name.as_str()).collect();
        let (last, rest) = names.split_last().unwrap_or((&"", &[]));
        return vec![format!(
            "{} and {last} are missing: the metrics listener at {}: {}",
            rest.join(", "),
            target.base,
            failed[0].1
        )];
    }
    failed
        .into_iter()
        .map(|(name, why)| {
            format!(
                "{name} is missing: the metrics listener at {}: {why}",
                target.base
            )
        })
        .collect()
}

async fn fetch_one(
    client: &reqwest::Client,
    target: &Target,
    kind: Kind,
    cpu_seconds: u32,
) -> Result<Profile, String> {
    let name = format!("{}{}", target.folder, kind.file());
    let url = format!("{}{}", target.base, kind.path(cpu_seconds));
    let response = client.get(&url).send().await.map_err(|err| {
        if err.is_connect() {
            "nothing answers there (the metrics listener needs MetricsSettings.Enable and an \
             Enterprise licence, and is often reachable only from the server's own host: run \
             mmops there)"
                .to_string()
        } else if err.is_timeout() {
            "no answer in time".to_string()
        } else {
            innermost(&err)
        }
    })?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("the listener answered {status}"));
    }
    if response
        .content_length()
        .is_some_and(|len| len > MAX_PROFILE_BYTES as u64)
    {
        return Err(format!(
            "larger than {}",
            crate::timefmt::bytes(MAX_PROFILE_BYTES as u64)
        ));
    }
    let bytes = read_bounded(response).await.map_err(str::to_string)?;
    if !kind.looks_right(&bytes) {
        return Err("the answer is not a Go profile (another service on that port?)".to_string());
    }
    let source = match kind {
        Kind::Cpu => format!("{url} ({cpu_seconds} s CPU profile)"),
        Kind::Heap | Kind::Goroutines => url.clone(),
    };
    Ok(Profile {
        name,
        bytes,
        source,
        is_text: kind == Kind::Goroutines,
    })
}

fn innermost(err: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = err;
    while let Some(next) = cause.source() {
        cause = next;
    }
    crate::text::one_line(&cause.to_string(), 200)
}

async fn read_bounded(mut response: reqwest::Response) -> Result<Vec<u8>, &'static str> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| "the answer broke off")? {
        if bytes.len() + chunk.len() > MAX_PROFILE_BYTES {
            return Err("larger than the 64 MiB mmops keeps");
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A fetch running on a thread of its own (with its own small runtime, so the packet writer
/// needs none), started when the writing starts and collected at its end.
pub struct Fetch {
    handle: Option<Result<std::thread::JoinHandle<Fetched>, String>>,
}

impl Fetch {
    pub fn start(targets: Vec<Target>, cpu_seconds: u32) -> Self {
        if targets.is_empty() {
            return Self { handle: None };
        }
        let handle = std::thread::Builder::new()
            .name("mmops-profiles".into())
            .spawn(move || {
                match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime.block_on(fetch(&targets, cpu_seconds)),
                    Err(err) => Fetched {
                        profiles: Vec::new(),
                        warnings: vec![format!("profiles: no runtime to fetch them: {err}")],
                    },
                }
            })
            .map_err(|err| format!("profiles: no thread to fetch them: {err}"));
        Self {
            handle: Some(handle),
        }
    }

    /// Waits for the fetch unless `cancel` is set first (then `None`, and the thread is left
    /// to end on its own deadline).
    pub fn finish_unless(self, cancel: &std::sync::atomic::AtomicBool) -> Option<Fetched> {
        if let Some(Ok(handle)) = &self.handle {
            while !handle.is_finished() {
                if cancel.load(std::sync::atomic::Ordering::Relaxed) {
                    return None;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        Some(self.finish())
    }

    pub fn finish(self) -> Fetched {
        let failed = |why: String| Fetched {
            profiles: Vec::new(),
            warnings: vec![why],
        };
        match self.handle {
            Some(Ok(handle)) => handle
                .join()
                .unwrap_or_else(|_| failed("profiles: the fetch stopped unexpectedly".into())),
            Some(Err(why)) => failed(why),
            None => Fetched::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metrics(enable: bool, address: &str) -> Value {
        json!({"MetricsSettings": {"Enable": enable, "ListenAddress": address}})
    }

    #[test]
    fn listen_addresses() {
        assert_eq!(split_address(":8067"), Some((None, 8067)));
        assert_eq!(split_address("0.0.0.0:9000"), Some((None, 9000)));
        assert_eq!(
            split_address("10.0.0.5:8067"),
            Some((Some("10.0.0.5"), 8067))
        );
        assert_eq!(split_address("[::1]:8067"), Some((Some("::1"), 8067)));
        assert_eq!(split_address("[::]:8067"), Some((None, 8067)));
        assert_eq!(split_address("8067"), None);
        assert_eq!(split_address(":port"), None);
    }

    #[test]
    fn a_single_server_is_asked_where_the_api_is() {
        let config = metrics(true, ":8067");
        let got = targets(Some(&config), &[], Some("mm.example.com"), "here").unwrap();
        assert_eq!(
            got,
            [Target {
                folder: String::new(),
                base: "http://mm.example.com:8067".into()
            }]
        );
        let got = targets(Some(&metrics(true, "[::1]:9")), &[], None, "here").unwrap();
        assert_eq!(got[0].base, "http://[::1]:9");
        assert_eq!(got[0].host(), "::1");
        // Bound to the server's loopback: not reachable over the network, and 127.0.0.1 here
        // would be another machine's listener.
        let err = targets(
            Some(&metrics(true, "127.0.0.1:8067")),
            &[],
            Some("mm.example.com"),
            "here",
        )
        .unwrap_err();
        assert!(err.contains("run mmops there"), "{err}");
        let got = targets(Some(&config), &["one".into()], None, "here").unwrap();
        assert_eq!(got[0].base, "http://127.0.0.1:8067");
        assert_eq!(got[0].folder, "");
    }

    #[test]
    fn each_node_of_a_cluster_into_its_folder() {
        let config = metrics(true, ":8067");
        let nodes = vec!["mm-app-1".to_string(), "../evil".to_string()];
        let got = targets(Some(&config), &nodes, Some("lb.example.com"), "mm-app-1").unwrap();
        assert_eq!(got[0].folder, "mm-app-1/");
        assert_eq!(got[0].base, "http://127.0.0.1:8067");
        assert_eq!(got[1].folder, "_evil/");

        // On a node's host without the API: this host's folder, as its logs.
        let mut config = config;
        config["ClusterSettings"] = json!({"Enable": true});
        let got = targets(Some(&config), &[], None, "mm-app-3").unwrap();
        assert_eq!(
            got,
            [Target {
                folder: "mm-app-3/".into(),
                base: "http://127.0.0.1:8067".into()
            }]
        );
    }

    #[test]
    fn metrics_off_or_unreadable_say_why() {
        let off = targets(Some(&metrics(false, ":8067")), &[], None, "h").unwrap_err();
        assert!(off.contains("MetricsSettings.Enable"), "{off}");
        let bad = targets(Some(&metrics(true, "nonsense")), &[], None, "h").unwrap_err();
        assert!(bad.contains("ListenAddress"), "{bad}");
        assert!(targets(None, &[], None, "h").is_err());
    }

    #[test]
    fn a_closed_port_is_a_warning_per_profile() {
        let port = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let fetched = Fetch::start(
            vec![Target {
                folder: String::new(),
                base: format!("http://127.0.0.1:{port}"),
            }],
            1,
        )
        .finish();
        assert!(fetched.profiles.is_empty());
        assert_eq!(fetched.warnings.len(), 1, "{:?}", fetched.warnings);
        assert!(
            fetched.warnings[0].starts_with("cpu.prof, heap.prof and goroutines are missing: the metrics listener at http://127.0.0.1:"),
            "{}",
            fetched.warnings[0]
        );
        assert!(fetched.warnings[0].contains("run mmops there"));
    }
}
