//! The message catalogue: every payload veil sends, typed, byte for byte.
//!
//! [`Message`] is one value per message type; [`MessageKind`] names the types
//! and knows each one's command string and largest valid payload, which the
//! frame decoder enforces before it buffers anything. The byte layouts are
//! documented on each payload type and in `docs/PROTOCOL.md`.
//!
//! Decoding is strict: integers have fixed widths, CompactSize must be
//! canonical, counts are checked against their limit and the bytes left
//! before anything is allocated, and no byte may follow the last field. So a
//! valid payload has exactly one encoding and decode-then-encode is byte-exact.
//!
//! ```
//! use bytes::Bytes;
//! use veil_core::message::{InvItem, InvKind, Message, MessageKind};
//!
//! let inv = Message::Inv(vec![InvItem { kind: InvKind::Block, hash: [3; 32] }]);
//! let mut payload = Vec::new();
//! inv.encode_payload(&mut payload).unwrap();
//! assert_eq!(Message::decode(MessageKind::Inv, Bytes::from(payload)).unwrap(), inv);
//! ```

mod addr;
mod disconnect;
mod error;
pub mod features;
mod inventory;
pub mod limits;
mod locator;
mod ping;
mod version;

use alloc::vec::Vec;
use bytes::{BufMut, Bytes};

use crate::codec::{compact_size_len, put_compact_size, Reader};
use crate::wire::Command;

pub use addr::{AddrEntry, NetAddress};
pub use disconnect::{Disconnect, DisconnectReason};
pub use error::PayloadError;
pub use inventory::{InvItem, InvKind};
pub use locator::BlockLocator;
pub use ping::{Ping, Pong};
pub use version::{Version, PROTOCOL_VERSION};

use limits::{MAX_ADDR_ENTRIES, MAX_HEADERS, MAX_HEADER_LEN, MAX_INV_ENTRIES};

/// How one payload value is measured, written and checked.
pub(crate) trait Encode {
    fn encoded_len(&self) -> usize;
    fn encode<B: BufMut>(&self, out: &mut B);
    /// Limits a decoded value always meets, checked before encoding so the
    /// application cannot send what a peer must reject.
    fn check_limits(&self) -> Result<(), PayloadError> {
        Ok(())
    }
}

/// How one payload value is read from untrusted bytes.
pub(crate) trait Decode: Sized {
    fn decode(r: &mut Reader) -> Result<Self, PayloadError>;
}

pub(crate) fn check_len(field: &'static str, len: usize, max: usize) -> Result<(), PayloadError> {
    if len > max {
        return Err(PayloadError::LimitExceeded {
            field,
            value: len as u64,
            max: max as u64,
        });
    }
    Ok(())
}

/// A CompactSize-counted list; its count limit is checked by the message.
impl<T: Encode> Encode for Vec<T> {
    fn encoded_len(&self) -> usize {
        compact_size_len(self.len() as u64) + self.iter().map(T::encoded_len).sum::<usize>()
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        put_compact_size(out, self.len() as u64);
        for item in self {
            item.encode(out);
        }
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        self.iter().try_for_each(T::check_limits)
    }
}

fn decode_list<T: Decode>(
    r: &mut Reader,
    field: &'static str,
    max: usize,
    min_item_len: usize,
) -> Result<Vec<T>, PayloadError> {
    let count = r.count(field, max, min_item_len)?;
    let mut items = Vec::with_capacity(count);
    for _ in 0..count {
        items.push(T::decode(r)?);
    }
    Ok(items)
}

/// The payload of `headers`: CompactSize count, then each header as a
/// CompactSize length (at most 1,024) and its opaque bytes.
struct HeaderList<'a>(&'a [Bytes]);

impl Encode for HeaderList<'_> {
    fn encoded_len(&self) -> usize {
        compact_size_len(self.0.len() as u64)
            + self
                .0
                .iter()
                .map(|h| compact_size_len(h.len() as u64) + h.len())
                .sum::<usize>()
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        put_compact_size(out, self.0.len() as u64);
        for header in self.0 {
            put_compact_size(out, header.len() as u64);
            out.put_slice(header);
        }
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        self.0
            .iter()
            .try_for_each(|h| check_len("headers.header", h.len(), MAX_HEADER_LEN))
    }
}

fn decode_headers(r: &mut Reader) -> Result<Vec<Bytes>, PayloadError> {
    // Every header takes at least its one-byte length.
    let count = r.count("headers.count", MAX_HEADERS, 1)?;
    let mut headers = Vec::with_capacity(count);
    for _ in 0..count {
        headers.push(r.var_bytes("headers.header", MAX_HEADER_LEN)?);
    }
    Ok(headers)
}

/// `block`, `tx` and `stemtx` payloads: the bytes themselves.
struct Opaque<'a>(&'a Bytes);

impl Encode for Opaque<'_> {
    fn encoded_len(&self) -> usize {
        self.0.len()
    }
    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_slice(self.0);
    }
}

/// Largest encoding of a CompactSize-counted list of `max` items of at most
/// `item` bytes each.
const fn list_bound(max: usize, item: usize) -> usize {
    compact_size_len(max as u64) + max * item
}

macro_rules! message_kinds {
    ($($kind:ident = $name:literal, max $max:expr;)*) => {
        /// The type of a message, named by its frame's command.
        ///
        /// # Example
        ///
        /// ```
        /// use veil_core::message::MessageKind;
        ///
        /// let kind = MessageKind::from_name("getdata").unwrap();
        /// assert_eq!(kind, MessageKind::GetData);
        /// assert_eq!(kind.name(), "getdata");
        /// assert_eq!(MessageKind::Ping.max_payload_len(), 8);
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum MessageKind {
            $(
                #[doc = concat!("`", $name, "`")]
                $kind,
            )*
        }

        impl MessageKind {
            /// Every message type, in catalogue order.
            ///
            /// ```
            /// assert_eq!(veil_core::message::MessageKind::ALL.len(), 17);
            /// ```
            pub const ALL: &'static [MessageKind] = &[$(MessageKind::$kind),*];

            /// The command string of this type.
            ///
            /// ```
            /// assert_eq!(veil_core::message::MessageKind::NotFound.name(), "notfound");
            /// ```
            #[must_use]
            pub const fn name(self) -> &'static str {
                match self {
                    $(MessageKind::$kind => $name,)*
                }
            }

            /// The type with command string `name`, if veil knows it.
            ///
            /// ```
            /// assert!(veil_core::message::MessageKind::from_name("sendcmpct").is_none());
            /// ```
            #[must_use]
            pub fn from_name(name: &str) -> Option<MessageKind> {
                match name {
                    $($name => Some(MessageKind::$kind),)*
                    _ => None,
                }
            }

            /// The largest payload this type can validly have, in bytes.
            ///
            /// The frame decoder rejects a longer frame before buffering it.
            /// `block`, `tx` and `stemtx` have no bound of their own
            /// (`u32::MAX`): the configured maximum payload length applies to
            /// them.
            ///
            /// ```
            /// use veil_core::message::MessageKind;
            /// assert_eq!(MessageKind::Verack.max_payload_len(), 0);
            /// assert_eq!(MessageKind::Tx.max_payload_len(), u32::MAX);
            /// assert_eq!(MessageKind::StemTx.max_payload_len(), u32::MAX);
            /// ```
            #[must_use]
            pub const fn max_payload_len(self) -> u32 {
                let max: usize = match self {
                    $(MessageKind::$kind => $max,)*
                };
                if max > u32::MAX as usize { u32::MAX } else { max as u32 }
            }
        }
    };
}

message_kinds! {
    Version = "version", max version::MAX_VERSION_LEN;
    Verack = "verack", max 0;
    Ping = "ping", max ping::NONCE_LEN;
    Pong = "pong", max ping::NONCE_LEN;
    Addr = "addr", max list_bound(MAX_ADDR_ENTRIES, addr::MAX_ADDR_ENTRY_LEN);
    GetAddr = "getaddr", max 0;
    Block = "block", max u32::MAX as usize;
    GetBlocks = "getblocks", max locator::MAX_LOCATOR_LEN;
    Headers = "headers", max list_bound(MAX_HEADERS, compact_size_len(MAX_HEADER_LEN as u64) + MAX_HEADER_LEN);
    GetHeaders = "getheaders", max locator::MAX_LOCATOR_LEN;
    Inv = "inv", max list_bound(MAX_INV_ENTRIES, inventory::INV_ITEM_LEN);
    Tx = "tx", max u32::MAX as usize;
    Mempool = "mempool", max 0;
    GetData = "getdata", max list_bound(MAX_INV_ENTRIES, inventory::INV_ITEM_LEN);
    NotFound = "notfound", max list_bound(MAX_INV_ENTRIES, inventory::INV_ITEM_LEN);
    Disconnect = "disconnect", max disconnect::MAX_DISCONNECT_LEN;
    StemTx = "stemtx", max u32::MAX as usize;
}

impl MessageKind {
    /// The 12-byte frame command of this type.
    ///
    /// ```
    /// use veil_core::message::MessageKind;
    /// assert_eq!(MessageKind::Inv.command().as_str(), "inv");
    /// ```
    #[must_use]
    pub fn command(self) -> Command {
        Command::from_known(self.name())
    }

    /// The type a frame command names, if veil knows it.
    ///
    /// ```
    /// use veil_core::message::MessageKind;
    /// use veil_core::wire::Command;
    /// let command = Command::new("pong").unwrap();
    /// assert_eq!(MessageKind::from_command(&command), Some(MessageKind::Pong));
    /// ```
    #[must_use]
    pub fn from_command(command: &Command) -> Option<MessageKind> {
        MessageKind::from_name(command.as_str())
    }
}

/// A message of the catalogue, with its payload decoded.
///
/// `block`, `tx`, `stemtx` and each header of `headers` are opaque bytes to
/// veil: their format belongs to the application (a blockchain, a
/// messenger). Decoding them is zero-copy: they are slices of the frame's
/// payload buffer.
///
/// # Example
///
/// ```
/// use bytes::Bytes;
/// use veil_core::message::{Message, MessageKind};
///
/// let tx = Message::Tx(Bytes::from_static(b"opaque transaction"));
/// let mut payload = Vec::new();
/// tx.encode_payload(&mut payload).unwrap();
/// assert_eq!(Message::decode(MessageKind::Tx, payload.into()).unwrap(), tx);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// `version`: protocol version, features, user agent, best block, nonce.
    Version(Version),
    /// `verack`: the version was accepted (empty payload).
    Verack,
    /// `ping`: liveness probe.
    Ping(Ping),
    /// `pong`: answer to a ping.
    Pong(Pong),
    /// `addr`: up to 1,000 address records.
    Addr(Vec<AddrEntry>),
    /// `getaddr`: asks for addresses (empty payload).
    GetAddr,
    /// `block`: a whole block, opaque to veil.
    Block(Bytes),
    /// `getblocks`: asks for block inventory after a locator.
    GetBlocks(BlockLocator),
    /// `headers`: up to 2,000 headers, each opaque and at most 1,024 bytes.
    Headers(Vec<Bytes>),
    /// `getheaders`: asks for headers after a locator.
    GetHeaders(BlockLocator),
    /// `inv`: announces up to 50,000 objects.
    Inv(Vec<InvItem>),
    /// `tx`: a transaction, opaque to veil.
    Tx(Bytes),
    /// `mempool`: asks for the inventory of the mempool (empty payload).
    Mempool,
    /// `getdata`: asks for up to 50,000 objects.
    GetData(Vec<InvItem>),
    /// `notfound`: up to 50,000 requested objects that are not available.
    NotFound(Vec<InvItem>),
    /// `disconnect`: why the sender is closing.
    Disconnect(Disconnect),
    /// `stemtx`: a transaction in Dandelion++'s stem phase, opaque to veil:
    /// relayed to exactly one peer, never announced (`docs/PROTOCOL.md`).
    StemTx(Bytes),
}

/// Calls `$body` with the [`Encode`] value of `$msg`'s payload, or gives
/// `$empty` for messages without one.
macro_rules! with_payload {
    ($msg:expr, $p:ident => $body:expr, empty => $empty:expr) => {
        match $msg {
            Message::Version($p) => $body,
            Message::Ping($p) => $body,
            Message::Pong($p) => $body,
            Message::Addr($p) => $body,
            Message::GetBlocks($p) | Message::GetHeaders($p) => $body,
            Message::Inv($p) | Message::GetData($p) | Message::NotFound($p) => $body,
            Message::Disconnect($p) => $body,
            Message::Headers(headers) => {
                let $p = &HeaderList(headers);
                $body
            }
            Message::Block(raw) | Message::Tx(raw) | Message::StemTx(raw) => {
                let $p = &Opaque(raw);
                $body
            }
            Message::Verack | Message::GetAddr | Message::Mempool => $empty,
        }
    };
}

impl Message {
    /// The type of this message.
    ///
    /// ```
    /// use veil_core::message::{Message, MessageKind};
    /// assert_eq!(Message::Verack.kind(), MessageKind::Verack);
    /// ```
    #[must_use]
    pub fn kind(&self) -> MessageKind {
        match self {
            Message::Version(_) => MessageKind::Version,
            Message::Verack => MessageKind::Verack,
            Message::Ping(_) => MessageKind::Ping,
            Message::Pong(_) => MessageKind::Pong,
            Message::Addr(_) => MessageKind::Addr,
            Message::GetAddr => MessageKind::GetAddr,
            Message::Block(_) => MessageKind::Block,
            Message::GetBlocks(_) => MessageKind::GetBlocks,
            Message::Headers(_) => MessageKind::Headers,
            Message::GetHeaders(_) => MessageKind::GetHeaders,
            Message::Inv(_) => MessageKind::Inv,
            Message::Tx(_) => MessageKind::Tx,
            Message::StemTx(_) => MessageKind::StemTx,
            Message::Mempool => MessageKind::Mempool,
            Message::GetData(_) => MessageKind::GetData,
            Message::NotFound(_) => MessageKind::NotFound,
            Message::Disconnect(_) => MessageKind::Disconnect,
        }
    }

    /// The length of this message's payload, in bytes.
    ///
    /// ```
    /// assert_eq!(veil_core::message::Message::GetAddr.payload_len(), 0);
    /// ```
    #[must_use]
    pub fn payload_len(&self) -> usize {
        with_payload!(self, p => p.encoded_len(), empty => 0)
    }

    /// Checks every limit a receiver enforces, so nothing the application
    /// sends is rejected by its peer.
    ///
    /// ```
    /// use veil_core::message::{InvItem, InvKind, Message};
    /// let too_many = vec![InvItem { kind: InvKind::Tx, hash: [0; 32] }; 50_001];
    /// assert!(Message::Inv(too_many).validate().is_err());
    /// ```
    pub fn validate(&self) -> Result<(), PayloadError> {
        let (field, count, max) = match self {
            Message::Addr(list) => ("addr.count", list.len(), MAX_ADDR_ENTRIES),
            Message::Inv(list) | Message::GetData(list) | Message::NotFound(list) => {
                ("inv.count", list.len(), MAX_INV_ENTRIES)
            }
            Message::Headers(list) => ("headers.count", list.len(), MAX_HEADERS),
            _ => ("", 0, 0),
        };
        check_len(field, count, max)?;
        with_payload!(self, p => p.check_limits(), empty => Ok(()))
    }

    /// Validates the message, then appends its payload to `out`.
    ///
    /// Exactly [`Message::payload_len`] bytes are written.
    ///
    /// ```
    /// use veil_core::message::{Message, Ping};
    /// let mut out = Vec::new();
    /// Message::Ping(Ping { nonce: 1 }).encode_payload(&mut out).unwrap();
    /// assert_eq!(out, [1, 0, 0, 0, 0, 0, 0, 0]);
    /// ```
    pub fn encode_payload<B: BufMut>(&self, out: &mut B) -> Result<(), PayloadError> {
        self.validate()?;
        with_payload!(self, p => p.encode(out), empty => ());
        Ok(())
    }

    /// Decodes the payload of a message of type `kind`.
    ///
    /// Strict: every limit is checked before allocating, CompactSize must be
    /// canonical, and no byte may be left over. Opaque bodies (`block`, `tx`,
    /// `stemtx`, headers) are zero-copy slices of `payload`.
    ///
    /// ```
    /// use bytes::Bytes;
    /// use veil_core::message::{Message, MessageKind, PayloadError};
    ///
    /// let err = Message::decode(MessageKind::Verack, Bytes::from_static(&[0])).unwrap_err();
    /// assert_eq!(err, PayloadError::TrailingBytes { count: 1 });
    /// ```
    pub fn decode(kind: MessageKind, payload: Bytes) -> Result<Message, PayloadError> {
        let mut r = Reader::new(payload);
        let message = match kind {
            MessageKind::Version => Message::Version(Version::decode(&mut r)?),
            MessageKind::Verack => Message::Verack,
            MessageKind::Ping => Message::Ping(Ping::decode(&mut r)?),
            MessageKind::Pong => Message::Pong(Pong::decode(&mut r)?),
            MessageKind::Addr => Message::Addr(decode_list(
                &mut r,
                "addr.count",
                MAX_ADDR_ENTRIES,
                addr::MIN_ADDR_ENTRY_LEN,
            )?),
            MessageKind::GetAddr => Message::GetAddr,
            MessageKind::Block => Message::Block(r.rest()),
            MessageKind::GetBlocks => Message::GetBlocks(BlockLocator::decode(&mut r)?),
            MessageKind::Headers => Message::Headers(decode_headers(&mut r)?),
            MessageKind::GetHeaders => Message::GetHeaders(BlockLocator::decode(&mut r)?),
            MessageKind::Inv => Message::Inv(decode_inv(&mut r)?),
            MessageKind::Tx => Message::Tx(r.rest()),
            MessageKind::StemTx => Message::StemTx(r.rest()),
            MessageKind::Mempool => Message::Mempool,
            MessageKind::GetData => Message::GetData(decode_inv(&mut r)?),
            MessageKind::NotFound => Message::NotFound(decode_inv(&mut r)?),
            MessageKind::Disconnect => Message::Disconnect(Disconnect::decode(&mut r)?),
        };
        r.finish()?;
        Ok(message)
    }
}

fn decode_inv(r: &mut Reader) -> Result<Vec<InvItem>, PayloadError> {
    decode_list(r, "inv.count", MAX_INV_ENTRIES, inventory::INV_ITEM_LEN)
}
