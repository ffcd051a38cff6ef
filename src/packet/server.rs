//! The server's own support packet (`GET /api/v4/system/support_packet`): it needs a licence
//! and the `manage_system` permission, and can take a while to build. Streamed to disk under
//! the name the server gives, atomically: a cancelled or failed download leaves nothing.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::Value;

use super::archive::{ArchiveError, ArchiveFile, Control};
use super::resanitize;
use crate::mm::{ApiError, MmClient, routes};

/// The server builds the whole zip before it answers: at least the 5 s CPU profile, plus
/// LDAP, Elasticsearch and SMTP checks.
const WAIT_FOR_ANSWER: Duration = Duration::from_secs(300);
/// A download that stalls this long mid-body has failed.
const IDLE_LIMIT: Duration = Duration::from_secs(120);

/// What the server can do before we ask it: whether it has a licence, and which plugins can
/// add a packet of their own (their manifest has `props.support_packet`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerPacketInfo {
    /// `None` when the licence could not be read.
    pub licensed: Option<bool>,
    /// Plugin id and what the plugin says its packet holds.
    pub plugin_packets: Vec<(String, String)>,
}

/// Checks the licence and lists the plugins that offer a packet. Errors reading the plugins
/// are not fatal: the packet can be asked for without plugin packets.
pub async fn check(client: &MmClient) -> Result<ServerPacketInfo, ApiError> {
    let licensed = Some(client.client_license().await?.is_licensed());
    let plugins = client.plugins().await.ok();
    let plugin_packets = plugins
        .as_ref()
        .and_then(|p| p.get("active"))
        .and_then(Value::as_array)
        .map(|active| active.iter().filter_map(plugin_packet).collect())
        .unwrap_or_default();
    Ok(ServerPacketInfo {
        licensed,
        plugin_packets,
    })
}

fn plugin_packet(manifest: &Value) -> Option<(String, String)> {
    let id = manifest.get("id")?.as_str()?;
    let what = manifest.pointer("/props/support_packet")?;
    let what = match what {
        Value::String(text) if !text.trim().is_empty() => text.trim().to_string(),
        _ => "plugin data".to_string(),
    };
    Some((id.to_string(), what))
}

/// What to ask the server for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub include_logs: bool,
    pub plugin_packets: Vec<String>,
}

impl Request {
    fn query(&self) -> Vec<(&'static str, String)> {
        let mut query = vec![("basic_server_logs", self.include_logs.to_string())];
        query.extend(
            self.plugin_packets
                .iter()
                .map(|id| ("plugin_packets", id.clone())),
        );
        query
    }
}

/// The saved packet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub path: PathBuf,
    pub size: u64,
    /// Each entry's name and uncompressed size, read back from the zip.
    pub entries: Vec<(String, u64)>,
    /// Values in the server's configs that its sanitizer left and mmops' hid.
    pub hidden: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("{0}")]
    Api(#[from] ApiError),
    #[error("cancelled; nothing was kept")]
    Cancelled,
    /// The cause is the error's source: error chains show it once.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the server's answer is not a readable zip ({0}); nothing was kept")]
    NotAZip(String),
    #[error(transparent)]
    Archive(#[from] ArchiveError),
}

/// Asks the server for its packet and streams it into `dir`. `control.progress` is called
/// with the bytes received; the expected total is the response's Content-Length when sent
/// (reported once through `on_total`).
pub async fn download(
    client: &MmClient,
    request: &Request,
    dir: &Path,
    control: &Control,
    on_total: impl FnOnce(Option<u64>),
) -> Result<Downloaded, DownloadError> {
    let query = request.query();
    let query: Vec<(&str, String)> = query.iter().map(|(k, v)| (*k, v.clone())).collect();
    let mut download = until_cancelled(
        client.open_download(&routes::support_packet(), &query, WAIT_FOR_ANSWER),
        &control.cancel,
    )
    .await??;
    on_total(download.content_length());
    let name = file_name(
        download
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok()),
        chrono::Utc::now().timestamp_millis(),
    );
    let io = |context: String| move |source| DownloadError::Io { context, source };
    // An unnamed file in the target directory, linked in only when complete: a cancel, an
    // error or a kill leaves nothing.
    let target = ArchiveFile::create(dir)?;
    let mut out = BufWriter::with_capacity(256 * 1024, target.file());
    let mut size = 0u64;
    loop {
        let chunk = until_cancelled(download.next_chunk(IDLE_LIMIT), &control.cancel).await??;
        let Some(chunk) = chunk else {
            break;
        };
        out.write_all(&chunk)
            .map_err(io(format!("cannot write in {}", dir.display())))?;
        size += chunk.len() as u64;
        (control.progress)(chunk.len() as u64);
    }
    out.flush()
        .map_err(io(format!("cannot write in {}", dir.display())))?;
    drop(out);
    let mut entries = list_entries(target.file())?;
    if control.cancel.load(Ordering::Relaxed) {
        return Err(DownloadError::Cancelled);
    }
    let mut hidden = 0;
    let target = if entries.iter().any(|(name, _)| resanitize::is_config(name)) {
        // The server's sanitizer has the gaps of its version: its configs go through ours.
        let clean = ArchiveFile::create(dir)?;
        let outcome =
            resanitize::resanitize(target.file(), clean.file()).map_err(DownloadError::NotAZip)?;
        hidden = outcome.hidden;
        entries = list_entries(clean.file())?;
        clean
    } else {
        target
    };
    let written = target.publish(&name, Vec::new())?;
    Ok(Downloaded {
        path: written.path,
        size,
        entries,
        hidden,
    })
}

/// Runs `work` until it ends or `cancel` is set (checked every 100 ms): a server that has not
/// answered yet does not hold up a cancel.
async fn until_cancelled<T>(
    work: impl std::future::Future<Output = T>,
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<T, DownloadError> {
    tokio::pin!(work);
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(DownloadError::Cancelled);
        }
        tokio::select! {
            done = &mut work => return Ok(done),
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

fn list_entries(file: &std::fs::File) -> Result<Vec<(String, u64)>, DownloadError> {
    let mut file = file.try_clone().map_err(|source| DownloadError::Io {
        context: "cannot read the downloaded packet back".into(),
        source,
    })?;
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)).map_err(|source| {
        DownloadError::Io {
            context: "cannot read the downloaded packet back".into(),
            source,
        }
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| DownloadError::NotAZip(e.to_string()))?;
    let mut entries = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let entry = zip
            .by_index_raw(i)
            .map_err(|e| DownloadError::NotAZip(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| DownloadError::NotAZip(e.to_string()))?
            .to_string();
        entries.push((name, entry.size()));
    }
    Ok(entries)
}

/// The name the server gives in Content-Disposition, reduced to a safe base name; or the
/// server's current pattern when it gives none.
pub fn file_name(disposition: Option<&str>, now_ms: i64) -> String {
    let given = disposition.and_then(disposition_file_name).map(|name| {
        let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
        base.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            .collect::<String>()
    });
    match given {
        Some(name) if name.ends_with(".zip") && name.len() > 4 && !name.starts_with('.') => name,
        _ => {
            let time = chrono::DateTime::from_timestamp_millis(now_ms).unwrap_or_default();
            format!("mm_support_packet_{}.zip", time.format("%Y-%m-%dT%H-%M"))
        }
    }
}

fn disposition_file_name(header: &str) -> Option<String> {
    let mut plain = None;
    for part in header.split(';').map(str::trim) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        match key.trim().to_ascii_lowercase().as_str() {
            // RFC 5987: charset'language'percent-encoded; preferred when present.
            "filename*" => {
                let encoded = value.trim().splitn(3, '\'').nth(2)?;
                return Some(percent_decode(encoded));
            }
            "filename" => plain = Some(value.trim().trim_matches('"').to_string()),
            _ => {}
        }
    }
    plain
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_339_800_000;

    #[test]
    fn the_server_name_is_kept_when_safe() {
        assert_eq!(
            file_name(
                Some(
                    r#"attachment; filename="mm_support_packet_ExampleCorp_2026-11-22T09-30.zip""#
                ),
                NOW
            ),
            "mm_support_packet_ExampleCorp_2026-11-22T09-30.zip"
        );
        assert_eq!(
            file_name(
                Some("attachment; filename*=UTF-8''mm_support_packet_A%20B.zip"),
                NOW
            ),
            "mm_support_packet_AB.zip"
        );
    }

    #[test]
    fn hostile_or_missing_names_fall_back() {
        let fallback = file_name(None, NOW);
        assert!(
            fallback.starts_with("mm_support_packet_2026-"),
            "{fallback}"
        );
        assert!(fallback.ends_with(".zip"));
        for header in [
            r#"attachment; filename="../../etc/passwd""#,
            r#"attachment; filename=".zip""#,
            r#"attachment; filename="x.sh""#,
            "attachment",
        ] {
            let name = file_name(Some(header), NOW);
            assert!(!name.contains('/'), "{name}");
            assert!(name.ends_with(".zip"), "{name}");
            assert!(!name.starts_with('.'), "{name}");
        }
        assert_eq!(
            file_name(Some(r#"attachment; filename="../../evil.zip""#), NOW),
            "evil.zip"
        );
    }

    #[test]
    fn plugin_packets_come_from_the_manifest_props() {
        let manifest = serde_json::json!({"id": "com.mattermost.calls", "props": {"support_packet": "Call diagnostics"}});
        assert_eq!(
            plugin_packet(&manifest),
            Some((
                "com.mattermost.calls".to_string(),
                "Call diagnostics".to_string()
            ))
        );
        assert_eq!(plugin_packet(&serde_json::json!({"id": "x"})), None);
    }
}
