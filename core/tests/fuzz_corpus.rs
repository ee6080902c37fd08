//! Replays the committed fuzz corpus (`fuzz/corpus/<target>/`) and any crash
//! artifacts (`fuzz/artifacts/<target>/`) through the harnesses on stable
//! Rust, so every input a campaign found interesting stays a regression test.

use std::fs;
use std::path::{Path, PathBuf};

use veil_core::fuzz_harness;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files of `dir`, sorted; empty if `dir` does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `harness` on every corpus file of `target` (at least one must exist)
/// and every artifact of `target` (if any).
fn replay(target: &str, harness: fn(&[u8])) {
    let corpus_dir = fuzz_dir().join("corpus").join(target);
    let corpus = files(&corpus_dir);
    assert!(
        !corpus.is_empty(),
        "no corpus files in {}",
        corpus_dir.display()
    );
    let artifacts = files(&fuzz_dir().join("artifacts").join(target));
    for path in corpus.iter().chain(&artifacts) {
        let data = fs::read(path).expect("readable corpus file");
        // Name the input before a harness panic aborts the test.
        eprintln!("replaying {}", path.display());
        harness(&data);
    }
}

#[test]
fn frame_decoder_corpus() {
    replay("frame_decoder", fuzz_harness::frame_decoder);
}

#[test]
fn message_payload_corpus() {
    replay("message_payload", fuzz_harness::message_payload);
}

#[test]
fn noise_handshake_corpus() {
    replay("noise_handshake", fuzz_harness::noise_handshake);
}

#[test]
fn packet_receive_corpus() {
    replay("packet_receive", fuzz_harness::packet_receive);
}

#[test]
fn connection_handshake_corpus() {
    replay("connection_handshake", fuzz_harness::connection_handshake);
}

#[test]
fn connection_established_corpus() {
    replay(
        "connection_established",
        fuzz_harness::connection_established,
    );
}

#[test]
fn shaped_packets_corpus() {
    replay("shaped_packets", fuzz_harness::shaped_packets);
}

#[test]
fn banlist_load_corpus() {
    replay("banlist_load", fuzz_harness::banlist_load);
}

#[test]
fn socks5_reply_corpus() {
    replay("socks5_reply", fuzz_harness::socks5_reply);
}

#[test]
fn addrbook_load_corpus() {
    replay("addrbook_load", fuzz_harness::addrbook_load);
}

#[test]
fn node_inputs_corpus() {
    replay("node_inputs", fuzz_harness::node_inputs);
}
