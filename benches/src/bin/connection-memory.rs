//! Prints the memory an idle established connection holds, measured with a
//! counting global allocator (see `veil_benches::memory`).
//!
//! Usage: `connection-memory [--strict]`. With `--strict`, exits with
//! status 2 when a side holds more than 4 KiB.

use std::mem::size_of;
use std::process::ExitCode;

use veil_benches::memory::{measure, table, CountingAlloc, Scenario, GOAL_BYTES};
use veil_core::connection::{Connection, ConnectionStats, Event};
use veil_core::message::Message;
use veil_core::packet::{ReceiveCipher, SendCipher};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

fn main() -> ExitCode {
    let strict = std::env::args().skip(1).any(|arg| arg == "--strict");
    let mut measurements = Vec::new();
    for scenario in Scenario::ALL {
        match measure(scenario) {
            Ok(m) => measurements.push(m),
            Err(error) => {
                eprintln!("connection-memory: {error}");
                return ExitCode::from(1);
            }
        }
    }
    println!("Memory of one idle established connection (default configuration)\n");
    print!("{}", table(&measurements));
    for m in &measurements {
        println!(
            "\n{}: outbound buffers (Connection::buffered_bytes) {} bytes, inbound {}; \
             left over after both dropped: {} bytes",
            m.scenario.label(),
            m.outbound.buffered,
            m.inbound.buffered,
            m.leftover,
        );
    }
    println!(
        "\nShared by all of a node's connections: Arc<ConnectionConfig>, {} bytes on the heap.",
        measurements[0].shared_config
    );
    println!("\nSizes of the parts (bytes):");
    for (name, size) in [
        ("Connection", size_of::<Connection>()),
        ("ConnectionStats", size_of::<ConnectionStats>()),
        (
            "rand_chacha::ChaCha20Rng",
            size_of::<rand_chacha::ChaCha20Rng>(),
        ),
        ("Event", size_of::<Event>()),
        ("Message", size_of::<Message>()),
        ("SendCipher", size_of::<SendCipher>()),
        ("ReceiveCipher", size_of::<ReceiveCipher>()),
        (
            "ring::aead::LessSafeKey",
            size_of::<ring::aead::LessSafeKey>(),
        ),
    ] {
        println!("  {name}: {size}");
    }
    let worst = measurements.iter().map(|m| m.worst()).max().unwrap_or(0);
    if worst <= GOAL_BYTES {
        println!("\nGoal met: at most {worst} bytes per connection (goal ≤ {GOAL_BYTES}).");
        ExitCode::SUCCESS
    } else {
        println!("\nGoal NOT met: {worst} bytes per connection (goal ≤ {GOAL_BYTES}).");
        ExitCode::from(if strict { 2 } else { 0 })
    }
}
