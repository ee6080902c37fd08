//! Properties of the SOCKS5 client: any chunking of the proxy's replies
//! gives the same outcome and hands back the same tunnelled bytes; arbitrary
//! proxy bytes never panic and never make it claim more than it was given;
//! valid names go out verbatim and invalid ones never go out.

use proptest::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use veil_core::fuzz_harness;
use veil_core::socks5::{
    Auth, Blame, ClientState, Credentials, DomainName, Progress, ReplyError, Socks5Client,
    Socks5Error, Target,
};

fn auth(user_pass: bool) -> Auth {
    if user_pass {
        Auth::UsernamePassword(Credentials::new(b"user", b"pass").unwrap())
    } else {
        Auth::None
    }
}

/// The proxy's answers up to the CONNECT reply's address type.
fn replies_before_address(user_pass: bool) -> Vec<u8> {
    let mut replies = if user_pass {
        vec![5, 2, 1, 0]
    } else {
        vec![5, 0]
    };
    replies.extend_from_slice(&[5, 0, 0]);
    replies
}

/// A successful CONNECT reply's address type, bound address and port.
fn bound_address() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        any::<[u8; 6]>().prop_map(|a| [&[1u8][..], &a].concat()),
        any::<[u8; 18]>().prop_map(|a| [&[4u8][..], &a].concat()),
        proptest::collection::vec(any::<u8>(), 0..=255)
            .prop_map(|name| { [&[3, name.len() as u8][..], &name, &[0x20, 0x8d]].concat() }),
    ]
}

/// Cuts `stream` at the given points (taken modulo its length).
fn chunks(stream: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (stream.len() + 1)).collect();
    points.push(0);
    points.push(stream.len());
    points.sort_unstable();
    points
        .windows(2)
        .map(|w| stream[w[0]..w[1]].to_vec())
        .collect()
}

/// Feeds `pieces` in order, draining transmits; returns the outcome, where
/// the tunnel started in the whole stream, and every tunnelled byte.
fn feed(
    client: &mut Socks5Client,
    pieces: &[Vec<u8>],
) -> (Result<(), Socks5Error>, Option<usize>, Vec<u8>) {
    let mut buf = [0u8; 64];
    let mut offset = 0;
    let mut start = None;
    let mut tunnel = Vec::new();
    for piece in pieces {
        while client.poll_transmit(&mut buf) > 0 {}
        match client.handle_input(piece) {
            Ok(progress @ Progress::Connected { consumed }) => {
                assert!(consumed <= piece.len());
                if start.is_none() {
                    start = Some(offset + consumed);
                } else {
                    assert_eq!(consumed, 0);
                }
                tunnel.extend_from_slice(progress.tunnel_bytes(piece));
            }
            Ok(Progress::Pending) => assert!(start.is_none()),
            Err(error) => return (Err(error), start, tunnel),
        }
        offset += piece.len();
    }
    (Ok(()), start, tunnel)
}

proptest! {
    #[test]
    fn any_chunking_connects_and_hands_back_the_rest(
        user_pass in any::<bool>(),
        address in bound_address(),
        trailing in proptest::collection::vec(any::<u8>(), 0..64),
        cuts in proptest::collection::vec(any::<usize>(), 0..12),
    ) {
        let mut stream = replies_before_address(user_pass);
        stream.extend_from_slice(&address);
        let reply_end = stream.len();
        stream.extend_from_slice(&trailing);

        let target = Target::domain("example.onion", 8333).unwrap();
        let whole = feed(&mut Socks5Client::new(target, auth(user_pass)), &[stream.clone()]);
        prop_assert_eq!(&whole, &(Ok(()), Some(reply_end), trailing.clone()));

        let mut client = Socks5Client::new(target, auth(user_pass));
        let chunked = feed(&mut client, &chunks(&stream, &cuts));
        prop_assert_eq!(chunked, whole);
        prop_assert_eq!(client.state(), ClientState::Connected);

        let singles: Vec<Vec<u8>> = stream.iter().map(|&b| vec![b]).collect();
        let bytewise = feed(&mut Socks5Client::new(target, auth(user_pass)), &singles);
        prop_assert_eq!(bytewise.1, Some(reply_end));
        prop_assert_eq!(bytewise.2, trailing);
    }

    #[test]
    fn any_chunking_gives_the_same_reply_error(
        user_pass in any::<bool>(),
        code in 1u8..=255,
        trailing in proptest::collection::vec(any::<u8>(), 0..32),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let mut stream = replies_before_address(user_pass);
        let rep = stream.len() - 2;
        stream[rep] = code;
        stream.extend_from_slice(&trailing);
        let target = Target::domain("example.onion", 8333).unwrap();
        let mut client = Socks5Client::new(target, auth(user_pass));
        let (result, start, tunnel) = feed(&mut client, &chunks(&stream, &cuts));
        let expected = Socks5Error::Reply(ReplyError::from_code(code).unwrap());
        prop_assert_eq!(result, Err(expected));
        prop_assert_eq!(start, None);
        prop_assert!(tunnel.is_empty());
        prop_assert_eq!(client.state(), ClientState::Failed(expected));
        let target_blamed = matches!(code, 0x02..=0x06 | 0xf0..=0xf7);
        prop_assert_eq!(expected.blame() == Blame::Target, target_blamed);
    }

    #[test]
    fn arbitrary_proxy_bytes_never_panic(
        user_pass in any::<bool>(),
        stream in proptest::collection::vec(any::<u8>(), 0..300),
        cuts in proptest::collection::vec(any::<usize>(), 0..16),
    ) {
        let target = Target::domain("example.onion", 8333).unwrap();
        let mut client = Socks5Client::new(target, auth(user_pass));
        let (result, start, tunnel) = feed(&mut client, &chunks(&stream, &cuts));
        if let Some(start) = start {
            prop_assert!(start <= stream.len());
            prop_assert_eq!(&tunnel[..], &stream[start..]);
        }
        if let Err(error) = result {
            prop_assert_eq!(client.state(), ClientState::Failed(error));
            prop_assert_eq!(client.pending_transmit(), 0);
        }
    }

    #[test]
    fn harness_holds_on_arbitrary_data(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        fuzz_harness::socks5_reply(&data);
    }

    #[test]
    fn harness_holds_on_mutated_valid_streams(
        control in any::<u8>(),
        chunking in any::<u8>(),
        address in bound_address(),
        trailing in proptest::collection::vec(any::<u8>(), 0..16),
        flip in proptest::option::of((any::<usize>(), any::<u8>())),
        keep in any::<usize>(),
    ) {
        let mut stream = replies_before_address(control & 1 == 1);
        stream.extend_from_slice(&address);
        stream.extend_from_slice(&trailing);
        if let Some((at, value)) = flip {
            let at = at % stream.len();
            stream[at] = value;
        }
        stream.truncate(keep % (stream.len() + 1));
        let data = [&[control, chunking][..], &stream].concat();
        fuzz_harness::socks5_reply(&data);
    }

    #[test]
    fn valid_names_go_out_verbatim(
        labels in proptest::collection::vec("[a-zA-Z0-9_-]{1,63}", 1..5),
        port in any::<u16>(),
    ) {
        let name = labels.join(".");
        prop_assume!(name.len() <= 255);
        let target = Target::domain(&name, port).unwrap();
        let mut client = Socks5Client::new(target, Auth::None);
        let mut buf = [0u8; 300];
        prop_assert_eq!(client.poll_transmit(&mut buf), 3);
        prop_assert_eq!(client.handle_input(&[5, 0]), Ok(Progress::Pending));
        let n = client.poll_transmit(&mut buf);
        let expected = [&[5, 1, 0, 3, name.len() as u8][..], name.as_bytes(), &port.to_be_bytes()].concat();
        prop_assert_eq!(&buf[..n], &expected[..]);
    }

    #[test]
    fn names_with_other_bytes_are_refused(
        name in "[a-z.]{0,20}",
        bad in any::<char>().prop_filter("not allowed", |c| {
            !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == '.')
        }),
        at in any::<usize>(),
    ) {
        let mut chars: Vec<char> = name.chars().collect();
        chars.insert(at % (chars.len() + 1), bad);
        let name: String = chars.into_iter().collect();
        prop_assert!(DomainName::new(&name).is_err());
    }

    #[test]
    fn isolated_auth_differs_every_time(seed in any::<u64>()) {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let a = Auth::isolated(&mut rng);
        let b = Auth::isolated(&mut rng);
        prop_assert_ne!(a, b);
    }
}
