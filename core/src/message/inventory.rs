//! Inventory vectors for `inv`, `getdata` and `notfound`.

use bytes::BufMut;

use super::{Decode, Encode, PayloadError};
use crate::codec::Reader;

/// What an inventory entry refers to (u32 little-endian on the wire).
///
/// # Example
///
/// ```
/// use veil_core::message::InvKind;
/// assert_eq!(InvKind::from_u32(2), InvKind::Block);
/// assert_eq!(InvKind::from_u32(9).to_u32(), 9);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvKind {
    /// A transaction (1).
    Tx,
    /// A block (2).
    Block,
    /// Any other type, kept as sent so a newer peer's entries round-trip;
    /// receivers ignore what they do not know. Never 1 or 2.
    Other(u32),
}

impl InvKind {
    /// The kind for a wire value.
    ///
    /// ```
    /// assert_eq!(veil_core::message::InvKind::from_u32(1), veil_core::message::InvKind::Tx);
    /// ```
    #[must_use]
    pub const fn from_u32(value: u32) -> InvKind {
        match value {
            1 => InvKind::Tx,
            2 => InvKind::Block,
            other => InvKind::Other(other),
        }
    }

    /// The wire value of this kind.
    ///
    /// ```
    /// assert_eq!(veil_core::message::InvKind::Tx.to_u32(), 1);
    /// ```
    #[must_use]
    pub const fn to_u32(self) -> u32 {
        match self {
            InvKind::Tx => 1,
            InvKind::Block => 2,
            InvKind::Other(other) => other,
        }
    }
}

/// One inventory entry: a kind and the object's 32-byte hash (36 bytes).
///
/// # Example
///
/// ```
/// use veil_core::message::{InvItem, InvKind, Message};
/// let inv = Message::Inv(vec![InvItem { kind: InvKind::Tx, hash: [1; 32] }]);
/// assert_eq!(inv.payload_len(), 1 + 36);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InvItem {
    /// What the hash identifies.
    pub kind: InvKind,
    /// The object's hash, as the application defines it.
    pub hash: [u8; 32],
}

/// Encoded size of one entry.
pub(crate) const INV_ITEM_LEN: usize = 4 + 32;

impl Encode for InvItem {
    fn encoded_len(&self) -> usize {
        INV_ITEM_LEN
    }

    fn check_limits(&self) -> Result<(), PayloadError> {
        match self.kind {
            InvKind::Other(value @ (1 | 2)) => Err(PayloadError::ShadowsKnownValue {
                field: "inv.kind",
                value: u64::from(value),
            }),
            _ => Ok(()),
        }
    }

    fn encode<B: BufMut>(&self, out: &mut B) {
        out.put_u32_le(self.kind.to_u32());
        out.put_slice(&self.hash);
    }
}

impl Decode for InvItem {
    fn decode(r: &mut Reader) -> Result<Self, PayloadError> {
        Ok(InvItem {
            kind: InvKind::from_u32(r.u32_le("inv.kind")?),
            hash: r.array("inv.hash")?,
        })
    }
}
