//! Padding policies: how the size of each packet is chosen.

use rand_core::RngCore;

use super::fragment::LENGTH_PREFIX_LEN;
use crate::packet::{MAX_CONTENTS_LEN, PACKET_OVERHEAD};

/// The wire sizes of packets under [`PaddingPolicy::Buckets`], smallest first.
///
/// A packet's wire size is its contents length plus
/// [`PACKET_OVERHEAD`](crate::packet::PACKET_OVERHEAD) (20 bytes: encrypted
/// 3-byte length, header byte, 16-byte tag).
///
/// # Example
///
/// ```
/// use veil_core::shaping::BUCKETS;
///
/// assert_eq!(BUCKETS[0], 256);
/// assert_eq!(BUCKETS[BUCKETS.len() - 1], 16_384);
/// ```
pub const BUCKETS: [usize; 7] = [256, 512, 1024, 2048, 4096, 8192, 16_384];

/// Data bytes a fragment in the largest bucket carries.
pub(super) const LARGEST_BUCKET_DATA: usize =
    BUCKETS[BUCKETS.len() - 1] - PACKET_OVERHEAD - LENGTH_PREFIX_LEN;

/// How the sender pads and fragments messages.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{wire_size, PaddingPolicy};
///
/// assert_eq!(wire_size(100, &PaddingPolicy::None), Some(120));
/// assert_eq!(wire_size(100, &PaddingPolicy::Buckets), Some(256));
/// let random = PaddingPolicy::Random { min_contents: 64, max_contents: 512 };
/// assert_eq!(wire_size(100, &random), None);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum PaddingPolicy {
    /// No padding: the message travels as it is, in one unpadded packet
    /// (split only beyond the packet layer's
    /// [`MAX_CONTENTS_LEN`](crate::packet::MAX_CONTENTS_LEN)).
    #[default]
    None,
    /// Every packet's contents length is drawn uniformly from
    /// `min_contents..=max_contents`; data that does not fit continues in
    /// further fragments.
    ///
    /// Bounds are brought into range before use: the lower bound is at least
    /// 4 (the 3-byte length prefix and one data byte), a `max_contents` below
    /// the lower bound is raised to it, and both are at most
    /// [`MAX_CONTENTS_LEN`](crate::packet::MAX_CONTENTS_LEN).
    Random {
        /// Smallest contents length of a packet.
        min_contents: usize,
        /// Largest contents length of a packet.
        max_contents: usize,
    },
    /// Every packet's wire size is one of [`BUCKETS`]: the smallest bucket
    /// that fits the remaining data, or the largest one and a further
    /// fragment.
    Buckets,
}

impl PaddingPolicy {
    /// The inclusive range of contents lengths a [`PaddingPolicy::Random`]
    /// policy actually draws from, after bringing its bounds into range;
    /// `None` for the other policies.
    ///
    /// # Example
    ///
    /// ```
    /// use veil_core::shaping::PaddingPolicy;
    ///
    /// let policy = PaddingPolicy::Random { min_contents: 0, max_contents: 2 };
    /// assert_eq!(policy.random_range(), Some((4, 4)));
    /// assert_eq!(PaddingPolicy::Buckets.random_range(), None);
    /// ```
    #[must_use]
    pub fn random_range(&self) -> Option<(usize, usize)> {
        match *self {
            PaddingPolicy::Random {
                min_contents,
                max_contents,
            } => {
                let lo = min_contents.clamp(LENGTH_PREFIX_LEN + 1, MAX_CONTENTS_LEN);
                let hi = max_contents.clamp(lo, MAX_CONTENTS_LEN);
                Some((lo, hi))
            }
            PaddingPolicy::None | PaddingPolicy::Buckets => None,
        }
    }
}

/// The smallest bucket whose packet holds `data_len` bytes of data after the
/// length prefix, if any.
pub(super) fn bucket_for(data_len: usize) -> Option<usize> {
    let needed = data_len.checked_add(PACKET_OVERHEAD + LENGTH_PREFIX_LEN)?;
    BUCKETS.iter().copied().find(|&bucket| bucket >= needed)
}

/// A uniformly random value in `lo..=hi` (rejection sampling, no modulo
/// bias). Requires `lo <= hi` and `hi - lo < u64::MAX`.
pub(crate) fn uniform<R: RngCore + ?Sized>(rng: &mut R, lo: usize, hi: usize) -> usize {
    let span = (hi - lo) as u64 + 1;
    let zone = u64::MAX - (u64::MAX - span + 1) % span;
    loop {
        let value = rng.next_u64();
        if value <= zone {
            // The remainder is below `span`, itself at most `hi - lo + 1`.
            return lo + (value % span) as usize;
        }
    }
}

/// Total wire bytes (all packets, overhead included) that a message of
/// `message_len` bytes costs under a deterministic policy; `None` for
/// [`PaddingPolicy::Random`], whose cost depends on the draws.
///
/// Agrees with the sum of [`Fragment::wire_len`](super::Fragment::wire_len)
/// over [`plan`](super::plan)'s fragments.
///
/// # Example
///
/// ```
/// use veil_core::shaping::{wire_size, PaddingPolicy};
///
/// assert_eq!(wire_size(0, &PaddingPolicy::Buckets), Some(256));
/// assert_eq!(wire_size(233, &PaddingPolicy::Buckets), Some(256));
/// assert_eq!(wire_size(234, &PaddingPolicy::Buckets), Some(512));
/// assert_eq!(wire_size(20_000, &PaddingPolicy::Buckets), Some(16_384 + 4096));
/// ```
#[must_use]
pub fn wire_size(message_len: usize, policy: &PaddingPolicy) -> Option<usize> {
    match policy {
        PaddingPolicy::None => {
            let packets = message_len.div_ceil(MAX_CONTENTS_LEN).max(1);
            Some(message_len + packets * PACKET_OVERHEAD)
        }
        PaddingPolicy::Buckets => {
            let full = message_len.saturating_sub(1) / LARGEST_BUCKET_DATA;
            let rest = message_len - full * LARGEST_BUCKET_DATA;
            let last = bucket_for(rest)?;
            Some(full * BUCKETS[BUCKETS.len() - 1] + last)
        }
        PaddingPolicy::Random { .. } => None,
    }
}

/// The bytes a message of `message_len` bytes costs on the wire beyond its
/// own length under a deterministic policy ([`wire_size`] minus
/// `message_len`); `None` for [`PaddingPolicy::Random`].
///
/// # Example
///
/// ```
/// use veil_core::shaping::{overhead, PaddingPolicy};
///
/// assert_eq!(overhead(100, &PaddingPolicy::None), Some(20));
/// assert_eq!(overhead(100, &PaddingPolicy::Buckets), Some(156));
/// ```
#[must_use]
pub fn overhead(message_len: usize, policy: &PaddingPolicy) -> Option<usize> {
    wire_size(message_len, policy).map(|wire| wire - message_len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn largest_bucket_carries_16361_bytes() {
        assert_eq!(LARGEST_BUCKET_DATA, 16_361);
        assert_eq!(bucket_for(LARGEST_BUCKET_DATA), Some(16_384));
        assert_eq!(bucket_for(LARGEST_BUCKET_DATA + 1), None);
    }

    #[test]
    fn fragment_boundaries() {
        let b = PaddingPolicy::Buckets;
        assert_eq!(wire_size(16_361, &b), Some(16_384));
        assert_eq!(wire_size(16_362, &b), Some(16_384 + 256));
        assert_eq!(wire_size(2 * 16_361, &b), Some(2 * 16_384));
    }

    #[test]
    fn uniform_covers_range() {
        use rand_chacha::rand_core::SeedableRng;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let mut seen = [false; 5];
        for _ in 0..200 {
            let v = uniform(&mut rng, 10, 14);
            seen[v - 10] = true;
        }
        assert!(seen.iter().all(|&s| s));
        assert_eq!(uniform(&mut rng, 7, 7), 7);
    }
}
