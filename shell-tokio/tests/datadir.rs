//! The data directory: identity file mode and reuse, refusals, atomic
//! saves that survive SIGKILL, corrupt files set aside, the lock.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use rand_core::OsRng;
use veil_core::addrbook::{AddrBook, AddrBookConfig};
use veil_core::identity::Identity;
use veil_core::message::{AddrEntry, NetAddress};
use veil_core::peering::{BanList, BanPolicy};
use veil_core::UnixTime;
use veil_tokio::datadir::{
    write_atomic, DataDir, DataDirErrorKind, IdentityFileError, LoadFailure,
};

/// A fresh directory path per test (and per call, for proptests).
fn scratch(name: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let path = std::env::temp_dir().join(format!("veil-test-{name}-{}-{n}", std::process::id()));
    let _ = fs::remove_dir_all(&path);
    path
}

fn mode_of(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn names_in(path: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(path)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const NOW: u64 = 1_700_000_000;

/// A book of up to `addresses` addresses (a few may share a slot).
fn book_with(addresses: u32) -> AddrBook {
    let mut book = AddrBook::with_key(AddrBookConfig::default(), [9; 32]).unwrap();
    let now = UnixTime::from_secs(NOW);
    for i in 0..addresses {
        let [_, b, c, d] = i.to_be_bytes();
        let address = NetAddress::Ipv4([30 + b, d, c, 1].into());
        let entry = AddrEntry {
            time: now,
            features: 1,
            address: address.clone(),
            port: 9333,
        };
        // Self-announced: each address its own source.
        let _ = book.add(&entry, &address, now);
    }
    book
}

#[test]
fn the_identity_is_created_private_and_kept() {
    let path = scratch("identity");
    let dir = DataDir::open(&path).unwrap();
    assert_eq!(mode_of(&path), 0o700);
    let (first, created) = dir.load_or_create_identity(&mut OsRng).unwrap();
    assert!(created);
    let key = path.join("identity.key");
    assert_eq!(mode_of(&key), 0o600);
    let text = fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("veil-identity-v1\nsecret "), "{text}");
    assert!(text.contains(&format!("\npeer-id {}\n", first.peer_id())));
    drop(dir);
    let dir = DataDir::open(&path).unwrap();
    let (second, created) = dir.load_or_create_identity(&mut OsRng).unwrap();
    assert!(!created);
    assert_eq!(first.peer_id(), second.peer_id());
    assert_eq!(fs::read_to_string(&key).unwrap(), text, "never rewritten");
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn an_identity_other_users_can_access_is_refused_with_the_fix() {
    let path = scratch("identity-exposed");
    let dir = DataDir::open(&path).unwrap();
    let (identity, _) = dir.load_or_create_identity(&mut OsRng).unwrap();
    let key = path.join("identity.key");
    let bytes = fs::read(&key).unwrap();
    for mode in [0o644, 0o604, 0o620] {
        fs::set_permissions(&key, fs::Permissions::from_mode(mode)).unwrap();
        let error = dir.load_or_create_identity(&mut OsRng).unwrap_err();
        assert_eq!(error.path, key);
        assert!(
            matches!(error.kind, DataDirErrorKind::IdentityExposed { mode: m } if m == mode),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.contains(&format!("chmod 600 {}", key.display())),
            "{message}"
        );
        assert_eq!(fs::read(&key).unwrap(), bytes);
    }
    fs::set_permissions(&key, fs::Permissions::from_mode(0o400)).unwrap();
    let (again, created) = dir.load_or_create_identity(&mut OsRng).unwrap();
    assert!(!created);
    assert_eq!(again.peer_id(), identity.peer_id());
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn a_corrupt_identity_is_an_error_and_left_untouched() {
    let path = scratch("identity-corrupt");
    let dir = DataDir::open(&path).unwrap();
    dir.load_or_create_identity(&mut OsRng).unwrap();
    let key = path.join("identity.key");
    let good = fs::read(&key).unwrap();
    // One secret digit changed: still well formed, but not the key whose
    // peer id the file names.
    let mut flipped = good.clone();
    let digit = "veil-identity-v1\nsecret ".len();
    flipped[digit] = if flipped[digit] == b'0' { b'1' } else { b'0' };
    let cases: [(&[u8], IdentityFileError); 4] = [
        (b"", IdentityFileError::Header),
        (
            b"veil-identity-v1\nsecret not hex\n",
            IdentityFileError::Secret,
        ),
        (&good[..good.len() - 20], IdentityFileError::PeerId),
        (&flipped, IdentityFileError::Mismatch),
    ];
    for (bytes, expected) in cases {
        fs::write(&key, bytes).unwrap();
        let error = dir.load_or_create_identity(&mut OsRng).unwrap_err();
        assert!(
            matches!(error.kind, DataDirErrorKind::IdentityCorrupt(found) if found == expected),
            "{error:?}"
        );
        assert!(error.to_string().contains("left untouched"), "{error}");
        assert_eq!(fs::read(&key).unwrap(), bytes, "never replaced");
        assert_eq!(names_in(&path), ["identity.key", "veil.lock"]);
    }
    fs::remove_file(&key).unwrap();
    fs::create_dir(&key).unwrap();
    let error = dir.load_or_create_identity(&mut OsRng).unwrap_err();
    assert!(
        matches!(error.kind, DataDirErrorKind::IdentityNotAFile),
        "{error:?}"
    );
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn address_book_and_bans_round_trip() {
    let path = scratch("roundtrip");
    let dir = DataDir::open(&path).unwrap();
    let book = book_with(50);
    assert!(book.len() > 40, "{}", book.len());
    let now = UnixTime::from_secs(NOW);
    let mut bans = BanList::new(BanPolicy::default());
    let banned = Identity::from_secret_bytes([5; 32]).peer_id();
    let other = Identity::from_secret_bytes([6; 32]).peer_id();
    bans.ban(banned, 7, None, now);
    dir.save_address_book(&book).unwrap();
    dir.save_ban_list(&bans).unwrap();
    assert_eq!(mode_of(&path.join("addrbook.dat")), 0o600);
    assert_eq!(mode_of(&path.join("banlist.dat")), 0o600);
    drop(dir);
    let dir = DataDir::open(&path).unwrap();
    let (loaded, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
    assert!(aside.is_none());
    assert_eq!(loaded.unwrap().to_bytes(), book.to_bytes());
    let (loaded, aside) = dir.load_ban_list(BanPolicy::default()).unwrap();
    assert!(aside.is_none());
    let loaded = loaded.unwrap();
    assert!(loaded.standing(&banned, 7, now).is_some());
    assert!(loaded.standing(&other, 7, now).is_none());
    assert_eq!(loaded.to_bytes(), bans.to_bytes());
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn a_corrupt_file_is_set_aside_with_its_bytes_and_the_node_starts_fresh() {
    let path = scratch("corrupt");
    let dir = DataDir::open(&path).unwrap();
    fs::write(path.join("addrbook.dat"), b"garbage, not a book").unwrap();
    let mut bans = BanList::new(BanPolicy::default()).to_bytes();
    *bans.last_mut().unwrap() ^= 1;
    fs::write(path.join("banlist.dat"), &bans).unwrap();

    let (book, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
    assert!(book.is_none());
    let aside = aside.expect("set aside");
    assert!(
        matches!(aside.reason, LoadFailure::AddrBook(_)),
        "{aside:?}"
    );
    assert_eq!(aside.file, path.join("addrbook.dat"));
    let moved = aside.moved_to.file_name().unwrap().to_string_lossy();
    assert!(moved.starts_with("addrbook.dat.corrupt-"), "{moved}");
    assert_eq!(fs::read(&aside.moved_to).unwrap(), b"garbage, not a book");
    assert!(!path.join("addrbook.dat").exists());
    assert!(aside.to_string().contains("did not load"), "{aside}");

    let (list, aside) = dir.load_ban_list(BanPolicy::default()).unwrap();
    assert!(list.is_none());
    let aside = aside.expect("set aside");
    assert!(matches!(aside.reason, LoadFailure::BanList(_)), "{aside:?}");
    assert_eq!(fs::read(&aside.moved_to).unwrap(), bans);

    // Fresh from now on: nothing to load, nothing more set aside.
    let (book, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
    assert!(book.is_none() && aside.is_none());
    dir.save_address_book(&book_with(3)).unwrap();
    let (book, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
    assert!(book.is_some() && aside.is_none());
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn a_second_set_aside_never_overwrites_the_first() {
    let path = scratch("corrupt-twice");
    let dir = DataDir::open(&path).unwrap();
    let mut moved = Vec::new();
    for round in 0..3u8 {
        fs::write(path.join("addrbook.dat"), [round; 7]).unwrap();
        let (_, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
        moved.push(aside.unwrap().moved_to);
    }
    for (round, moved_to) in (0..3u8).zip(&moved) {
        assert_eq!(fs::read(moved_to).unwrap(), [round; 7]);
    }
    moved.dedup();
    assert_eq!(moved.len(), 3);
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn unreadable_and_oversized_files_are_set_aside_too() {
    let path = scratch("unreadable");
    let dir = DataDir::open(&path).unwrap();
    // A directory where the book should be: opening works, reading fails.
    fs::create_dir(path.join("addrbook.dat")).unwrap();
    let (book, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
    assert!(book.is_none());
    let aside = aside.unwrap();
    assert!(
        matches!(aside.reason, LoadFailure::Unreadable(_)),
        "{aside:?}"
    );
    assert!(aside.moved_to.is_dir());

    let policy = BanPolicy {
        max_peers: 1,
        max_netgroups: 1,
        ..BanPolicy::default()
    };
    let huge = vec![7u8; BanList::max_file_len(&policy) + 1000];
    fs::write(path.join("banlist.dat"), &huge).unwrap();
    let (list, aside) = dir.load_ban_list(policy).unwrap();
    assert!(list.is_none());
    let aside = aside.unwrap();
    assert!(
        matches!(aside.reason, LoadFailure::TooLarge { max } if max == BanList::max_file_len(&policy))
    );
    assert_eq!(fs::read(&aside.moved_to).unwrap(), huge);
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn an_invalid_configuration_leaves_the_book_alone() {
    let path = scratch("bad-config");
    let dir = DataDir::open(&path).unwrap();
    dir.save_address_book(&book_with(5)).unwrap();
    let bytes = fs::read(path.join("addrbook.dat")).unwrap();
    let broken = AddrBookConfig {
        new_buckets: 0,
        ..AddrBookConfig::default()
    };
    let error = dir.load_address_book(broken).unwrap_err();
    assert!(
        matches!(error.kind, DataDirErrorKind::AddrBookConfig(_)),
        "{error:?}"
    );
    assert_eq!(fs::read(path.join("addrbook.dat")).unwrap(), bytes);
    assert_eq!(names_in(&path), ["addrbook.dat", "veil.lock"]);
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn leftover_temporary_files_are_removed_on_open_and_nothing_else() {
    let path = scratch("leftovers");
    fs::create_dir_all(&path).unwrap();
    for leftover in [
        ".addrbook.dat.tmp-99-0",
        ".banlist.dat.tmp-1-17",
        ".identity.key.tmp-5-0",
    ] {
        fs::write(path.join(leftover), b"half").unwrap();
    }
    let kept = [
        "addrbook.dat.corrupt-1700000000",
        "notes.txt",
        ".addrbook.dat.tmp-by-hand",
    ];
    for name in kept {
        fs::write(path.join(name), b"keep").unwrap();
    }
    let dir = DataDir::open(&path).unwrap();
    let mut expected: Vec<&str> = kept.to_vec();
    expected.push("veil.lock");
    expected.sort_unstable();
    assert_eq!(names_in(&path), expected);
    drop(dir);
    fs::remove_dir_all(&path).unwrap();
}

#[test]
fn the_lock_keeps_a_second_open_out_until_the_first_is_dropped() {
    let path = scratch("lock");
    let dir = DataDir::open(&path).unwrap();
    let error = DataDir::open(&path).unwrap_err();
    assert_eq!(error.path, path);
    assert!(
        matches!(error.kind, DataDirErrorKind::Locked { holder: Some(pid) } if pid == std::process::id()),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(
        message.contains("in use by another veil node") && message.contains("--data-dir"),
        "{message}"
    );
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
    // At most what was asked for, whatever the umask.
    assert_eq!(mode_of(&file) & !0o640, 0);
    write_atomic(&file, &[2; 10], 0o640).unwrap();
    assert_eq!(fs::read(&file).unwrap(), [2; 10]);
    assert_eq!(names_in(&path), ["f"], "no temporary file left");
    // A failed write leaves the old file and no temporary file.
    let missing = path.join("no-such-dir").join("f");
    assert!(write_atomic(&missing, b"x", 0o600).is_err());
    assert_eq!(names_in(&path), ["f"]);
    fs::remove_dir_all(&path).unwrap();
}

/// Set in the child the SIGKILL test starts: the test binary itself,
/// running only that test, which then is the writer.
const WRITER_ENV: &str = "VEIL_TEST_DATADIR_WRITER";
const CRASH_BOOKS: [u32; 2] = [4000, 1500];

/// The writer: saves the two books alternately, so every save really
/// replaces the file, until killed. `ready` says the first save is done.
fn write_until_killed(path: &Path) -> ! {
    let dir = DataDir::open(path).unwrap();
    let books = CRASH_BOOKS.map(book_with);
    dir.save_address_book(&books[0]).unwrap();
    fs::write(path.join("ready"), b"").unwrap();
    loop {
        for book in &books {
            dir.save_address_book(book).unwrap();
        }
    }
}

/// A writer killed with SIGKILL at 25 moments always leaves one of the two
/// books it writes, whole; its temporary files are removed on the next
/// open, and its lock dies with it.
#[test]
fn sigkill_in_the_middle_of_saving_leaves_intact_files() {
    if let Some(path) = std::env::var_os(WRITER_ENV) {
        write_until_killed(Path::new(&path));
    }
    let path = scratch("sigkill");
    let sizes = CRASH_BOOKS.map(|n| book_with(n).len());
    assert_ne!(sizes[0], sizes[1], "the two books must differ");
    let mut interrupted = 0;
    for round in 0..25u64 {
        let _ = fs::remove_file(path.join("ready"));
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sigkill_in_the_middle_of_saving_leaves_intact_files",
                "--nocapture",
            ])
            .env(WRITER_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the writer starts");
        let started = Instant::now();
        while !path.join("ready").exists() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the writer never saved"
            );
            std::thread::sleep(Duration::from_millis(1));
        }
        if round == 0 {
            let error = DataDir::open(&path).unwrap_err();
            assert!(
                matches!(error.kind, DataDirErrorKind::Locked { holder: Some(pid) } if pid == child.id()),
                "{error:?}"
            );
        }
        // Kill at varying points of the save loop.
        std::thread::sleep(Duration::from_micros(300 + round * 731 % 5000));
        child.kill().unwrap();
        child.wait().unwrap();
        if names_in(&path).iter().any(|name| name.contains(".tmp-")) {
            interrupted += 1;
        }
        let dir = DataDir::open(&path).unwrap();
        let names = names_in(&path);
        assert!(
            names.iter().all(|name| !name.contains(".tmp-")),
            "{names:?}"
        );
        let (book, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
        assert!(aside.is_none(), "round {round}: {aside:?}");
        let len = book.expect("the book is there").len();
        assert!(
            sizes.contains(&len),
            "round {round}: {len} not in {sizes:?}"
        );
    }
    // Evidence the kills land mid-write: a save is mostly writing and
    // fsyncing its temporary file.
    eprintln!("{interrupted} of 25 kills left a temporary file");
    assert!(interrupted > 0, "no kill landed during a write");
    fs::remove_dir_all(&path).unwrap();
}

fn damaged_book() -> impl Strategy<Value = Vec<u8>> {
    let valid = book_with(20).to_bytes();
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..200),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(move |(at, byte)| {
            let mut bytes = valid.clone();
            let at = at.index(bytes.len());
            bytes[at] ^= byte | 1;
            bytes
        }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever `addrbook.dat` holds, loading never fails and never loses
    /// it: the book loads, or the very same bytes are set aside.
    #[test]
    fn any_book_file_loads_or_is_set_aside_intact(bytes in damaged_book()) {
        let path = scratch("prop");
        let dir = DataDir::open(&path).unwrap();
        fs::write(path.join("addrbook.dat"), &bytes).unwrap();
        let (book, aside) = dir.load_address_book(AddrBookConfig::default()).unwrap();
        match (book, aside) {
            (Some(_), None) => prop_assert_eq!(fs::read(path.join("addrbook.dat")).unwrap(), bytes),
            (None, Some(aside)) => {
                prop_assert_eq!(fs::read(&aside.moved_to).unwrap(), bytes);
                prop_assert!(!path.join("addrbook.dat").exists());
            }
            other => prop_assert!(false, "{:?}", other),
        }
        drop(dir);
        fs::remove_dir_all(&path).unwrap();
    }
}
