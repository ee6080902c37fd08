//! The data directory: identity file mode and reuse, refusals, atomic
//! saves that survive SIGKILL, corrupt files set aside, the lock.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use rand_core::OsRng;
use veil_core::addrbook::AddrBook;
use veil_core::identity::Identity;
use veil_core::peering::BanList;
use veil_core::UnixTime;
use veil_tokio::datadir::{write_atomic, DataDir};

fn scratch(name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("veil-test-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&path);
    path
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_identity_is_created_private_and_kept() {
    let path = scratch("identity");
    let dir = DataDir::open(&path).unwrap();
    assert_eq!(mode_of(&path), 0o700);
    let (first, created) = dir.load_or_create_identity(&mut OsRng).unwrap();
    assert!(created);
    assert_eq!(mode_of(&path.join("identity.key")), 0o600);
    drop(dir);
    let dir = DataDir::open(&path).unwrap();
    let (second, created) = dir.load_or_create_identity(&mut OsRng).unwrap();
    assert!(!created);
    assert_eq!(first.peer_id(), second.peer_id());
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn an_exposed_or_corrupt_identity_is_an_error_and_left_alone() {
    let path = scratch("identity-bad");
    let dir = DataDir::open(&path).unwrap();
    dir.load_or_create_identity(&mut OsRng).unwrap();
    let key = path.join("identity.key");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o644)).unwrap();
    let error = dir.load_or_create_identity(&mut OsRng).unwrap_err();
    assert!(error.problem.contains("chmod 600"), "{error}");
    fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
    fs::write(&key, b"veil-identity-v1\nnot hex\n").unwrap();
    let error = dir.load_or_create_identity(&mut OsRng).unwrap_err();
    assert!(error.problem.contains("not a veil identity key"), "{error}");
    assert_eq!(fs::read(&key).unwrap(), b"veil-identity-v1\nnot hex\n");
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn address_book_and_bans_round_trip() {
    let path = scratch("roundtrip");
    let dir = DataDir::open(&path).unwrap();
    let mut book = AddrBook::with_key(Default::default(), [9; 32]).unwrap();
    let now = UnixTime::from_secs(1_700_000_000);
    for i in 0..50u8 {
        let address = veil_core::message::NetAddress::Ipv4([30, i, 0, 1].into());
        let entry = veil_core::message::AddrEntry {
            time: now,
            features: 1,
            address: address.clone(),
            port: 9333,
        };
        // Self-announced: each address its own source.
        let _ = book.add(&entry, &address, now);
    }
    assert!(book.len() > 40, "{}", book.len());
    let mut bans = BanList::new(Default::default());
    let banned = Identity::from_secret_bytes([5; 32]).peer_id();
    bans.ban(banned, 7, None, now);
    dir.save_address_book(&book).unwrap();
    dir.save_ban_list(&bans).unwrap();
    assert_eq!(mode_of(&path.join("addrbook.dat")), 0o600);
    let (loaded, aside) = dir.load_address_book(Default::default()).unwrap();
    assert!(aside.is_none());
    assert_eq!(loaded.unwrap().to_bytes(), book.to_bytes());
    let (loaded, _) = dir.load_ban_list(Default::default()).unwrap();
    assert!(loaded.unwrap().standing(&banned, 7, now).is_some());
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn a_corrupt_file_is_set_aside_with_its_bytes() {
    let path = scratch("corrupt");
    let dir = DataDir::open(&path).unwrap();
    fs::write(path.join("addrbook.dat"), b"garbage, not a book").unwrap();
    fs::write(path.join("banlist.dat"), b"\x00\x01").unwrap();
    let (book, aside) = dir.load_address_book(Default::default()).unwrap();
    assert!(book.is_none());
    let aside = aside.expect("set aside");
    assert_eq!(fs::read(&aside.moved_to).unwrap(), b"garbage, not a book");
    assert!(!path.join("addrbook.dat").exists());
    assert!(aside.to_string().contains("did not load"));
    let (bans, aside) = dir.load_ban_list(Default::default()).unwrap();
    assert!(bans.is_none());
    assert_eq!(fs::read(aside.unwrap().moved_to).unwrap(), b"\x00\x01");
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn leftover_temporary_files_are_removed_and_the_lock_holds() {
    let path = scratch("leftovers");
    fs::create_dir_all(&path).unwrap();
    let leftover = path.join(".addrbook.dat.tmp-99-0");
    fs::write(&leftover, b"half").unwrap();
    let dir = DataDir::open(&path).unwrap();
    assert!(!leftover.exists());
    let second = DataDir::open(&path).unwrap_err();
    assert!(second.problem.contains("another node"));
    drop(dir);
    assert!(
        DataDir::open(&path).is_ok(),
        "the lock goes with the holder"
    );
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn write_atomic_replaces_whole_files_only() {
    let path = scratch("atomic");
    fs::create_dir_all(&path).unwrap();
    let file = path.join("f");
    write_atomic(&file, &[1; 10_000], 0o640).unwrap();
    assert_eq!(mode_of(&file), 0o640);
    write_atomic(&file, &[2; 10], 0o640).unwrap();
    assert_eq!(fs::read(&file).unwrap(), [2; 10]);
    let names: Vec<_> = fs::read_dir(&path)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
    fs::remove_dir_all(&path).unwrap();
}

/// A writer killed with SIGKILL at 25 moments leaves a loadable book
/// every time (its temporary files are cleaned on the next open).
#[test]
fn sigkill_in_the_middle_of_saving_leaves_intact_files() {
    let path = scratch("sigkill");
    // Cargo builds examples with the tests, beside the binaries.
    let writer = Path::new(env!("CARGO_BIN_EXE_veil"))
        .with_file_name("examples")
        .join("datadir_writer");
    let writer = if writer.exists() {
        writer
    } else {
        let built = Command::new(env!("CARGO"))
            .args([
                "build",
                "-q",
                "-p",
                "veil-tokio",
                "--example",
                "datadir_writer",
            ])
            .status()
            .unwrap();
        assert!(built.success());
        writer
    };
    for round in 0..25u64 {
        let mut child = Command::new(&writer)
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the writer starts");
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let saved: usize = ready
            .trim()
            .strip_prefix("ready ")
            .and_then(|n| n.parse().ok())
            .expect("ready <entries>");
        // Kill at varying points of the save loop.
        std::thread::sleep(Duration::from_micros(300 + round * 731 % 5000));
        child.kill().unwrap();
        child.wait().unwrap();
        let dir = DataDir::open(&path).unwrap();
        let (book, aside) = dir.load_address_book(Default::default()).unwrap();
        assert!(aside.is_none(), "round {round}: {aside:?}");
        assert_eq!(book.expect("the book is there").len(), saved);
    }
    fs::remove_dir_all(&path).unwrap();
}
