//! Whole connections against the raw cryptography they are built on.
//!
//! Group `connection_handshake`, in connections per second: `connect` runs
//! `Connection::outbound` and `Connection::inbound` back to back through a
//! small local loop until both are connected (Noise XX with identity proofs
//! and garbage, then `version` and `verack`); `connect_pair` does the same
//! through `veil_core::testing::Pair`; `public_key_ops_raw` does only the
//! 4 X25519 keygens, 6 X25519 DHs, 2 Ed25519 signatures and 2 strict
//! verifications one connection needs.
//!
//! Group `connection_64KiB`, in payload bytes per second (GB/s):
//! `block_a_to_b` sends one 64 KiB `block` over an established connection
//! and takes it out of the peer (`send`, `poll_transmit`, `handle_input`,
//! `poll_event`); `chacha20_poly1305_raw` seals and opens 64 KiB with ring.
//!
//! `cargo run --release -p veil-benches --bin bench-report` prints the
//! ratios.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use veil_benches::connection::{
    Channel, Nodes, BLOCK_LEN, CONNECT, CONNECT_PAIR, HANDSHAKE_GROUP, HANDSHAKE_RAW, SEND_BLOCK,
    THROUGHPUT_GROUP, THROUGHPUT_RAW,
};
use veil_benches::handshake::RawKeys;
use veil_benches::packet::RawAead;

fn handshakes(c: &mut Criterion) {
    let raw = RawKeys::default();
    let mut nodes = Nodes::default();
    // Every raw iteration takes new static and ephemeral keys, as every
    // connection draws its own.
    let mut n = 0u64;

    let mut group = c.benchmark_group(HANDSHAKE_GROUP);
    group.throughput(Throughput::Elements(1));
    group.bench_function(HANDSHAKE_RAW, |b| {
        b.iter(|| {
            n += 1;
            raw.connection_public_key_ops(black_box(n))
        })
    });
    group.bench_function(CONNECT, |b| b.iter(|| nodes.connect()));
    group.bench_function(CONNECT_PAIR, |b| {
        b.iter(|| {
            n += 1;
            nodes.connect_pair(black_box(n))
        })
    });
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let mut raw = RawAead::default();
    let mut channel = Channel::default();

    let mut group = c.benchmark_group(THROUGHPUT_GROUP);
    group.throughput(Throughput::BytesDecimal(BLOCK_LEN as u64));
    group.bench_function(THROUGHPUT_RAW, |b| b.iter(|| raw.seal_open().len()));
    group.bench_function(SEND_BLOCK, |b| b.iter(|| channel.send_block()));
    group.finish();
}

criterion_group! {
    name = connection;
    config = veil_benches::quick_criterion();
    targets = handshakes, throughput
}
criterion_main!(connection);
