//! The API client against the demo server over real HTTP and a real unix socket: successes,
//! each class of failure, retries, version detection and local mode.

use std::time::{Duration, Instant};

use crate::common::*;
use mmops::config::{ConnectionSpec, Target, TokenSource};
use mmops::demo::{DemoOptions, DemoServer};
use mmops::mm::{ApiError, ClientOptions, MmClient, RetryPolicy};
use mmops::secret::Secret;

#[tokio::test]
async fn typed_calls_read_the_demo_server() {
    let server = demo().await;
    let client = admin(&server);
    let ping = client.ping(true).await.unwrap();
    assert!(ping.is_healthy());
    assert_eq!(ping.database_status.as_deref(), Some("OK"));
    assert_eq!(ping.root_status, Some(false));

    let config = client.client_config().await.unwrap();
    assert_eq!(config.version(), Some("11.4.4"));
    assert!(config.is_full());
    let version = client.version().expect("X-Version-Id was read");
    assert_eq!(version.to_string(), "11.4.4");
    assert_eq!(version.licensed, Some(true));

    let licence = client.client_license().await.unwrap();
    assert!(licence.is_licensed());
    assert!(licence.expires_at_ms().unwrap() > NOW_MS);

    let stats = client.site_stats().await.unwrap();
    assert_eq!(stats.teams, Some(6));
    assert!(stats.active_users.unwrap() > 50);

    let nodes = client.cluster_status().await.unwrap();
    assert_eq!(nodes.len(), 2);
    assert_ne!(nodes[0].config_hash, nodes[1].config_hash);

    let schema = client.schema_migrations().await.unwrap();
    assert_eq!(schema.iter().map(|m| m.version).max(), Some(171));

    let me = client.me().await.unwrap();
    assert_eq!(me.username, "sysadmin");
    assert!(me.is_system_admin());
}

#[tokio::test]
async fn anonymous_calls_get_the_limited_view() {
    let server = demo().await;
    let client = client(&server, None);
    assert!(client.ping(false).await.unwrap().is_healthy());
    let config = client.client_config().await.unwrap();
    assert!(
        !config.is_full(),
        "anonymous callers get the limited config"
    );
    let licence = client.client_license().await.unwrap();
    assert!(licence.is_licensed() && licence.expires_at_ms().is_none());
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, ApiError::NotLoggedIn { .. }), "{err:?}");
    assert!(err.to_string().contains("mmops login"), "{err}");
}

#[tokio::test]
async fn a_wrong_token_is_an_expired_session() {
    let server = demo().await;
    let err = client(&server, Some("not-a-real-token"))
        .me()
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::SessionExpired { .. }), "{err:?}");
    assert!(err.needs_login());
}

#[tokio::test]
async fn a_plain_user_is_told_which_permission_is_missing() {
    let server = demo().await;
    let viewer = client(&server, Some(&server.viewer_token));
    let err = viewer.site_stats().await.unwrap_err();
    assert_eq!(err.missing_permission(), Some("get_analytics"), "{err:?}");
    let err = viewer.cluster_status().await.unwrap_err();
    assert_eq!(
        err.missing_permission(),
        Some("sysconsole_read_environment_high_availability")
    );
    assert!(
        err.to_string().contains("GET /api/v4/cluster/status"),
        "{err}"
    );
    // What a plain user may read still works.
    assert_eq!(viewer.me().await.unwrap().username, "ops.viewer");
}

#[tokio::test]
async fn long_rate_limits_are_reported_not_waited_out() {
    let server = demo().await;
    server.set_faults("/api/v4/analytics/old=429:30").unwrap();
    let started = Instant::now();
    let err = admin(&server).site_stats().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)), "{err:?}");
    assert!(err.to_string().contains("retry in 30s"), "{err}");
}

#[tokio::test]
async fn short_rate_limits_are_retried_then_reported() {
    let server = demo().await;
    server.set_faults("/api/v4/system/ping=429:1").unwrap();
    let started = Instant::now();
    let err = admin(&server).ping(false).await.unwrap_err();
    assert!(matches!(err, ApiError::RateLimited { .. }), "{err:?}");
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "waited Retry-After twice"
    );
    assert_eq!(
        server.shared().faults().rules[0].hits(),
        3,
        "three attempts"
    );
}

#[tokio::test]
async fn server_errors_keep_the_request_id_and_are_not_retried() {
    let server = demo().await;
    server
        .set_faults("/api/v4/cluster/status=status:500")
        .unwrap();
    let err = admin(&server).cluster_status().await.unwrap_err();
    match &err {
        ApiError::Server {
            status, request_id, ..
        } => {
            assert_eq!(*status, 500);
            assert_eq!(request_id.as_ref().map(String::len), Some(26));
        }
        other => panic!("expected a server error, got {other:?}"),
    }
    assert_eq!(server.shared().faults().rules[0].hits(), 1);
}

#[tokio::test]
async fn proxy_pages_are_summarized_and_retried() {
    let server = demo().await;
    server
        .set_faults("/api/v4/license/client=html:502")
        .unwrap();
    let err = admin(&server).client_license().await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("HTTP 502") && text.contains("502 Bad Gateway") && !text.contains('<'),
        "{text}"
    );
    assert_eq!(server.shared().faults().rules[0].hits(), 3);
}

#[tokio::test]
async fn transient_failures_recover_within_the_retries() {
    let server = demo().await;
    server
        .set_faults("/api/v4/users/me=html:503,times:2")
        .unwrap();
    let me = admin(&server).me().await.unwrap();
    assert_eq!(me.username, "sysadmin");
    assert_eq!(
        server.shared().faults().rules[0].hits(),
        3,
        "two failures, then success"
    );
}

#[tokio::test]
async fn slow_servers_time_out_with_a_clear_message() {
    let server = demo().await;
    server
        .set_faults("/api/v4/system/ping=latency:3000")
        .unwrap();
    let options = ClientOptions {
        idle_timeout: Duration::from_millis(300),
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    };
    let client = MmClient::new(&spec(&server, Some(&server.token)), options).unwrap();
    let err = client.ping(false).await.unwrap_err();
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    assert!(err.is_unreachable());
}

/// A client on `server` whose idle timeout is short and whose whole-request timeout is long.
fn idle_client(server: &DemoServer, idle: Duration) -> MmClient {
    let options = ClientOptions {
        idle_timeout: idle,
        total_timeout: Duration::from_secs(30),
        retry: RetryPolicy {
            attempts: 1,
            ..RetryPolicy::default()
        },
        ..ClientOptions::default()
    };
    MmClient::new(&spec(server, Some(&server.token)), options).unwrap()
}

#[tokio::test]
async fn a_slow_but_steady_body_is_read_whole() {
    let server = demo().await;
    server.set_faults("/api/v4/system/ping=drip:4").unwrap();
    let idle = Duration::from_millis(200);
    let client = idle_client(&server, idle);
    let started = Instant::now();
    let ping = client.ping(false).await.unwrap();
    assert_eq!(ping.status, "OK");
    // It took longer than the idle timeout, and was still read: only silence fails a read.
    assert!(started.elapsed() > idle * 2, "{:?}", started.elapsed());
}

#[tokio::test]
async fn a_stalled_body_fails_after_the_idle_timeout() {
    let server = demo().await;
    server.set_faults("/api/v4/system/ping=stall").unwrap();
    let idle = Duration::from_millis(300);
    let client = idle_client(&server, idle);
    let started = Instant::now();
    let err = client.ping(false).await.unwrap_err();
    assert!(matches!(err, ApiError::StalledBody { .. }), "{err:?}");
    assert!(err.to_string().contains("/api/v4/system/ping"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn malformed_and_truncated_bodies_are_decode_errors() {
    let server = demo().await;
    server
        .set_faults("/api/v4/cluster/status=malformed;/api/v4/system/schema/version=truncated")
        .unwrap();
    let client = admin(&server);
    let err = client.cluster_status().await.unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("GET /api/v4/cluster/status"));
    let err = client.schema_migrations().await.unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn an_unhealthy_server_is_a_ping_not_an_error() {
    let server = demo().await;
    // An unhealthy server answers 500 with the ping body.
    server.set_faults("/api/v4/system/ping=unhealthy").unwrap();
    let ping = admin(&server).ping(true).await.unwrap();
    assert!(!ping.is_healthy());
    assert_eq!(ping.database_status.as_deref(), Some("UNHEALTHY"));
    // A 500 with an ordinary error body stays an error.
    server.set_faults("/api/v4/system/ping=status:500").unwrap();
    let err = admin(&server).ping(true).await.unwrap_err();
    assert!(
        matches!(err, ApiError::Server { status: 500, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn refused_connections_are_unreachable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let spec = ConnectionSpec {
        target: Target::Remote {
            url: format!("http://{addr}/").parse().unwrap(),
        },
        token: Some(Secret::new("x")),
        token_source: TokenSource::Environment,
        insecure: false,
        label: None,
    };
    let err = MmClient::new(&spec, quick_options())
        .unwrap()
        .ping(false)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Connect { .. }), "{err:?}");
    assert!(err.is_unreachable());
}

#[tokio::test]
async fn local_mode_works_over_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("mattermost_local.socket");
    let server = demo_with(DemoOptions {
        local_socket: Some(socket.clone()),
        ..DemoOptions::default()
    })
    .await;
    let client = local_client(&socket);
    assert!(client.is_local());
    assert!(client.ping(true).await.unwrap().is_healthy());
    assert_eq!(client.schema_migrations().await.unwrap().len(), 171);
    let err = client.site_stats().await.unwrap_err();
    assert!(matches!(err, ApiError::NotInLocalMode { .. }), "{err:?}");
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, ApiError::NotInLocalMode { .. }), "{err:?}");
    drop(server);
}

fn local(socket: &std::path::Path) -> MmClient {
    local_client(socket)
}

#[tokio::test]
async fn socket_problems_are_told_apart() {
    let err = local("/nonexistent/mattermost_local.socket".as_ref())
        .ping(false)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::SocketMissing { .. }), "{err:?}");
    assert!(err.to_string().contains("EnableLocalMode") && !err.to_string().contains("PrivateTmp"));
    let err = local("/var/tmp/mmops-test-no-such.socket".as_ref())
        .ping(false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("PrivateTmp"), "{err}");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    let err = local(&file).ping(false).await.unwrap_err();
    assert!(matches!(err, ApiError::NotASocket { .. }), "{err:?}");

    // A socket file nobody listens on: left behind by a stopped server.
    let stale = dir.path().join("stale.sock");
    drop(std::os::unix::net::UnixListener::bind(&stale).unwrap());
    let err = local(&stale).ping(false).await.unwrap_err();
    assert!(matches!(err, ApiError::SocketRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("server is stopped"), "{err}");
}

#[tokio::test]
async fn https_against_a_plain_http_port_says_so() {
    let server = demo().await;
    let url = server.url.replace("http://", "https://");
    let spec = ConnectionSpec {
        target: Target::Remote {
            url: url.parse().unwrap(),
        },
        token: None,
        token_source: TokenSource::None,
        insecure: false,
        label: None,
    };
    let err = MmClient::new(&spec, quick_options())
        .unwrap()
        .ping(false)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::NotTls { .. }), "{err:?}");
    assert!(err.to_string().contains("use an http:// URL"), "{err}");
}

#[tokio::test]
async fn a_broken_connection_is_interrupted_not_refused() {
    let server = demo().await;
    server.set_faults("/api/v4/cluster/status=reset").unwrap();
    let err = admin(&server).cluster_status().await.unwrap_err();
    assert!(matches!(err, ApiError::Interrupted { .. }), "{err:?}");
}

#[tokio::test]
async fn login_with_password_and_mfa() {
    let server = demo().await;
    let anonymous = client(&server, None);
    let (user, token) = anonymous
        .login("sysadmin", &Secret::new("Demo-Admin-1"), None)
        .await
        .unwrap();
    assert_eq!(user.username, "sysadmin");
    assert_eq!(
        client(&server, Some(token.expose()))
            .me()
            .await
            .unwrap()
            .username,
        "sysadmin"
    );

    let err = anonymous
        .login("sysadmin", &Secret::new("wrong"), None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("401"), "{err}");

    let err = anonymous
        .login("secure.admin", &Secret::new("Demo-Mfa-1"), None)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::MfaCodeNeeded { .. }), "{err:?}");
    let (user, _) = anonymous
        .login("secure.admin", &Secret::new("Demo-Mfa-1"), Some("246810"))
        .await
        .unwrap();
    assert_eq!(user.username, "secure.admin");
}

#[tokio::test]
async fn sessions_expire_mid_run() {
    let server = demo().await;
    server.set_faults("/api/v4/users/me=401after:2").unwrap();
    let client = admin(&server);
    assert!(client.me().await.is_ok());
    assert!(client.me().await.is_ok());
    let err = client.me().await.unwrap_err();
    assert!(matches!(err, ApiError::SessionExpired { .. }), "{err:?}");
}

#[tokio::test]
async fn log_pages_and_file_logging_off() {
    let server = demo().await;
    let sysadmin = admin(&server);
    let lines = sysadmin.log_page(0, 20).await.unwrap();
    // Two cluster blocks: five header lines each, then the node's lines.
    assert_eq!(lines.len(), 2 * (5 + 20));
    assert!(
        lines[1].starts_with('\n') && lines[2].trim() == "mm-app-1",
        "{:?}",
        &lines[..3]
    );
    assert!(lines[5].trim_start().starts_with("{\"timestamp\""));
    let err = client(&server, Some(&server.viewer_token))
        .log_page(0, 20)
        .await
        .unwrap_err();
    assert_eq!(err.missing_permission(), Some("get_logs"));
    server.set_faults("/api/v4/logs=filelogoff").unwrap();
    let err = sysadmin.log_page(0, 20).await.unwrap_err();
    assert!(matches!(err, ApiError::FileLoggingOff { .. }), "{err:?}");
    assert!(err.to_string().contains("LogSettings.EnableFile"), "{err}");
}

#[tokio::test]
async fn ping_asks_for_rest_semantics_once_the_version_is_known() {
    let server = demo().await;
    let client = admin(&server);
    client.ping(false).await.unwrap();
    let first = server.shared().recent_requests().pop().unwrap();
    assert!(!first.contains("use_rest_semantics"), "{first}");
    // The first answer's X-Version-Id said 11.4, so the next ping asks for REST semantics, and
    // an unhealthy server then answers 200.
    server.set_faults("/api/v4/system/ping=unhealthy").unwrap();
    let ping = client.ping(true).await.unwrap();
    assert!(!ping.is_healthy());
    let second = server.shared().recent_requests().pop().unwrap();
    assert!(second.contains("use_rest_semantics=true"), "{second}");
}

async fn next_text(socket: &mut reqwest_websocket::WebSocket) -> serde_json::Value {
    use futures::StreamExt;
    use reqwest_websocket::Message;
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next())
            .await
            .unwrap()
        {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).unwrap(),
            Some(Ok(_)) => continue,
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn the_demo_websocket_takes_the_challenge_and_says_hello() {
    use futures::SinkExt;
    use reqwest_websocket::{Message, Upgrade};
    let server = demo().await;
    mmops::mm::client::install_crypto_provider();
    let http = reqwest::Client::builder().http1_only().build().unwrap();
    let url = format!("{}/api/v4/websocket", server.url);
    for (token, ok) in [(server.token.clone(), true), ("wrong".to_string(), false)] {
        let mut socket = http
            .get(&url)
            .upgrade()
            .send()
            .await
            .unwrap()
            .into_websocket()
            .await
            .unwrap();
        let challenge = serde_json::json!({
            "seq": 1, "action": "authentication_challenge", "data": {"token": token}
        });
        socket
            .send(Message::Text(challenge.to_string()))
            .await
            .unwrap();
        let reply = next_text(&mut socket).await;
        assert_eq!(reply["seq_reply"], 1);
        if ok {
            assert_eq!(reply["status"], "OK");
            let hello = next_text(&mut socket).await;
            assert_eq!(hello["event"], "hello");
            assert_eq!(hello["seq"], 0);
            assert!(
                hello["data"]["server_version"]
                    .as_str()
                    .unwrap()
                    .starts_with("11.")
            );
        } else {
            assert_eq!(reply["status"], "FAIL");
            assert_eq!(reply["error"]["status_code"], 401);
        }
    }
}
