//! The packet layer of an established channel against raw ChaCha20-Poly1305.
//!
//! Group `packet_64KiB`: `send_receive` encrypts one 64 KiB message with a
//! `SendCipher` and decrypts the same packet with a `ReceiveCipher` (length,
//! then body in place) per iteration; `chacha20_poly1305_raw` seals and opens
//! 64 KiB in place with ring under an incrementing nonce. Measured in
//! contents bytes per second, shown in decimal units (GB/s).
//! `cargo run --release -p veil-benches --bin bench-report` prints the ratio.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use veil_benches::packet::{Channel, RawAead, CONTENTS_LEN, GROUP, RAW, VEIL};

fn packets(c: &mut Criterion) {
    let mut raw = RawAead::default();
    let mut channel = Channel::default();

    let mut group = c.benchmark_group(GROUP);
    group.throughput(Throughput::BytesDecimal(CONTENTS_LEN as u64));
    group.bench_function(RAW, |b| b.iter(|| raw.seal_open().len()));
    group.bench_function(VEIL, |b| b.iter(|| channel.round_trip().len()));
    group.finish();
}

criterion_group! {
    name = packet;
    config = veil_benches::quick_criterion();
    targets = packets
}
criterion_main!(packet);
