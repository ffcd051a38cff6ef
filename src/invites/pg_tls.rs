//! TLS to PostgreSQL for the database source: rustls over tokio-postgres' socket, the server's
//! certificate checked against the system's trust store (the platform verifier, the same one
//! the API client uses through reqwest) plus the DataSource's `sslrootcert` CA file. A failed
//! handshake is an error, never a fallback to plain. The connector records whether the
//! connection it made went over TLS, so the caller can say when it did not.

use std::fmt;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sha2::Digest;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// How the server's certificate is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verify {
    /// Against the system's trust store plus `extra_ca` (the `sslrootcert` file) when given;
    /// the certificate must name the host (`require`, `verify-full`, `prefer` when the server
    /// offers TLS).
    Full { extra_ca: Option<PathBuf> },
    /// Against the CAs of `ca` alone, without checking the names (`verify-ca`).
    CaOnly { ca: PathBuf },
}

impl Verify {
    fn ca_file(&self) -> Option<&Path> {
        match self {
            Verify::Full { extra_ca } => extra_ca.as_deref(),
            Verify::CaOnly { ca } => Some(ca),
        }
    }
}

/// What the last connection attempt did: the host name it was made for (empty for a unix
/// socket) and whether its TLS handshake completed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempt {
    pub host: String,
    pub tls: bool,
}

/// The `MakeTlsConnect` for tokio-postgres. Clones share the record of the last attempt.
#[derive(Clone)]
pub struct MakeRustls {
    /// `Err`: why TLS cannot be used here, said only if a server offers TLS.
    config: Result<Arc<ClientConfig>, String>,
    ca_file: Option<PathBuf>,
    last: Arc<Mutex<Attempt>>,
}

impl MakeRustls {
    /// A connector checking certificates as `verify` says. A CA file that cannot be read or
    /// holds no certificate is an error now; a system without any trusted CA is an error only
    /// when a server offers TLS (a plain `prefer` connection does not need one).
    pub fn new(verify: &Verify) -> Result<Self, String> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Result<Arc<dyn ServerCertVerifier>, String> = match verify {
            Verify::Full { extra_ca: None } => {
                rustls_platform_verifier::Verifier::new(provider.clone())
                    .map(|v| Arc::new(v) as Arc<dyn ServerCertVerifier>)
                    .map_err(|e| {
                        format!(
                            "this machine's trust store gave no CA to check the certificate with \
                             ({e}); install the ca-certificates package or give the CA with \
                             sslrootcert=/path/ca.pem"
                        )
                    })
            }
            Verify::Full {
                extra_ca: Some(path),
            } => {
                let certs = read_ca_file(path)?;
                let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
                    certs,
                    provider.clone(),
                )
                .map_err(|e| format!("sslrootcert={}: {e}", path.display()))?;
                Ok(Arc::new(verifier))
            }
            Verify::CaOnly { ca } => {
                let mut roots = RootCertStore::empty();
                for cert in read_ca_file(ca)? {
                    roots
                        .add(cert)
                        .map_err(|e| format!("sslrootcert={}: {e}", ca.display()))?;
                }
                let inner =
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                        .build()
                        .map_err(|e| format!("sslrootcert={}: {e}", ca.display()))?;
                Ok(Arc::new(IgnoreNames(inner)))
            }
        };
        let config = match verifier {
            Ok(verifier) => Ok(Arc::new(
                ClientConfig::builder_with_provider(provider)
                    .with_safe_default_protocol_versions()
                    .map_err(|e| format!("the TLS setup failed: {e}"))?
                    .dangerous()
                    .with_custom_certificate_verifier(verifier)
                    .with_no_client_auth(),
            )),
            Err(why) => Err(why),
        };
        Ok(Self {
            config,
            ca_file: verify.ca_file().map(Path::to_path_buf),
            last: Arc::default(),
        })
    }

    /// A connector for `sslmode=disable`: tokio-postgres never asks it for a handshake.
    pub fn disabled() -> Self {
        Self {
            config: Err("sslmode=disable".to_string()),
            ca_file: None,
            last: Arc::default(),
        }
    }

    /// What the last attempt did (after a successful connect: the connection's own attempt).
    pub fn last_attempt(&self) -> Attempt {
        self.last
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// The CA certificates of a PEM file.
fn read_ca_file(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("sslrootcert={}: cannot read it ({e})", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "sslrootcert={}: not a PEM certificate file ({e})",
                path.display()
            )
        })?;
    if certs.is_empty() {
        return Err(format!(
            "sslrootcert={}: holds no certificate (a PEM file with BEGIN CERTIFICATE is expected)",
            path.display()
        ));
    }
    Ok(certs)
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, host: &str) -> Result<RustlsConnect, io::Error> {
        *self.last.lock().unwrap_or_else(PoisonError::into_inner) = Attempt {
            host: host.to_string(),
            tls: false,
        };
        Ok(RustlsConnect {
            host: host.to_string(),
            config: self.config.clone(),
            ca_file: self.ca_file.clone(),
            last: self.last.clone(),
        })
    }
}

/// One handshake, for one host.
pub struct RustlsConnect {
    host: String,
    config: Result<Arc<ClientConfig>, String>,
    ca_file: Option<PathBuf>,
    last: Arc<Mutex<Attempt>>,
}

type HandshakeFuture<S> =
    Pin<Box<dyn Future<Output = Result<RustlsStream<S>, HandshakeError>> + Send>>;

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = HandshakeError;
    type Future = HandshakeFuture<S>;

    fn connect(self, stream: S) -> HandshakeFuture<S> {
        Box::pin(async move {
            let RustlsConnect {
                host,
                config,
                ca_file,
                last,
            } = self;
            let fail = |reason| HandshakeError {
                host: host.clone(),
                ca_file: ca_file.clone(),
                reason,
            };
            let config = config.map_err(|why| fail(Reason::Setup(why)))?;
            let name = ServerName::try_from(host.clone())
                .map_err(|e| fail(Reason::Setup(format!("{host:?} is not a host name ({e})"))))?;
            let stream = tokio_rustls::TlsConnector::from(config)
                .connect(name, stream)
                .await
                .map_err(|e| fail(Reason::from_io(e)))?;
            last.lock().unwrap_or_else(PoisonError::into_inner).tls = true;
            Ok(RustlsStream(Box::new(stream)))
        })
    }
}

/// Why a TLS handshake with the database server failed.
#[derive(Debug)]
pub struct HandshakeError {
    pub host: String,
    pub ca_file: Option<PathBuf>,
    pub reason: Reason,
}

#[derive(Debug)]
pub enum Reason {
    /// TLS could not be set up on this side.
    Setup(String),
    /// The server's certificate did not verify.
    Certificate(CertificateError),
    /// Any other failure of the handshake (protocol, alert, connection lost).
    Handshake(String),
}

impl Reason {
    fn from_io(err: io::Error) -> Reason {
        match err
            .get_ref()
            .and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::InvalidCertificate(cert)) => Reason::Certificate(cert.clone()),
            Some(other) => Reason::Handshake(other.to_string()),
            None => Reason::Handshake(err.to_string()),
        }
    }
}

impl HandshakeError {
    /// Whether the host is this machine, where a unix socket or a plain loopback is an option.
    fn local(&self) -> bool {
        self.host == "localhost"
            || self
                .host
                .trim_matches(['[', ']'])
                .parse::<IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }
}

/// The names a certificate holds, from webpki's debug forms (`DnsName("db.example.com")`,
/// `IpAddress(10.0.0.5)`).
fn presented_names(presented: &[String]) -> String {
    let names: Vec<&str> = presented
        .iter()
        .map(|p| {
            p.split_once('(')
                .and_then(|(_, rest)| rest.strip_suffix(')'))
                .map_or(p.as_str(), |inner| inner.trim_matches('"'))
        })
        .collect();
    if names.is_empty() {
        "no host name".to_string()
    } else {
        names.join(", ")
    }
}

impl fmt::Display for HandshakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = &self.host;
        let give_ca = match &self.ca_file {
            Some(path) => format!(
                "the CA in sslrootcert={} did not sign it either: give the CA that did",
                path.display()
            ),
            None => "give the CA that signed it with sslrootcert=/path/ca.pem in the database URL"
                .to_string(),
        };
        match &self.reason {
            Reason::Setup(why) => write!(
                f,
                "TLS to the database server {host} cannot be set up: {why}"
            )?,
            Reason::Certificate(cert) => {
                let (what, hint) = match cert {
                    CertificateError::UnknownIssuer => (
                        "it is not signed by a CA this machine trusts (unknown issuer)".to_string(),
                        give_ca,
                    ),
                    CertificateError::BadSignature => {
                        ("its signature does not verify".to_string(), give_ca)
                    }
                    CertificateError::NotValidForName => (
                        format!("it is not valid for the name {host}"),
                        "connect by a name it holds, or check the CA alone with \
                         sslmode=verify-ca and sslrootcert=/path/ca.pem"
                            .to_string(),
                    ),
                    CertificateError::NotValidForNameContext { presented, .. } => (
                        format!("it is for {}, not {host}", presented_names(presented)),
                        "connect by a name it holds, or check the CA alone with \
                         sslmode=verify-ca and sslrootcert=/path/ca.pem"
                            .to_string(),
                    ),
                    CertificateError::Expired | CertificateError::ExpiredContext { .. } => (
                        "it has expired".to_string(),
                        "renew the server's certificate".to_string(),
                    ),
                    CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                        (
                            "it is not valid yet".to_string(),
                            "check this machine's clock, or the certificate's start date"
                                .to_string(),
                        )
                    }
                    CertificateError::Revoked => (
                        "it has been revoked".to_string(),
                        "the server needs a new certificate".to_string(),
                    ),
                    other => (other.to_string(), give_ca),
                };
                write!(
                    f,
                    "the certificate of the database server {host} did not verify: {what}; {hint}"
                )?
            }
            Reason::Handshake(why) => write!(
                f,
                "the TLS handshake with the database server {host} failed: {why}"
            )?,
        }
        f.write_str(". mmops never falls back to a plain connection after a TLS failure")?;
        if self.local() {
            f.write_str(" (for a database on this machine, sslmode=disable is an option)")?;
        }
        Ok(())
    }
}

impl std::error::Error for HandshakeError {}

/// `sslmode=verify-ca`: the chain must lead to the given CA, the names do not matter.
/// webpki checks the names last, after the chain, so a name error means the chain is good.
#[derive(Debug)]
struct IgnoreNames(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for IgnoreNames {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// A TLS connection to the server. Boxed: rustls' connection state is large.
pub struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    /// `tls-server-end-point` (RFC 5929) for SCRAM-SHA-256-PLUS: the server certificate's hash
    /// with the hash of its signature algorithm.
    fn channel_binding(&self) -> ChannelBinding {
        let (_, session) = self.0.get_ref();
        session
            .peer_certificates()
            .and_then(<[_]>::first)
            .and_then(|cert| end_point_hash(cert.as_ref()))
            .map_or_else(ChannelBinding::none, ChannelBinding::tls_server_end_point)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

/// One DER element: its tag, its contents and what follows it.
fn der_element(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 {
            return None;
        }
        let (bytes, rest) = rest.split_at_checked(count)?;
        let len = bytes
            .iter()
            .fold(0usize, |len, byte| (len << 8) | usize::from(*byte));
        (len, rest)
    };
    let (contents, rest) = rest.split_at_checked(len)?;
    Some((tag, contents, rest))
}

const SEQUENCE: u8 = 0x30;
const OID: u8 = 0x06;
/// 1.2.840.113549.1.1.x: PKCS #1 signatures (x = 4 MD5, 5 SHA-1, 11 SHA-256, 12 SHA-384,
/// 13 SHA-512, 14 SHA-224).
const PKCS1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
/// 1.2.840.10045.4.1 (ecdsa-with-SHA1) and 1.2.840.10045.4.3.x (1 SHA-224, 2 SHA-256,
/// 3 SHA-384, 4 SHA-512).
const ECDSA_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01];
const ECDSA_SHA2: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EndPointHash {
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

/// The hash for `tls-server-end-point` from a certificate's signature algorithm: the
/// algorithm's own hash, with MD5 and SHA-1 raised to SHA-256 (RFC 5929 section 4.1). None for
/// an algorithm without a fixed hash (RSA-PSS, Ed25519): the session then goes without
/// channel binding, as tokio-postgres allows unless `channel_binding=require`.
fn end_point_algorithm(cert: &[u8]) -> Option<EndPointHash> {
    let (tag, certificate, _) = der_element(cert)?;
    (tag == SEQUENCE).then_some(())?;
    let (tag, _tbs, rest) = der_element(certificate)?;
    (tag == SEQUENCE).then_some(())?;
    let (tag, algorithm, _) = der_element(rest)?;
    (tag == SEQUENCE).then_some(())?;
    let (tag, oid, _) = der_element(algorithm)?;
    (tag == OID).then_some(())?;
    if oid == ECDSA_SHA1 {
        return Some(EndPointHash::Sha256);
    }
    let (family, last) = oid.split_last().map(|(last, family)| (family, *last))?;
    match (family, last) {
        (PKCS1, 4 | 5 | 11) | (ECDSA_SHA2, 2) => Some(EndPointHash::Sha256),
        (PKCS1, 14) | (ECDSA_SHA2, 1) => Some(EndPointHash::Sha224),
        (PKCS1, 12) | (ECDSA_SHA2, 3) => Some(EndPointHash::Sha384),
        (PKCS1, 13) | (ECDSA_SHA2, 4) => Some(EndPointHash::Sha512),
        _ => None,
    }
}

fn end_point_hash(cert: &[u8]) -> Option<Vec<u8>> {
    Some(match end_point_algorithm(cert)? {
        EndPointHash::Sha224 => sha2::Sha224::digest(cert).to_vec(),
        EndPointHash::Sha256 => sha2::Sha256::digest(cert).to_vec(),
        EndPointHash::Sha384 => sha2::Sha384::digest(cert).to_vec(),
        EndPointHash::Sha512 => sha2::Sha512::digest(cert).to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(algorithm: &'static rcgen::SignatureAlgorithm) -> Vec<u8> {
        let key = rcgen::KeyPair::generate_for(algorithm).unwrap();
        rcgen::CertificateParams::new(vec!["db.example.com".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap()
            .der()
            .to_vec()
    }

    #[test]
    fn channel_binding_hashes_follow_the_signature_algorithm() {
        let p256 = certificate(&rcgen::PKCS_ECDSA_P256_SHA256);
        assert_eq!(end_point_algorithm(&p256), Some(EndPointHash::Sha256));
        assert_eq!(
            end_point_hash(&p256).unwrap(),
            sha2::Sha256::digest(&p256).to_vec()
        );
        let p384 = certificate(&rcgen::PKCS_ECDSA_P384_SHA384);
        assert_eq!(end_point_algorithm(&p384), Some(EndPointHash::Sha384));
        assert_eq!(end_point_hash(&p384).unwrap().len(), 48);
        let ed25519 = certificate(&rcgen::PKCS_ED25519);
        assert_eq!(end_point_algorithm(&ed25519), None);
        // Truncated or foreign bytes are no certificate, without a panic.
        for len in [0, 1, 2, 10, p256.len() / 2] {
            assert_eq!(end_point_algorithm(&p256[..len]), None);
        }
        assert_eq!(end_point_algorithm(b"\x30\x84\xff\xff\xff\xff"), None);
    }

    #[test]
    fn ca_files_that_cannot_serve_are_errors_that_name_them() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.pem");
        let err = MakeRustls::new(&Verify::Full {
            extra_ca: Some(missing.clone()),
        })
        .err()
        .unwrap();
        assert!(
            err.contains("sslrootcert=") && err.contains("cannot read"),
            "{err}"
        );
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = MakeRustls::new(&Verify::CaOnly { ca: empty })
            .err()
            .unwrap();
        assert!(err.contains("holds no certificate"), "{err}");
    }

    #[test]
    fn certificate_errors_name_the_host_the_reason_and_the_way_out() {
        let err = HandshakeError {
            host: "db.example.com".into(),
            ca_file: None,
            reason: Reason::Certificate(CertificateError::UnknownIssuer),
        }
        .to_string();
        assert!(err.contains("db.example.com"), "{err}");
        assert!(err.contains("unknown issuer"), "{err}");
        assert!(err.contains("sslrootcert=/path/ca.pem"), "{err}");
        assert!(err.contains("never falls back"), "{err}");
        assert!(!err.contains("sslmode=disable"), "{err}");
        let err = HandshakeError {
            host: "127.0.0.1".into(),
            ca_file: Some("/etc/mm/ca.pem".into()),
            reason: Reason::Certificate(CertificateError::NotValidForNameContext {
                expected: ServerName::try_from("127.0.0.1").unwrap().to_owned(),
                presented: vec![
                    "DnsName(\"db.internal\")".into(),
                    "IpAddress(10.0.0.5)".into(),
                ],
            }),
        }
        .to_string();
        assert!(
            err.contains("it is for db.internal, 10.0.0.5, not 127.0.0.1"),
            "{err}"
        );
        assert!(err.contains("sslmode=verify-ca"), "{err}");
        assert!(err.contains("sslmode=disable is an option"), "{err}");
    }
}
