//! The encrypted transport: the Noise handshake of [`setup`], then
//! BIP324-style packets whose contents are described in [`contents`], with
//! session rekeys ([`rekey`]).

pub(crate) mod contents;
mod reader;
pub(crate) mod rekey;
pub(crate) mod setup;

use alloc::boxed::Box;
use alloc::vec::Vec;
use rand_core::{CryptoRng, RngCore};
use x25519_dalek::StaticSecret;
use zeroize::Zeroizing;

use self::contents::{Contents, Control};
use self::reader::PacketReader;
use self::setup::{Setup, Step};
use super::outbox::Outbox;
use super::CloseReason;
use crate::identity::{Identity, PeerId};
use crate::message::{Message, MessageKind};
use crate::packet::{
    packet_len, Header, ReceiveCipher, SendCipher, HEADER_LEN, LENGTH_FIELD_LEN, TAG_LEN,
};
use crate::shaping::{
    Budget, Negotiated, Piece, Reassembler, Shaper, ShapingConfig, ShapingStats, ShapingTimer,
    Urgency, MORE_FRAGMENTS, PADDED,
};
use crate::time::Instant;
use crate::wire::{EncodeError, WireConfig};

/// Largest packet contents accepted before the handshake completes: a
/// `version` with the longest user agent fits with room to spare.
pub(crate) use crate::shaping::HANDSHAKE_MAX_CONTENTS;

/// Where the channel's own key exchange stands.
enum RekeyState {
    Idle,
    /// This side sent `rekey_init` and waits for `rekey_ack`.
    Initiated {
        secret: StaticSecret,
        since: Instant,
    },
    /// This side answered with `rekey_ack` and sends under the new key; its
    /// receiving side switches when `rekey_done` arrives.
    AwaitingDone {
        receive: Box<ReceiveCipher>,
        since: Instant,
    },
}

/// What one read of the encrypted stream produced.
pub(crate) enum Received {
    /// The handshake finished: the peer proved this identity.
    Ready(PeerId),
    /// A message from the peer.
    Message(Message),
    /// A message of unknown type, skipped.
    Skipped,
    /// A decoy packet, dropped.
    Decoy,
    /// A session rekey finished in both directions.
    Rekeyed,
    /// The peer's traffic-shaping budget.
    Budget(Budget),
}

/// Largest scratch buffer kept between messages: a rare large message does
/// not pin its size for the connection's life.
const SCRATCH_KEEP: usize = 64 * 1024;

/// One side of an encrypted connection.
pub(crate) struct Encrypted {
    initiator: bool,
    setup: Option<Box<Setup>>,
    /// The sending side: cipher, first-packet AAD, counters.
    sender: Sender,
    receive: Option<ReceiveCipher>,
    /// The peer's garbage, once found: associated data of its first packet.
    receive_aad: Option<Vec<u8>>,
    reader: PacketReader,
    /// Whether the version handshake completed: rekeys wait for it.
    connected: bool,
    chain: Option<Zeroizing<[u8; 32]>>,
    rekey: RekeyState,
    shaper: Shaper,
    reassembler: Reassembler,
    /// Contents of the message being sent, reused between messages.
    scratch: Vec<u8>,
}

/// What sealing a packet needs and updates.
#[derive(Default)]
struct Sender {
    send: Option<SendCipher>,
    /// Own garbage: the associated data of the first packet sent.
    send_aad: Option<Vec<u8>>,
    bytes_since_rekey: u64,
    /// Wire sizes of the packets sealed, for measurements; off unless
    /// asked for.
    packet_log: Option<Vec<u32>>,
}

impl Encrypted {
    /// The dialling side; its first flight goes to `out` at once.
    pub(crate) fn initiator<R: RngCore + CryptoRng>(
        identity: Identity,
        expected: Option<PeerId>,
        max_garbage: usize,
        shaping: (ShapingConfig, [u8; 32]),
        rng: &mut R,
        out: &mut Outbox,
    ) -> Encrypted {
        let setup = Setup::initiator(identity, expected, max_garbage, rng, out);
        Encrypted::new(true, setup, shaping)
    }

    /// The answering side.
    pub(crate) fn responder<R: RngCore + CryptoRng>(
        identity: Identity,
        expected: Option<PeerId>,
        max_garbage: usize,
        shaping: (ShapingConfig, [u8; 32]),
        rng: &mut R,
    ) -> Encrypted {
        Encrypted::new(
            false,
            Setup::responder(identity, expected, max_garbage, rng),
            shaping,
        )
    }

    /// `shaping`: the configuration and the seed of the shaper's own
    /// generator.
    fn new(initiator: bool, setup: Setup, shaping: (ShapingConfig, [u8; 32])) -> Encrypted {
        Encrypted {
            initiator,
            setup: Some(Box::new(setup)),
            sender: Sender::default(),
            receive: None,
            receive_aad: None,
            reader: PacketReader::default(),
            connected: false,
            chain: None,
            rekey: RekeyState::Idle,
            shaper: Shaper::new(shaping.0, shaping.1),
            reassembler: Reassembler::new(HANDSHAKE_MAX_CONTENTS),
            scratch: Vec::new(),
        }
    }

    /// Starts recording the wire size of every packet sealed.
    pub(crate) fn log_packets(&mut self) {
        self.sender.packet_log.get_or_insert_with(Vec::new);
    }

    /// The wire sizes recorded since the last call.
    pub(crate) fn take_packet_log(&mut self) -> Vec<u32> {
        self.sender
            .packet_log
            .as_mut()
            .map(core::mem::take)
            .unwrap_or_default()
    }

    /// Whether packets can be sent.
    pub(crate) fn can_send(&self) -> bool {
        self.sender.send.is_some()
    }

    /// The version handshake completed: raises the receive limit to `max`
    /// and allows session rekeys.
    pub(crate) fn on_connected(&mut self, max: usize) {
        self.connected = true;
        if let Some(receive) = &mut self.receive {
            receive.set_max_contents_len(max);
        }
        self.reassembler.set_max_message_len(max);
    }

    /// Applies the negotiated traffic shaping.
    pub(crate) fn negotiate(
        &mut self,
        now: Instant,
        remote_features: u32,
        remote_budget: Budget,
    ) -> Negotiated {
        self.shaper.negotiate(now, remote_features, remote_budget)
    }

    /// When shaping next has work.
    pub(crate) fn shaping_deadline(&self) -> Option<(Instant, ShapingTimer)> {
        self.shaper.poll_timeout()
    }

    /// Message bytes shaping holds back.
    pub(crate) fn held_bytes(&self) -> usize {
        self.shaper.held_bytes()
    }

    /// What shaping did so far.
    pub(crate) fn shaping_stats(&self) -> ShapingStats {
        self.shaper.stats()
    }

    /// Seals whatever shaping has due by `now`.
    pub(crate) fn release(&mut self, now: Instant, out: &mut Outbox) {
        if !self.can_send() {
            return;
        }
        let Encrypted { shaper, sender, .. } = self;
        shaper.release(now, &mut |piece, data| {
            seal_piece(sender, out, piece, data);
        });
    }

    /// Seals every held message now (before a close).
    pub(crate) fn flush(&mut self, now: Instant, out: &mut Outbox) {
        if !self.can_send() {
            return;
        }
        let Encrypted { shaper, sender, .. } = self;
        shaper.flush(now, &mut |piece, data| {
            seal_piece(sender, out, piece, data);
        });
    }

    /// Bytes sent under the current key.
    pub(crate) fn bytes_since_rekey(&self) -> u64 {
        self.sender.bytes_since_rekey
    }

    /// When the rekey in progress started, if one is.
    pub(crate) fn rekey_started(&self) -> Option<Instant> {
        match self.rekey {
            RekeyState::Idle => None,
            RekeyState::Initiated { since, .. } | RekeyState::AwaitingDone { since, .. } => {
                Some(since)
            }
        }
    }

    /// Heap bytes held by buffers (for memory accounting).
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.reader.capacity()
            + self
                .setup
                .as_ref()
                .map_or(0, |setup| setup.buffer_capacity())
            + self.sender.send_aad.as_ref().map_or(0, Vec::capacity)
            + self.receive_aad.as_ref().map_or(0, Vec::capacity)
            + self.shaper.buffer_capacity()
            + self.reassembler.allocated()
            + self.scratch.capacity()
    }

    /// Consumes input until something happens or the input runs out.
    pub(crate) fn read<R: RngCore + CryptoRng>(
        &mut self,
        input: &mut &[u8],
        out: &mut Outbox,
        wire: &WireConfig,
        now: Instant,
        rng: &mut R,
    ) -> Result<Option<Received>, CloseReason> {
        if let Some(setup) = &mut self.setup {
            match setup.read(input, out)? {
                Step::NeedMore => return Ok(None),
                Step::Keys(keys) => {
                    let keys = *keys;
                    self.sender.send = Some(keys.send);
                    let mut receive = keys.receive;
                    receive.set_max_contents_len(HANDSHAKE_MAX_CONTENTS);
                    self.receive = Some(receive);
                    self.sender.send_aad = Some(keys.local_garbage);
                    self.chain = Some(keys.chain);
                    return Ok(Some(Received::Ready(keys.peer_id)));
                }
                Step::PeerGarbage(garbage) => {
                    self.receive_aad = Some(garbage);
                    // The setup's last step: packets flow from here on.
                    self.setup = None;
                }
            }
        }
        if self.setup.is_some() {
            return Ok(None);
        }
        // `None` means the input ran out: a control packet with nothing to
        // report must not end the read while input remains.
        loop {
            let Some(receive) = &mut self.receive else {
                unreachable!("keys arrive before the peer's garbage")
            };
            let aad = self.receive_aad.as_deref().unwrap_or(&[]);
            let Some(packet) = self
                .reader
                .read(input, receive, aad)
                .map_err(CloseReason::Decrypt)?
            else {
                return Ok(None);
            };
            self.receive_aad = None;
            if packet.header.is_decoy() {
                return Ok(Some(Received::Decoy));
            }
            let flags = packet.header.to_byte() & (PADDED | MORE_FRAGMENTS);
            let contents = if flags == 0 && self.reassembler.buffered() == 0 {
                packet.contents
            } else {
                match self
                    .reassembler
                    .push_bytes(flags, packet.contents)
                    .map_err(CloseReason::Padding)?
                {
                    Some(contents) => contents,
                    None => continue,
                }
            };
            match contents::decode(contents, wire)? {
                Contents::Message(message) => return Ok(Some(Received::Message(message))),
                Contents::Skipped => return Ok(Some(Received::Skipped)),
                Contents::Control(control) => {
                    if let Some(received) = self.on_control(control, out, now, rng)? {
                        return Ok(Some(received));
                    }
                }
            }
        }
    }

    /// Queues `message`, shaped: padded, fragmented, held or released
    /// as the traffic-shaping policy says.
    pub(crate) fn send_message(
        &mut self,
        message: &Message,
        out: &mut Outbox,
        wire: &WireConfig,
        now: Instant,
    ) -> Result<(), EncodeError> {
        let kind = message.kind();
        message
            .validate()
            .map_err(|error| EncodeError::Invalid { kind, error })?;
        let len = message.payload_len();
        let max = wire.max_payload_for(kind);
        if len > max as usize {
            return Err(EncodeError::Oversize { kind, len, max });
        }
        let mut contents = core::mem::take(&mut self.scratch);
        contents.clear();
        contents.reserve(1 + len);
        contents.push(contents::short_id(kind));
        message
            .encode_payload(&mut contents)
            .unwrap_or_else(|_| unreachable!("validated above, sized by payload_len"));
        let urgency = match kind {
            MessageKind::Ping | MessageKind::Pong | MessageKind::Disconnect => Urgency::Urgent,
            _ => Urgency::Normal,
        };
        self.shape(now, &contents, urgency, out);
        if contents.capacity() <= SCRATCH_KEEP {
            self.scratch = contents;
        }
        Ok(())
    }

    /// Hands packet contents to the shaper and seals what it emits.
    fn shape(&mut self, now: Instant, contents: &[u8], urgency: Urgency, out: &mut Outbox) {
        let Encrypted { shaper, sender, .. } = self;
        shaper.send(now, contents, urgency, &mut |piece, data| {
            seal_piece(sender, out, piece, data);
        });
    }

    /// Queues this side's traffic-shaping budget (right after its
    /// `version`).
    pub(crate) fn send_budget(&mut self, budget: Budget, out: &mut Outbox, now: Instant) {
        self.send_control(Control::PrivacyBudget(budget), out, now);
    }

    /// Queues one packet with arbitrary `contents` (for fuzzing and tests
    /// that need a peer sending authenticated nonsense).
    pub(crate) fn send_raw(&mut self, contents: &[u8], header: u8, out: &mut Outbox) {
        let header = Header::from_byte(header);
        self.seal_with(out, contents.len(), header, |buf| {
            buf.extend_from_slice(contents);
        });
    }

    /// Starts a session rekey; false if one is already under way or the
    /// channel is not up.
    pub(crate) fn start_rekey<R: RngCore + CryptoRng>(
        &mut self,
        out: &mut Outbox,
        now: Instant,
        rng: &mut R,
    ) -> bool {
        if !matches!(self.rekey, RekeyState::Idle) || !self.connected {
            return false;
        }
        let (secret, public) = rekey::ephemeral(rng);
        self.send_control(Control::RekeyInit(public), out, now);
        self.rekey = RekeyState::Initiated { secret, since: now };
        true
    }

    fn on_control<R: RngCore + CryptoRng>(
        &mut self,
        control: Control,
        out: &mut Outbox,
        now: Instant,
        rng: &mut R,
    ) -> Result<Option<Received>, CloseReason> {
        let unexpected = |name| CloseReason::UnexpectedMessage {
            name,
            state: "rekeying",
        };
        if let Control::PrivacyBudget(budget) = control {
            // The connection checks it belongs to the version handshake.
            return Ok(Some(Received::Budget(budget)));
        }
        if !self.connected {
            return Err(CloseReason::UnexpectedMessage {
                name: control.name(),
                state: "handshaking",
            });
        }
        let state = core::mem::replace(&mut self.rekey, RekeyState::Idle);
        match (control, state) {
            (Control::RekeyInit(_), state @ RekeyState::Initiated { .. }) if self.initiator => {
                // Both sides started at once: the dialling side's rekey
                // wins, and its peer answers that one.
                self.rekey = state;
                Ok(None)
            }
            (Control::RekeyInit(remote), RekeyState::Idle | RekeyState::Initiated { .. }) => {
                let (secret, public) = rekey::ephemeral(rng);
                let keys = self.derive(&secret, remote)?;
                self.send_control(Control::RekeyAck(public), out, now);
                self.sender.send = Some(keys.send);
                self.sender.bytes_since_rekey = 0;
                self.rekey = RekeyState::AwaitingDone {
                    receive: Box::new(keys.receive),
                    since: now,
                };
                Ok(None)
            }
            (Control::RekeyAck(remote), RekeyState::Initiated { secret, .. }) => {
                let keys = self.derive(&secret, remote)?;
                self.install_receive(keys.receive);
                self.send_control(Control::RekeyDone, out, now);
                self.sender.send = Some(keys.send);
                self.sender.bytes_since_rekey = 0;
                Ok(Some(Received::Rekeyed))
            }
            (Control::RekeyDone, RekeyState::AwaitingDone { receive, .. }) => {
                self.install_receive(*receive);
                Ok(Some(Received::Rekeyed))
            }
            (Control::RekeyInit(_), _) => Err(unexpected("rekey_init")),
            (Control::RekeyAck(_), _) => Err(unexpected("rekey_ack")),
            (Control::RekeyDone, _) => Err(unexpected("rekey_done")),
            (Control::PrivacyBudget(_), _) => unreachable!("handled above"),
        }
    }

    /// Derives the next keys and advances the chain.
    fn derive(
        &mut self,
        secret: &StaticSecret,
        remote: [u8; 32],
    ) -> Result<rekey::NewKeys, CloseReason> {
        let Some(chain) = &self.chain else {
            unreachable!("the chain exists once the handshake finished")
        };
        let keys = rekey::derive(chain, secret, remote, self.initiator).ok_or(
            CloseReason::MalformedPacket {
                problem: "rekey key of small order",
                id: None,
            },
        )?;
        self.chain = Some(keys.chain.clone());
        Ok(keys)
    }

    fn install_receive(&mut self, mut receive: ReceiveCipher) {
        if let Some(old) = &self.receive {
            receive.set_max_contents_len(old.max_contents_len());
        }
        self.receive = Some(receive);
    }

    fn send_control(&mut self, control: Control, out: &mut Outbox, now: Instant) {
        let mut contents = [0u8; 33];
        let len = control.encoded_len();
        control.encode(&mut contents[..len]);
        self.shape(now, &contents[..len], Urgency::Immediate, out);
    }

    fn seal_with(
        &mut self,
        out: &mut Outbox,
        contents_len: usize,
        header: Header,
        fill: impl FnOnce(&mut Vec<u8>),
    ) {
        seal(&mut self.sender, out, contents_len, header, fill);
    }
}

/// Seals one packet the shaper emitted.
fn seal_piece(sender: &mut Sender, out: &mut Outbox, piece: Piece, data: &[u8]) {
    let header = Header::from_byte(piece.header);
    seal(sender, out, piece.contents_len, header, |buf| {
        piece.write_contents(data, buf)
    });
}

/// Appends one packet of `contents_len` bytes, whose contents `fill`
/// appends to the queue's buffer, and encrypts it where it lies.
fn seal(
    sender: &mut Sender,
    out: &mut Outbox,
    contents_len: usize,
    header: Header,
    fill: impl FnOnce(&mut Vec<u8>),
) {
    let Some(send) = &mut sender.send else {
        unreachable!("packets are sent only once the handshake finished")
    };
    let len = packet_len(contents_len);
    let buf = out.back_buffer();
    let start = buf.len();
    buf.reserve(len);
    buf.extend_from_slice(&[0u8; LENGTH_FIELD_LEN + HEADER_LEN]);
    // `fill` appends the contents; the resize only guards the layout.
    fill(buf);
    buf.resize(start + len - TAG_LEN, 0);
    buf.extend_from_slice(&[0u8; TAG_LEN]);
    let aad = sender.send_aad.take().unwrap_or_default();
    send.encrypt_in_place(&mut buf[start..], contents_len, &aad, header)
        .unwrap_or_else(|_| unreachable!("the packet was sized for its contents"));
    sender.bytes_since_rekey = sender.bytes_since_rekey.saturating_add(len as u64);
    if let Some(log) = &mut sender.packet_log {
        log.push(len as u32);
    }
}
