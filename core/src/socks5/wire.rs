//! SOCKS5 constants and the client's requests, written into a fixed buffer.

use zeroize::Zeroize;

use super::auth::{Auth, Credentials, MAX_CREDENTIAL_LEN};
use super::target::{Host, Target, MAX_DOMAIN_LEN};
use core::net::IpAddr;

/// Version byte of every SOCKS5 message but the RFC 1929 ones.
pub(super) const VERSION: u8 = 0x05;
/// Version byte of the RFC 1929 username/password sub-negotiation.
pub(super) const AUTH_VERSION: u8 = 0x01;
/// Method: no authentication.
pub(super) const METHOD_NONE: u8 = 0x00;
/// Method: username and password (RFC 1929).
pub(super) const METHOD_USERNAME_PASSWORD: u8 = 0x02;
/// The method selection reply meaning "none of your methods".
pub(super) const NO_ACCEPTABLE_METHODS: u8 = 0xff;
/// Command: CONNECT.
const CMD_CONNECT: u8 = 0x01;
/// Address type: IPv4 (4 bytes).
pub(super) const ATYP_IPV4: u8 = 0x01;
/// Address type: domain name (length byte, then the name).
pub(super) const ATYP_DOMAIN: u8 = 0x03;
/// Address type: IPv6 (16 bytes).
pub(super) const ATYP_IPV6: u8 = 0x04;

/// The greeting: version, one method, the method.
const GREETING_LEN: usize = 3;
/// The largest RFC 1929 request: version, two length-prefixed fields.
const MAX_AUTH_REQUEST_LEN: usize = 3 + 2 * MAX_CREDENTIAL_LEN;
/// The largest CONNECT request: header, domain name with length, port.
const MAX_CONNECT_REQUEST_LEN: usize = 4 + 1 + MAX_DOMAIN_LEN + 2;
/// Everything the client ever sends: each request is queued at most once.
const OUTBOX_LEN: usize = GREETING_LEN + MAX_AUTH_REQUEST_LEN + MAX_CONNECT_REQUEST_LEN;

/// Bytes queued for the proxy: an append-only log with a read cursor, so it
/// never reallocates or compacts. Zeroed on drop (it may hold a password).
pub(super) struct Outbox {
    buf: [u8; OUTBOX_LEN],
    len: usize,
    sent: usize,
}

impl Outbox {
    pub(super) const fn new() -> Outbox {
        Outbox {
            buf: [0; OUTBOX_LEN],
            len: 0,
            sent: 0,
        }
    }

    /// Queues the greeting: `05 01 <method>`.
    pub(super) fn put_greeting(&mut self, auth: &Auth) {
        self.put(&[VERSION, 1, auth.method()]);
    }

    /// Queues the RFC 1929 request: `01 <ulen> <username> <plen> <password>`.
    pub(super) fn put_auth(&mut self, creds: &Credentials) {
        // Lengths are at most MAX_CREDENTIAL_LEN (255) by construction.
        self.put(&[AUTH_VERSION, creds.username().len() as u8]);
        self.put(creds.username());
        self.put(&[creds.password().len() as u8]);
        self.put(creds.password());
    }

    /// Queues the CONNECT request: `05 01 00 <atyp> <address> <port BE>`.
    pub(super) fn put_connect(&mut self, target: &Target) {
        match &target.host {
            Host::Ip(IpAddr::V4(ip)) => {
                self.put(&[VERSION, CMD_CONNECT, 0, ATYP_IPV4]);
                self.put(&ip.octets());
            }
            Host::Ip(IpAddr::V6(ip)) => {
                self.put(&[VERSION, CMD_CONNECT, 0, ATYP_IPV6]);
                self.put(&ip.octets());
            }
            Host::Domain(name) => {
                let name = name.as_bytes();
                // At most MAX_DOMAIN_LEN (255) by construction.
                self.put(&[VERSION, CMD_CONNECT, 0, ATYP_DOMAIN, name.len() as u8]);
                self.put(name);
            }
        }
        self.put(&target.port.to_be_bytes());
    }

    fn put(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        debug_assert!(end <= OUTBOX_LEN, "each request is queued at most once");
        if let Some(dst) = self.buf.get_mut(self.len..end) {
            dst.copy_from_slice(bytes);
            self.len = end;
        }
    }

    /// Copies queued bytes into `out`; returns how many.
    pub(super) fn take(&mut self, out: &mut [u8]) -> usize {
        let pending = &self.buf[self.sent..self.len];
        let n = pending.len().min(out.len());
        out[..n].copy_from_slice(&pending[..n]);
        self.sent += n;
        n
    }

    /// Bytes queued and not yet taken.
    pub(super) fn pending(&self) -> usize {
        self.len - self.sent
    }

    /// Drops anything not yet taken and wipes the buffer.
    pub(super) fn clear(&mut self) {
        self.buf.zeroize();
        self.sent = self.len;
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        self.buf.zeroize();
    }
}
