//! `veil node` as real processes: two nodes find each other, one
//! restarts and is reconnected to under the same identity, state survives
//! restarts and SIGKILL, and SIGTERM exits 0 after a graceful close.

mod support;

use std::time::Duration;

use support::{free_port, scratch, VeilNode};
use veil_core::addrbook::AddrBook;
use veil_core::message::NetAddress;

/// Nodes that dial only whom they are told.
fn quiet() -> Vec<String> {
    ["min_connections=0", "max_outbound_connections=0"]
        .iter()
        .flat_map(|s| ["--set".to_owned(), (*s).to_owned()])
        .collect()
}

fn args(list: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    out.extend(quiet());
    out
}

#[test]
fn two_nodes_reconnect_after_a_restart_and_keep_their_state() {
    let dir = scratch("restart");
    let (a_dir, b_dir) = (dir.join("a"), dir.join("b"));
    let a_port = free_port();
    let a_listen = format!("tcp://127.0.0.1:{a_port}");
    // A advertises a public address; B learns it, so B's address book has
    // something to keep (loopback addresses are never stored).
    let a_args = args(&[
        "--data-dir",
        a_dir.to_str().unwrap(),
        "--listen",
        &a_listen,
        "--set",
        "advertise=[\"20.1.2.3:9333\"]",
    ]);
    let a = VeilNode::start(&dir, "a1", &a_args);
    let a_id = a.peer_id();

    let b_args = args(&[
        "--data-dir",
        b_dir.to_str().unwrap(),
        "--persistent",
        &format!("{a_id}@{a_listen}"),
        "--set",
        "reconnect_interval=1",
        "--set",
        "save_interval=1",
    ]);
    let b = VeilNode::start(&dir, "b1", &b_args);
    let b_id = b.peer_id();
    b.wait_peer(&a_id, Duration::from_secs(20));
    a.wait_peer(&b_id, Duration::from_secs(20));

    // A stops gracefully and comes back on the same port and directory.
    assert!(a.stop("TERM").success(), "SIGTERM exits 0");
    let a = VeilNode::start(&dir, "a2", &a_args);
    assert_eq!(a.peer_id(), a_id, "the identity survives the restart");
    b.wait_peer(&a_id, Duration::from_secs(30));

    // B's book kept A's advertised address across its own restart.
    assert!(b.stop("TERM").success());
    let book_of = |path: &std::path::Path| {
        let bytes = std::fs::read(path.join("addrbook.dat")).expect("saved");
        AddrBook::from_bytes(&bytes, Default::default()).expect("loads")
    };
    let advertised = NetAddress::Ipv4([20, 1, 2, 3].into());
    assert!(book_of(&b_dir).get(&advertised, 9333).is_some());
    let b = VeilNode::start(&dir, "b2", &b_args);
    assert_eq!(b.peer_id(), b_id);
    b.wait_peer(&a_id, Duration::from_secs(20));
    assert!(b.stop("TERM").success());
    assert!(book_of(&b_dir).get(&advertised, 9333).is_some());
    assert!(!b_dir
        .join("identity.key")
        .metadata()
        .unwrap()
        .permissions()
        .readonly());
    assert!(a.stop("INT").success(), "SIGINT exits 0 too");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_node_killed_while_saving_restarts_with_intact_files() {
    let dir = scratch("sigkill-node");
    let data = dir.join("n");
    let node_args = args(&[
        "--data-dir",
        data.to_str().unwrap(),
        "--listen",
        &format!("tcp://127.0.0.1:{}", free_port()),
        "--set",
        "save_interval=1",
    ]);
    for round in 0..3u64 {
        let node = VeilNode::start(&dir, &format!("k{round}"), &node_args);
        node.peer_id();
        std::thread::sleep(Duration::from_millis(1100 + 137 * round));
        let status = node.stop("KILL");
        assert!(!status.success());
        let next = VeilNode::start(&dir, &format!("k{round}-check"), &node_args);
        next.wait_log("listening on", Duration::from_secs(20));
        assert!(
            !next.log_text().contains("did not load"),
            "{}",
            next.log_text()
        );
        assert!(next.stop("TERM").success());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
