//! The sending side: cutting a message into padded fragments.

use alloc::vec::Vec;

use rand_core::RngCore;

use super::padding::{bucket_for, uniform, PaddingPolicy, BUCKETS, LARGEST_BUCKET_DATA};
use crate::packet::{MAX_CONTENTS_LEN, PACKET_OVERHEAD};

/// Header flag: the contents are `[u24 LE data_len][data][zero padding]`.
///
/// # Example
///
/// ```
/// assert_eq!(veil_core::shaping::PADDED, 0x40);
/// ```
pub const PADDED: u8 = 0x40;

/// Header flag: further fragments of the same message follow.
///
/// # Example
///
/// ```
/// assert_eq!(veil_core::shaping::MORE_FRAGMENTS, 0x20);
/// ```
pub const MORE_FRAGMENTS: u8 = 0x20;

/// Length of the data length prefix in padded contents.
///
/// # Example
///
/// ```
/// assert_eq!(veil_core::shaping::LENGTH_PREFIX_LEN, 3);
/// ```
pub const LENGTH_PREFIX_LEN: usize = 3;

/// One packet to send: its header byte and its contents.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{Fragment, PADDED};
///
/// let fragment = Fragment { header: PADDED, contents: vec![1, 0, 0, 9, 0] };
/// assert_eq!(fragment.wire_len(), 25);
/// assert!(fragment.is_last());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Fragment {
    /// Header byte: [`PADDED`] and [`MORE_FRAGMENTS`] as they apply.
    pub header: u8,
    /// The packet's contents.
    pub contents: Vec<u8>,
}

impl Fragment {
    /// Size of the packet on the wire: contents plus
    /// [`PACKET_OVERHEAD`](crate::packet::PACKET_OVERHEAD).
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::Fragment;
    ///
    /// assert_eq!(Fragment { header: 0, contents: vec![0; 10] }.wire_len(), 30);
    /// ```
    #[must_use]
    pub fn wire_len(&self) -> usize {
        self.contents.len() + PACKET_OVERHEAD
    }

    /// Whether this fragment ends its message (no [`MORE_FRAGMENTS`]).
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::{Fragment, MORE_FRAGMENTS};
    ///
    /// assert!(!Fragment { header: MORE_FRAGMENTS, contents: vec![1] }.is_last());
    /// ```
    #[must_use]
    pub fn is_last(&self) -> bool {
        self.header & MORE_FRAGMENTS == 0
    }
}

/// The shape of one packet: its header flags, how many message bytes it
/// carries and its contents length. The contents are the data itself when
/// unpadded, else `[u24 LE data_len][data][zero padding]`.
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::shaping::{next_piece, PaddingPolicy, PADDED};
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0);
/// let piece = next_piece(100, &PaddingPolicy::Buckets, &mut rng);
/// assert_eq!((piece.header, piece.data_len, piece.contents_len), (PADDED, 100, 236));
/// let mut contents = Vec::new();
/// piece.write_contents(&[9; 100], &mut contents);
/// assert_eq!(contents.len(), 236);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Piece {
    /// [`PADDED`] and [`MORE_FRAGMENTS`] as they apply.
    pub header: u8,
    /// Message bytes this packet carries.
    pub data_len: usize,
    /// Length of the packet's contents.
    pub contents_len: usize,
}

impl Piece {
    /// A padded piece of `contents_len` bytes carrying `data_len` bytes.
    ///
    /// ```
    /// use veil_core::shaping::{Piece, MORE_FRAGMENTS, PADDED};
    ///
    /// let piece = Piece::padded(10, 252, true);
    /// assert_eq!(piece.header, PADDED | MORE_FRAGMENTS);
    /// ```
    #[must_use]
    pub const fn padded(data_len: usize, contents_len: usize, more: bool) -> Piece {
        let header = if more {
            PADDED | MORE_FRAGMENTS
        } else {
            PADDED
        };
        Piece {
            header,
            data_len,
            contents_len,
        }
    }

    /// Whether this piece ends its message.
    ///
    /// ```
    /// use veil_core::shaping::Piece;
    ///
    /// assert!(Piece::padded(1, 4, false).is_last());
    /// ```
    #[must_use]
    pub const fn is_last(&self) -> bool {
        self.header & MORE_FRAGMENTS == 0
    }

    /// Size of the packet on the wire.
    ///
    /// ```
    /// use veil_core::shaping::Piece;
    ///
    /// assert_eq!(Piece::padded(1, 236, false).wire_len(), 256);
    /// ```
    #[must_use]
    pub const fn wire_len(&self) -> usize {
        self.contents_len + PACKET_OVERHEAD
    }

    /// Appends the contents to `out`: `data` (exactly
    /// [`data_len`](Piece::data_len) bytes) with the length prefix and zero
    /// padding when padded.
    ///
    /// ```
    /// use veil_core::shaping::Piece;
    ///
    /// let mut out = Vec::new();
    /// Piece::padded(2, 7, false).write_contents(b"hi", &mut out);
    /// assert_eq!(out, [2, 0, 0, b'h', b'i', 0, 0]);
    /// ```
    pub fn write_contents(&self, data: &[u8], out: &mut Vec<u8>) {
        debug_assert_eq!(data.len(), self.data_len);
        let start = out.len();
        if self.header & PADDED != 0 {
            let len = self.data_len as u32;
            out.extend_from_slice(&len.to_le_bytes()[..LENGTH_PREFIX_LEN]);
        }
        out.extend_from_slice(data);
        out.resize(start + self.contents_len, 0);
    }
}

/// The next piece of a message with `remaining` bytes still to send under
/// `policy`, drawing a random size (for [`PaddingPolicy::Random`] only) from
/// `rng`.
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use veil_core::shaping::{next_piece, PaddingPolicy};
///
/// let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(0);
/// let piece = next_piece(20_000, &PaddingPolicy::Buckets, &mut rng);
/// assert_eq!(piece.wire_len(), 16_384);
/// assert!(!piece.is_last());
/// ```
pub fn next_piece<R: RngCore + ?Sized>(
    remaining: usize,
    policy: &PaddingPolicy,
    rng: &mut R,
) -> Piece {
    match policy {
        PaddingPolicy::None => {
            let data_len = remaining.min(MAX_CONTENTS_LEN);
            let more = data_len < remaining;
            Piece {
                header: if more { MORE_FRAGMENTS } else { 0 },
                data_len,
                contents_len: data_len,
            }
        }
        PaddingPolicy::Buckets => match bucket_for(remaining) {
            Some(bucket) => Piece::padded(remaining, bucket - PACKET_OVERHEAD, false),
            None => Piece::padded(
                LARGEST_BUCKET_DATA,
                BUCKETS[BUCKETS.len() - 1] - PACKET_OVERHEAD,
                true,
            ),
        },
        PaddingPolicy::Random { .. } => {
            let (lo, hi) = policy
                .random_range()
                .unwrap_or((LENGTH_PREFIX_LEN + 1, LENGTH_PREFIX_LEN + 1));
            let contents_len = uniform(rng, lo, hi);
            let data_len = remaining.min(contents_len - LENGTH_PREFIX_LEN);
            Piece::padded(data_len, contents_len, data_len < remaining)
        }
    }
}

/// A piece of exactly `wire_len` bytes on the wire (at least
/// `PACKET_OVERHEAD + 4`) carrying as much of `remaining` as fits: the
/// fixed-size packets of constant-rate shaping.
pub(crate) fn fixed_piece(remaining: usize, wire_len: usize) -> Piece {
    let contents_len = wire_len - PACKET_OVERHEAD;
    let data_len = remaining.min(contents_len - LENGTH_PREFIX_LEN);
    Piece::padded(data_len, contents_len, data_len < remaining)
}

/// Cut `message` into the fragments to send under `policy`, drawing random
/// sizes (for [`PaddingPolicy::Random`] only) from `rng`.
///
/// Always at least one fragment, even for an empty message. Under
/// [`PaddingPolicy::Buckets`] every fragment's wire size is one of
/// [`BUCKETS`]; under [`PaddingPolicy::Random`] every contents length lies in
/// [`PaddingPolicy::random_range`]; under [`PaddingPolicy::None`] the message
/// is one unpadded packet (split only beyond
/// [`MAX_CONTENTS_LEN`](crate::packet::MAX_CONTENTS_LEN)).
///
/// # Example
///
/// ```
/// use rand_chacha::rand_core::SeedableRng;
/// use rand_chacha::ChaCha20Rng;
/// use veil_core::shaping::{plan, PaddingPolicy, PADDED};
///
/// let mut rng = ChaCha20Rng::seed_from_u64(0);
/// let fragments = plan(b"hi", &PaddingPolicy::Buckets, &mut rng);
/// assert_eq!(fragments.len(), 1);
/// assert_eq!(fragments[0].header, PADDED);
/// assert_eq!(&fragments[0].contents[..5], &[2, 0, 0, b'h', b'i']);
/// assert_eq!(fragments[0].wire_len(), 256);
///
/// let plain = plan(b"hi", &PaddingPolicy::None, &mut rng);
/// assert_eq!(plain[0].header, 0);
/// assert_eq!(plain[0].contents, b"hi");
/// ```
pub fn plan<R: RngCore + ?Sized>(
    message: &[u8],
    policy: &PaddingPolicy,
    rng: &mut R,
) -> Vec<Fragment> {
    let mut fragments = Vec::new();
    let mut rest = message;
    loop {
        let piece = next_piece(rest.len(), policy, rng);
        let mut contents = Vec::with_capacity(piece.contents_len);
        piece.write_contents(&rest[..piece.data_len], &mut contents);
        fragments.push(Fragment {
            header: piece.header,
            contents,
        });
        rest = &rest[piece.data_len..];
        if piece.is_last() {
            return fragments;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn buckets_split_at_largest() {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let message = alloc::vec![5u8; LARGEST_BUCKET_DATA + 1];
        let fragments = plan(&message, &PaddingPolicy::Buckets, &mut rng);
        assert_eq!(fragments.len(), 2);
        assert_eq!(fragments[0].header, PADDED | MORE_FRAGMENTS);
        assert_eq!(fragments[0].wire_len(), 16_384);
        assert_eq!(fragments[1].header, PADDED);
        assert_eq!(fragments[1].wire_len(), 256);
        assert_eq!(&fragments[1].contents[..4], &[1, 0, 0, 5]);
        assert!(fragments[1].contents[4..].iter().all(|&b| b == 0));
    }

    #[test]
    fn random_uses_small_range() {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        let policy = PaddingPolicy::Random {
            min_contents: 4,
            max_contents: 4,
        };
        let fragments = plan(b"abc", &policy, &mut rng);
        assert_eq!(fragments.len(), 3);
        assert!(fragments.iter().all(|f| f.contents.len() == 4));
        assert!(fragments[..2].iter().all(|f| !f.is_last()));
        assert!(fragments[2].is_last());
    }

    #[test]
    fn empty_message_is_one_fragment() {
        let mut rng = ChaCha20Rng::seed_from_u64(0);
        for policy in [PaddingPolicy::None, PaddingPolicy::Buckets] {
            let fragments = plan(&[], &policy, &mut rng);
            assert_eq!(fragments.len(), 1);
            assert!(fragments[0].is_last());
        }
    }
}
