//! Full Noise XX handshakes with identity proofs against the raw
//! public-key operations they need.
//!
//! Group `noise_xx_handshake`: `xx_identity_proofs` runs both sides of one
//! handshake per iteration (three messages, each side proving its identity
//! and verifying the other's proof, fresh ephemeral keys every time);
//! `public_key_ops_raw` does only its 2 X25519 keygens, 6 X25519 DHs, 2
//! Ed25519 signatures and 2 strict verifications, with x25519-dalek and
//! ed25519-dalek. Measured in handshakes per second.
//! `cargo run --release -p veil-benches --bin bench-report` prints the ratio.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use veil_benches::handshake::{Peers, RawKeys, GROUP, RAW, VEIL};

fn handshakes(c: &mut Criterion) {
    let raw = RawKeys::default();
    let peers = Peers::default();
    // Every iteration, in either function, takes new ephemeral keys.
    let mut n = 0u64;

    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::Elements(1));
    group.bench_function(RAW, |b| {
        b.iter(|| {
            n += 1;
            raw.public_key_ops(black_box(n))
        })
    });
    group.bench_function(VEIL, |b| {
        b.iter(|| {
            n += 1;
            peers.handshake(black_box(n))
        })
    });
    group.finish();
}

criterion_group! {
    name = handshake;
    config = veil_benches::quick_criterion();
    targets = handshakes
}
criterion_main!(handshake);
