//! The client state machine: what to send next and what the proxy's bytes
//! mean.

use alloc::boxed::Box;
use core::fmt;

use super::auth::Auth;
use super::error::{Socks5Error, Stage};
use super::reply::ReplyError;
use super::target::Target;
use super::wire::{
    Outbox, ATYP_DOMAIN, ATYP_IPV4, ATYP_IPV6, AUTH_VERSION, NO_ACCEPTABLE_METHODS, VERSION,
};

/// Where a [`Socks5Client`] is.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{Auth, ClientState, Socks5Client, Stage, Target};
///
/// let client = Socks5Client::new(Target::domain("a.onion", 1).unwrap(), Auth::None);
/// assert_eq!(client.state(), ClientState::Negotiating(Stage::MethodSelection));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientState {
    /// Waiting for the proxy's reply to this step.
    Negotiating(Stage),
    /// The tunnel is open: every further byte belongs to the target.
    Connected,
    /// The negotiation failed; every call repeats the error.
    Failed(Socks5Error),
}

/// What [`Socks5Client::handle_input`] made of the input.
///
/// # Example
///
/// ```
/// use veil_core::socks5::Progress;
///
/// let input = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xaa, 0xbb];
/// let done = Progress::Connected { consumed: 10 };
/// assert_eq!(done.tunnel_bytes(&input), &[0xaa, 0xbb]);
/// assert_eq!(Progress::Pending.tunnel_bytes(&input), &[] as &[u8]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Progress {
    /// All input was the proxy's and the negotiation goes on: send what
    /// [`Socks5Client::poll_transmit`] gives, then read more.
    Pending,
    /// The tunnel is open. The first `consumed` bytes of the input were the
    /// proxy's reply; the rest already belong to the tunnelled stream.
    Connected {
        /// How many input bytes the client took.
        consumed: usize,
    },
}

impl Progress {
    /// The part of `input` (the slice just passed to
    /// [`Socks5Client::handle_input`]) that belongs to the tunnelled stream:
    /// empty unless connected.
    ///
    /// ```
    /// use veil_core::socks5::Progress;
    /// assert_eq!(Progress::Connected { consumed: 1 }.tunnel_bytes(b"xyz"), b"yz");
    /// ```
    #[must_use]
    pub fn tunnel_bytes<'a>(&self, input: &'a [u8]) -> &'a [u8] {
        match *self {
            Progress::Pending => &[],
            Progress::Connected { consumed } => input.get(consumed..).unwrap_or_default(),
        }
    }
}

/// Where the parser is inside the proxy's current reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Negotiating(Stage),
    Connected,
    Failed(Socks5Error),
}

/// A SOCKS5 client for one CONNECT over a fresh stream to the proxy (see
/// the [module documentation](super) for the calls and the bytes).
///
/// It never buffers the proxy's bytes: each is read once and only counters
/// are kept (the reply's bound address is skipped, at most 257 bytes), so
/// memory is fixed whatever the proxy sends. What it sends is held in a
/// fixed heap buffer that is zeroed on drop and on failure, since it may
/// hold the password.
///
/// # Example
///
/// ```
/// use veil_core::socks5::{Auth, Progress, Socks5Client, Target};
///
/// let mut client = Socks5Client::new(Target::domain("example.onion", 8333).unwrap(), Auth::None);
/// let mut buf = [0u8; 64];
/// let n = client.poll_transmit(&mut buf);
/// assert_eq!(&buf[..n], &[5, 1, 0]);
/// assert_eq!(client.handle_input(&[5, 0]), Ok(Progress::Pending));
/// let n = client.poll_transmit(&mut buf);
/// assert_eq!(&buf[..5], &[5, 1, 0, 3, 13]);
/// assert_eq!(&buf[5..n], b"example.onion\x20\x8d");
/// let reply = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0, b'h', b'i'];
/// let progress = client.handle_input(&reply).unwrap();
/// assert_eq!(progress, Progress::Connected { consumed: 10 });
/// assert_eq!(progress.tunnel_bytes(&reply), b"hi");
/// ```
pub struct Socks5Client {
    target: Target,
    /// Held until the RFC 1929 request is queued, then dropped (zeroed).
    auth: Auth,
    /// The one method offered.
    method: u8,
    phase: Phase,
    /// Bytes of the current reply read so far (saturating; only 0..=4 are
    /// told apart).
    pos: u8,
    /// Bytes of the CONNECT reply's bound address and port still to skip;
    /// `None` until the address type (and, for a name, its length) is read.
    skip: Option<u16>,
    /// Boxed so that moving the client never copies a queued password.
    outbox: Box<Outbox>,
}

impl Socks5Client {
    /// A client that will ask the proxy to connect to `target`, offering
    /// exactly `auth`'s method. The greeting is queued at once.
    ///
    /// ```
    /// use veil_core::socks5::{Auth, Socks5Client, Target};
    ///
    /// let creds = veil_core::socks5::Credentials::new(b"u", b"p").unwrap();
    /// let mut client = Socks5Client::new(
    ///     Target::domain("a.onion", 1).unwrap(),
    ///     Auth::UsernamePassword(creds),
    /// );
    /// let mut buf = [0u8; 8];
    /// let n = client.poll_transmit(&mut buf);
    /// assert_eq!(&buf[..n], &[5, 1, 2]);
    /// ```
    #[must_use]
    pub fn new(target: Target, auth: Auth) -> Socks5Client {
        let mut outbox = Box::new(Outbox::new());
        outbox.put_greeting(&auth);
        Socks5Client {
            target,
            method: auth.method(),
            auth,
            phase: Phase::Negotiating(Stage::MethodSelection),
            pos: 0,
            skip: None,
            outbox,
        }
    }

    /// Copies bytes to send to the proxy into `buf`; returns how many (0
    /// when nothing is queued). Call until it returns 0 after
    /// [`Socks5Client::new`] and after every [`Socks5Client::handle_input`].
    ///
    /// ```
    /// use veil_core::socks5::{Auth, Socks5Client, Target};
    ///
    /// let mut client = Socks5Client::new(Target::domain("a.onion", 1).unwrap(), Auth::None);
    /// let mut byte = [0u8; 1];
    /// let mut sent = Vec::new();
    /// while client.poll_transmit(&mut byte) == 1 {
    ///     sent.push(byte[0]);
    /// }
    /// assert_eq!(sent, [5, 1, 0]);
    /// ```
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> usize {
        self.outbox.take(buf)
    }

    /// How many bytes [`Socks5Client::poll_transmit`] still has to give.
    ///
    /// ```
    /// use veil_core::socks5::{Auth, Socks5Client, Target};
    /// let client = Socks5Client::new(Target::domain("a.onion", 1).unwrap(), Auth::None);
    /// assert_eq!(client.pending_transmit(), 3);
    /// ```
    #[must_use]
    pub fn pending_transmit(&self) -> usize {
        self.outbox.pending()
    }

    /// Reads bytes received from the proxy, any chunking (one byte at a
    /// time works). On [`Progress::Connected`] the bytes after `consumed`
    /// belong to the tunnelled stream; once connected, every call returns
    /// `Connected { consumed: 0 }`. After an error every call returns the
    /// same error.
    ///
    /// ```
    /// use veil_core::socks5::{Auth, Socks5Client, Socks5Error, Target};
    ///
    /// let mut client = Socks5Client::new(Target::domain("a.onion", 1).unwrap(), Auth::None);
    /// let err = client.handle_input(&[5, 0xff]).unwrap_err();
    /// assert_eq!(err, Socks5Error::NoAcceptableMethod { offered: 0 });
    /// assert_eq!(client.handle_input(&[5, 0]), Err(err));
    /// ```
    pub fn handle_input(&mut self, input: &[u8]) -> Result<Progress, Socks5Error> {
        let mut stage = match self.phase {
            Phase::Negotiating(stage) => stage,
            Phase::Connected => return Ok(Progress::Connected { consumed: 0 }),
            Phase::Failed(error) => return Err(error),
        };
        for (index, &byte) in input.iter().enumerate() {
            let step = match stage {
                Stage::MethodSelection => self.method_byte(byte),
                Stage::Authentication => self.auth_byte(byte),
                Stage::Connect => self.reply_byte(byte),
            };
            match step {
                Ok(Some(next)) => {
                    self.pos = 0;
                    stage = next;
                    self.phase = Phase::Negotiating(next);
                }
                Ok(None) if self.skip == Some(0) => {
                    self.phase = Phase::Connected;
                    return Ok(Progress::Connected {
                        consumed: index + 1,
                    });
                }
                Ok(None) => self.pos = self.pos.saturating_add(1),
                Err(error) => return Err(self.fail(error)),
            }
        }
        Ok(Progress::Pending)
    }

    /// Tells the client the proxy closed the stream. Before the tunnel is
    /// open that is [`Socks5Error::ProxyClosed`] (or the earlier error);
    /// once connected the end of stream is the tunnel's business: `Ok`.
    ///
    /// ```
    /// use veil_core::socks5::{Auth, Socks5Client, Socks5Error, Stage, Target};
    ///
    /// let mut client = Socks5Client::new(Target::domain("a.onion", 1).unwrap(), Auth::None);
    /// assert_eq!(
    ///     client.handle_eof(),
    ///     Err(Socks5Error::ProxyClosed { stage: Stage::MethodSelection })
    /// );
    /// ```
    pub fn handle_eof(&mut self) -> Result<(), Socks5Error> {
        match self.phase {
            Phase::Negotiating(stage) => Err(self.fail(Socks5Error::ProxyClosed { stage })),
            Phase::Connected => Ok(()),
            Phase::Failed(error) => Err(error),
        }
    }

    /// Where the negotiation is.
    ///
    /// ```
    /// use veil_core::socks5::{Auth, ClientState, Socks5Client, Target};
    ///
    /// let mut client = Socks5Client::new(Target::domain("a.onion", 1).unwrap(), Auth::None);
    /// client.handle_input(&[5, 0, 5, 0, 0, 3, 0, 0, 0]).unwrap();
    /// assert_eq!(client.state(), ClientState::Connected);
    /// ```
    #[must_use]
    pub fn state(&self) -> ClientState {
        match self.phase {
            Phase::Negotiating(stage) => ClientState::Negotiating(stage),
            Phase::Connected => ClientState::Connected,
            Phase::Failed(error) => ClientState::Failed(error),
        }
    }

    /// The target the proxy is asked to reach.
    ///
    /// ```
    /// use veil_core::socks5::{Auth, Socks5Client, Target};
    /// let target = Target::domain("a.onion", 1).unwrap();
    /// assert_eq!(Socks5Client::new(target, Auth::None).target(), &target);
    /// ```
    #[must_use]
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Method selection reply: `05 <method>`.
    fn method_byte(&mut self, byte: u8) -> Result<Option<Stage>, Socks5Error> {
        if self.pos == 0 {
            return expect_version(Stage::MethodSelection, VERSION, byte);
        }
        if byte == NO_ACCEPTABLE_METHODS {
            return Err(Socks5Error::NoAcceptableMethod {
                offered: self.method,
            });
        }
        if byte != self.method {
            return Err(Socks5Error::UnexpectedMethod {
                offered: self.method,
                chosen: byte,
            });
        }
        // The credentials are needed no longer: dropping them zeroes them.
        match core::mem::replace(&mut self.auth, Auth::None) {
            Auth::UsernamePassword(creds) => {
                self.outbox.put_auth(&creds);
                Ok(Some(Stage::Authentication))
            }
            Auth::None => {
                self.outbox.put_connect(&self.target);
                Ok(Some(Stage::Connect))
            }
        }
    }

    /// RFC 1929 reply: `01 <status>`.
    fn auth_byte(&mut self, byte: u8) -> Result<Option<Stage>, Socks5Error> {
        if self.pos == 0 {
            return expect_version(Stage::Authentication, AUTH_VERSION, byte);
        }
        if byte != 0 {
            return Err(Socks5Error::AuthRefused { status: byte });
        }
        self.outbox.put_connect(&self.target);
        Ok(Some(Stage::Connect))
    }

    /// CONNECT reply: `05 <rep> 00 <atyp> <bound address> <bound port>`.
    /// Sets `skip` to `Some(0)` on its last byte.
    fn reply_byte(&mut self, byte: u8) -> Result<Option<Stage>, Socks5Error> {
        match (self.pos, self.skip) {
            (0, _) => return expect_version(Stage::Connect, VERSION, byte),
            (1, _) => {
                if let Some(error) = ReplyError::from_code(byte) {
                    return Err(Socks5Error::Reply(error));
                }
            }
            (2, _) if byte != 0 => return Err(Socks5Error::NonZeroReserved { found: byte }),
            (2, _) => {}
            // Address and port: 4 + 2 bytes, 16 + 2, or a name's length byte
            // (read next) and then name and port.
            (3, _) => match byte {
                ATYP_IPV4 => self.skip = Some(4 + 2),
                ATYP_IPV6 => self.skip = Some(16 + 2),
                ATYP_DOMAIN => {}
                found => return Err(Socks5Error::AddressType { found }),
            },
            (_, None) => self.skip = Some(u16::from(byte) + 2),
            (_, Some(left)) => self.skip = Some(left.saturating_sub(1)),
        }
        Ok(None)
    }

    /// Records `error` for good and wipes what was not yet sent.
    fn fail(&mut self, error: Socks5Error) -> Socks5Error {
        self.phase = Phase::Failed(error);
        self.auth = Auth::None;
        self.outbox.clear();
        error
    }
}

fn expect_version(stage: Stage, expected: u8, found: u8) -> Result<Option<Stage>, Socks5Error> {
    if found == expected {
        Ok(None)
    } else {
        Err(Socks5Error::Version {
            stage,
            expected,
            found,
        })
    }
}

impl fmt::Debug for Socks5Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Socks5Client")
            .field("target", &self.target)
            .field("method", &self.method)
            .field("state", &self.state())
            .field("pending_transmit", &self.outbox.pending())
            .finish_non_exhaustive()
    }
}
