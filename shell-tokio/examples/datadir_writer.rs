//! Saves a full address book to a data directory over and over until
//! killed. `tests/datadir.rs` kills it with SIGKILL at random moments and
//! checks the file it leaves always loads.
//!
//! Usage: `datadir_writer <dir>`; prints `ready <entries>` once the first save is
//! done.

use std::net::Ipv4Addr;

use veil_core::addrbook::AddrBook;
use veil_core::message::{AddrEntry, NetAddress};
use veil_core::UnixTime;
use veil_tokio::datadir::DataDir;

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: datadir_writer <dir>");
    let dir = DataDir::open(std::path::Path::new(&path)).expect("open the data directory");
    let mut book = AddrBook::with_key(Default::default(), [3; 32]).expect("default config");
    let now = UnixTime::from_secs(1_700_000_000);
    for i in 0..4000u32 {
        let [_, b, c, d] = i.to_be_bytes();
        let address = NetAddress::Ipv4(Ipv4Addr::new(20 + b, c, d, 1));
        let entry = AddrEntry {
            time: now,
            features: 1,
            address: address.clone(),
            port: 9333,
        };
        let _ = book.add(&entry, &address, now);
    }
    dir.save_address_book(&book).expect("first save");
    println!("ready {}", book.len());
    loop {
        dir.save_address_book(&book).expect("save");
    }
}
