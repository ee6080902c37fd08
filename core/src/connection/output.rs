//! Output and closing: sending messages, the transmit queue, events, and
//! the graceful and immediate close paths.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

use super::{CloseReason, Connection, ConnectionState, Event, Transport};
use crate::message::{Disconnect, DisconnectReason, Message, MessageKind};
use crate::time::Instant;
use crate::wire::EncodeError;

/// Why [`Connection::send`] refused a message. The message was not queued.
///
/// # Example
///
/// ```
/// use veil_core::connection::{ConnectionState, SendError};
/// let error = SendError::NotConnected { state: ConnectionState::Handshaking };
/// assert_eq!(error.to_string(), "cannot send while handshaking");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// Messages can be sent only while connected.
    NotConnected {
        /// The state at the time.
        state: ConnectionState,
    },
    /// `version`, `verack` and `disconnect` belong to the connection (use
    /// [`Connection::close`] to disconnect).
    Reserved {
        /// The message's type.
        kind: MessageKind,
    },
    /// The transmit queue holds `max_queued_bytes` already; drain
    /// [`Connection::poll_transmit`] first.
    QueueFull {
        /// Bytes queued.
        queued: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The message breaks a limit its peer would enforce (a count, or the
    /// size limit of its type or of the configuration).
    Invalid(EncodeError),
}

impl core::fmt::Display for SendError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SendError::NotConnected { state } => write!(f, "cannot send while {}", state.as_str()),
            SendError::Reserved { kind } => {
                write!(f, "{} is sent by the connection itself", kind.name())
            }
            SendError::QueueFull { queued, limit } => {
                write!(
                    f,
                    "transmit queue full: {queued} bytes queued, limit {limit}"
                )
            }
            SendError::Invalid(error) => write!(f, "invalid message: {error}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SendError {}

impl Connection {
    /// Queues a message for the peer. Only while connected; `version`,
    /// `verack` and `disconnect` are the connection's own.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, SendError, ConnectionState};
    /// # use veil_core::{identity::Identity, message::Message, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(
    ///     connection.send(Instant::ZERO, Message::GetAddr),
    ///     Err(SendError::NotConnected { state: ConnectionState::Connecting })
    /// );
    /// ```
    pub fn send(&mut self, now: Instant, message: Message) -> Result<(), SendError> {
        if self.state != ConnectionState::Connected {
            return Err(SendError::NotConnected { state: self.state });
        }
        let kind = message.kind();
        if matches!(
            kind,
            MessageKind::Version | MessageKind::Verack | MessageKind::Disconnect
        ) {
            return Err(SendError::Reserved { kind });
        }
        let limit = self.config.max_queued_bytes;
        let queued = self.queued_bytes();
        if queued >= limit {
            return Err(SendError::QueueFull { queued, limit });
        }
        self.queue_message(now, &message)
            .map_err(SendError::Invalid)?;
        self.maybe_rekey_for_volume(now);
        Ok(())
    }

    /// Starts a graceful close: a `disconnect` with `reason` is queued after
    /// everything already queued, and the connection is
    /// [`ConnectionState::Closing`] until [`Connection::poll_transmit`] has
    /// drained it (or `close_linger` passes). Closes at once when nothing
    /// can be sent yet. Does nothing if already closing.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, ConnectionState, Event, CloseReason};
    /// # use veil_core::{identity::Identity, message::DisconnectReason, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// connection.close(Instant::ZERO, DisconnectReason::Shutdown);
    /// assert_eq!(
    ///     connection.poll_event(),
    ///     Some(Event::Closed { reason: CloseReason::Local(DisconnectReason::Shutdown), unsent_bytes: 0 })
    /// );
    /// ```
    pub fn close(&mut self, now: Instant, reason: DisconnectReason) {
        self.begin_close(now, CloseReason::Local(reason));
    }

    /// Reports that the byte stream ended (EOF or a socket error). A
    /// closing connection finishes its close; any other closes with
    /// [`CloseReason::TransportEnded`].
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, ConnectionState};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// connection.handle_eof(Instant::ZERO);
    /// assert_eq!(connection.state(), ConnectionState::Closed);
    /// ```
    pub fn handle_eof(&mut self, _now: Instant) {
        match self.closing.take() {
            Some((reason, _)) => self.finish_close(reason),
            None if self.state != ConnectionState::Closed => {
                self.finish_close(CloseReason::TransportEnded);
            }
            None => {}
        }
    }

    /// Copies queued bytes into `buf`; returns how many (0 when nothing is
    /// queued). Call until it returns 0 after every input.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let mut first_flight = Vec::new();
    /// let mut buf = [0u8; 100];
    /// loop {
    ///     let n = connection.poll_transmit(&mut buf);
    ///     if n == 0 { break; }
    ///     first_flight.extend_from_slice(&buf[..n]);
    /// }
    /// assert!((32..=32 + 4095).contains(&first_flight.len()));
    /// ```
    #[must_use]
    pub fn poll_transmit(&mut self, buf: &mut [u8]) -> usize {
        let n = self.outbox.pop_into(buf);
        self.transmitted(n);
        n
    }

    /// The queued bytes, lent without copying: write what the socket takes
    /// straight from here, then report it with
    /// [`Connection::advance_transmit`]. An alternative to
    /// [`Connection::poll_transmit`] that saves a copy.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let mut socket = Vec::new();
    /// while !connection.transmit_slice().is_empty() {
    ///     // A socket that takes at most 10 bytes per write.
    ///     let taken = connection.transmit_slice().len().min(10);
    ///     socket.extend_from_slice(&connection.transmit_slice()[..taken]);
    ///     connection.advance_transmit(taken);
    /// }
    /// assert!(socket.len() >= 32);
    /// ```
    #[must_use]
    pub fn transmit_slice(&self) -> &[u8] {
        self.outbox.front()
    }

    /// Marks the first `n` bytes of [`Connection::transmit_slice`] as sent
    /// (at most all of them).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let queued = connection.queued_bytes();
    /// connection.advance_transmit(usize::MAX);
    /// assert_eq!(connection.stats().bytes_sent, queued as u64);
    /// assert!(connection.transmit_slice().is_empty());
    /// ```
    pub fn advance_transmit(&mut self, n: usize) {
        let n = n.min(self.outbox.len());
        self.outbox.advance(n);
        self.transmitted(n);
    }

    /// Bookkeeping once `n` bytes left the queue.
    pub(super) fn transmitted(&mut self, n: usize) {
        self.stats.bytes_sent += n as u64;
        if self.outbox.is_empty() && self.state == ConnectionState::Closing {
            if let Some((reason, _)) = self.closing.take() {
                self.finish_close(reason);
            }
        }
    }

    /// The next event, if any. Call until `None` after every input.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(connection.poll_event(), None);
    /// ```
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        let event = self.events.pop_front();
        if event.is_none() && self.events.capacity() > 0 {
            // Idle connections hold no event buffer.
            self.events = VecDeque::new();
        }
        event
    }

    /// Queues one encrypted packet with arbitrary contents, bypassing every
    /// check: a peer sending authenticated nonsense, for fuzzing and
    /// tests. Does nothing unless the encrypted channel can send.
    #[doc(hidden)]
    pub fn queue_raw_packet_for_testing(&mut self, contents: &[u8], decoy: bool) {
        let header = if decoy { 0x80 } else { 0 };
        self.queue_raw_packet_with_header_for_testing(contents, header);
    }

    /// As `queue_raw_packet_for_testing`, with any header byte (padding and
    /// fragment flags included).
    #[doc(hidden)]
    pub fn queue_raw_packet_with_header_for_testing(&mut self, contents: &[u8], header: u8) {
        if let Transport::Encrypted(encrypted) = &mut self.transport {
            if encrypted.can_send() {
                encrypted.send_raw(contents, header, &mut self.outbox);
            }
        }
    }

    /// Starts recording the wire size of every encrypted packet sealed from
    /// now on, for traffic measurements (the shaping harness). Does
    /// nothing before the encrypted transport is chosen.
    #[doc(hidden)]
    pub fn record_packet_sizes_for_testing(&mut self) {
        if let Transport::Encrypted(encrypted) = &mut self.transport {
            encrypted.log_packets();
        }
    }

    /// The wire sizes recorded since the last call, in sending order.
    #[doc(hidden)]
    pub fn take_packet_sizes_for_testing(&mut self) -> Vec<u32> {
        match &mut self.transport {
            Transport::Encrypted(encrypted) => encrypted.take_packet_log(),
            _ => Vec::new(),
        }
    }

    /// Queues a message on whichever transport is up.
    pub(super) fn queue_message(
        &mut self,
        now: Instant,
        message: &Message,
    ) -> Result<(), EncodeError> {
        match &mut self.transport {
            Transport::Plaintext(plain) => {
                plain.send_message(message, &mut self.outbox, &mut self.rng)?;
            }
            Transport::Encrypted(encrypted) => {
                encrypted.send_message(message, &mut self.outbox, &self.config.wire, now)?;
            }
            Transport::Detecting { .. } | Transport::Gone => {
                unreachable!("messages are queued only once a transport is up")
            }
        }
        self.stats.messages_sent += 1;
        Ok(())
    }

    /// Whether a message could be sent now.
    pub(super) fn can_send(&self) -> bool {
        match &self.transport {
            Transport::Plaintext(_) => true,
            Transport::Encrypted(encrypted) => encrypted.can_send(),
            Transport::Detecting { .. } | Transport::Gone => false,
        }
    }

    /// Closes for `reason`: gracefully (a `disconnect`, then drain) when a
    /// message can still be sent, at once otherwise.
    pub(super) fn begin_close(&mut self, now: Instant, reason: CloseReason) {
        if matches!(
            self.state,
            ConnectionState::Closing | ConnectionState::Closed
        ) {
            return;
        }
        let peer_left = matches!(reason, CloseReason::Remote(_) | CloseReason::TransportEnded);
        if peer_left || !self.can_send() {
            self.finish_close(reason);
            return;
        }
        let goodbye = Message::Disconnect(Disconnect {
            reason: reason.disconnect_reason(),
            text: String::new(),
        });
        if self.queue_message(now, &goodbye).is_err() {
            self.finish_close(reason);
            return;
        }
        // Nothing waits in shaping once closing: the messages held, then
        // the goodbye, go out now.
        if let Transport::Encrypted(encrypted) = &mut self.transport {
            encrypted.flush(now, &mut self.outbox);
        }
        self.state = ConnectionState::Closing;
        self.closing = Some((reason, now + self.config.close_linger));
    }

    /// Enters [`ConnectionState::Closed`], frees the transport and reports
    /// the close.
    pub(super) fn finish_close(&mut self, reason: CloseReason) {
        let unsent_bytes = self.outbox.clear() + self.held_bytes();
        self.state = ConnectionState::Closed;
        self.transport = Transport::Gone;
        self.exchange = None;
        self.closing = None;
        self.held_input = Vec::new();
        self.ping_in_flight = None;
        self.events.push_back(Event::Closed {
            reason,
            unsent_bytes,
        });
    }

    /// Starts a session rekey when enough bytes went out under one key.
    pub(super) fn maybe_rekey_for_volume(&mut self, now: Instant) {
        if let Transport::Encrypted(encrypted) = &mut self.transport {
            if encrypted.bytes_since_rekey() >= self.config.rekey_after_bytes {
                encrypted.start_rekey(&mut self.outbox, now, &mut self.rng);
            }
        }
    }
}
