//! Every scenario for every pairing of shells. Each pair runs both ways
//! round where the roles differ (listener and dialer, pinger and pinged,
//! restarted and redialling).

use veil_conformance::proxy::Microsocks;
use veil_conformance::scenarios::{
    carriers, dial_failures_are_typed, handshake_and_exchange, malformed_bytes, pings_and_timeouts,
    reconnect_after_restart, through_socks5,
};
use veil_conformance::shells::ShellKind::{self, AsyncStd, Mio, Smol, Tokio};

/// The pairings the suite covers: each shell with each other shell, and
/// the async-io shell under both of its runtimes.
const PAIRS: [(ShellKind, ShellKind); 6] = [
    (Tokio, Mio),
    (Mio, AsyncStd),
    (AsyncStd, Tokio),
    (Smol, Tokio),
    (Smol, Mio),
    (Smol, AsyncStd),
];

fn both_ways(scenario: fn(ShellKind, ShellKind)) {
    for (a, b) in PAIRS {
        scenario(a, b);
        scenario(b, a);
    }
}

#[test]
fn handshake_and_exchange_between_every_pair() {
    both_ways(handshake_and_exchange);
}

#[test]
fn pings_and_timeouts_between_every_pair() {
    both_ways(pings_and_timeouts);
}

#[test]
fn reconnect_after_restart_between_every_pair() {
    both_ways(reconnect_after_restart);
}

#[test]
fn malformed_bytes_close_with_the_right_reason_in_every_shell() {
    for shell in [Tokio, Mio, AsyncStd, Smol] {
        malformed_bytes(shell);
    }
}

#[test]
fn dial_failures_are_typed_in_every_shell() {
    for shell in [Tokio, Mio, AsyncStd, Smol] {
        dial_failures_are_typed(shell);
    }
}

#[test]
fn socks5_between_every_pair() {
    let proxy = Microsocks::start();
    for (a, b) in PAIRS {
        through_socks5(a, b, &proxy);
        through_socks5(b, a, &proxy);
    }
}

#[test]
fn tls_and_websocket_carriers_between_every_pair() {
    for (a, b) in PAIRS {
        carriers(a, b);
        carriers(b, a);
    }
}
