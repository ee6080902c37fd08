//! Frame encode and decode against raw SHA-256d of the same bytes.
//!
//! Groups `frame_<size>` (8B, 256B, 64KiB, 1MiB) each hold `sha256d_raw`,
//! `encode` and `decode` (1MiB also `decode_chunked`: 64 KiB reads),
//! measured in payload bytes per second. Group `ping_stream` decodes 1,000
//! back-to-back ping frames per iteration, measured in frames per second,
//! against 1,000 raw SHA-256d of 8 bytes.
//! `cargo run --release -p veil-benches --bin bench-report` prints the ratios.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use veil_benches::fixtures::{
    frame_bytes, group_name, message_of_len, payload_bytes, ping_stream, sha256d, DECODE,
    DECODE_CHUNKED, DECODE_MESSAGE, ENCODE, PING_GROUP, PING_STREAM_FRAMES, RAW, READ_CHUNK, SIZES,
};
use veil_core::wire::{FrameDecoder, FrameEncoder};

fn frame_sizes(c: &mut Criterion) {
    for size in SIZES {
        let message = message_of_len(size.bytes);
        let payload = payload_bytes(&message);
        let frame = frame_bytes(&message);
        let encoder = FrameEncoder::default();
        let mut out = vec![0u8; frame.len()];

        let mut group = c.benchmark_group(group_name(size.label));
        group.throughput(Throughput::Bytes(size.bytes as u64));
        if size.bytes >= 1 << 20 {
            group.sample_size(20);
        }
        group.bench_function(RAW, |b| b.iter(|| sha256d(black_box(&payload))));
        group.bench_function(ENCODE, |b| {
            b.iter(|| {
                let len = encoder
                    .encode(black_box(&message), black_box(&mut out[..]))
                    .expect("encodes");
                black_box(&out[..len]);
            })
        });
        group.bench_function(DECODE, |b| {
            b.iter(|| {
                let mut decoder = FrameDecoder::default();
                let mut input = black_box(&frame[..]);
                decoder.decode(&mut input).expect("valid").expect("whole")
            })
        });
        if size.bytes >= 1 << 20 {
            group.bench_function(DECODE_CHUNKED, |b| {
                b.iter(|| {
                    let mut decoder = FrameDecoder::default();
                    let mut frames = 0;
                    for mut read in black_box(&frame[..]).chunks(READ_CHUNK) {
                        while let Some(frame) = decoder.decode(&mut read).expect("valid") {
                            black_box(frame);
                            frames += 1;
                        }
                    }
                    assert_eq!(frames, 1);
                })
            });
        }
        group.finish();
    }
}

fn ping_frames(c: &mut Criterion) {
    let stream = ping_stream(PING_STREAM_FRAMES);
    let nonces: Vec<[u8; 8]> = (0..PING_STREAM_FRAMES as u64)
        .map(u64::to_le_bytes)
        .collect();

    let mut group = c.benchmark_group(PING_GROUP);
    group.throughput(Throughput::Elements(PING_STREAM_FRAMES as u64));
    group.bench_function(RAW, |b| {
        b.iter(|| {
            for nonce in black_box(&nonces) {
                black_box(sha256d(nonce));
            }
        })
    });
    group.bench_function(DECODE, |b| {
        b.iter(|| {
            let mut decoder = FrameDecoder::default();
            let mut input = black_box(&stream[..]);
            while let Some(frame) = decoder.decode(&mut input).expect("valid") {
                black_box(frame);
            }
            decoder.stats().frames
        })
    });
    group.bench_function(DECODE_MESSAGE, |b| {
        b.iter(|| {
            let mut decoder = FrameDecoder::default();
            let mut input = black_box(&stream[..]);
            while let Some(frame) = decoder.decode(&mut input).expect("valid") {
                black_box(frame.into_message().expect("a ping"));
            }
            decoder.stats().frames
        })
    });
    group.finish();
}

criterion_group! {
    name = frame;
    config = veil_benches::quick_criterion();
    targets = frame_sizes, ping_frames
}
criterion_main!(frame);
