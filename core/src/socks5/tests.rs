//! The client's paths byte for byte: requests, every refusal, every reply
//! code, bound addresses and the bytes after the reply.

use alloc::string::ToString;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::*;

const ONION_NAME: &[u8] = b"example.onion";

fn onion() -> Target {
    Target::domain("example.onion", 8333).unwrap()
}

fn user_pass() -> Auth {
    Auth::UsernamePassword(Credentials::new(b"user", b"pass").unwrap())
}

fn drain(client: &mut Socks5Client) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    loop {
        let n = client.poll_transmit(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `05 01 00 03 0d "example.onion" 20 8d`
fn onion_connect_request() -> Vec<u8> {
    concat(&[&[5, 1, 0, 3, 13], ONION_NAME, &[0x20, 0x8d]])
}

const SUCCESS_V4: [u8; 10] = [5, 0, 0, 1, 0, 0, 0, 0, 0, 0];

/// A client with no authentication that has had its method accepted.
fn at_connect(target: Target) -> Socks5Client {
    let mut client = Socks5Client::new(target, Auth::None);
    assert_eq!(drain(&mut client), [5, 1, 0]);
    assert_eq!(client.handle_input(&[5, 0]), Ok(Progress::Pending));
    client
}

#[test]
fn connect_without_auth_is_byte_exact() {
    let mut client = Socks5Client::new(onion(), Auth::None);
    assert_eq!(drain(&mut client), [5, 1, 0]);
    // Nothing more until the proxy answers.
    assert!(drain(&mut client).is_empty());
    assert_eq!(client.handle_input(&[5, 0]), Ok(Progress::Pending));
    assert_eq!(client.state(), ClientState::Negotiating(Stage::Connect));
    assert_eq!(drain(&mut client), onion_connect_request());
    assert_eq!(
        client.handle_input(&SUCCESS_V4),
        Ok(Progress::Connected { consumed: 10 })
    );
    assert_eq!(client.state(), ClientState::Connected);
    assert!(drain(&mut client).is_empty());
}

#[test]
fn connect_with_auth_is_byte_exact() {
    let mut client = Socks5Client::new(onion(), user_pass());
    assert_eq!(drain(&mut client), [5, 1, 2]);
    assert_eq!(client.handle_input(&[5, 2]), Ok(Progress::Pending));
    assert_eq!(
        client.state(),
        ClientState::Negotiating(Stage::Authentication)
    );
    assert_eq!(drain(&mut client), b"\x01\x04user\x04pass");
    assert!(drain(&mut client).is_empty());
    assert_eq!(client.handle_input(&[1, 0]), Ok(Progress::Pending));
    assert_eq!(drain(&mut client), onion_connect_request());
    assert_eq!(
        client.handle_input(&SUCCESS_V4),
        Ok(Progress::Connected { consumed: 10 })
    );
}

#[test]
fn ip_targets_are_byte_exact() {
    let v4 = SocketAddr::new(Ipv4Addr::new(203, 0, 113, 7).into(), 8333);
    let mut client = at_connect(v4.into());
    assert_eq!(drain(&mut client), [5, 1, 0, 1, 203, 0, 113, 7, 0x20, 0x8d]);

    let ip = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1);
    let mut client = at_connect(SocketAddr::new(ip.into(), 1).into());
    let expected = concat(&[&[5, 1, 0, 4], &ip.octets(), &[0, 1]]);
    assert_eq!(drain(&mut client), expected);
}

#[test]
fn maximal_requests_fit() {
    let label = "a".repeat(63);
    let name = [label.as_str(); 4].join(".");
    let creds = Credentials::new(&[b'u'; 255], &[b'p'; 255]).unwrap();
    let mut client = Socks5Client::new(
        Target::domain(&name, 65535).unwrap(),
        Auth::UsernamePassword(creds),
    );
    // The proxy answers before anything was drained: all three requests
    // wait in the outbox together.
    assert_eq!(client.handle_input(&[5, 2, 1, 0]), Ok(Progress::Pending));
    let sent = drain(&mut client);
    assert_eq!(sent.len(), 3 + 513 + 262);
    assert_eq!(&sent[3..5], &[1, 255]);
    assert_eq!(&sent[516..521], &[5, 1, 0, 3, 255]);
    assert_eq!(&sent[776..], &[0xff, 0xff]);
}

#[test]
fn method_refusals() {
    let mut client = Socks5Client::new(onion(), Auth::None);
    assert_eq!(
        client.handle_input(&[5, 0xff]),
        Err(Socks5Error::NoAcceptableMethod { offered: 0 })
    );
    // A proxy must not talk a client that offered credentials down to none
    // (that would silently lose stream isolation), nor the reverse.
    let mut client = Socks5Client::new(onion(), user_pass());
    assert_eq!(
        client.handle_input(&[5, 0]),
        Err(Socks5Error::UnexpectedMethod {
            offered: 2,
            chosen: 0
        })
    );
    let mut client = Socks5Client::new(onion(), Auth::None);
    assert_eq!(
        client.handle_input(&[5, 2]),
        Err(Socks5Error::UnexpectedMethod {
            offered: 0,
            chosen: 2
        })
    );
    let mut client = Socks5Client::new(onion(), Auth::None);
    assert_eq!(
        client.handle_input(&[4, 0]),
        Err(Socks5Error::Version {
            stage: Stage::MethodSelection,
            expected: 5,
            found: 4
        })
    );
}

#[test]
fn auth_refusals() {
    let mut client = Socks5Client::new(onion(), user_pass());
    assert_eq!(client.handle_input(&[5, 2]), Ok(Progress::Pending));
    let err = client.handle_input(&[1, 1]).unwrap_err();
    assert_eq!(err, Socks5Error::AuthRefused { status: 1 });
    assert_eq!(err.blame(), Blame::Proxy);

    // RFC 1929 replies carry version 01, not SOCKS's 05.
    let mut client = Socks5Client::new(onion(), user_pass());
    assert_eq!(
        client.handle_input(&[5, 2, 5, 0]),
        Err(Socks5Error::Version {
            stage: Stage::Authentication,
            expected: 1,
            found: 5
        })
    );
    // The queued request is wiped on failure: nothing is left to send.
    assert!(drain(&mut client).is_empty());
}

#[test]
fn reply_refusals() {
    let cases: [(&[u8], Socks5Error); 4] = [
        (
            &[4, 0, 0, 1],
            Socks5Error::Version {
                stage: Stage::Connect,
                expected: 5,
                found: 4,
            },
        ),
        (&[5, 0, 1, 1], Socks5Error::NonZeroReserved { found: 1 }),
        (&[5, 0, 0, 2], Socks5Error::AddressType { found: 2 }),
        (&[5, 0, 0, 0xff], Socks5Error::AddressType { found: 0xff }),
    ];
    for (reply, expected) in cases {
        let mut client = at_connect(onion());
        assert_eq!(client.handle_input(reply), Err(expected), "{reply:?}");
        assert_eq!(expected.blame(), Blame::Proxy);
        assert!(!expected.to_string().is_empty());
    }
}

#[test]
fn every_reply_code_has_its_error_and_blame() {
    let target_codes = [
        0x02, 0x03, 0x04, 0x05, 0x06, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
    ];
    let mut messages = Vec::new();
    for code in 1..=u8::MAX {
        let mut client = at_connect(onion());
        let err = client.handle_input(&[5, code, 0, 1]).unwrap_err();
        let Socks5Error::Reply(reply) = err else {
            panic!("{code:#04x}: {err:?}")
        };
        assert_eq!(reply.code(), code);
        let blame = if target_codes.contains(&code) {
            Blame::Target
        } else {
            Blame::Proxy
        };
        assert_eq!(err.blame(), blame, "{code:#04x}");
        let message = err.to_string();
        assert!(
            message.ends_with(&alloc::format!("({code:#04x})")),
            "{message}"
        );
        messages.push(message);
    }
    // Assigned codes each read differently; unassigned ones say so.
    let assigned: Vec<_> = messages
        .iter()
        .filter(|m| !m.contains("unassigned"))
        .collect();
    assert_eq!(assigned.len(), 16);
    for (i, a) in assigned.iter().enumerate() {
        assert!(assigned[i + 1..].iter().all(|b| a != b));
    }
    assert_eq!(
        ReplyError::from_code(0x09),
        Some(ReplyError::Unassigned(0x09))
    );
}

#[test]
fn bound_addresses_are_skipped() {
    let v6 = concat(&[&[5, 0, 0, 4], &[0xab; 16], &[1, 2]]);
    let name = concat(&[&[5, 0, 0, 3, 255], &[b'x'; 255], &[1, 2]]);
    let empty_name = [5, 0, 0, 3, 0, 1, 2];
    for reply in [&SUCCESS_V4[..], &v6, &name, &empty_name] {
        let mut client = at_connect(onion());
        let input = concat(&[reply, b"tail"]);
        let progress = client.handle_input(&input).unwrap();
        assert_eq!(
            progress,
            Progress::Connected {
                consumed: reply.len()
            }
        );
        assert_eq!(progress.tunnel_bytes(&input), b"tail");
    }
}

#[test]
fn bytes_after_the_reply_are_handed_back() {
    // The whole exchange's replies and the target's first bytes in one read.
    let mut client = Socks5Client::new(onion(), user_pass());
    let input = concat(&[&[5, 2, 1, 0], &SUCCESS_V4, b"first veil bytes"]);
    let progress = client.handle_input(&input).unwrap();
    assert_eq!(progress, Progress::Connected { consumed: 14 });
    assert_eq!(progress.tunnel_bytes(&input), b"first veil bytes");
    // Later input is all the tunnel's.
    assert_eq!(
        client.handle_input(b"more"),
        Ok(Progress::Connected { consumed: 0 })
    );
    assert_eq!(client.handle_eof(), Ok(()));
}

#[test]
fn errors_are_sticky() {
    let mut client = at_connect(onion());
    let err = Socks5Error::Reply(ReplyError::OnionDescriptorNotFound);
    assert_eq!(client.handle_input(&[5, 0xf0]), Err(err));
    assert_eq!(client.state(), ClientState::Failed(err));
    assert_eq!(client.handle_input(&SUCCESS_V4), Err(err));
    assert_eq!(client.handle_eof(), Err(err));
    assert!(drain(&mut client).is_empty());
}

#[test]
fn eof_names_the_waiting_stage() {
    let mut client = Socks5Client::new(onion(), user_pass());
    assert_eq!(client.handle_input(&[5]), Ok(Progress::Pending));
    assert_eq!(
        client.handle_eof(),
        Err(Socks5Error::ProxyClosed {
            stage: Stage::MethodSelection
        })
    );
    let mut client = at_connect(onion());
    assert_eq!(client.handle_input(&SUCCESS_V4[..9]), Ok(Progress::Pending));
    let err = client.handle_eof().unwrap_err();
    assert_eq!(
        err,
        Socks5Error::ProxyClosed {
            stage: Stage::Connect
        }
    );
    assert_eq!(err.blame(), Blame::Proxy);
}

#[test]
fn empty_input_changes_nothing() {
    let mut client = Socks5Client::new(onion(), Auth::None);
    assert_eq!(client.handle_input(&[]), Ok(Progress::Pending));
    assert_eq!(
        client.state(),
        ClientState::Negotiating(Stage::MethodSelection)
    );
}

#[test]
fn debug_hides_the_password() {
    let creds = Credentials::new(b"user", b"hunter2").unwrap();
    let password = alloc::format!("{:?}", creds.password());
    let text = alloc::format!("{creds:?}");
    assert!(!text.contains(&password), "{text}");
    assert!(text.contains("<redacted>"), "{text}");
    let client = Socks5Client::new(onion(), Auth::UsernamePassword(creds));
    let text = alloc::format!("{client:?}");
    assert!(!text.contains(&password), "{text}");
    assert!(text.contains("example.onion"), "{text}");
}
