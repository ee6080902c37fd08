//! The version handshake: `version` and `verack` in the seed's order, and
//! the rules a peer's `version` must pass.

use alloc::boxed::Box;

use super::{CloseReason, Connection, ConnectionState, Event, HandshakeInfo, LocalVersion};
use super::{Transport, TransportKind};
use crate::identity::PeerId;
use crate::message::{Message, Version};
use crate::shaping::{feature, Budget, Negotiated};
use crate::time::Instant;

/// Largest payload accepted before the handshake completes (plaintext
/// transport); a `version` with the longest user agent fits.
pub(super) const HANDSHAKE_MAX_PAYLOAD: u32 = 1024;

/// The exchange's progress; dropped once connected.
pub(super) struct VersionExchange {
    best_block_hash: [u8; 32],
    best_block_height: u64,
    version_sent: bool,
    /// The peer's `version`, once it passed every check.
    remote: Option<Version>,
    /// The peer's `version` while the caller checks its nonce.
    pub(super) awaiting_nonce_check: Option<Version>,
    verack_received: bool,
    /// The peer's traffic-shaping budget, when its `version` announced
    /// shaping features.
    remote_budget: Option<Budget>,
    pub(super) peer_id: Option<PeerId>,
    /// Bytes received so far.
    pub(super) bytes_received: usize,
}

impl VersionExchange {
    pub(super) fn new(local: &LocalVersion) -> VersionExchange {
        VersionExchange {
            best_block_hash: local.best_block_hash,
            best_block_height: local.best_block_height,
            version_sent: false,
            remote: None,
            awaiting_nonce_check: None,
            verack_received: false,
            remote_budget: None,
            peer_id: None,
            bytes_received: 0,
        }
    }
}

impl Connection {
    /// Sets the best block announced in this side's `version`; takes effect
    /// only if called before the version is sent (outbound: before the
    /// Noise handshake completes; inbound: before the peer's version
    /// arrives).
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::outbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// assert!(connection.set_best_block([7; 32], 1234));
    /// ```
    pub fn set_best_block(&mut self, hash: [u8; 32], height: u64) -> bool {
        match &mut self.exchange {
            Some(exchange) if !exchange.version_sent => {
                exchange.best_block_hash = hash;
                exchange.best_block_height = height;
                true
            }
            _ => false,
        }
    }

    /// Answers [`Event::CheckNonce`]: `is_local` tells whether the peer's
    /// nonce is one this node sent on another connection (then this is a
    /// self-connection and closes). Otherwise the handshake goes on with
    /// the input held meanwhile. Does nothing if no check is pending.
    ///
    /// ```
    /// # use std::sync::Arc;
    /// # use rand_chacha::rand_core::SeedableRng;
    /// # use veil_core::connection::{Connection, ConnectionConfig};
    /// # use veil_core::{identity::Identity, Instant, UnixTime};
    /// # let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    /// # let identity = Identity::generate(&mut rng);
    /// let mut connection = Connection::inbound(Arc::new(ConnectionConfig::default()), &identity, None, Instant::ZERO, UnixTime::EPOCH, &mut rng).unwrap();
    /// connection.resolve_nonce_check(Instant::ZERO, false); // none pending: no effect
    /// ```
    pub fn resolve_nonce_check(&mut self, now: Instant, is_local: bool) {
        let Some(version) = self
            .exchange
            .as_mut()
            .and_then(|exchange| exchange.awaiting_nonce_check.take())
        else {
            return;
        };
        if matches!(
            self.state,
            ConnectionState::Closing | ConnectionState::Closed
        ) {
            return;
        }
        if is_local {
            self.begin_close(now, CloseReason::SelfConnection);
            return;
        }
        self.accept_version(now, version);
        let held = core::mem::take(&mut self.held_input);
        self.process_input(now, &held);
    }

    /// Queues this side's `version`.
    pub(super) fn send_version(&mut self, now: Instant) {
        let timestamp = self.wall_clock(now);
        let nonce = self.local_nonce;
        let privacy_features = self.config.announced_privacy_features();
        let local = &self.config.local;
        let Some(exchange) = &mut self.exchange else {
            return;
        };
        exchange.version_sent = true;
        let version = Version {
            protocol_version: local.protocol_version,
            timestamp,
            features: local.features,
            privacy_features,
            user_agent: local.user_agent.clone(),
            best_block_hash: exchange.best_block_hash,
            best_block_height: exchange.best_block_height,
            nonce,
        };
        self.queue_message(now, &Message::Version(version))
            .unwrap_or_else(|_| unreachable!("the configuration was validated"));
        // Shaping features announced: the budget follows at once, so the
        // peer has both before this side's `verack`.
        if privacy_features & feature::ALL != 0 {
            let budget = self.config.shaping.budget;
            if let Transport::Encrypted(encrypted) = &mut self.transport {
                encrypted.send_budget(budget, &mut self.outbox, now);
            }
        }
    }

    /// The peer's `privacy_budget`: allowed once, after a `version` that
    /// announced shaping features and before its `verack`.
    pub(super) fn on_budget(&mut self, budget: Budget) -> Result<(), CloseReason> {
        let unexpected = |state| CloseReason::UnexpectedMessage {
            name: "privacy_budget",
            state,
        };
        let Some(exchange) = &mut self.exchange else {
            return Err(unexpected("connected"));
        };
        let announced = exchange
            .remote
            .as_ref()
            .is_some_and(|remote| remote.privacy_features & feature::ALL != 0);
        if !announced || exchange.remote_budget.is_some() {
            return Err(unexpected("handshaking"));
        }
        exchange.remote_budget = Some(budget);
        Ok(())
    }

    /// The encrypted channel is up: the peer proved `peer_id`.
    pub(super) fn on_channel_ready(&mut self, now: Instant, peer_id: PeerId) {
        if let Some(exchange) = &mut self.exchange {
            exchange.peer_id = Some(peer_id);
        }
        if self.outbound {
            self.send_version(now);
        }
    }

    /// A message before the handshake completed.
    pub(super) fn on_handshake_message(
        &mut self,
        now: Instant,
        message: Message,
    ) -> Result<(), CloseReason> {
        let (has_remote, verack_received) = match &self.exchange {
            Some(exchange) => (exchange.remote.is_some(), exchange.verack_received),
            None => unreachable!("the exchange lives until connected"),
        };
        let handshaking = |name| CloseReason::UnexpectedMessage {
            name,
            state: "handshaking",
        };
        match message {
            Message::Version(_) if has_remote => Err(handshaking("version")),
            Message::Version(version) => {
                self.check_version(now, &version)?;
                if self.config.check_self_connection {
                    self.events.push_back(Event::CheckNonce {
                        remote_nonce: version.nonce,
                    });
                    if let Some(exchange) = &mut self.exchange {
                        exchange.awaiting_nonce_check = Some(version);
                    }
                } else {
                    self.accept_version(now, version);
                }
                Ok(())
            }
            // The peer sends `verack` only after our `version`, and after
            // its own `version`.
            Message::Verack if !has_remote || verack_received => Err(handshaking("verack")),
            Message::Verack => {
                if let Some(exchange) = &mut self.exchange {
                    let announced = exchange
                        .remote
                        .as_ref()
                        .is_some_and(|remote| remote.privacy_features & feature::ALL != 0);
                    let encrypted = matches!(self.transport, Transport::Encrypted(_));
                    if announced && encrypted && exchange.remote_budget.is_none() {
                        return Err(handshaking_budget());
                    }
                    exchange.verack_received = true;
                }
                self.complete(now);
                Ok(())
            }
            other => Err(handshaking(other.kind().name())),
        }
    }

    /// The rules of the seed and of this node's configuration.
    fn check_version(&self, now: Instant, version: &Version) -> Result<(), CloseReason> {
        let config = &self.config;
        if version.protocol_version < config.min_protocol_version {
            return Err(CloseReason::IncompatibleVersion {
                remote: version.protocol_version,
                min: config.min_protocol_version,
            });
        }
        let missing = config.required_features & !version.features;
        let missing_privacy = config.required_privacy_features & !version.privacy_features;
        if missing != 0 || missing_privacy != 0 {
            return Err(CloseReason::MissingFeatures {
                features: missing,
                privacy_features: missing_privacy,
            });
        }
        let skew = version.timestamp.abs_diff(self.wall_clock(now));
        if skew > config.max_clock_skew {
            return Err(CloseReason::ClockSkew {
                skew,
                max: config.max_clock_skew,
            });
        }
        if version.nonce == self.local_nonce {
            return Err(CloseReason::SelfConnection);
        }
        Ok(())
    }

    /// The peer's `version` passed: answer it.
    fn accept_version(&mut self, now: Instant, version: Version) {
        let needs_version = !self.outbound;
        if let Some(exchange) = &mut self.exchange {
            exchange.remote = Some(version);
        }
        if needs_version {
            self.send_version(now);
        }
        self.queue_message(now, &Message::Verack)
            .unwrap_or_else(|_| unreachable!("verack is empty"));
    }

    /// Both `version`s checked and the peer's `verack` in: connected.
    fn complete(&mut self, now: Instant) {
        let Some(exchange) = self.exchange.take() else {
            return;
        };
        let Some(remote) = exchange.remote else {
            unreachable!("verack is accepted only after the peer's version")
        };
        let max_payload = self.config.wire.max_payload_len;
        let mut shaping = Negotiated {
            features: 0,
            budget: Budget::NONE,
        };
        let transport = match &mut self.transport {
            Transport::Plaintext(plain) => {
                plain.set_max_payload_len(max_payload);
                // Padding frames only to a peer that announced padding
                // (it then understands them whatever its policy).
                let both = self.config.announced_privacy_features() & remote.privacy_features;
                let padding = self.config.shaping.padding;
                let bit = match padding {
                    crate::shaping::PaddingPolicy::None => 0,
                    crate::shaping::PaddingPolicy::Random { .. } => feature::RANDOM_PADDING,
                    crate::shaping::PaddingPolicy::Buckets => feature::BUCKET_PADDING,
                };
                if both & bit != 0 {
                    plain.set_padding(padding);
                }
                TransportKind::Plaintext
            }
            Transport::Encrypted(encrypted) => {
                // Id byte, optional long-form command, payload.
                encrypted.on_connected(max_payload as usize + 13);
                let remote_budget = exchange.remote_budget.unwrap_or(Budget::NONE);
                shaping = encrypted.negotiate(now, remote.privacy_features, remote_budget);
                TransportKind::Encrypted
            }
            Transport::Detecting { .. } | Transport::Gone => {
                unreachable!("a handshake completes only over a transport")
            }
        };
        let info = HandshakeInfo {
            peer_id: exchange.peer_id,
            transport,
            features: self.config.local.features & remote.features,
            privacy_features: self.config.announced_privacy_features() & remote.privacy_features,
            shaping,
            remote,
            local_nonce: self.local_nonce,
        };
        self.state = ConnectionState::Connected;
        self.stats.established_at = Some(now);
        self.next_ping = now + self.config.ping_interval;
        self.last_rekey = now;
        self.events
            .push_back(Event::HandshakeComplete(Box::new(info)));
    }
}

/// A `verack` from a peer that announced shaping features but sent no
/// `privacy_budget` before it.
fn handshaking_budget() -> CloseReason {
    CloseReason::UnexpectedMessage {
        name: "verack",
        state: "awaiting privacy_budget",
    }
}
