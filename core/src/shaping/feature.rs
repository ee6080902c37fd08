//! Privacy feature bits: what a node offers in its `version` message's
//! `privacy_features` field.
//!
//! A bit offered means "I take part in this and accept its cost". A
//! connection's sender applies a mechanism only when both sides offer its
//! bit (and within both sides' [`Budget`](super::Budget)s). Receiving needs no
//! agreement: every veil peer removes padding, reassembles fragments and
//! drops decoys.
//!
//! # Example
//!
//! ```
//! use veil_core::shaping::feature;
//!
//! let ours = feature::BUCKET_PADDING | feature::DECOYS | feature::JITTER;
//! let theirs = feature::BUCKET_PADDING | feature::JITTER;
//! assert_eq!(ours & theirs, feature::BUCKET_PADDING | feature::JITTER);
//! assert_eq!(feature::ALL & !feature::ALL, 0);
//! ```

/// Packets padded to uniformly random sizes within a range.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::RANDOM_PADDING, 1);
/// ```
pub const RANDOM_PADDING: u32 = 1 << 0;

/// Packets padded to power-of-two buckets, 256 to 16,384 bytes on the wire.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::BUCKET_PADDING, 2);
/// ```
pub const BUCKET_PADDING: u32 = 1 << 1;

/// Decoy packets: chaff while idle and dummy traffic at a random rate.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::DECOYS, 4);
/// ```
pub const DECOYS: u32 = 1 << 2;

/// Messages held and released in bursts.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::BURSTS, 8);
/// ```
pub const BURSTS: u32 = 1 << 3;

/// A random delay before transmits.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::JITTER, 16);
/// ```
pub const JITTER: u32 = 1 << 4;

/// One fixed-size packet at a fixed interval, real or decoy.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::CONSTANT_RATE, 32);
/// ```
pub const CONSTANT_RATE: u32 = 1 << 5;

/// Every traffic-shaping bit; the others of `privacy_features` are free for
/// other uses.
///
/// ```
/// assert_eq!(veil_core::shaping::feature::ALL, 0x3f);
/// ```
pub const ALL: u32 = RANDOM_PADDING | BUCKET_PADDING | DECOYS | BURSTS | JITTER | CONSTANT_RATE;

/// The names of the bits set in `bits`, in bit order (unknown bits are left
/// out).
///
/// ```
/// use veil_core::shaping::feature;
///
/// let names: Vec<_> = feature::names(feature::BUCKET_PADDING | feature::JITTER).collect();
/// assert_eq!(names, ["bucket_padding", "jitter"]);
/// ```
pub fn names(bits: u32) -> impl Iterator<Item = &'static str> {
    [
        (RANDOM_PADDING, "random_padding"),
        (BUCKET_PADDING, "bucket_padding"),
        (DECOYS, "decoys"),
        (BURSTS, "bursts"),
        (JITTER, "jitter"),
        (CONSTANT_RATE, "constant_rate"),
    ]
    .into_iter()
    .filter(move |(bit, _)| bits & bit != 0)
    .map(|(_, name)| name)
}
