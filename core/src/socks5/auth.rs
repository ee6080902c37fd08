//! How the client authenticates to the proxy, and credentials for stream
//! isolation.

use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroize;

/// The longest username or password RFC 1929 can carry (one length byte).
///
/// ```
/// assert_eq!(veil_core::socks5::MAX_CREDENTIAL_LEN, 255);
/// ```
pub const MAX_CREDENTIAL_LEN: usize = 255;

/// Random bytes behind each half of [`Credentials::random`] (hex-encoded).
const RANDOM_CREDENTIAL_BYTES: usize = 16;

/// An RFC 1929 username and password, each 1 to 255 bytes, zeroed on drop.
/// `Debug` shows the username only.
///
/// The bytes live on the heap, allocated once at their exact size, so moving
/// the credentials (or an [`Auth`] holding them) never leaves copies behind.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{Credentials, CredentialsError};
///
/// let creds = Credentials::new(b"alice", b"secret").unwrap();
/// assert_eq!(creds.username(), b"alice");
/// assert!(!format!("{creds:?}").contains("secret"));
/// assert_eq!(Credentials::new(b"", b"x"), Err(CredentialsError::EmptyUsername));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: Vec<u8>,
    password: Vec<u8>,
}

impl Credentials {
    /// Checks both lengths and copies the credentials.
    ///
    /// ```
    /// use veil_core::socks5::{Credentials, CredentialsError};
    ///
    /// assert!(Credentials::new(&[b'u'; 255], &[b'p'; 255]).is_ok());
    /// assert_eq!(
    ///     Credentials::new(b"u", &[b'p'; 256]),
    ///     Err(CredentialsError::PasswordTooLong { len: 256 })
    /// );
    /// ```
    pub fn new(username: &[u8], password: &[u8]) -> Result<Credentials, CredentialsError> {
        match (username.len(), password.len()) {
            (0, _) => return Err(CredentialsError::EmptyUsername),
            (len, _) if len > MAX_CREDENTIAL_LEN => {
                return Err(CredentialsError::UsernameTooLong { len })
            }
            (_, 0) => return Err(CredentialsError::EmptyPassword),
            (_, len) if len > MAX_CREDENTIAL_LEN => {
                return Err(CredentialsError::PasswordTooLong { len })
            }
            _ => {}
        }
        Ok(Credentials {
            username: username.to_vec(),
            password: password.to_vec(),
        })
    }

    /// Fresh credentials: a username and a password of 32 lower-case hex
    /// characters each (16 bytes from `rng`).
    ///
    /// Tor's `IsolateSOCKSAuth` (on by default) never shares a circuit
    /// between streams with different credentials, so each connection made
    /// with its own random credentials gets its own circuit: an exit or
    /// onion service cannot link veil's connections by their circuit. Hex
    /// keeps them printable and never starts with `<`, which Tor reserves
    /// for usernames with a meaning of their own (`<torS0X>`, proposal 351).
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::socks5::Credentials;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    /// let a = Credentials::random(&mut rng);
    /// let b = Credentials::random(&mut rng);
    /// assert_ne!(a.username(), b.username());
    /// assert_eq!(a.username().len(), 32);
    /// assert!(a.password().iter().all(|c| c.is_ascii_hexdigit()));
    /// ```
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Credentials {
        let mut creds = Credentials {
            username: vec![0; 2 * RANDOM_CREDENTIAL_BYTES],
            password: vec![0; 2 * RANDOM_CREDENTIAL_BYTES],
        };
        let mut raw = [0u8; RANDOM_CREDENTIAL_BYTES];
        rng.fill_bytes(&mut raw);
        hex_into(&raw, &mut creds.username);
        rng.fill_bytes(&mut raw);
        hex_into(&raw, &mut creds.password);
        raw.zeroize();
        creds
    }

    /// The username.
    ///
    /// ```
    /// let creds = veil_core::socks5::Credentials::new(b"u", b"p").unwrap();
    /// assert_eq!(creds.username(), b"u");
    /// ```
    #[must_use]
    pub fn username(&self) -> &[u8] {
        &self.username
    }

    /// The password.
    ///
    /// ```
    /// let creds = veil_core::socks5::Credentials::new(b"u", b"p").unwrap();
    /// assert_eq!(creds.password(), b"p");
    /// ```
    #[must_use]
    pub fn password(&self) -> &[u8] {
        &self.password
    }
}

fn hex_into(raw: &[u8], out: &mut [u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (pair, byte) in out.chunks_exact_mut(2).zip(raw) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0x0f)];
    }
}

impl Drop for Credentials {
    fn drop(&mut self) {
        // Slices, not the Vecs: zeroize's Vec support needs its `alloc`
        // feature, and the lengths are not secret.
        self.username.as_mut_slice().zeroize();
        self.password.as_mut_slice().zeroize();
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username())
            .field("password", &"<redacted>")
            .finish()
    }
}

/// How the client authenticates: it offers exactly this method and nothing
/// else, so a proxy cannot talk it down to no authentication (which would
/// silently lose stream isolation).
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::socks5::Auth;
///
/// assert_eq!(Auth::None.method(), 0x00);
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
/// assert_eq!(Auth::isolated(&mut rng).method(), 0x02);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Auth {
    /// No authentication (method 0x00).
    None,
    /// Username and password (method 0x02, RFC 1929).
    UsernamePassword(Credentials),
}

impl Auth {
    /// Username/password authentication with [`Credentials::random`]: one
    /// Tor circuit per connection.
    ///
    /// ```
    /// use rand_chacha::rand_core::SeedableRng;
    /// use veil_core::socks5::Auth;
    ///
    /// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// assert_ne!(Auth::isolated(&mut rng), Auth::isolated(&mut rng));
    /// ```
    pub fn isolated<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Auth {
        Auth::UsernamePassword(Credentials::random(rng))
    }

    /// The SOCKS5 method byte offered in the greeting.
    ///
    /// ```
    /// let creds = veil_core::socks5::Credentials::new(b"u", b"p").unwrap();
    /// assert_eq!(veil_core::socks5::Auth::UsernamePassword(creds).method(), 2);
    /// ```
    #[must_use]
    pub const fn method(&self) -> u8 {
        match self {
            Auth::None => super::wire::METHOD_NONE,
            Auth::UsernamePassword(_) => super::wire::METHOD_USERNAME_PASSWORD,
        }
    }
}

/// Why credentials were refused (before anything is sent).
///
/// # Example
///
/// ```
/// use veil_core::socks5::CredentialsError;
///
/// let err = CredentialsError::UsernameTooLong { len: 300 };
/// assert_eq!(err.to_string(), "SOCKS5 username is 300 bytes, more than 255");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CredentialsError {
    /// The username is empty.
    EmptyUsername,
    /// The username is longer than [`MAX_CREDENTIAL_LEN`].
    UsernameTooLong {
        /// Its length.
        len: usize,
    },
    /// The password is empty.
    EmptyPassword,
    /// The password is longer than [`MAX_CREDENTIAL_LEN`].
    PasswordTooLong {
        /// Its length.
        len: usize,
    },
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::EmptyUsername => f.write_str("SOCKS5 username is empty"),
            CredentialsError::UsernameTooLong { len } => write!(
                f,
                "SOCKS5 username is {len} bytes, more than {MAX_CREDENTIAL_LEN}"
            ),
            CredentialsError::EmptyPassword => f.write_str("SOCKS5 password is empty"),
            CredentialsError::PasswordTooLong { len } => write!(
                f,
                "SOCKS5 password is {len} bytes, more than {MAX_CREDENTIAL_LEN}"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for CredentialsError {}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;

    #[test]
    fn refusals() {
        assert_eq!(
            Credentials::new(&[1; 256], b"p"),
            Err(CredentialsError::UsernameTooLong { len: 256 })
        );
        assert_eq!(
            Credentials::new(b"u", b""),
            Err(CredentialsError::EmptyPassword)
        );
    }

    #[test]
    fn random_credentials_are_hex_and_distinct() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let a = Credentials::random(&mut rng);
        let b = Credentials::random(&mut rng);
        for creds in [&a, &b] {
            assert_eq!(creds.username().len(), 32);
            assert_eq!(creds.password().len(), 32);
            assert!(creds
                .username()
                .iter()
                .chain(creds.password())
                .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)));
        }
        assert_ne!(a.username(), b.username());
        assert_ne!(a.password(), b.password());
        assert_ne!(a.username(), a.password());
    }
}
