//! `ping` and `pong`: liveness and round-trip time.

use bytes::BufMut;

use super::{Decode, Encode, PayloadError};
use crate::codec::Reader;

/// A liveness probe carrying a random nonce (u64 little-endian, 8 bytes).
///
/// # Example
///
/// ```
/// use veil_core::message::{Message, Ping};
/// assert_eq!(Message::Ping(Ping { nonce: 1 }).payload_len(), 8);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ping {
    /// Random value the pong must echo.
    pub nonce: u64,
}

/// The answer to a [`Ping`], echoing its nonce (u64 little-endian, 8 bytes).
///
/// # Example
///
/// ```
/// use veil_core::message::{Ping, Pong};
/// let ping = Ping { nonce: 99 };
/// assert_eq!(Pong::answering(ping).nonce, 99);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Pong {
    /// The nonce of the ping this answers.
    pub nonce: u64,
}

impl Pong {
    /// The pong that answers `ping`.
    ///
    /// ```
    /// use veil_core::message::{Ping, Pong};
    /// assert_eq!(Pong::answering(Ping { nonce: 5 }), Pong { nonce: 5 });
    /// ```
    #[must_use]
    pub const fn answering(ping: Ping) -> Pong {
        Pong { nonce: ping.nonce }
    }
}

/// Payload length of both `ping` and `pong`.
pub(crate) const NONCE_LEN: usize = 8;

macro_rules! nonce_codec {
    ($ty:ident, $field:literal) => {
        impl Encode for $ty {
            fn encoded_len(&self) -> usize {
                NONCE_LEN
            }

            fn encode<B: BufMut>(&self, out: &mut B) {
                out.put_u64_le(self.nonce);
            }
        }

        impl Decode for $ty {
            fn decode(r: &mut Reader) -> Result<Self, PayloadError> {
                Ok($ty {
                    nonce: r.u64_le($field)?,
                })
            }
        }
    };
}

nonce_codec!(Ping, "ping.nonce");
nonce_codec!(Pong, "pong.nonce");
