//! How the demo prints: one line per happening, stamped with the time
//! since start and the node's name, coloured on a terminal.

use std::io::IsTerminal;
use std::time::Instant;

use veil_core::identity::PeerId;
use veil_core::node::RelayOutcome;

/// The demo's nodes.
pub(crate) const NAMES: [&str; 6] = ["A", "B", "C", "D", "E", "F"];

/// Prints the demo's timeline.
#[derive(Clone, Copy)]
pub(crate) struct View {
    start: Instant,
    colour: bool,
}

/// One colour per node, so a reader can follow each one.
const COLOURS: [&str; 6] = ["36", "33", "35", "32", "34", "31"];

impl View {
    pub(crate) fn new() -> View {
        View {
            start: Instant::now(),
            colour: std::io::stdout().is_terminal(),
        }
    }

    /// Time since the demo started.
    pub(crate) fn elapsed(&self) -> std::time::Duration {
        self.start.elapsed()
    }

    /// `[  1.234 s] name  text`.
    pub(crate) fn say(&self, node: usize, name: &str, text: &str) {
        let secs = self.start.elapsed().as_secs_f64();
        if self.colour {
            let colour = COLOURS[node % COLOURS.len()];
            println!("[{secs:7.3} s] \x1b[1;{colour}m{name:<2}\x1b[0m {text}");
        } else {
            println!("[{secs:7.3} s] {name:<2} {text}");
        }
    }

    /// A heading between phases of the demo.
    pub(crate) fn heading(&self, text: &str) {
        if self.colour {
            println!("\n\x1b[1m== {text}\x1b[0m");
        } else {
            println!("\n== {text}");
        }
    }
}

/// The first 8 hex digits of a peer id: enough to tell peers apart.
pub(crate) fn short_id(id: &PeerId) -> String {
    id.to_string().chars().take(8).collect()
}

/// The first 8 hex digits of a transaction hash.
pub(crate) fn short_hash(hash: &[u8; 32]) -> String {
    hash.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

/// A relay outcome in words, naming the stem peer.
pub(crate) fn describe_outcome(outcome: &RelayOutcome, stem_peer: Option<&str>) -> String {
    match outcome {
        RelayOutcome::Stemmed { .. } => format!("stem-relayed to {}", stem_peer.unwrap_or("?")),
        RelayOutcome::Fluffed { peers } => format!("fluffed (broadcast) to {peers} peers"),
        RelayOutcome::Known => "already known".to_owned(),
    }
}
