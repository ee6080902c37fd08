//! Properties of traffic shaping: every message survives `plan` and the
//! `Reassembler` under every policy, packet sizes follow the policy, and the
//! reassembler rejects malformed contents with the right error, never panics
//! and never holds more than its maximum.

use proptest::prelude::*;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use veil_core::packet::PACKET_OVERHEAD;
use veil_core::shaping::{
    plan, wire_size, PaddingPolicy, Reassembler, ShapingError, BUCKETS, LENGTH_PREFIX_LEN,
    MORE_FRAGMENTS, PADDED,
};
use veil_core::Consequence;

fn policy() -> impl Strategy<Value = PaddingPolicy> {
    prop_oneof![
        Just(PaddingPolicy::None),
        Just(PaddingPolicy::Buckets),
        (0usize..600, 0usize..20_000).prop_map(|(min_contents, max_contents)| {
            PaddingPolicy::Random {
                min_contents,
                max_contents,
            }
        }),
    ]
}

fn message(len: usize, seed: u64) -> Vec<u8> {
    let mut bytes = vec![0; len];
    ChaCha20Rng::seed_from_u64(seed).fill_bytes(&mut bytes);
    bytes
}

/// Send `message` through `plan` and a reassembler; check the policy's
/// sizes along the way.
fn round_trip(message: &[u8], policy: &PaddingPolicy, seed: u64) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let fragments = plan(message, policy, &mut rng);
    assert!(!fragments.is_empty());
    let mut reassembler = Reassembler::new(message.len());
    let (init, last) = fragments.split_at(fragments.len() - 1);
    for fragment in init {
        assert!(!fragment.is_last());
        assert_eq!(
            reassembler.push(fragment.header, &fragment.contents),
            Ok(None)
        );
        assert!(reassembler.allocated() <= message.len());
    }
    assert!(last[0].is_last());
    let received = reassembler.push(last[0].header, &last[0].contents);
    assert_eq!(received, Ok(Some(message.to_vec())));
    assert_eq!(reassembler.buffered(), 0);

    let total: usize = fragments.iter().map(|f| f.wire_len()).sum();
    match policy {
        PaddingPolicy::None => {
            assert_eq!(fragments.len(), 1);
            assert_eq!(fragments[0].header, 0);
            assert_eq!(Some(total), wire_size(message.len(), policy));
        }
        PaddingPolicy::Buckets => {
            assert!(fragments.iter().all(|f| BUCKETS.contains(&f.wire_len())));
            assert!(init.iter().all(|f| f.wire_len() == 16_384));
            assert_eq!(Some(total), wire_size(message.len(), policy));
        }
        PaddingPolicy::Random { .. } => {
            let (lo, hi) = policy.random_range().unwrap();
            for fragment in &fragments {
                assert!((lo..=hi).contains(&fragment.contents.len()));
                let wire = fragment.wire_len();
                assert!((lo + PACKET_OVERHEAD..=hi + PACKET_OVERHEAD).contains(&wire));
            }
            assert_eq!(wire_size(message.len(), policy), None);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn shaping_round_trips_any_message(
        len in 0usize..=200_000,
        seed: u64,
        policy in policy(),
    ) {
        round_trip(&message(len, seed), &policy, seed);
    }

    #[test]
    fn shaping_random_sizes_within_range(
        len in 0usize..=50_000,
        seed: u64,
        min_contents in 4usize..2_000,
        extra in 0usize..2_000,
    ) {
        let max_contents = min_contents + extra;
        let policy = PaddingPolicy::Random { min_contents, max_contents };
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        for fragment in plan(&message(len, seed), &policy, &mut rng) {
            let size = fragment.contents.len();
            prop_assert!((min_contents..=max_contents).contains(&size));
        }
    }
}

proptest! {
    #[test]
    fn shaping_round_trips_small_messages(
        bytes in proptest::collection::vec(any::<u8>(), 0..2_000),
        seed: u64,
        policy in policy(),
    ) {
        round_trip(&bytes, &policy, seed);
    }

    #[test]
    fn shaping_rejects_non_zero_padding(
        data in proptest::collection::vec(any::<u8>(), 0..200),
        padding in 1usize..100,
        at in any::<prop::sample::Index>(),
        byte in 1u8..,
        more: bool,
    ) {
        let mut contents = (data.len() as u32).to_le_bytes()[..3].to_vec();
        contents.extend_from_slice(&data);
        contents.resize(contents.len() + padding, 0);
        let offset = LENGTH_PREFIX_LEN + data.len() + at.index(padding);
        contents[offset] = byte;
        let header = if more { PADDED | MORE_FRAGMENTS } else { PADDED };
        let mut reassembler = Reassembler::new(1_000);
        let err = reassembler.push(header, &contents).unwrap_err();
        prop_assert_eq!(err, ShapingError::NonZeroPadding { offset });
        prop_assert_eq!(err.consequence(), Consequence::Discourage);
    }

    #[test]
    fn shaping_rejects_data_length_beyond_contents(
        body in proptest::collection::vec(any::<u8>(), 0..200),
        beyond in 1usize..1 << 20,
    ) {
        let data_len = (body.len() + beyond).min((1 << 24) - 1);
        prop_assume!(data_len > body.len());
        let mut contents = (data_len as u32).to_le_bytes()[..3].to_vec();
        contents.extend_from_slice(&body);
        let mut reassembler = Reassembler::new(1 << 24);
        let err = reassembler.push(PADDED, &contents).unwrap_err();
        prop_assert_eq!(err, ShapingError::DataLength { data_len, available: body.len() });
        prop_assert_eq!(err.consequence(), Consequence::Discourage);
        prop_assert_eq!(reassembler.allocated(), 0);
    }

    #[test]
    fn shaping_rejects_short_padded(contents in proptest::collection::vec(any::<u8>(), 0..3)) {
        let mut reassembler = Reassembler::new(1_000);
        let err = reassembler.push(PADDED, &contents).unwrap_err();
        prop_assert_eq!(err, ShapingError::ShortPadded { len: contents.len() });
        prop_assert_eq!(err.consequence(), Consequence::Discourage);
    }

    #[test]
    fn shaping_rejects_messages_over_maximum(
        len in 1usize..50_000,
        seed: u64,
        policy in policy(),
    ) {
        let message = message(len, seed);
        let max = len - 1;
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut reassembler = Reassembler::new(max);
        let mut error = None;
        for fragment in plan(&message, &policy, &mut rng) {
            match reassembler.push(fragment.header, &fragment.contents) {
                Ok(done) => prop_assert_eq!(done, None),
                Err(err) => {
                    error = Some(err);
                    break;
                }
            }
            prop_assert!(reassembler.allocated() <= max);
        }
        match error {
            Some(ShapingError::MessageTooLong { len: seen, max: reported }) => {
                prop_assert!(seen > max && seen <= len);
                prop_assert_eq!(reported, max);
            }
            other => prop_assert!(false, "expected MessageTooLong, got {:?}", other),
        }
        prop_assert_eq!(reassembler.buffered(), 0);
    }

    /// Arbitrary packets never panic the reassembler, and it never holds or
    /// returns more than its maximum.
    #[test]
    fn shaping_reassembler_survives_arbitrary_input(
        max in 0usize..512,
        packets in proptest::collection::vec(
            (any::<u8>(), proptest::collection::vec(any::<u8>(), 0..300)),
            0..64,
        ),
    ) {
        let mut reassembler = Reassembler::new(max);
        for (header, contents) in &packets {
            match reassembler.push(*header, contents) {
                Ok(Some(message)) => prop_assert!(message.len() <= max),
                Ok(None) => {}
                Err(err) => {
                    prop_assert_eq!(err.consequence(), Consequence::Discourage);
                    prop_assert_eq!(reassembler.buffered(), 0);
                }
            }
            prop_assert!(reassembler.buffered() <= max);
            prop_assert!(reassembler.allocated() <= max);
        }
    }
}

#[test]
fn shaping_buckets_boundaries() {
    let largest_data = 16_384 - PACKET_OVERHEAD - LENGTH_PREFIX_LEN;
    for len in [
        0,
        1,
        233,
        234,
        largest_data - 1,
        largest_data,
        largest_data + 1,
        2 * largest_data,
        2 * largest_data + 1,
    ] {
        round_trip(&message(len, 9), &PaddingPolicy::Buckets, 9);
    }
}

#[test]
fn shaping_memory_grows_with_data_not_announcements() {
    let max = 100_000;
    let mut reassembler = Reassembler::new(max);
    // Announces 16 MiB - 1 of data but carries none: rejected, nothing kept.
    assert!(reassembler
        .push(PADDED | MORE_FRAGMENTS, &[0xff; 3])
        .is_err());
    assert_eq!(reassembler.allocated(), 0);
    // Many small fragments: the buffer follows the data, capped at the max.
    let mut received = 0;
    while received + 1_000 < max {
        assert_eq!(reassembler.push(MORE_FRAGMENTS, &[7; 1_000]), Ok(None));
        received += 1_000;
        assert!(reassembler.allocated() <= max);
        assert!(reassembler.allocated() <= 2 * received);
    }
    let rest = vec![7; max - received];
    let message = reassembler.push(0, &rest).unwrap().unwrap();
    assert_eq!(message.len(), max);
    assert_eq!(reassembler.allocated(), 0);
}
