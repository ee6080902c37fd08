//! The spec's HandshakeState for XX, sans-IO: messages go to and come from
//! the caller's buffers.

use core::fmt;

use x25519_dalek::{PublicKey, SharedSecret};
use zeroize::Zeroizing;

use super::cipher_state::CipherState;
use super::ephemeral::{decode_wire, Ephemeral};
use super::error::NoiseError;
use super::pattern::{Dh, Token, OVERHEAD, XX};
use super::static_keypair::StaticKeypair;
use super::symmetric_state::SymmetricState;
use super::{DH_LEN, HASH_LEN, KEY_LEN, MAX_MESSAGE_LEN, PROTOCOL_NAME, TAG_LEN};

/// Which side of the handshake this is.
///
/// ```
/// use veil_core::noise::{Ephemeral, Handshake, Role, StaticKeypair};
/// let handshake = Handshake::responder(
///     StaticKeypair::from_secret_bytes([1; 32]),
///     Ephemeral::from_secret_bytes([2; 32]),
///     b"",
/// );
/// assert_eq!(handshake.role(), Role::Responder);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Sends the first message (the side that dialled).
    Initiator,
    /// Answers it.
    Responder,
}

/// What the handshake needs next from its caller.
///
/// ```
/// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair, Turn};
/// let handshake = Handshake::initiator(
///     StaticKeypair::from_secret_bytes([1; 32]),
///     Ephemeral::from_secret_bytes([2; 32]),
///     b"",
/// );
/// assert_eq!(handshake.turn(), Turn::Write);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Turn {
    /// [`Handshake::write_message`] is due.
    Write,
    /// [`Handshake::read_message`] is due.
    Read,
    /// All three messages are done: take the keys.
    Finished,
}

/// Everything a message changes, kept together so that a failed message
/// can be dropped whole and the handshake stays as it was.
struct Progress {
    symmetric: SymmetricState,
    remote_static: Option<PublicKey>,
    remote_ephemeral: Option<PublicKey>,
}

impl Progress {
    fn fork(&self) -> Self {
        Progress {
            symmetric: self.symmetric.fork(),
            remote_static: self.remote_static,
            remote_ephemeral: self.remote_ephemeral,
        }
    }
}

/// One side of a `Noise_XX_25519_ChaChaPoly_SHA256` handshake.
///
/// Call [`Handshake::write_message`] and [`Handshake::read_message`] as
/// [`Handshake::turn`] says; the initiator writes first. Once
/// [`Handshake::is_finished`], take the keys with
/// [`Handshake::into_transport`] or [`Handshake::into_split_keys`].
///
/// The first message's payload travels in plaintext; the second's is
/// encrypted but its recipient is not yet authenticated; the third's is
/// fully protected.
///
/// A failed call changes nothing. Secrets are wiped on drop.
///
/// # Example
///
/// ```
/// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair, Turn};
///
/// let mut initiator = Handshake::initiator(
///     StaticKeypair::from_secret_bytes([1; 32]),
///     Ephemeral::from_secret_bytes([2; 32]),
///     b"prologue",
/// );
/// let mut first = vec![0u8; initiator.message_len(0).unwrap()];
/// initiator.write_message(&[], &mut first).unwrap();
/// assert_eq!(first.len(), 32);
/// assert_eq!(initiator.turn(), Turn::Read);
/// ```
pub struct Handshake {
    role: Role,
    local_static: StaticKeypair,
    local_ephemeral: Ephemeral,
    progress: Progress,
    messages_done: usize,
}

impl Handshake {
    /// The dialling side. Both sides must pass the same `prologue` (any
    /// context they already share, such as a network name), or the
    /// handshake fails.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, Role, StaticKeypair};
    /// let handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"veil mainnet",
    /// );
    /// assert_eq!(handshake.role(), Role::Initiator);
    /// ```
    #[must_use]
    pub fn initiator(local_static: StaticKeypair, ephemeral: Ephemeral, prologue: &[u8]) -> Self {
        Self::new(Role::Initiator, local_static, ephemeral, prologue)
    }

    /// The answering side; see [`Handshake::initiator`].
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair, Turn};
    /// let handshake = Handshake::responder(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"veil mainnet",
    /// );
    /// assert_eq!(handshake.turn(), Turn::Read);
    /// ```
    #[must_use]
    pub fn responder(local_static: StaticKeypair, ephemeral: Ephemeral, prologue: &[u8]) -> Self {
        Self::new(Role::Responder, local_static, ephemeral, prologue)
    }

    fn new(
        role: Role,
        local_static: StaticKeypair,
        local_ephemeral: Ephemeral,
        prologue: &[u8],
    ) -> Self {
        let mut symmetric = SymmetricState::new(PROTOCOL_NAME.as_bytes());
        symmetric.mix_hash(prologue);
        Handshake {
            role,
            local_static,
            local_ephemeral,
            progress: Progress {
                symmetric,
                remote_static: None,
                remote_ephemeral: None,
            },
            messages_done: 0,
        }
    }

    /// Which side this is.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, Role, StaticKeypair};
    /// let keys = || (StaticKeypair::from_secret_bytes([1; 32]), Ephemeral::from_secret_bytes([2; 32]));
    /// let (s, e) = keys();
    /// assert_eq!(Handshake::initiator(s, e, b"").role(), Role::Initiator);
    /// ```
    #[must_use]
    pub fn role(&self) -> Role {
        self.role
    }

    /// What is due next.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair, Turn};
    /// let mut handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// handshake.write_message(&[], &mut [0; 32]).unwrap();
    /// assert_eq!(handshake.turn(), Turn::Read);
    /// ```
    #[must_use]
    pub fn turn(&self) -> Turn {
        if self.messages_done == XX.len() {
            Turn::Finished
        } else if (self.messages_done % 2 == 0) == (self.role == Role::Initiator) {
            Turn::Write
        } else {
            Turn::Read
        }
    }

    /// Whether all three messages are done.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert!(!handshake.is_finished());
    /// ```
    #[must_use]
    pub fn is_finished(&self) -> bool {
        self.turn() == Turn::Finished
    }

    /// The length of the message [`Handshake::write_message`] would write
    /// next for a payload of `payload_len` bytes.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, NoiseError, StaticKeypair};
    /// let handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert_eq!(handshake.message_len(10), Ok(32 + 10));
    /// assert_eq!(
    ///     handshake.message_len(65_535),
    ///     Err(NoiseError::PayloadTooLong { len: 65_535, max: 65_535 - 32 })
    /// );
    /// ```
    pub fn message_len(&self, payload_len: usize) -> Result<usize, NoiseError> {
        if self.turn() != Turn::Write {
            return Err(NoiseError::OutOfOrder);
        }
        let overhead = OVERHEAD[self.messages_done];
        let max = MAX_MESSAGE_LEN - overhead;
        if payload_len > max {
            return Err(NoiseError::PayloadTooLong {
                len: payload_len,
                max,
            });
        }
        Ok(overhead + payload_len)
    }

    /// The length of the payload in the next message to read, if it is
    /// `message_len` bytes long: how much room
    /// [`Handshake::read_message`] needs.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let handshake = Handshake::responder(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert_eq!(handshake.payload_len(40), Ok(8));
    /// assert!(handshake.payload_len(31).is_err());
    /// ```
    pub fn payload_len(&self, message_len: usize) -> Result<usize, NoiseError> {
        if self.turn() != Turn::Read {
            return Err(NoiseError::OutOfOrder);
        }
        let min = OVERHEAD[self.messages_done];
        if !(min..=MAX_MESSAGE_LEN).contains(&message_len) {
            return Err(NoiseError::WrongMessageLength {
                len: message_len,
                min,
                max: MAX_MESSAGE_LEN,
            });
        }
        Ok(message_len - min)
    }

    /// Writes the next handshake message, carrying `payload`, at the start
    /// of `out`; returns its length, [`Handshake::message_len`].
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, NoiseError, StaticKeypair};
    /// let mut handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// let mut out = [0u8; 64];
    /// assert_eq!(handshake.write_message(b"hello", &mut out), Ok(37));
    /// // Now it is the responder's turn to write.
    /// assert_eq!(handshake.write_message(b"", &mut out), Err(NoiseError::OutOfOrder));
    /// ```
    pub fn write_message(&mut self, payload: &[u8], out: &mut [u8]) -> Result<usize, NoiseError> {
        let required = self.message_len(payload.len())?;
        if out.len() < required {
            return Err(NoiseError::BufferTooSmall {
                required,
                available: out.len(),
            });
        }
        let mut next = self.progress.fork();
        let mut written = 0;
        for &token in XX[self.messages_done] {
            match token {
                Token::E => {
                    let wire = self.local_ephemeral.wire_bytes();
                    out[written..written + DH_LEN].copy_from_slice(&wire);
                    next.symmetric.mix_hash(&wire);
                    written += DH_LEN;
                }
                Token::S => {
                    let public = self.local_static.public_key();
                    written += next
                        .symmetric
                        .encrypt_and_hash(&public, &mut out[written..])?;
                }
                Token::Dh(dh) => {
                    let shared = self.diffie_hellman(&next, dh)?;
                    next.symmetric.mix_key(shared.as_bytes());
                }
            }
        }
        written += next
            .symmetric
            .encrypt_and_hash(payload, &mut out[written..])?;
        self.commit(next);
        Ok(written)
    }

    /// Reads the next handshake message and decrypts its payload into the
    /// start of `payload_out`; returns the payload's length,
    /// [`Handshake::payload_len`].
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let keys = |n| (StaticKeypair::from_secret_bytes([n; 32]), Ephemeral::from_secret_bytes([n + 1; 32]));
    /// let ((s1, e1), (s2, e2)) = (keys(1), keys(3));
    /// let (mut initiator, mut responder) = (Handshake::initiator(s1, e1, b""), Handshake::responder(s2, e2, b""));
    ///
    /// let mut message = [0u8; 64];
    /// let len = initiator.write_message(b"hi", &mut message).unwrap();
    /// let mut payload = [0u8; 2];
    /// assert_eq!(responder.read_message(&message[..len], &mut payload), Ok(2));
    /// assert_eq!(&payload, b"hi");
    /// ```
    pub fn read_message(
        &mut self,
        message: &[u8],
        payload_out: &mut [u8],
    ) -> Result<usize, NoiseError> {
        let payload_len = self.payload_len(message.len())?;
        if payload_out.len() < payload_len {
            return Err(NoiseError::BufferTooSmall {
                required: payload_len,
                available: payload_out.len(),
            });
        }
        let mut next = self.progress.fork();
        let mut rest = message;
        for &token in XX[self.messages_done] {
            match token {
                Token::E => {
                    let wire = take_ephemeral(&mut rest)?;
                    next.remote_ephemeral = Some(decode_wire(wire));
                    next.symmetric.mix_hash(wire);
                }
                Token::S => {
                    let tag_len = if next.symmetric.has_key() { TAG_LEN } else { 0 };
                    let field = take(&mut rest, DH_LEN + tag_len)?;
                    let mut public = [0u8; DH_LEN];
                    next.symmetric.decrypt_and_hash(field, &mut public)?;
                    next.remote_static = Some(PublicKey::from(public));
                }
                Token::Dh(dh) => {
                    let shared = self.diffie_hellman(&next, dh)?;
                    next.symmetric.mix_key(shared.as_bytes());
                }
            }
        }
        let len = next.symmetric.decrypt_and_hash(rest, payload_out)?;
        self.commit(next);
        Ok(len)
    }

    /// The handshake hash `h` once finished: a value both sides share and
    /// no one else can choose, for channel binding (sign it to tie another
    /// identity to this session). `None` before.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert_eq!(handshake.handshake_hash(), None);
    /// ```
    #[must_use]
    pub fn handshake_hash(&self) -> Option<[u8; HASH_LEN]> {
        self.is_finished()
            .then(|| self.progress.symmetric.handshake_hash())
    }

    /// The transcript hash so far: everything written and read up to now.
    ///
    /// Both sides hold the same value between messages, so a payload can be
    /// bound to the session by signing it: the responder's identity proof in
    /// message 2 signs the hash after message 1 (which carries the
    /// initiator's fresh ephemeral key), the initiator's proof in message 3
    /// the hash after message 2. Use [`Handshake::handshake_hash`] for the
    /// final value.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let mut initiator = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// let mut responder = Handshake::responder(
    ///     StaticKeypair::from_secret_bytes([3; 32]),
    ///     Ephemeral::from_secret_bytes([4; 32]),
    ///     b"",
    /// );
    /// let mut message = vec![0u8; initiator.message_len(0).unwrap()];
    /// let len = initiator.write_message(&[], &mut message).unwrap();
    /// responder.read_message(&message[..len], &mut []).unwrap();
    /// assert_eq!(initiator.transcript_hash(), responder.transcript_hash());
    /// ```
    #[must_use]
    pub fn transcript_hash(&self) -> [u8; HASH_LEN] {
        self.progress.symmetric.handshake_hash()
    }

    /// A 32-byte secret for `label`, derived from the chaining key as it is
    /// now, or `None` before the first Diffie-Hellman result is mixed in
    /// (until then the chaining key is public).
    ///
    /// Both sides get the same value between the same two messages, and no
    /// one without an ephemeral secret can compute it. veil derives its
    /// garbage terminators this way after message 2. The handshake itself is
    /// not changed; `label` must not be empty.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let keys = |n| (StaticKeypair::from_secret_bytes([n; 32]), Ephemeral::from_secret_bytes([n + 1; 32]));
    /// let ((s1, e1), (s2, e2)) = (keys(1), keys(3));
    /// let (mut initiator, mut responder) = (Handshake::initiator(s1, e1, b""), Handshake::responder(s2, e2, b""));
    /// assert!(initiator.export_secret(b"label").is_none());
    ///
    /// let mut buf = [0u8; 256];
    /// let len = initiator.write_message(&[], &mut buf).unwrap();
    /// responder.read_message(&buf[..len], &mut []).unwrap();
    /// let len = responder.write_message(&[], &mut buf).unwrap();
    /// initiator.read_message(&buf[..len], &mut []).unwrap();
    /// let secret = initiator.export_secret(b"label").unwrap();
    /// assert_eq!(*secret, *responder.export_secret(b"label").unwrap());
    /// assert_ne!(*secret, *initiator.export_secret(b"other").unwrap());
    /// ```
    #[must_use]
    pub fn export_secret(&self, label: &[u8]) -> Option<Zeroizing<[u8; HASH_LEN]>> {
        assert!(!label.is_empty(), "an export label must not be empty");
        let symmetric = &self.progress.symmetric;
        symmetric.has_key().then(|| symmetric.export(label))
    }

    /// This side's static public key (the key an identity proof signs).
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let statics = StaticKeypair::from_secret_bytes([1; 32]);
    /// let public = statics.public_key();
    /// let handshake = Handshake::initiator(statics, Ephemeral::from_secret_bytes([2; 32]), b"");
    /// assert_eq!(handshake.local_static_public(), public);
    /// ```
    #[must_use]
    pub fn local_static_public(&self) -> [u8; DH_LEN] {
        self.local_static.public_key()
    }

    /// The peer's static public key, once the message carrying it has been
    /// read (the second for the initiator, the third for the responder).
    /// Having read it means the peer proved it holds the matching secret.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let handshake = Handshake::responder(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert_eq!(handshake.remote_static(), None);
    /// ```
    #[must_use]
    pub fn remote_static(&self) -> Option<[u8; DH_LEN]> {
        self.progress
            .remote_static
            .as_ref()
            .map(PublicKey::to_bytes)
    }

    /// The two transport ciphers, oriented for this side. Fails with
    /// [`NoiseError::OutOfOrder`] (and drops the handshake) if not
    /// finished.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, NoiseError, StaticKeypair};
    /// let handshake = Handshake::initiator(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert_eq!(handshake.into_transport().unwrap_err(), NoiseError::OutOfOrder);
    /// ```
    pub fn into_transport(self) -> Result<Transport, NoiseError> {
        self.into_split_keys().map(SplitKeys::into_transport)
    }

    /// The raw keys of the spec's `Split()`, oriented for this side, for a
    /// record layer other than Noise's own (such as [`crate::packet`]).
    /// Fails with [`NoiseError::OutOfOrder`] (and drops the handshake) if
    /// not finished.
    ///
    /// ```
    /// use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
    /// let handshake = Handshake::responder(
    ///     StaticKeypair::from_secret_bytes([1; 32]),
    ///     Ephemeral::from_secret_bytes([2; 32]),
    ///     b"",
    /// );
    /// assert!(handshake.into_split_keys().is_err());
    /// ```
    pub fn into_split_keys(self) -> Result<SplitKeys, NoiseError> {
        let Some(handshake_hash) = self.handshake_hash() else {
            return Err(NoiseError::OutOfOrder);
        };
        let [initiator_to_responder, responder_to_initiator] = self.progress.symmetric.split();
        let (send, receive) = match self.role {
            Role::Initiator => (initiator_to_responder, responder_to_initiator),
            Role::Responder => (responder_to_initiator, initiator_to_responder),
        };
        Ok(SplitKeys {
            send,
            receive,
            handshake_hash,
        })
    }

    fn commit(&mut self, next: Progress) {
        self.progress = next;
        self.messages_done += 1;
    }

    /// The DH a token names, from this side's point of view. An all-zero
    /// result (the peer sent a low-order point) is refused: the spec allows
    /// it, and it keeps a forced, publicly known key out of the chain.
    fn diffie_hellman(&self, progress: &Progress, dh: Dh) -> Result<SharedSecret, NoiseError> {
        let ephemeral = self.local_ephemeral.secret();
        let fixed = self.local_static.secret();
        let (local, remote) = match (dh, self.role) {
            (Dh::Ee, _) => (ephemeral, progress.remote_ephemeral),
            (Dh::Es, Role::Initiator) | (Dh::Se, Role::Responder) => {
                (ephemeral, progress.remote_static)
            }
            (Dh::Es, Role::Responder) | (Dh::Se, Role::Initiator) => {
                (fixed, progress.remote_ephemeral)
            }
        };
        // XX sends every key before a DH uses it; kept an error, not a panic.
        let remote = remote.ok_or(NoiseError::OutOfOrder)?;
        let shared = local.diffie_hellman(&remote);
        if shared.was_contributory() {
            Ok(shared)
        } else {
            Err(NoiseError::WeakPublicKey)
        }
    }
}

impl fmt::Debug for Handshake {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handshake")
            .field("role", &self.role)
            .field("turn", &self.turn())
            .field("remote_static", &self.remote_static())
            .finish_non_exhaustive()
    }
}

/// Splits `len` bytes off the front of `rest`.
fn take<'a>(rest: &mut &'a [u8], len: usize) -> Result<&'a [u8], NoiseError> {
    if rest.len() < len {
        // Unreachable after `payload_len`'s check; an error all the same.
        return Err(NoiseError::WrongMessageLength {
            len: rest.len(),
            min: len,
            max: MAX_MESSAGE_LEN,
        });
    }
    let (field, tail) = rest.split_at(len);
    *rest = tail;
    Ok(field)
}

fn take_ephemeral<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8; DH_LEN], NoiseError> {
    let field = take(rest, DH_LEN)?;
    field
        .try_into()
        .map_err(|_| NoiseError::WrongMessageLength {
            len: field.len(),
            min: DH_LEN,
            max: DH_LEN,
        })
}

/// The two keys of a finished handshake, oriented for one side: what it
/// sends under and what it receives under. Wiped on drop.
///
/// Use these or [`Transport`], never both: two ciphers on one key would
/// reuse nonces.
///
/// # Example
///
/// ```
/// use veil_core::noise::SplitKeys;
///
/// let keys = SplitKeys::from_keys([1; 32], [2; 32], [0; 32]);
/// let mut transport = keys.into_transport();
/// let mut message = [0u8; 16];
/// transport.send.encrypt(b"", &mut message).unwrap();
/// ```
pub struct SplitKeys {
    send: Zeroizing<[u8; KEY_LEN]>,
    receive: Zeroizing<[u8; KEY_LEN]>,
    handshake_hash: [u8; HASH_LEN],
}

impl SplitKeys {
    /// Keys from elsewhere, such as a peer's side of a test.
    ///
    /// ```
    /// let keys = veil_core::noise::SplitKeys::from_keys([1; 32], [2; 32], [3; 32]);
    /// assert_eq!(keys.receive_key(), &[2; 32]);
    /// ```
    #[must_use]
    pub fn from_keys(
        send: [u8; KEY_LEN],
        receive: [u8; KEY_LEN],
        handshake_hash: [u8; HASH_LEN],
    ) -> Self {
        SplitKeys {
            send: Zeroizing::new(send),
            receive: Zeroizing::new(receive),
            handshake_hash,
        }
    }

    /// The key this side encrypts under.
    ///
    /// ```
    /// let keys = veil_core::noise::SplitKeys::from_keys([1; 32], [2; 32], [3; 32]);
    /// assert_eq!(keys.send_key(), &[1; 32]);
    /// ```
    #[must_use]
    pub fn send_key(&self) -> &[u8; KEY_LEN] {
        &self.send
    }

    /// The key this side decrypts under: the peer's send key.
    ///
    /// ```
    /// let keys = veil_core::noise::SplitKeys::from_keys([1; 32], [2; 32], [3; 32]);
    /// assert_eq!(keys.receive_key(), &[2; 32]);
    /// ```
    #[must_use]
    pub fn receive_key(&self) -> &[u8; KEY_LEN] {
        &self.receive
    }

    /// The finished handshake's hash; see [`Handshake::handshake_hash`].
    ///
    /// ```
    /// let keys = veil_core::noise::SplitKeys::from_keys([1; 32], [2; 32], [3; 32]);
    /// assert_eq!(keys.handshake_hash(), [3; 32]);
    /// ```
    #[must_use]
    pub fn handshake_hash(&self) -> [u8; HASH_LEN] {
        self.handshake_hash
    }

    /// Noise's own transport ciphers on these keys, each at nonce 0.
    ///
    /// ```
    /// let transport = veil_core::noise::SplitKeys::from_keys([1; 32], [2; 32], [3; 32]).into_transport();
    /// assert_eq!(transport.receive.nonce(), 0);
    /// ```
    #[must_use]
    pub fn into_transport(self) -> Transport {
        Transport {
            send: CipherState::with_key(self.send),
            receive: CipherState::with_key(self.receive),
            handshake_hash: self.handshake_hash,
        }
    }
}

impl fmt::Debug for SplitKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SplitKeys")
            .field("handshake_hash", &self.handshake_hash)
            .finish_non_exhaustive()
    }
}

/// Noise's transport phase for one side: a cipher for each direction.
///
/// # Example
///
/// ```
/// use veil_core::noise::SplitKeys;
///
/// let mut alice = SplitKeys::from_keys([1; 32], [2; 32], [0; 32]).into_transport();
/// let mut bob = SplitKeys::from_keys([2; 32], [1; 32], [0; 32]).into_transport();
/// let mut message = [0u8; 32];
/// let len = alice.send.encrypt(b"hi", &mut message).unwrap();
/// assert_eq!(bob.receive.decrypt(&message[..len], &mut [0; 2]), Ok(2));
/// ```
#[derive(Debug)]
pub struct Transport {
    /// Encrypts what this side sends.
    pub send: CipherState,
    /// Decrypts what the peer sends.
    pub receive: CipherState,
    /// The finished handshake's hash; see [`Handshake::handshake_hash`].
    pub handshake_hash: [u8; HASH_LEN],
}
