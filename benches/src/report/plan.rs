//! Which measurements the report compares, and the goal of each.

use core::fmt;

use crate::fixtures::{
    group_name, DECODE, DECODE_CHUNKED, DECODE_MESSAGE, ENCODE, PING_GROUP, RAW, SIZES,
};
use crate::{connection, handshake, packet};

/// A goal from a benchmark issue.
///
/// ```
/// use veil_benches::report::Goal;
/// assert_eq!(Goal::MinRatio(0.9).to_string(), "ratio ≥ 0.9");
/// assert_eq!(Goal::MinPerSecond(3e6).to_string(), "≥ 3.00 M/s");
/// assert_eq!(Goal::None.to_string(), "—");
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Goal {
    /// No goal: reported for information.
    None,
    /// veil throughput at least this fraction of the baseline's.
    MinRatio(f64),
    /// veil at least this many elements per second.
    MinPerSecond(f64),
}

impl fmt::Display for Goal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Goal::None => f.write_str("—"),
            Goal::MinRatio(min) => write!(f, "ratio ≥ {min}"),
            Goal::MinPerSecond(min) => write!(f, "≥ {:.2} M/s", min / 1e6),
        }
    }
}

/// One veil function to compare with the raw baseline of its group.
///
/// ```
/// let pair = &veil_benches::report::plan()[0];
/// assert_eq!((pair.group.as_str(), pair.op, pair.raw), ("frame_8B", "encode", "sha256d_raw"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    /// The table's size column.
    pub size: String,
    /// The criterion group.
    pub group: String,
    /// The veil function in that group.
    pub op: &'static str,
    /// The raw baseline in that group.
    pub raw: &'static str,
    /// Its goal.
    pub goal: Goal,
}

/// Every comparison the report makes: encode and decode at each size (decode
/// must reach 0.9 of raw SHA-256d at 64 KiB and 1 MiB; 1 MiB also decoded
/// from 64 KiB reads, for information), then the ping stream (at least 3
/// million frames per second); then issue 3's building blocks, held to the
/// goals of the connection they make up: the handshake with identity
/// proofs at 0.8 of its raw public-key operations, the packet layer at 0.85
/// of raw ChaCha20-Poly1305; then issue 3's goals for the `Connection`
/// itself: a whole connection (both sides, to connected) at 0.8 of its raw
/// public-key operations (through the `testing::Pair` for information),
/// and 64 KiB `block` messages over an established connection at 0.85 of
/// raw ChaCha20-Poly1305. (The memory goal is not a criterion measurement:
/// see [`crate::memory`].)
///
/// ```
/// use veil_benches::report::{plan, Goal};
/// let pairs = plan();
/// assert_eq!(pairs.len(), 16);
/// assert_eq!(pairs.iter().filter(|p| p.goal != Goal::None).count(), 7);
/// assert_eq!(pairs[11].raw, "public_key_ops_raw");
/// assert_eq!((pairs[13].group.as_str(), pairs[13].op), ("connection_handshake", "connect"));
/// ```
#[must_use]
pub fn plan() -> Vec<Pair> {
    let mut pairs = Vec::new();
    for size in SIZES {
        let ops: &[&'static str] = if size.bytes >= 1 << 20 {
            &[ENCODE, DECODE, DECODE_CHUNKED]
        } else {
            &[ENCODE, DECODE]
        };
        for &op in ops {
            let goal = if op == DECODE && size.bytes >= 64 * 1024 {
                Goal::MinRatio(0.9)
            } else {
                Goal::None
            };
            pairs.push(Pair {
                size: size.label.to_string(),
                group: group_name(size.label),
                op,
                raw: RAW,
                goal,
            });
        }
    }
    for (op, goal) in [
        (DECODE, Goal::MinPerSecond(3e6)),
        (DECODE_MESSAGE, Goal::None),
    ] {
        pairs.push(Pair {
            size: "1,000 pings".to_string(),
            group: PING_GROUP.to_string(),
            op,
            raw: RAW,
            goal,
        });
    }
    pairs.push(Pair {
        size: "1 handshake".to_string(),
        group: handshake::GROUP.to_string(),
        op: handshake::VEIL,
        raw: handshake::RAW,
        goal: Goal::MinRatio(0.8),
    });
    pairs.push(Pair {
        size: "64KiB".to_string(),
        group: packet::GROUP.to_string(),
        op: packet::VEIL,
        raw: packet::RAW,
        goal: Goal::MinRatio(0.85),
    });
    for (op, goal) in [
        (connection::CONNECT, Goal::MinRatio(0.8)),
        (connection::CONNECT_PAIR, Goal::None),
    ] {
        pairs.push(Pair {
            size: "1 connection".to_string(),
            group: connection::HANDSHAKE_GROUP.to_string(),
            op,
            raw: connection::HANDSHAKE_RAW,
            goal,
        });
    }
    pairs.push(Pair {
        size: "64KiB block".to_string(),
        group: connection::THROUGHPUT_GROUP.to_string(),
        op: connection::SEND_BLOCK,
        raw: connection::THROUGHPUT_RAW,
        goal: Goal::MinRatio(0.85),
    });
    pairs
}
