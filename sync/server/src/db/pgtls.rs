//! TLS for PostgreSQL connections (rustls), with libpq's `sslmode` honoured.
//!
//! `sslmode` in the URL means what it means to `psql`:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! | --- | --- | --- |
//! | `disable` | no | — |
//! | `prefer` | if the server offers it | no |
//! | `require` | yes | no — unless `sslrootcert` is given, then as `verify-ca` |
//! | `verify-ca` | yes | chain to `sslrootcert` (or the system's roots) |
//! | `verify-full` | yes | chain and host name |
//!
//! Without `sslmode` the server uses `require` for any host that is not this machine, and plain
//! connections for a unix socket, `localhost` and loopback addresses (where there is no network to
//! protect). `sslrootcert=<file>` names PEM certificates; `sslrootcert=system` (also the default
//! for the `verify-*` modes) uses the operating system's roots.
//!
//! tokio-postgres itself knows only `disable`/`prefer`/`require` and no `sslrootcert`, so both
//! parameters are taken out of the URL here and the rest is handed to it.

use std::net::IpAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio_postgres::config::Host;

use super::{DbError, DbResult};

/// libpq's `sslmode` values (`allow` is treated as `prefer`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Plain.
    Disable,
    /// TLS if the server offers it, unverified.
    Prefer,
    /// TLS, certificate not checked.
    Require,
    /// TLS, certificate chain checked.
    VerifyCa,
    /// TLS, certificate chain and host name checked.
    VerifyFull,
}

impl SslMode {
    fn parse(s: &str) -> DbResult<SslMode> {
        match s {
            "disable" => Ok(SslMode::Disable),
            "allow" | "prefer" => Ok(SslMode::Prefer),
            "require" => Ok(SslMode::Require),
            "verify-ca" => Ok(SslMode::VerifyCa),
            "verify-full" => Ok(SslMode::VerifyFull),
            other => Err(DbError::Url(format!(
                "sslmode {other:?}: expected disable, prefer, require, verify-ca or verify-full"
            ))),
        }
    }

    /// What tokio-postgres is told (it checks nothing itself; the verifier does).
    fn wire(self) -> tokio_postgres::config::SslMode {
        use tokio_postgres::config::SslMode as W;
        match self {
            SslMode::Disable => W::Disable,
            SslMode::Prefer => W::Prefer,
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => W::Require,
        }
    }
}

/// Where trusted roots come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// PEM certificates in this file.
    File(PathBuf),
    /// The operating system's store.
    System,
}

/// How to connect: the URL for tokio-postgres (without `sslmode`/`sslrootcert`), the mode and the
/// roots a verifying mode checks against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The connection settings, TLS mode set.
    pub config: tokio_postgres::Config,
    /// The effective mode.
    pub mode: SslMode,
    /// Roots, for `verify-ca` / `verify-full` (and `require` with `sslrootcert`).
    pub roots: Option<RootCerts>,
}

/// `%XX` decoding of a URL query value.
fn percent_decode(s: &str) -> DbResult<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| DbError::Url("bad %-escape in the URL".into()))?;
                out.push(hex);
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| DbError::Url("URL parameter is not UTF-8".into()))
}

/// A host of this machine: a unix socket, `localhost`, or a loopback address.
fn is_local(host: &Host) -> bool {
    match host {
        #[cfg(unix)]
        Host::Unix(_) => true,
        Host::Tcp(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            name.eq_ignore_ascii_case("localhost")
                || IpAddr::from_str(name).is_ok_and(|ip| ip.is_loopback())
        }
    }
}

/// Reads a `postgres://…` URL and decides how its connections are protected.
pub fn plan(url: &str) -> DbResult<Plan> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = None;
    let mut root = None;
    let mut rest = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => mode = Some(SslMode::parse(&percent_decode(value)?)?),
            "sslrootcert" => {
                let v = percent_decode(value)?;
                root = Some(if v == "system" {
                    RootCerts::System
                } else {
                    RootCerts::File(PathBuf::from(v))
                });
            }
            _ => rest.push(pair),
        }
    }
    let cleaned = if rest.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut config =
        tokio_postgres::Config::from_str(&cleaned).map_err(|err| DbError::Url(err.to_string()))?;
    let mode = match mode {
        Some(m) => m,
        None if !config.get_hosts().is_empty() && config.get_hosts().iter().all(is_local) => {
            SslMode::Disable
        }
        None => SslMode::Require,
    };
    let roots = match mode {
        SslMode::VerifyCa | SslMode::VerifyFull => Some(root.unwrap_or(RootCerts::System)),
        SslMode::Require => root,
        SslMode::Disable | SslMode::Prefer => None,
    };
    // `require` with roots is `verify-ca`, as in libpq.
    let mode = match (mode, &roots) {
        (SslMode::Require, Some(_)) => SslMode::VerifyCa,
        (m, _) => m,
    };
    config.ssl_mode(mode.wire());
    Ok(Plan {
        config,
        mode,
        roots,
    })
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn load_roots(roots: &RootCerts) -> DbResult<RootCertStore> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCerts::File(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|err| DbError::Url(format!("sslrootcert {}: {err}", path.display())))?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(DbError::Url(format!(
                    "sslrootcert {}: no usable certificate",
                    path.display()
                )));
            }
        }
        RootCerts::System => {
            let found = rustls_native_certs::load_native_certs();
            for err in &found.errors {
                tracing::warn!(error = %err, "reading the system's root certificates");
            }
            store.add_parsable_certificates(found.certs);
            if store.is_empty() {
                return Err(DbError::Url(
                    "no system root certificates found; give sslrootcert=<file>".into(),
                ));
            }
        }
    }
    Ok(store)
}

/// The rustls configuration for `plan`, or `None` for plain connections.
pub fn client_config(plan: &Plan) -> DbResult<Option<ClientConfig>> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|err| DbError::Url(format!("TLS: {err}")))?;
    let config = match plan.mode {
        SslMode::Disable => return Ok(None),
        SslMode::Prefer | SslMode::Require => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider)))
            .with_no_client_auth(),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = load_roots(plan.roots.as_ref().unwrap_or(&RootCerts::System))?;
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|err| DbError::Url(format!("TLS roots: {err}")))?;
            let verifier: Arc<dyn ServerCertVerifier> = if plan.mode == SslMode::VerifyCa {
                Arc::new(ChainOnly(webpki))
            } else {
                webpki
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
                .with_no_client_auth()
        }
    };
    Ok(Some(config))
}

/// `prefer` / `require`: the connection is encrypted and the handshake signed by the certificate's
/// key, but who the certificate belongs to is not checked (libpq's meaning of these modes).
#[derive(Debug)]
struct EncryptOnly(Arc<CryptoProvider>);

impl ServerCertVerifier for EncryptOnly {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the chain must lead to a trusted root; the name in the certificate may differ
/// from the host connected to.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> SslMode {
        plan(url).unwrap().mode
    }

    #[test]
    fn local_hosts_stay_plain_and_remote_ones_require_tls() {
        assert_eq!(
            mode("postgresql://postgres@/postgres?host=/tmp/pg&port=5433"),
            SslMode::Disable
        );
        assert_eq!(mode("postgres://dvc@localhost/dvc"), SslMode::Disable);
        assert_eq!(mode("postgres://dvc@127.0.0.1:5432/dvc"), SslMode::Disable);
        assert_eq!(mode("postgres://dvc@[::1]:5432/dvc"), SslMode::Disable);
        assert_eq!(mode("postgres://dvc@db.internal/dvc"), SslMode::Require);
        assert_eq!(mode("postgres://dvc@10.0.0.7/dvc"), SslMode::Require);
        // one remote host among several is enough to require TLS for all
        assert_eq!(
            mode("postgres://dvc@localhost,db.internal/dvc"),
            SslMode::Require
        );
        let p = plan("postgres://dvc@db.internal/dvc").unwrap();
        assert_eq!(
            p.config.get_ssl_mode(),
            tokio_postgres::config::SslMode::Require
        );
        assert_eq!(p.roots, None);
    }

    #[test]
    fn sslmode_is_honoured_even_for_local_hosts() {
        assert_eq!(
            mode("postgres://dvc@localhost/dvc?sslmode=require"),
            SslMode::Require
        );
        assert_eq!(
            mode("postgres://dvc@db.internal/dvc?sslmode=disable"),
            SslMode::Disable
        );
        assert_eq!(
            mode("postgres://dvc@db.internal/dvc?sslmode=allow"),
            SslMode::Prefer
        );
        let p =
            plan("postgres://dvc@db.internal/dvc?sslmode=verify-full&connect_timeout=5").unwrap();
        assert_eq!(p.mode, SslMode::VerifyFull);
        assert_eq!(p.roots, Some(RootCerts::System));
        // the other parameters reach tokio-postgres
        assert_eq!(
            p.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );
        let p = plan(
            "postgres://dvc@db.internal/dvc?sslrootcert=%2Fetc%2Fdvc%2Fca.pem&sslmode=verify-ca",
        )
        .unwrap();
        assert_eq!(p.mode, SslMode::VerifyCa);
        assert_eq!(p.roots, Some(RootCerts::File("/etc/dvc/ca.pem".into())));
        // require with a root certificate checks the chain, as in libpq
        let p = plan("postgres://dvc@db.internal/dvc?sslmode=require&sslrootcert=/ca.pem").unwrap();
        assert_eq!(p.mode, SslMode::VerifyCa);
        assert_eq!(
            plan("postgres://dvc@db.internal/dvc?sslrootcert=system")
                .unwrap()
                .mode,
            SslMode::VerifyCa
        );
    }

    #[test]
    fn bad_settings_are_clear_errors() {
        for url in [
            "postgres://dvc@db.internal/dvc?sslmode=maybe",
            "postgres://dvc@db.internal/dvc?sslrootcert=%zz",
            "postgres://dvc@db.internal/dvc?nonsense=1",
        ] {
            assert!(
                matches!(plan(url), Err(DbError::Url(_))),
                "{url} should be refused"
            );
        }
        let p = plan("postgres://dvc@db.internal/dvc?sslrootcert=/nonexistent/ca.pem").unwrap();
        let err = client_config(&p).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/ca.pem"), "{err}");
    }

    #[test]
    fn plain_modes_have_no_tls_config() {
        let p = plan("postgres://dvc@localhost/dvc").unwrap();
        assert!(client_config(&p).unwrap().is_none());
        let p = plan("postgres://dvc@db.internal/dvc").unwrap();
        assert!(client_config(&p).unwrap().is_some());
    }
}
