//! What the default preset's bytes look like to a censor: a chi-square
//! uniformity test over the encrypted streams and the GFW first-packet
//! rule applied to the initiator's first flight and first encrypted
//! packet.
//!
//! The initiator's stream is laid out as `docs/PROTOCOL.md` section 8
//! says: first flight `e (32) ‖ garbage`, then `terminator (16) ‖ msg3
//! (161) ‖ packets…`. The packet log gives each packet's length, so the
//! first packet can be cut out of the recorded stream; the layout is
//! checked by accounting for every byte `a` sent.

use std::sync::Arc;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_core::connection::layout::{MSG1_LEN, MSG3_LEN, TERMINATOR_LEN};
use veil_core::connection::{Connection, ConnectionConfig};
use veil_core::identity::Identity;
use veil_core::testing::PAIR_WALL_CLOCK;
use veil_core::Instant;

use super::drive::Trace;
use super::stats::{chi_square, popcount_per_byte, ByteCounts, GfwVerdict};

/// A chi-square test over some bytes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Uniformity {
    /// Bytes tested.
    pub bytes: u64,
    /// The statistic (255 degrees of freedom).
    pub chi_square: f64,
}

/// The randomness figures of one run.
#[derive(Clone, Debug, PartialEq)]
pub struct Randomness {
    /// Whole a→b stream (handshake, then every packet).
    pub stream_a_to_b: Uniformity,
    /// Whole b→a stream.
    pub stream_b_to_a: Uniformity,
    /// The first 64 KiB of the a→b stream.
    pub prefix_a_to_b: Uniformity,
    /// Length of the initiator's first flight.
    pub first_flight_len: usize,
    /// Popcount per byte of its ephemeral key alone (raw X25519 without
    /// the `elligator2` feature).
    pub key_popcount: f64,
    /// Popcount per byte of its garbage alone (`None` if empty).
    pub garbage_popcount: Option<f64>,
    /// The GFW rule on the whole first flight.
    pub first_flight: GfwVerdict,
    /// Wire length of the initiator's first encrypted packet.
    pub first_packet_len: usize,
    /// The GFW rule on that packet's bytes.
    pub first_packet: GfwVerdict,
    /// Whether the recorded stream is exactly first flight, terminator,
    /// msg3 and the logged packets.
    pub layout_accounted: bool,
}

impl Randomness {
    /// Analyses `trace`; `None` if the stream is too short to hold the
    /// first packet.
    #[must_use]
    pub fn of(trace: &Trace) -> Option<Randomness> {
        let test = |counts: &ByteCounts| Uniformity {
            bytes: counts.total,
            chi_square: chi_square(counts).unwrap_or(f64::NAN),
        };
        let [a_to_b, b_to_a] = &trace.streams;
        let flight = &trace.first_flight;
        let packets: u64 = trace.packets[0].iter().map(|&(_, s)| u64::from(s)).sum();
        let handshake = (flight.len() + TERMINATOR_LEN + MSG3_LEN) as u64;
        let first_packet_len = trace.packets[0].first()?.1 as usize;
        let start = flight.len() + TERMINATOR_LEN + MSG3_LEN;
        let first_packet = a_to_b.prefix.get(start..start + first_packet_len)?;
        Some(Randomness {
            stream_a_to_b: test(&a_to_b.counts),
            stream_b_to_a: test(&b_to_a.counts),
            prefix_a_to_b: test(&ByteCounts::of(&a_to_b.prefix)),
            first_flight_len: flight.len(),
            key_popcount: popcount_per_byte(flight.get(..MSG1_LEN)?),
            garbage_popcount: (flight.len() > MSG1_LEN)
                .then(|| popcount_per_byte(&flight[MSG1_LEN..])),
            first_flight: GfwVerdict::of(flight),
            first_packet_len,
            first_packet: GfwVerdict::of(first_packet),
            layout_accounted: a_to_b.counts.total == handshake + packets
                && trace.bytes_sent[0] == a_to_b.counts.total
                && a_to_b.prefix.starts_with(flight),
        })
    }
}

/// The GFW rule over many initiators' first flights: one run shows one
/// garbage length, and the popcount of a short flight varies more.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FlightSample {
    /// Fresh outbound connections examined (seeds `0..count`).
    pub count: usize,
    /// How many first flights the rule blocks.
    pub blocked: usize,
    /// Lowest and highest popcount per byte seen.
    pub popcount_range: (f64, f64),
    /// Shortest and longest first flight seen.
    pub len_range: (usize, usize),
    /// How many flights each exemption let through: popcount, first six
    /// printable, half printable, 20 printable in a row, TLS/HTTP.
    pub exempted_by: [usize; 5],
}

impl FlightSample {
    /// Builds `count` outbound connections (default configuration, seeds
    /// `0..count`) and applies the rule to each first flight.
    ///
    /// # Errors
    ///
    /// The default configuration refused (never expected).
    pub fn measure(count: usize) -> Result<FlightSample, String> {
        let config = Arc::new(ConnectionConfig::default());
        let mut sample = FlightSample {
            count,
            blocked: 0,
            popcount_range: (f64::MAX, f64::MIN),
            len_range: (usize::MAX, 0),
            exempted_by: [0; 5],
        };
        for seed in 0..count as u64 {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let identity = Identity::generate(&mut rng);
            let connection = Connection::outbound(
                Arc::clone(&config),
                &identity,
                None,
                Instant::ZERO,
                PAIR_WALL_CLOCK,
                &mut rng,
            )
            .map_err(|e| e.to_string())?;
            let flight = connection.transmit_slice();
            let verdict = GfwVerdict::of(flight);
            sample.blocked += usize::from(verdict.blocked());
            let exemptions = [
                verdict.popcount_exempt,
                verdict.first_six_printable,
                verdict.half_printable,
                verdict.run_printable,
                verdict.looks_like_tls_or_http,
            ];
            for (count, on) in sample.exempted_by.iter_mut().zip(exemptions) {
                *count += usize::from(on);
            }
            let p = verdict.popcount_per_byte;
            sample.popcount_range = (
                sample.popcount_range.0.min(p),
                sample.popcount_range.1.max(p),
            );
            sample.len_range = (
                sample.len_range.0.min(flight.len()),
                sample.len_range.1.max(flight.len()),
            );
        }
        Ok(sample)
    }
}
