//! An independent implementation of what the encrypted handshake computes,
//! written from the specifications (the Noise spec and `docs/PROTOCOL.md`):
//! the Noise symmetric state, the packet ciphers and the identity proof
//! check. `docs/HANDSHAKE_TRANSCRIPT.md` shows its intermediate values, and
//! its test checks veil-core against it.
//!
//! Only `session_vectors` uses this; it declares it with `#[path]`.

/// An independent Noise symmetric state (Noise spec section 5.2, with
/// SHA-256 and ChaCha20-Poly1305), to show `h` and `ck` after every token
/// and to check veil-core's handshake against the specification.
pub struct RefNoise {
    pub ck: [u8; 32],
    pub h: [u8; 32],
    pub k: Option<[u8; 32]>,
    n: u64,
}

impl RefNoise {
    pub fn new(prologue: &[u8]) -> RefNoise {
        let name: [u8; 32] = veil_core::noise::PROTOCOL_NAME
            .as_bytes()
            .try_into()
            .unwrap();
        let mut state = RefNoise {
            ck: name,
            h: name,
            k: None,
            n: 0,
        };
        state.mix_hash(prologue);
        state
    }

    pub fn mix_hash(&mut self, data: &[u8]) {
        use sha2::Digest;
        self.h = sha2::Sha256::new()
            .chain_update(self.h)
            .chain_update(data)
            .finalize()
            .into();
    }

    /// Noise's `HKDF(ck, ikm, 2)`: HKDF-SHA256 with salt `ck`, empty info.
    pub fn hkdf2(&self, ikm: &[u8]) -> ([u8; 32], [u8; 32]) {
        let mut okm = [0u8; 64];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&self.ck), ikm)
            .expand(&[], &mut okm)
            .unwrap();
        (okm[..32].try_into().unwrap(), okm[32..].try_into().unwrap())
    }

    pub fn mix_key(&mut self, ikm: &[u8]) {
        let (ck, k) = self.hkdf2(ikm);
        self.ck = ck;
        self.k = Some(k);
        self.n = 0;
    }

    fn aead(&self, k: &[u8; 32]) -> (ring::aead::LessSafeKey, ring::aead::Nonce) {
        let key = ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, k).unwrap();
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&self.n.to_le_bytes());
        (
            ring::aead::LessSafeKey::new(key),
            ring::aead::Nonce::assume_unique_for_key(nonce),
        )
    }

    pub fn encrypt_and_hash(&mut self, plaintext: &[u8]) -> Vec<u8> {
        let mut out = plaintext.to_vec();
        if let Some(k) = self.k {
            let (key, nonce) = self.aead(&k);
            key.seal_in_place_append_tag(nonce, ring::aead::Aad::from(self.h), &mut out)
                .unwrap();
            self.n += 1;
        }
        self.mix_hash(&out);
        out
    }

    pub fn decrypt_and_hash(&mut self, ciphertext: &[u8]) -> Vec<u8> {
        let mut out = ciphertext.to_vec();
        if let Some(k) = self.k {
            let (key, nonce) = self.aead(&k);
            let len = key
                .open_in_place(nonce, ring::aead::Aad::from(self.h), &mut out)
                .expect("authentic")
                .len();
            out.truncate(len);
            self.n += 1;
        }
        self.mix_hash(ciphertext);
        out
    }

    /// `HKDF-Expand(HKDF-Extract(salt = ck, ikm = ""), info = label, 32)`.
    pub fn export(&self, label: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(&self.ck), &[])
            .expand(label, &mut out)
            .unwrap();
        out
    }
}

pub fn dh(secret: [u8; 32], public: [u8; 32]) -> [u8; 32] {
    x25519_dalek::StaticSecret::from(secret)
        .diffie_hellman(&x25519_dalek::PublicKey::from(public))
        .to_bytes()
}

pub fn x25519_public(secret: [u8; 32]) -> [u8; 32] {
    x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(secret)).to_bytes()
}

pub const PROLOGUE: &[u8] = b"veil/v1";
pub const PROOF_CONTEXT: &[u8] = b"veil/v1 identity proof for noise\0";
pub const TERMINATOR_LABEL: &[u8] = b"veil/v1 garbage terminators";
pub const CHAIN_LABEL: &[u8] = b"veil/v1 session rekey chain";
const PACKET_KEYS_LABEL: &[u8] = b"veil/v1 packet keys: length, contents";

/// One direction's packet keys and counters, opening packets the way
/// `docs/PROTOCOL.md` section 8.4 describes (independently of
/// `veil_core::packet`, which is checked against it).
pub struct RefReceiver {
    pub length_key: [u8; 32],
    pub contents_key: [u8; 32],
    packets: u32,
    check: veil_core::packet::ReceiveCipher,
}

/// A packet taken apart.
pub struct OpenedPacket {
    pub index: u32,
    pub encrypted_length: Vec<u8>,
    pub length_keystream: Vec<u8>,
    pub contents_len: usize,
    pub encrypted_body: Vec<u8>,
    pub tag: Vec<u8>,
    pub nonce: [u8; 12],
    pub aad: Vec<u8>,
    pub header: u8,
    pub contents: Vec<u8>,
}

impl RefReceiver {
    pub fn new(direction_key: &[u8; 32], handshake_hash: &[u8; 32]) -> RefReceiver {
        let mut okm = [0u8; 64];
        hkdf::Hkdf::<sha2::Sha256>::new(Some(handshake_hash), direction_key)
            .expand(PACKET_KEYS_LABEL, &mut okm)
            .unwrap();
        let length_key: [u8; 32] = okm[..32].try_into().unwrap();
        let contents_key: [u8; 32] = okm[32..].try_into().unwrap();
        RefReceiver {
            length_key,
            contents_key,
            packets: 0,
            check: veil_core::packet::ReceiveCipher::new(length_key, contents_key),
        }
    }

    /// Opens the packet at the front of `stream`; returns it and the rest.
    pub fn open<'a>(&mut self, stream: &'a [u8], aad: &[u8]) -> (OpenedPacket, &'a [u8]) {
        use chacha20::cipher::{KeyIvInit, StreamCipher};
        let index = self.packets;
        assert!(index < 224, "no FSChaCha20 rekey in a handshake");
        let mut keystream = vec![0u8; 3 * (index as usize + 1)];
        chacha20::ChaCha20::new(
            &chacha20::Key::from(self.length_key),
            &chacha20::Nonce::from([0u8; 12]),
        )
        .apply_keystream(&mut keystream);
        let length_keystream = keystream[3 * index as usize..].to_vec();
        let encrypted_length = stream[..3].to_vec();
        let plain: Vec<u8> = encrypted_length
            .iter()
            .zip(&length_keystream)
            .map(|(c, k)| c ^ k)
            .collect();
        let contents_len = u32::from_le_bytes([plain[0], plain[1], plain[2], 0]) as usize;
        let end = 3 + 1 + contents_len + 16;
        let encrypted_body = stream[3..end - 16].to_vec();
        let tag = stream[end - 16..end].to_vec();
        let mut nonce = [0u8; 12];
        nonce[..4].copy_from_slice(&index.to_le_bytes());
        let key = ring::aead::LessSafeKey::new(
            ring::aead::UnboundKey::new(&ring::aead::CHACHA20_POLY1305, &self.contents_key)
                .unwrap(),
        );
        let mut body = stream[3..end].to_vec();
        let plaintext = key
            .open_in_place(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(aad),
                &mut body,
            )
            .expect("the packet authenticates")
            .to_vec();
        // veil-core's receiver agrees.
        let body_len = self
            .check
            .decrypt_length(encrypted_length.clone().try_into().unwrap())
            .unwrap();
        assert_eq!(body_len, end - 3);
        let mut check_body = stream[3..end].to_vec();
        let packet = self.check.decrypt_in_place(&mut check_body, aad).unwrap();
        assert_eq!(packet.header.to_byte(), plaintext[0]);
        assert_eq!(packet.contents, &plaintext[1..]);
        self.packets += 1;
        (
            OpenedPacket {
                index,
                encrypted_length,
                length_keystream,
                contents_len,
                encrypted_body,
                tag,
                nonce,
                aad: aad.to_vec(),
                header: plaintext[0],
                contents: plaintext[1..].to_vec(),
            },
            &stream[end..],
        )
    }
}

/// Checks an identity proof (the payload of message 2 or 3): strict Ed25519
/// by the identity it carries, over `PROOF_CONTEXT ‖ the sender's Noise
/// static key ‖ the transcript hash it signs`.
pub fn verify_proof(payload: &[u8], noise_static: &[u8; 32], signed_hash: &[u8; 32]) {
    let mut message = PROOF_CONTEXT.to_vec();
    message.extend_from_slice(noise_static);
    message.extend_from_slice(signed_hash);
    let key = ed25519_dalek::VerifyingKey::from_bytes(&payload[1..33].try_into().unwrap()).unwrap();
    let signature = ed25519_dalek::Signature::from_bytes(&payload[33..97].try_into().unwrap());
    key.verify_strict(&message, &signature)
        .expect("the identity proof verifies");
}
