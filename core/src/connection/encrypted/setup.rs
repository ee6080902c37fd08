//! The encrypted transport's handshake: Noise XX with identity proofs, and
//! random garbage after each side's first flight, found again by a secret
//! terminator.
//!
//! ```text
//! initiator → responder:  e_i (32) ‖ garbage_i (0..=4095)
//! responder → initiator:  msg2 (193) ‖ garbage_r (0..=4095) ‖ terminator_r (16)
//! initiator → responder:  terminator_i (16) ‖ msg3 (161) ‖ packets…
//! responder → initiator:  packets…
//! ```
//!
//! Terminators come from the chaining key after message 2, which needs an
//! ephemeral secret: an observer cannot find where garbage ends. Each side's
//! garbage is the associated data of its first packet, so changing it fails
//! authentication.

use alloc::boxed::Box;
use alloc::vec::Vec;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use super::rekey::CHAIN_LABEL;
use crate::connection::outbox::Outbox;
use crate::connection::{CloseReason, MAX_GARBAGE_LEN};
use crate::identity::{Identity, IdentityProof, PeerId, PROOF_LEN};
use crate::noise::{Ephemeral, Handshake, Role, StaticKeypair, DH_LEN, TAG_LEN};
use crate::packet::{ciphers_from_noise, ReceiveCipher, SendCipher};

/// Both sides mix this into the Noise handshake.
///
/// ```
/// assert_eq!(veil_core::connection::layout::PROLOGUE, b"veil/v1");
/// ```
pub const PROLOGUE: &[u8] = b"veil/v1";
/// The first byte of a handshake payload: its format.
///
/// ```
/// assert_eq!(veil_core::connection::layout::PAYLOAD_FORMAT, 1);
/// ```
pub const PAYLOAD_FORMAT: u8 = 1;
/// Handshake payload: the format byte, then the identity proof.
///
/// ```
/// assert_eq!(veil_core::connection::layout::PAYLOAD_LEN, 97);
/// ```
pub const PAYLOAD_LEN: usize = 1 + PROOF_LEN;
/// Message 1: the initiator's ephemeral key.
///
/// ```
/// assert_eq!(veil_core::connection::layout::MSG1_LEN, 32);
/// ```
pub const MSG1_LEN: usize = DH_LEN;
/// Message 2: ephemeral, encrypted static, encrypted payload.
///
/// ```
/// assert_eq!(veil_core::connection::layout::MSG2_LEN, 193);
/// ```
pub const MSG2_LEN: usize = DH_LEN + DH_LEN + TAG_LEN + PAYLOAD_LEN + TAG_LEN;
/// Message 3: encrypted static, encrypted payload.
///
/// ```
/// assert_eq!(veil_core::connection::layout::MSG3_LEN, 161);
/// ```
pub const MSG3_LEN: usize = DH_LEN + TAG_LEN + PAYLOAD_LEN + TAG_LEN;
/// Length of a garbage terminator.
///
/// ```
/// assert_eq!(veil_core::connection::layout::TERMINATOR_LEN, 16);
/// ```
pub const TERMINATOR_LEN: usize = 16;
/// The export label of the two garbage terminators.
const TERMINATOR_LABEL: &[u8] = b"veil/v1 garbage terminators";

/// Bytes 4..16 of a plaintext connection's first frame.
pub(crate) const PLAINTEXT_COMMAND: &[u8; 12] = b"version\0\0\0\0\0";

/// The packet ciphers and the rekey chain, once the handshake is done.
pub(crate) struct Keys {
    pub(crate) send: SendCipher,
    pub(crate) receive: ReceiveCipher,
    pub(crate) chain: Zeroizing<[u8; 32]>,
    pub(crate) peer_id: PeerId,
    /// This side's garbage: the associated data of its first packet.
    pub(crate) local_garbage: Vec<u8>,
}

/// What [`Setup::read`] produced.
pub(crate) enum Step {
    /// The input ran out.
    NeedMore,
    /// The handshake is complete: packets may be sent.
    Keys(Box<Keys>),
    /// The peer's garbage is known: packets may be received, the first one
    /// with this as associated data. Always after [`Step::Keys`].
    PeerGarbage(Vec<u8>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    AwaitMsg1,
    AwaitMsg2,
    ScanTerminator,
    AwaitMsg3,
    /// Keys handed out; the peer's garbage waits to be handed out.
    GarbageReady,
    Done,
}

/// One side of the handshake.
pub(crate) struct Setup {
    handshake: Option<Handshake>,
    identity: Identity,
    expected: Option<PeerId>,
    stage: Stage,
    /// Bytes of the element being read: a message, or the peer's garbage
    /// and terminator.
    buf: Vec<u8>,
    local_garbage: Vec<u8>,
    /// The transcript hash the peer's proof must sign.
    peer_signs: [u8; 32],
    /// This side's terminator, then the peer's.
    terminators: Option<Zeroizing<[u8; 2 * TERMINATOR_LEN]>>,
    peer_id: Option<PeerId>,
    /// Responder: length of the peer's garbage at the front of `buf`.
    garbage_len: Option<usize>,
}

impl Setup {
    /// The dialling side; writes `e_i ‖ garbage_i` to `out`.
    pub(crate) fn initiator<R: RngCore + CryptoRng>(
        identity: Identity,
        expected: Option<PeerId>,
        max_garbage: usize,
        rng: &mut R,
        out: &mut Outbox,
    ) -> Setup {
        let statics = StaticKeypair::generate(rng);
        let ephemeral = loop {
            // An ephemeral that looks like a plaintext `version` frame would
            // be misread by a responder that accepts plaintext (2^-96).
            let candidate = Ephemeral::generate(rng);
            if &candidate.wire_bytes()[4..16] != PLAINTEXT_COMMAND {
                break candidate;
            }
        };
        let mut handshake = Handshake::initiator(statics, ephemeral, PROLOGUE);
        let msg1 = out.append(MSG1_LEN);
        handshake
            .write_message(&[], msg1)
            .unwrap_or_else(|_| unreachable!("message 1 has a fixed length and no payload"));
        let local_garbage = garbage(max_garbage, rng);
        out.push(&local_garbage);
        Setup {
            peer_signs: handshake.transcript_hash(),
            handshake: Some(handshake),
            identity,
            expected,
            stage: Stage::AwaitMsg2,
            buf: Vec::new(),
            local_garbage,
            terminators: None,
            peer_id: None,
            garbage_len: None,
        }
    }

    /// The answering side; writes nothing until message 1 arrives.
    pub(crate) fn responder<R: RngCore + CryptoRng>(
        identity: Identity,
        expected: Option<PeerId>,
        max_garbage: usize,
        rng: &mut R,
    ) -> Setup {
        let statics = StaticKeypair::generate(rng);
        let ephemeral = Ephemeral::generate(rng);
        Setup {
            handshake: Some(Handshake::responder(statics, ephemeral, PROLOGUE)),
            identity,
            expected,
            stage: Stage::AwaitMsg1,
            buf: Vec::new(),
            local_garbage: garbage(max_garbage, rng),
            peer_signs: [0; 32],
            terminators: None,
            peer_id: None,
            garbage_len: None,
        }
    }

    /// Heap bytes held: the element being read and this side's garbage.
    pub(crate) fn buffer_capacity(&self) -> usize {
        self.buf.capacity() + self.local_garbage.capacity()
    }

    /// Consumes input until a step completes or the input runs out.
    pub(crate) fn read(
        &mut self,
        input: &mut &[u8],
        out: &mut Outbox,
    ) -> Result<Step, CloseReason> {
        loop {
            match self.stage {
                Stage::AwaitMsg1 => {
                    if !self.fill(input, MSG1_LEN) {
                        return Ok(Step::NeedMore);
                    }
                    self.on_msg1(out)?;
                }
                Stage::AwaitMsg2 => {
                    if !self.fill(input, MSG2_LEN) {
                        return Ok(Step::NeedMore);
                    }
                    return self.on_msg2(out).map(Step::Keys);
                }
                Stage::ScanTerminator => {
                    if !self.scan_terminator(input)? {
                        return Ok(Step::NeedMore);
                    }
                    if self.handshake.is_none() {
                        // Initiator: its keys are out; this was the last step.
                        self.stage = Stage::Done;
                        return Ok(Step::PeerGarbage(core::mem::take(&mut self.buf)));
                    }
                    self.peer_garbage_found();
                }
                Stage::AwaitMsg3 => {
                    let needed = self.garbage_len_held() + MSG3_LEN;
                    if !self.fill(input, needed) {
                        return Ok(Step::NeedMore);
                    }
                    let keys = self.on_msg3()?;
                    self.stage = Stage::GarbageReady;
                    return Ok(Step::Keys(keys));
                }
                Stage::GarbageReady => {
                    self.stage = Stage::Done;
                    return Ok(Step::PeerGarbage(core::mem::take(&mut self.buf)));
                }
                Stage::Done => return Ok(Step::NeedMore),
            }
        }
    }

    /// Appends input to `buf` until it holds `len` bytes; true when it does.
    fn fill(&mut self, input: &mut &[u8], len: usize) -> bool {
        let take = (len - self.buf.len()).min(input.len());
        self.buf.extend_from_slice(&input[..take]);
        *input = &input[take..];
        self.buf.len() == len
    }

    fn handshake(&mut self) -> &mut Handshake {
        self.handshake
            .as_mut()
            .unwrap_or_else(|| unreachable!("the handshake lives until message 3"))
    }

    /// Responder: reads `e_i`, answers with message 2, garbage and
    /// terminator.
    fn on_msg1(&mut self, out: &mut Outbox) -> Result<(), CloseReason> {
        let msg1 = core::mem::take(&mut self.buf);
        self.handshake()
            .read_message(&msg1, &mut [])
            .map_err(CloseReason::Noise)?;
        let payload = self.payload();
        let handshake = self.handshake();
        let msg2 = out.append(MSG2_LEN);
        if let Err(error) = handshake.write_message(&payload, msg2) {
            out.truncate_back(MSG2_LEN);
            return Err(CloseReason::Noise(error));
        }
        self.peer_signs = self.handshake().transcript_hash();
        self.derive_terminators();
        out.push(&self.local_garbage);
        out.push(self.own_terminator());
        self.stage = Stage::ScanTerminator;
        Ok(())
    }

    /// Initiator: reads message 2, checks the responder's identity, then
    /// answers with terminator and message 3. The initiator's identity is
    /// revealed only to a responder that proved the expected one.
    fn on_msg2(&mut self, out: &mut Outbox) -> Result<Box<Keys>, CloseReason> {
        let msg2 = core::mem::take(&mut self.buf);
        let mut payload = [0u8; PAYLOAD_LEN];
        self.handshake()
            .read_message(&msg2, &mut payload)
            .map_err(CloseReason::Noise)?;
        self.check_proof(&payload)?;
        self.derive_terminators();
        out.push(self.own_terminator());
        let payload = self.payload();
        let msg3 = out.append(MSG3_LEN);
        let handshake = self
            .handshake
            .as_mut()
            .unwrap_or_else(|| unreachable!("the handshake lives until message 3"));
        if let Err(error) = handshake.write_message(&payload, msg3) {
            out.truncate_back(TERMINATOR_LEN + MSG3_LEN);
            return Err(CloseReason::Noise(error));
        }
        self.stage = Stage::ScanTerminator;
        self.finish()
    }

    /// Responder: reads message 3 (after the peer's garbage in `buf`).
    fn on_msg3(&mut self) -> Result<Box<Keys>, CloseReason> {
        let at = self.garbage_len_held();
        let msg3 = self.buf.split_off(at);
        let mut payload = [0u8; PAYLOAD_LEN];
        self.handshake()
            .read_message(&msg3, &mut payload)
            .map_err(CloseReason::Noise)?;
        self.check_proof(&payload)?;
        self.finish()
    }

    /// This side's handshake payload: format byte and identity proof,
    /// signing its Noise static key and the transcript so far.
    fn payload(&mut self) -> [u8; PAYLOAD_LEN] {
        let handshake = self.handshake();
        let (statics, transcript) = (handshake.local_static_public(), handshake.transcript_hash());
        let proof = self.identity.prove(&statics, &transcript);
        let mut payload = [0u8; PAYLOAD_LEN];
        payload[0] = PAYLOAD_FORMAT;
        payload[1..].copy_from_slice(&proof.to_bytes());
        payload
    }

    /// Verifies the peer's payload against its Noise static key and the
    /// transcript it had to sign; checks the expected identity.
    fn check_proof(&mut self, payload: &[u8; PAYLOAD_LEN]) -> Result<(), CloseReason> {
        if payload[0] != PAYLOAD_FORMAT {
            return Err(CloseReason::UnknownHandshakeFormat { format: payload[0] });
        }
        let remote_static = self
            .handshake()
            .remote_static()
            .unwrap_or_else(|| unreachable!("messages 2 and 3 carry the sender's static key"));
        let proof = IdentityProof::from_bytes(&payload[1..]).map_err(CloseReason::Identity)?;
        let peer_id = proof
            .verify(&remote_static, &self.peer_signs)
            .map_err(CloseReason::Identity)?;
        if let Some(expected) = self.expected {
            if expected != peer_id {
                return Err(CloseReason::PeerIdMismatch {
                    expected,
                    actual: peer_id,
                });
            }
        }
        self.peer_id = Some(peer_id);
        Ok(())
    }

    fn derive_terminators(&mut self) {
        let both = self
            .handshake()
            .export_secret(TERMINATOR_LABEL)
            .unwrap_or_else(|| unreachable!("message 2 mixes in ee and es"));
        // The secret's first half is the initiator's terminator.
        let mut ordered = Zeroizing::new([0u8; 2 * TERMINATOR_LEN]);
        let (first, second) = both.split_at(TERMINATOR_LEN);
        let (own, peer) = if self.handshake().role() == Role::Initiator {
            (first, second)
        } else {
            (second, first)
        };
        ordered[..TERMINATOR_LEN].copy_from_slice(own);
        ordered[TERMINATOR_LEN..].copy_from_slice(peer);
        self.terminators = Some(ordered);
    }

    fn own_terminator(&self) -> &[u8] {
        match &self.terminators {
            Some(both) => &both[..TERMINATOR_LEN],
            None => unreachable!("terminators are derived before use"),
        }
    }

    /// Moves input into `buf` until it holds the peer's terminator; true
    /// when found, with `buf` holding the garbage before it and `input`
    /// starting right after it.
    fn scan_terminator(&mut self, input: &mut &[u8]) -> Result<bool, CloseReason> {
        let terminator = match &self.terminators {
            Some(both) => <[u8; TERMINATOR_LEN]>::try_from(&both[TERMINATOR_LEN..])
                .unwrap_or_else(|_| unreachable!("half of 32 bytes")),
            None => unreachable!("terminators are derived before scanning"),
        };
        let limit = MAX_GARBAGE_LEN + TERMINATOR_LEN;
        let take = (limit - self.buf.len()).min(input.len());
        // Windows ending in the new bytes; earlier ones were checked before.
        let start = self.buf.len().saturating_sub(TERMINATOR_LEN - 1);
        self.buf.extend_from_slice(&input[..take]);
        let found = self.buf[start..]
            .windows(TERMINATOR_LEN)
            .position(|window| window == terminator);
        if let Some(position) = found {
            let end = start + position + TERMINATOR_LEN;
            let unread = self.buf.len() - end;
            self.buf.truncate(end - TERMINATOR_LEN);
            *input = &input[take - unread..];
            return Ok(true);
        }
        *input = &input[take..];
        if self.buf.len() >= limit {
            return Err(CloseReason::GarbageTerminatorMissing);
        }
        Ok(false)
    }

    /// Responder: the garbage is in `buf`; message 3 follows it.
    fn peer_garbage_found(&mut self) {
        self.stage = Stage::AwaitMsg3;
        self.garbage_len = Some(self.buf.len());
    }

    fn garbage_len_held(&self) -> usize {
        self.garbage_len.unwrap_or(0)
    }

    /// Turns the finished handshake into packet keys.
    fn finish(&mut self) -> Result<Box<Keys>, CloseReason> {
        let handshake = self
            .handshake
            .take()
            .unwrap_or_else(|| unreachable!("finish runs once, after message 3"));
        let chain = handshake
            .export_secret(CHAIN_LABEL)
            .unwrap_or_else(|| unreachable!("a finished handshake has a chaining key"));
        let split = handshake.into_split_keys().map_err(CloseReason::Noise)?;
        let (send, receive) = ciphers_from_noise(&split);
        let peer_id = self
            .peer_id
            .unwrap_or_else(|| unreachable!("the peer's proof is checked before finishing"));
        Ok(Box::new(Keys {
            send,
            receive,
            chain,
            peer_id,
            local_garbage: core::mem::take(&mut self.local_garbage),
        }))
    }
}

/// Random garbage of a uniformly random length in `0..=max`.
fn garbage<R: RngCore>(max: usize, rng: &mut R) -> Vec<u8> {
    let len = (rng.next_u64() % (max as u64 + 1)) as usize;
    let mut bytes = alloc::vec![0u8; len];
    rng.fill_bytes(&mut bytes);
    bytes
}
