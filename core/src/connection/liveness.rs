//! Deadlines: the handshake timeout, keepalive pings, pong and inactivity
//! timeouts, session rekeys and the close linger.

use super::{CloseReason, Connection, ConnectionState, TimeoutReason, Transport};
use crate::message::{Message, Ping};
use crate::time::Instant;

impl Connection {
    /// The next deadline and what happens then; `None` once closed. Call
    /// [`Connection::handle_timeout`] when it passes. Re-read after every
    /// call that changes the connection.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, TimeoutReason};
    /// # use veil_core::{identity::Identity, Instant, UnixTime, Duration};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert_eq!(
    ///     connection.poll_timeout(),
    ///     Some((Instant::ZERO + Duration::from_secs(30), TimeoutReason::Handshake))
    /// );
    /// ```
    #[must_use]
    pub fn poll_timeout(&self) -> Option<(Instant, TimeoutReason)> {
        let config = &self.config;
        match self.state {
            ConnectionState::Closed => None,
            ConnectionState::Closing => self
                .closing
                .as_ref()
                .map(|(_, until)| (*until, TimeoutReason::CloseLinger)),
            ConnectionState::Connecting | ConnectionState::Handshaking => Some((
                self.created + config.handshake_timeout,
                TimeoutReason::Handshake,
            )),
            ConnectionState::Connected => {
                let last_seen = self.stats.last_seen.unwrap_or(self.created);
                let mut deadlines = [
                    Some((
                        last_seen + config.inactivity_timeout,
                        TimeoutReason::Inactivity,
                    )),
                    self.ping_in_flight
                        .map(|(_, sent)| (sent + config.pong_timeout, TimeoutReason::Pong)),
                    self.ping_in_flight
                        .is_none()
                        .then_some((self.next_ping, TimeoutReason::Ping)),
                    None,
                    None,
                ];
                if let Transport::Encrypted(encrypted) = &self.transport {
                    deadlines[3] = Some(match encrypted.rekey_started() {
                        Some(since) => (since + config.rekey_timeout, TimeoutReason::RekeyResponse),
                        None => (
                            self.last_rekey + config.rekey_interval,
                            TimeoutReason::Rekey,
                        ),
                    });
                    deadlines[4] = encrypted
                        .shaping_deadline()
                        .map(|(at, _)| (at, TimeoutReason::Shaping));
                }
                deadlines.into_iter().flatten().min()
            }
        }
    }

    /// Acts on every deadline that has passed by `now`: closes on the
    /// handshake, pong, inactivity and rekey timeouts (each with its own
    /// reason), sends the next ping, starts a session rekey, finishes a
    /// lingering close. Calling it early does nothing.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig, ConnectionState, Event, CloseReason, TimeoutReason};
    /// # use veil_core::{identity::Identity, Instant, UnixTime, Duration};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// let (deadline, _) = connection.poll_timeout().unwrap();
    /// connection.handle_timeout(deadline);
    /// assert!(matches!(
    ///     connection.poll_event(),
    ///     Some(Event::Closed { reason: CloseReason::TimedOut(TimeoutReason::Handshake), .. })
    /// ));
    /// ```
    pub fn handle_timeout(&mut self, now: Instant) {
        // Each pass handles the earliest due deadline; a passing deadline
        // either closes or moves on, so this ends.
        for _ in 0..TimeoutReason::ALL.len() {
            let Some((deadline, reason)) = self.poll_timeout() else {
                return;
            };
            if deadline > now {
                return;
            }
            self.on_deadline(now, reason);
        }
    }

    fn on_deadline(&mut self, now: Instant, reason: TimeoutReason) {
        match reason {
            TimeoutReason::CloseLinger => {
                if let Some((reason, _)) = self.closing.take() {
                    self.finish_close(reason);
                }
            }
            TimeoutReason::Handshake
            | TimeoutReason::Pong
            | TimeoutReason::Inactivity
            | TimeoutReason::RekeyResponse => {
                self.begin_close(now, CloseReason::TimedOut(reason));
            }
            TimeoutReason::Ping => {
                let nonce = self.rng_nonce();
                self.queue_message(now, &Message::Ping(Ping { nonce }))
                    .unwrap_or_else(|_| unreachable!("a ping is always valid"));
                self.ping_in_flight = Some((nonce, now));
                self.stats.pings_sent += 1;
                self.next_ping = now + self.config.ping_interval;
            }
            TimeoutReason::Shaping => {
                if let Transport::Encrypted(encrypted) = &mut self.transport {
                    encrypted.release(now, &mut self.outbox);
                }
                self.maybe_rekey_for_volume(now);
            }
            TimeoutReason::Rekey => {
                if let Transport::Encrypted(encrypted) = &mut self.transport {
                    if !encrypted.start_rekey(&mut self.outbox, now, &mut self.rng) {
                        // Not possible right now (the peer's garbage is
                        // still outstanding): try again one interval on.
                        self.last_rekey = now;
                    }
                }
            }
        }
    }

    fn rng_nonce(&mut self) -> u64 {
        use rand_chacha::rand_core::RngCore;
        self.rng.next_u64()
    }
}
