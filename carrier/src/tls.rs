//! The TLS 1.3 carrier (rustls, ring provider). It should look like an
//! ordinary HTTPS server and client: TLS 1.3 only, ALPN `h2` and
//! `http/1.1` by default, a certificate for a configurable name.
//!
//! Peers authenticate by their veil identity inside the session, not by
//! the certificate, so the client accepts any certificate. It still checks
//! the server's TLS 1.3 signature over the handshake (the certificate's key
//! must be held by the server), which keeps TLS itself sound.

use std::io;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ServerConfig, SignatureScheme};

use crate::CarrierError;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The client configuration: TLS 1.3, the given ALPN list, any
/// certificate (see the module docs).
pub(crate) fn client_config(alpn: &[String]) -> Result<Arc<ClientConfig>, CarrierError> {
    let provider = provider();
    let mut config = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| CarrierError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyCertificate(provider)))
        .with_no_client_auth();
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Arc::new(config))
}

/// The server configuration: TLS 1.3, the given ALPN list, and either the
/// operator's PEM certificate and key or a fresh self-signed certificate
/// for `server_name`.
pub(crate) fn server_config(
    server_name: &str,
    alpn: &[String],
    cert_and_key: Option<(&Path, &Path)>,
) -> Result<Arc<ServerConfig>, CarrierError> {
    let (chain, key) = match cert_and_key {
        Some((cert, key)) => load_pem(cert, key)?,
        None => self_signed(server_name)?,
    };
    let mut config = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| CarrierError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| CarrierError::Tls(format!("certificate and key: {e}")))?;
    config.alpn_protocols = alpn.iter().map(|p| p.as_bytes().to_vec()).collect();
    Ok(Arc::new(config))
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn self_signed(server_name: &str) -> Result<Identity, CarrierError> {
    let certified =
        rcgen::generate_simple_self_signed(vec![server_name.to_owned()]).map_err(|e| {
            CarrierError::Tls(format!("self-signed certificate for {server_name:?}: {e}"))
        })?;
    let key = PrivatePkcs8KeyDer::from(certified.key_pair.serialize_der());
    Ok((
        vec![certified.cert.der().clone()],
        PrivateKeyDer::Pkcs8(key),
    ))
}

fn load_pem(cert: &Path, key: &Path) -> Result<Identity, CarrierError> {
    let unreadable = |path: &Path, e: io::Error| CarrierError::File {
        path: path.display().to_string(),
        problem: e.to_string(),
    };
    let cert_pem = std::fs::read(cert).map_err(|e| unreadable(cert, e))?;
    let chain = rustls_pemfile::certs(&mut cert_pem.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(cert, e))?;
    if chain.is_empty() {
        return Err(CarrierError::File {
            path: cert.display().to_string(),
            problem: "no PEM certificate in it".to_owned(),
        });
    }
    let key_pem = std::fs::read(key).map_err(|e| unreadable(key, e))?;
    let key_der = rustls_pemfile::private_key(&mut key_pem.as_slice())
        .map_err(|e| unreadable(key, e))?
        .ok_or_else(|| CarrierError::File {
            path: key.display().to_string(),
            problem: "no PEM private key in it".to_owned(),
        })?;
    Ok((chain, key_der))
}

/// The server name a client presents: a DNS name as SNI, an IP address
/// as itself (rustls then sends no SNI, as browsers do for IPs).
pub(crate) fn server_name(host: &str) -> io::Result<ServerName<'static>> {
    ServerName::try_from(host.to_owned()).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("server name {host:?}: {e}"),
        )
    })
}

/// Accepts any certificate but verifies the handshake signatures.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
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
