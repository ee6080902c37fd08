//! Input: bytes from the peer, cut into messages and dispatched by state.

use alloc::boxed::Box;

use super::encrypted::{Encrypted, Received};
use super::plaintext::{detect, Detected};
use super::{CloseReason, Connection, ConnectionState, Event, Transport};
use crate::message::{Message, Pong};
use crate::time::Instant;

/// Bytes that decide an inbound connection's transport.
const DETECT_LEN: usize = 16;

/// One step of reading the input.
enum Item {
    Ready(crate::identity::PeerId),
    Message(Message),
    Skipped,
    Decoy,
    Rekeyed,
    Budget(crate::shaping::Budget),
}

impl Connection {
    /// Feeds bytes received from the peer, in order, in any chunking.
    ///
    /// Bytes after a close are ignored. Never panics and never buffers
    /// more than the configured bounds, whatever the bytes.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, ConnectionState, Event, CloseReason};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// // A plaintext peer, refused by the default configuration.
    /// connection.handle_input(Instant::ZERO, b"\x51\0\0\0version\0\0\0\0\0");
    /// assert!(matches!(connection.poll_event(), Some(Event::Closed { reason: CloseReason::PlaintextRefused, .. })));
    /// ```
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) {
        if matches!(
            self.state,
            ConnectionState::Closing | ConnectionState::Closed
        ) || input.is_empty()
        {
            return;
        }
        self.stats.bytes_received += input.len() as u64;
        self.stats.last_seen = Some(now);
        if self.state == ConnectionState::Connecting {
            self.state = ConnectionState::Handshaking;
        }
        let mut input = input;
        if let Some(exchange) = &mut self.exchange {
            // Only bytes read before the handshake completes count: a peer
            // may pipeline messages right behind its verack.
            let limit = self.config.max_handshake_bytes;
            let allowed = limit.saturating_sub(exchange.bytes_received);
            let (head, tail) = input.split_at(allowed.min(input.len()));
            exchange.bytes_received += head.len();
            self.take_input(now, head);
            if tail.is_empty()
                || matches!(
                    self.state,
                    ConnectionState::Closing | ConnectionState::Closed
                )
            {
                return;
            }
            if self.exchange.is_some() {
                self.begin_close(now, CloseReason::HandshakeTooLarge { limit });
                return;
            }
            input = tail;
        }
        self.take_input(now, input);
    }

    /// Reads `input`, or holds it while the connection is paused.
    fn take_input(&mut self, now: Instant, input: &[u8]) {
        if matches!(
            self.state,
            ConnectionState::Closing | ConnectionState::Closed
        ) || input.is_empty()
        {
            return;
        }
        if self.paused() {
            self.held_input.extend_from_slice(input);
            return;
        }
        self.process_input(now, input);
    }

    /// Reads `input` to its end, or until the connection pauses or closes.
    pub(super) fn process_input(&mut self, now: Instant, mut input: &[u8]) {
        if let Transport::Detecting { prefix, .. } = &mut self.transport {
            let take = (DETECT_LEN - prefix.len()).min(input.len());
            prefix.extend_from_slice(&input[..take]);
            input = &input[take..];
            let detected = detect(prefix);
            if detected == Detected::Undecided {
                return;
            }
            let Transport::Detecting { prefix, identity } =
                core::mem::replace(&mut self.transport, Transport::Gone)
            else {
                unreachable!("matched above")
            };
            if detected == Detected::Plaintext {
                if !self.config.accept_plaintext || self.expected_peer.is_some() {
                    self.begin_close(now, CloseReason::PlaintextRefused);
                    return;
                }
                self.transport = Transport::Plaintext(Box::new(self.new_plaintext()));
            } else {
                self.transport = Transport::Encrypted(Box::new(Encrypted::responder(
                    *identity,
                    self.expected_peer,
                    self.config.max_garbage_len,
                    (self.config.shaping, self.shaping_seed),
                    &mut self.rng,
                )));
            }
            self.read_all(now, &mut &prefix[..]);
            if self.paused() {
                self.held_input.extend_from_slice(input);
                return;
            }
        }
        self.read_all(now, &mut input);
    }

    fn read_all(&mut self, now: Instant, input: &mut &[u8]) {
        loop {
            if self.state == ConnectionState::Closing || self.state == ConnectionState::Closed {
                return;
            }
            if self.paused() {
                self.held_input.extend_from_slice(input);
                *input = &[];
                return;
            }
            match self.read_item(now, input) {
                Ok(Some(item)) => {
                    if let Err(reason) = self.dispatch(now, item) {
                        self.begin_close(now, reason);
                        return;
                    }
                }
                Ok(None) => return,
                Err(reason) => {
                    self.begin_close(now, reason);
                    return;
                }
            }
        }
    }

    fn read_item(&mut self, now: Instant, input: &mut &[u8]) -> Result<Option<Item>, CloseReason> {
        match &mut self.transport {
            Transport::Plaintext(plain) => Ok(plain.read(input)?.map(Item::Message)),
            Transport::Encrypted(encrypted) => {
                let received = encrypted.read(
                    input,
                    &mut self.outbox,
                    &self.config.wire,
                    now,
                    &mut self.rng,
                )?;
                Ok(received.map(|received| match received {
                    Received::Ready(peer_id) => Item::Ready(peer_id),
                    Received::Message(message) => Item::Message(message),
                    Received::Skipped => Item::Skipped,
                    Received::Decoy => Item::Decoy,
                    Received::Rekeyed => Item::Rekeyed,
                    Received::Budget(budget) => Item::Budget(budget),
                }))
            }
            Transport::Detecting { .. } | Transport::Gone => Ok(None),
        }
    }

    fn dispatch(&mut self, now: Instant, item: Item) -> Result<(), CloseReason> {
        match item {
            Item::Ready(peer_id) => self.on_channel_ready(now, peer_id),
            Item::Skipped => self.skipped_encrypted += 1,
            Item::Decoy => self.stats.decoys_received += 1,
            Item::Budget(budget) => self.on_budget(budget)?,
            Item::Rekeyed => {
                self.stats.rekeys = self.stats.rekeys.saturating_add(1);
                self.last_rekey = now;
                self.events.push_back(Event::Rekeyed {
                    generation: self.stats.rekeys,
                });
            }
            Item::Message(message) => {
                self.stats.messages_received += 1;
                if let Message::Disconnect(bye) = message {
                    self.begin_close(now, CloseReason::Remote(bye));
                } else if self.state == ConnectionState::Connected {
                    self.on_connected_message(now, message)?;
                } else {
                    self.on_handshake_message(now, message)?;
                }
            }
        }
        Ok(())
    }

    fn on_connected_message(&mut self, now: Instant, message: Message) -> Result<(), CloseReason> {
        match message {
            Message::Version(_) | Message::Verack => Err(CloseReason::UnexpectedMessage {
                name: message.kind().name(),
                state: "connected",
            }),
            Message::Ping(ping) => {
                // A peer that sends pings but does not read our answers
                // must not grow the queue without bound.
                let limit = self.config.max_queued_bytes;
                if self.outbox.len() >= limit {
                    return Err(CloseReason::TransmitQueueFull {
                        queued: self.outbox.len(),
                        limit,
                    });
                }
                self.queue_message(now, &Message::Pong(Pong::answering(ping)))
                    .unwrap_or_else(|_| unreachable!("a pong is always valid"));
                Ok(())
            }
            Message::Pong(pong) => {
                match self.ping_in_flight {
                    Some((nonce, sent_at)) if nonce == pong.nonce => {
                        self.ping_in_flight = None;
                        let rtt = now.saturating_duration_since(sent_at);
                        self.stats.record_rtt(rtt);
                        self.events.push_back(Event::Pong { rtt });
                    }
                    _ => self.events.push_back(Event::Message(Message::Pong(pong))),
                }
                Ok(())
            }
            other => {
                self.events.push_back(Event::Message(other));
                Ok(())
            }
        }
    }
}
