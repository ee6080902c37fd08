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

/// Padded fragment of `contents_len` bytes carrying `data`.
fn padded(data: &[u8], contents_len: usize, more: bool) -> Fragment {
    debug_assert!(data.len() + LENGTH_PREFIX_LEN <= contents_len);
    let mut contents = Vec::with_capacity(contents_len);
    let len = data.len() as u32;
    contents.extend_from_slice(&len.to_le_bytes()[..LENGTH_PREFIX_LEN]);
    contents.extend_from_slice(data);
    contents.resize(contents_len, 0);
    let header = if more {
        PADDED | MORE_FRAGMENTS
    } else {
        PADDED
    };
    Fragment { header, contents }
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
        let (fragment, taken) = match policy {
            PaddingPolicy::None => {
                let taken = rest.len().min(MAX_CONTENTS_LEN);
                let more = taken < rest.len();
                let header = if more { MORE_FRAGMENTS } else { 0 };
                let contents = rest[..taken].to_vec();
                (Fragment { header, contents }, taken)
            }
            PaddingPolicy::Buckets => match bucket_for(rest.len()) {
                Some(bucket) => (padded(rest, bucket - PACKET_OVERHEAD, false), rest.len()),
                None => {
                    let contents_len = BUCKETS[BUCKETS.len() - 1] - PACKET_OVERHEAD;
                    let data = &rest[..LARGEST_BUCKET_DATA];
                    (padded(data, contents_len, true), LARGEST_BUCKET_DATA)
                }
            },
            PaddingPolicy::Random { .. } => {
                let (lo, hi) = policy
                    .random_range()
                    .unwrap_or((LENGTH_PREFIX_LEN + 1, LENGTH_PREFIX_LEN + 1));
                let contents_len = uniform(rng, lo, hi);
                let capacity = contents_len - LENGTH_PREFIX_LEN;
                let taken = rest.len().min(capacity);
                let more = taken < rest.len();
                (padded(&rest[..taken], contents_len, more), taken)
            }
        };
        let last = fragment.is_last();
        fragments.push(fragment);
        rest = &rest[taken..];
        if last {
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
