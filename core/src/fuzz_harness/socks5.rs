//! The SOCKS5 client's harness: arbitrary bytes as the proxy's replies.

use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use super::connection::ChunkSizes;
use crate::socks5::{
    Auth, ClientState, Credentials, Progress, Socks5Client, Socks5Error, Stage, Target,
};

/// The username and password the harness's client sends (`control` bit 0).
///
/// ```
/// assert_eq!(veil_core::fuzz_harness::SOCKS5_CREDENTIALS.0, b"veil");
/// ```
pub const SOCKS5_CREDENTIALS: (&[u8], &[u8]) = (b"veil", b"fuzz");

/// Feeds `data` to a [`Socks5Client`] as the proxy's replies, in chunks of
/// sizes taken from the data, draining what the client sends after every
/// chunk, and checks that:
/// - nothing panics; a `Connected` progress consumed between 1 byte and the
///   whole chunk, and the bytes it hands back are exactly the stream's
///   bytes after the reply; later calls say `Connected { consumed: 0 }`;
/// - after an error the state is `Failed` with that error, every call
///   repeats it and nothing more is sent;
/// - the outcome (connected at which offset, the error, or the stage still
///   waiting) is the same fed whole, byte by byte and in the data's chunks,
///   and agrees with a separate whole-slice reading of RFC 1928/1929;
/// - the client sent exactly the greeting, the credentials once the method
///   was accepted and the CONNECT request once authenticated, byte for
///   byte (a failure may cut that short, at a message boundary);
/// - end of stream before the tunnel opens is `ProxyClosed` at the waiting
///   stage.
///
/// The input: byte 0 is a control byte (bit 0: offer username/password
/// [`SOCKS5_CREDENTIALS`] instead of no authentication; bits 1-2: the
/// target, `example.onion:8333`, `203.0.113.7:8333`, `[2001:db8::1]:8333`
/// or a 255-byte name on port 65535). Byte 1 sets the chunk sizes: 255
/// feeds the stream whole, a value `c` below that cuts it into
/// pseudo-random sizes from 1 to `c² + 1`. The rest is the proxy's stream.
///
/// # Example
///
/// ```
/// // Username/password accepted, then a success reply with an IPv4 bound
/// // address and two tunnelled bytes, in chunks of 1 to 5 bytes.
/// let data = [1, 2, 5, 2, 1, 0, 5, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xab, 0xcd];
/// veil_core::fuzz_harness::socks5_reply(&data);
/// ```
pub fn socks5_reply(data: &[u8]) {
    let [control, chunking, ref stream @ ..] = *data else {
        return;
    };
    let chunked = run(control, stream, ChunkSizes::new(chunking));
    let whole = run(control, stream, ChunkSizes::new(u8::MAX));
    // A limit of 0² + 1 makes every chunk one byte.
    let bytewise = run(control, stream, ChunkSizes::new(0));
    assert_eq!(chunked, whole, "chunking changed the outcome");
    assert_eq!(bytewise, whole, "byte-at-a-time changed the outcome");
    assert_eq!(whole, reference(control, stream), "differs from the RFCs");
}

/// How a run over the whole stream ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum End {
    /// Still waiting for the proxy's reply to this stage.
    Pending(Stage),
    /// Connected; the tunnelled stream starts at this offset.
    Connected(usize),
    Failed(Socks5Error),
}

fn client(control: u8) -> Socks5Client {
    let auth = if control & 1 == 0 {
        Auth::None
    } else {
        let (username, password) = SOCKS5_CREDENTIALS;
        Auth::UsernamePassword(Credentials::new(username, password).expect("valid"))
    };
    Socks5Client::new(target(control), auth)
}

fn target(control: u8) -> Target {
    match (control >> 1) & 3 {
        0 => Target::domain("example.onion", 8333).expect("valid"),
        1 => SocketAddr::new(Ipv4Addr::new(203, 0, 113, 7).into(), 8333).into(),
        2 => SocketAddr::new(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1).into(), 8333).into(),
        _ => {
            let mut name = [b'a'; 255];
            for dot in [63, 127, 191] {
                name[dot] = b'.';
            }
            let name = core::str::from_utf8(&name).expect("ascii");
            Target::domain(name, 65535).expect("valid")
        }
    }
}

/// The requests as RFC 1928/1929 spell them, written out independently of
/// the client: greeting, credentials (empty without authentication),
/// CONNECT.
fn requests(control: u8) -> [Vec<u8>; 3] {
    let (username, password) = SOCKS5_CREDENTIALS;
    let (method, auth) = if control & 1 == 0 {
        (0, Vec::new())
    } else {
        (2, [&[1, 4][..], username, &[4], password].concat())
    };
    let connect = match (control >> 1) & 3 {
        0 => [&[5, 1, 0, 3, 13][..], b"example.onion", &[0x20, 0x8d]].concat(),
        1 => [5, 1, 0, 1, 203, 0, 113, 7, 0x20, 0x8d].to_vec(),
        2 => {
            let mut v6 = [0u8; 16];
            v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
            v6[15] = 1;
            [&[5, 1, 0, 4][..], &v6, &[0x20, 0x8d]].concat()
        }
        _ => {
            let mut request = [5, 1, 0, 3, 255].to_vec();
            for label in 0..4 {
                if label > 0 {
                    request.push(b'.');
                }
                request.extend_from_slice(&[b'a'; 63]);
            }
            request.extend_from_slice(&[0xff, 0xff]);
            request
        }
    };
    [[5, 1, method].to_vec(), auth, connect]
}

fn drain(client: &mut Socks5Client, sent: &mut Vec<u8>) {
    let mut buf = [0u8; 100];
    loop {
        let n = client.poll_transmit(&mut buf);
        if n == 0 {
            return;
        }
        sent.extend_from_slice(&buf[..n]);
    }
}

fn run(control: u8, stream: &[u8], mut sizes: ChunkSizes) -> End {
    let mut client = client(control);
    let mut sent = Vec::new();
    drain(&mut client, &mut sent);
    let mut end = End::Pending(Stage::MethodSelection);
    let mut offset = 0;
    let mut rest = stream;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(sizes.next().min(rest.len()));
        let result = client.handle_input(chunk);
        match (end, result) {
            (End::Pending(_), Ok(Progress::Pending)) => {
                let ClientState::Negotiating(stage) = client.state() else {
                    panic!("pending but {:?}", client.state());
                };
                end = End::Pending(stage);
            }
            (End::Pending(_), Ok(progress @ Progress::Connected { consumed })) => {
                assert!((1..=chunk.len()).contains(&consumed), "consumed {consumed}");
                assert_eq!(progress.tunnel_bytes(chunk), &chunk[consumed..]);
                assert_eq!(client.state(), ClientState::Connected);
                end = End::Connected(offset + consumed);
            }
            (End::Pending(_), Err(error)) => {
                assert_eq!(client.state(), ClientState::Failed(error));
                end = End::Failed(error);
            }
            (End::Connected(_), Ok(Progress::Connected { consumed: 0 })) => {}
            (End::Failed(before), Err(error)) => assert_eq!(before, error, "error changed"),
            (end, result) => panic!("{result:?} after {end:?}"),
        }
        drain(&mut client, &mut sent);
        offset += chunk.len();
        rest = tail;
    }

    let [greeting, auth, connect] = requests(control);
    let expected = match end {
        End::Pending(Stage::MethodSelection) => greeting,
        End::Pending(Stage::Authentication) => [greeting, auth].concat(),
        _ => [greeting, auth, connect].concat(),
    };
    if let End::Failed(_) = end {
        // A failure wipes what its call queued; whole requests went before.
        assert!(expected.starts_with(&sent) && sent.len() >= 3, "{sent:?}");
        assert_eq!(client.pending_transmit(), 0);
    } else {
        assert_eq!(sent, expected, "requests not as the RFCs spell them");
    }

    let eof = client.handle_eof();
    match end {
        End::Pending(stage) => assert_eq!(eof, Err(Socks5Error::ProxyClosed { stage })),
        End::Connected(_) => assert_eq!(eof, Ok(())),
        End::Failed(error) => assert_eq!(eof, Err(error)),
    }
    end
}

/// The outcome read from the whole stream at once, straight from RFC 1928
/// and RFC 1929 (a different shape from the client's byte-at-a-time state
/// machine, so a shared mistake is unlikely).
fn reference(control: u8, stream: &[u8]) -> End {
    use crate::socks5::ReplyError;
    let method = if control & 1 == 0 { 0 } else { 2 };
    macro_rules! byte {
        ($at:expr, $stage:expr) => {
            match stream.get($at) {
                Some(&b) => b,
                None => return End::Pending($stage),
            }
        };
    }
    let version = |stage, expected, found| {
        End::Failed(Socks5Error::Version {
            stage,
            expected,
            found,
        })
    };
    let mut at = 0;

    let stage = Stage::MethodSelection;
    if byte!(0, stage) != 5 {
        return version(stage, 5, stream[0]);
    }
    match byte!(1, stage) {
        0xff => return End::Failed(Socks5Error::NoAcceptableMethod { offered: method }),
        chosen if chosen != method => {
            return End::Failed(Socks5Error::UnexpectedMethod {
                offered: method,
                chosen,
            })
        }
        _ => at += 2,
    }

    if method == 2 {
        let stage = Stage::Authentication;
        if byte!(at, stage) != 1 {
            return version(stage, 1, stream[at]);
        }
        let status = byte!(at + 1, stage);
        if status != 0 {
            return End::Failed(Socks5Error::AuthRefused { status });
        }
        at += 2;
    }

    let stage = Stage::Connect;
    if byte!(at, stage) != 5 {
        return version(stage, 5, stream[at]);
    }
    if let Some(reply) = ReplyError::from_code(byte!(at + 1, stage)) {
        return End::Failed(Socks5Error::Reply(reply));
    }
    if byte!(at + 2, stage) != 0 {
        return End::Failed(Socks5Error::NonZeroReserved {
            found: stream[at + 2],
        });
    }
    let address_len = match byte!(at + 3, stage) {
        1 => 4,
        4 => 16,
        3 => 1 + usize::from(byte!(at + 4, stage)),
        found => return End::Failed(Socks5Error::AddressType { found }),
    };
    let end = at + 4 + address_len + 2;
    if stream.len() < end {
        return End::Pending(stage);
    }
    End::Connected(end)
}
