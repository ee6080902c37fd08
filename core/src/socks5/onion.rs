//! Host names of overlay networks: Tor v3 onion services and I2P
//! destinations, written out as the names a SOCKS proxy understands.
//!
//! The onion checksum needs SHA3-256, which no dependency of veil-core
//! provides; Keccak-f\[1600\] is small enough to carry here (FIPS 202). It
//! only checks typos in onion names, so it needs no constant-time care.

/// Length of a Tor v3 onion name: 56 base32 characters and `.onion`.
pub(super) const ONION_NAME_LEN: usize = 56 + 6;
/// Length of an I2P name: 52 base32 characters and `.b32.i2p`.
pub(super) const I2P_NAME_LEN: usize = 52 + 8;

/// Tor's onion address version byte (rend-spec-v3, "encoding onion
/// addresses").
const ONION_VERSION: u8 = 0x03;

/// The Tor v3 onion name of the service whose ed25519 public key is `key`:
/// `base32(key || checksum || 0x03) ".onion"`, lower case, where `checksum`
/// is the first two bytes of `SHA3-256(".onion checksum" || key || 0x03)`.
pub(super) fn onion_name(key: &[u8; 32]) -> [u8; ONION_NAME_LEN] {
    let mut preimage = [0u8; 15 + 32 + 1];
    preimage[..15].copy_from_slice(b".onion checksum");
    preimage[15..47].copy_from_slice(key);
    preimage[47] = ONION_VERSION;
    let checksum = sha3_256(&preimage);

    let mut raw = [0u8; 35];
    raw[..32].copy_from_slice(key);
    raw[32..34].copy_from_slice(&checksum[..2]);
    raw[34] = ONION_VERSION;
    let mut name = [0u8; ONION_NAME_LEN];
    base32(&raw, &mut name[..56]);
    name[56..].copy_from_slice(b".onion");
    name
}

/// The I2P name of the destination whose SHA-256 is `hash`:
/// `base32(hash) ".b32.i2p"`, lower case, without padding.
pub(super) fn i2p_name(hash: &[u8; 32]) -> [u8; I2P_NAME_LEN] {
    let mut name = [0u8; I2P_NAME_LEN];
    base32(hash, &mut name[..52]);
    name[52..].copy_from_slice(b".b32.i2p");
    name
}

/// The service key of a Tor v3 onion name (`<56 base32>.onion`, any case),
/// or `None` if it is not one or its checksum or version is wrong.
pub(crate) fn parse_onion_name(name: &str) -> Option<[u8; 32]> {
    let lower = name.to_ascii_lowercase();
    let label = lower.strip_suffix(".onion")?;
    let raw: [u8; 35] = base32_decode(label)?;
    let key: [u8; 32] = raw[..32].try_into().ok()?;
    // Re-encoding checks the checksum and the version byte.
    (onion_name(&key)[..] == *lower.as_bytes()).then_some(key)
}

/// The destination hash of an I2P name (`<52 base32>.b32.i2p`, any case).
pub(crate) fn parse_i2p_name(name: &str) -> Option<[u8; 32]> {
    let lower = name.to_ascii_lowercase();
    let label = lower.strip_suffix(".b32.i2p")?;
    let hash: [u8; 32] = base32_decode(label)?;
    (i2p_name(&hash)[..] == *lower.as_bytes()).then_some(hash)
}

/// Decodes unpadded lower-case base32 of exactly `ceil(8 * N / 5)`
/// characters into `N` bytes; `None` on another length or character.
fn base32_decode<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != (8 * N).div_ceil(5) {
        return None;
    }
    let mut out = [0u8; N];
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut written = 0;
    for c in text.bytes() {
        let value = match c {
            b'a'..=b'z' => c - b'a',
            b'2'..=b'7' => c - b'2' + 26,
            _ => return None,
        };
        acc = (acc << 5) | u32::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            if written < N {
                out[written] = (acc >> bits) as u8;
                written += 1;
            }
        }
        acc &= (1 << bits) - 1;
    }
    Some(out)
}

/// RFC 4648 base32, lower case, without padding; `out` holds exactly
/// `ceil(8 * input.len() / 5)` characters.
fn base32(input: &[u8], out: &mut [u8]) {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut acc: u16 = 0;
    let mut bits = 0u32;
    let mut chars = out.iter_mut();
    for &byte in input {
        acc = (acc << 8) | u16::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            if let Some(c) = chars.next() {
                *c = ALPHABET[usize::from((acc >> bits) & 31)];
            }
        }
        // Keep only the bits not yet written, so `acc << 8` cannot overflow.
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        if let Some(c) = chars.next() {
            *c = ALPHABET[usize::from((acc << (5 - bits)) & 31)];
        }
    }
}

/// SHA3-256 rate in bytes (1600 - 2 * 256 bits).
const RATE: usize = 136;

/// SHA3-256 of `input` (FIPS 202).
pub(super) fn sha3_256(input: &[u8]) -> [u8; 32] {
    let mut state = [0u64; 25];
    let mut blocks = input.chunks_exact(RATE);
    for block in &mut blocks {
        absorb(&mut state, block);
        keccak_f(&mut state);
    }
    // Final block: SHA-3 domain bits 01, then pad10*1.
    let rest = blocks.remainder();
    let mut last = [0u8; RATE];
    last[..rest.len()].copy_from_slice(rest);
    last[rest.len()] ^= 0x06;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    keccak_f(&mut state);

    let mut digest = [0u8; 32];
    for (out, lane) in digest.chunks_exact_mut(8).zip(state) {
        out.copy_from_slice(&lane.to_le_bytes());
    }
    digest
}

fn absorb(state: &mut [u64; 25], block: &[u8]) {
    for (lane, bytes) in state.iter_mut().zip(block.chunks_exact(8)) {
        let mut word = [0u8; 8];
        word.copy_from_slice(bytes);
        *lane ^= u64::from_le_bytes(word);
    }
}

/// Round constants of Keccak-f\[1600\] (iota).
const ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808a,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808b,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008a,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000a,
    0x0000_0000_8000_808b,
    0x8000_0000_0000_008b,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800a,
    0x8000_0000_8000_000a,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Rotation offsets (rho), in the order the pi permutation visits lanes.
const RHO: [u32; 24] = [
    1, 3, 6, 10, 15, 21, 28, 36, 45, 55, 2, 14, 27, 41, 56, 8, 25, 43, 62, 18, 39, 61, 20, 44,
];
/// The lane each pi step moves to, starting from lane 1.
const PI: [usize; 24] = [
    10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4, 15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1,
];

/// The Keccak-f\[1600\] permutation; lane `(x, y)` is `state[x + 5 * y]`.
fn keccak_f(state: &mut [u64; 25]) {
    for round_constant in ROUND_CONSTANTS {
        // Theta: xor each column's parity into its neighbours.
        let mut parity = [0u64; 5];
        for (x, p) in parity.iter_mut().enumerate() {
            *p = state[x] ^ state[x + 5] ^ state[x + 10] ^ state[x + 15] ^ state[x + 20];
        }
        for x in 0..5 {
            let d = parity[(x + 4) % 5] ^ parity[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                state[x + 5 * y] ^= d;
            }
        }
        // Rho and pi: rotate each lane and move it along pi's cycle.
        let mut carried = state[1];
        for (&to, &rotation) in PI.iter().zip(&RHO) {
            let next = state[to];
            state[to] = carried.rotate_left(rotation);
            carried = next;
        }
        // Chi: the only non-linear step, row by row.
        for y in 0..5 {
            let mut row = [0u64; 5];
            row.copy_from_slice(&state[5 * y..5 * y + 5]);
            for x in 0..5 {
                state[x + 5 * y] = row[x] ^ (!row[(x + 1) % 5] & row[(x + 2) % 5]);
            }
        }
        // Iota.
        state[0] ^= round_constant;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::borrow::ToOwned;

    fn hex(bytes: &[u8]) -> alloc::string::String {
        bytes.iter().map(|b| alloc::format!("{b:02x}")).collect()
    }

    #[test]
    fn sha3_256_known_answers() {
        // FIPS 202 examples and a two-block input (200 bytes of 0xa3).
        assert_eq!(
            hex(&sha3_256(b"")),
            "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a"
        );
        assert_eq!(
            hex(&sha3_256(b"abc")),
            "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"
        );
        assert_eq!(
            hex(&sha3_256(&[0xa3; 200])),
            "79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787"
        );
    }

    #[test]
    fn sha3_256_block_boundaries_differ() {
        // Inputs of RATE - 1, RATE and RATE + 1 bytes exercise the padding
        // byte landing on the last byte, a full extra block, and a carry.
        let a = sha3_256(&[0; RATE - 1]);
        let b = sha3_256(&[0; RATE]);
        let c = sha3_256(&[0; RATE + 1]);
        assert!(a != b && b != c && a != c);
    }

    #[test]
    fn real_onion_names() {
        // Published addresses of the Tor Project and DuckDuckGo: their keys
        // decode from the names, and the checksums must come out the same.
        let tor = hex_key("d1b38b83a83b3ed918c5bb69dd444ad56bc8d5835a914de73447474e5f02591b");
        assert_eq!(
            &onion_name(&tor)[..],
            b"2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion"
        );
        let ddg = hex_key("1d04a1d04a338c6e6ae970bfabee49049d6702250984ca950c01673f4ec034ad");
        assert_eq!(
            &onion_name(&ddg)[..],
            b"duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion"
        );
    }

    #[test]
    fn i2p_name_is_base32_of_the_hash() {
        assert_eq!(
            &i2p_name(&[0; 32])[..],
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.b32.i2p"
        );
        let mut out = [0u8; 8];
        base32(b"hello", &mut out);
        assert_eq!(&out, b"nbswy3dp");
        let mut out = [0u8; 2];
        base32(&[0xff], &mut out);
        assert_eq!(&out, b"74");
    }

    #[test]
    fn names_decode_back_to_their_keys() {
        let tor = hex_key("d1b38b83a83b3ed918c5bb69dd444ad56bc8d5835a914de73447474e5f02591b");
        let name = "2gzyxa5ihm7nsggfxnu52rck2vv4rvmdlkiu3zzui5du4xyclen53wid.onion";
        assert_eq!(parse_onion_name(name), Some(tor));
        assert_eq!(parse_onion_name(&name.to_uppercase()), Some(tor));
        // One character off breaks the checksum; wrong lengths and
        // alphabets are refused.
        let typo = name.replacen('2', "3", 1);
        assert_eq!(parse_onion_name(&typo), None);
        assert_eq!(parse_onion_name("abc.onion"), None);
        assert_eq!(parse_onion_name(&name.replace(".onion", ".com")), None);
        assert_eq!(parse_onion_name(&name.replacen('g', "1", 1)), None);
        let hash = [0x5a; 32];
        let i2p = core::str::from_utf8(&i2p_name(&hash)).unwrap().to_owned();
        assert_eq!(parse_i2p_name(&i2p), Some(hash));
        assert_eq!(parse_i2p_name(&i2p[1..]), None);
    }

    fn hex_key(text: &str) -> [u8; 32] {
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap();
        }
        key
    }
}
