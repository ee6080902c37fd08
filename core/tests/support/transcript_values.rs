//! Every value of `docs/HANDSHAKE_TRANSCRIPT.md`, recomputed from the
//! secrets of the vector `encrypted_handshake`: with veil-core's public APIs
//! (`noise::Handshake`, `identity::Identity::prove`,
//! `packet::ciphers_from_noise`, `packet::ReceiveCipher`) and with the
//! independent implementation in `reference_crypto`, each checked against
//! the other and against the bytes the two connections actually sent.
//!
//! Only `session_vectors` uses this; it declares it with `#[path]`.

use serde_json::Value;
use veil_core::identity::Identity;
use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};

use crate::reference_crypto::{
    dh, x25519_public, OpenedPacket, RefNoise, RefReceiver, CHAIN_LABEL, PROLOGUE, TERMINATOR_LABEL,
};
use crate::support::session::{connection_rng, noise_draws, sides_from_json, NoiseDraws, SideSpec};

/// The values, named as in the document: `_i` for the initiator `a`, `_r`
/// for the responder `b`; `h_after_x`, `ck_x` and `k_x` are the Noise
/// symmetric state after token `x`.
pub struct HandshakeValues {
    pub a: SideSpec,
    pub b: SideSpec,
    pub id_a: Identity,
    pub id_b: Identity,
    /// `(side, at_ms, bytes)` of the five flights, in order.
    pub transmits: Vec<(String, u64, Vec<u8>)>,
    pub nonce_a: u64,
    pub nonce_b: u64,
    pub draws_a: NoiseDraws,
    pub draws_b: NoiseDraws,
    pub s_i: [u8; 32],
    pub s_r: [u8; 32],
    pub e_i: [u8; 32],
    pub e_r: [u8; 32],
    pub h_initial: [u8; 32],
    pub h_prologue: [u8; 32],
    // Message 1 and garbage_i.
    pub msg1: [u8; 32],
    pub garbage_i: Vec<u8>,
    pub h_after_e_i: [u8; 32],
    pub h1: [u8; 32],
    // Message 2, garbage_r and the terminators.
    pub msg2: [u8; 193],
    pub payload_r: Vec<u8>,
    pub h_after_e_r: [u8; 32],
    pub ee: [u8; 32],
    pub ck_ee: [u8; 32],
    pub k_ee: [u8; 32],
    pub h_after_s_r: [u8; 32],
    pub es: [u8; 32],
    pub ck_es: [u8; 32],
    pub k_es: [u8; 32],
    pub h2: [u8; 32],
    pub terminators: [u8; 32],
    pub terminator_i: Vec<u8>,
    pub terminator_r: Vec<u8>,
    pub garbage_r: Vec<u8>,
    // Message 3 and the keys.
    pub msg3: [u8; 161],
    pub payload_i: Vec<u8>,
    pub h_after_s_i: [u8; 32],
    pub se: [u8; 32],
    pub ck_se: [u8; 32],
    pub k_se: [u8; 32],
    pub h3: [u8; 32],
    pub chain: [u8; 32],
    pub k_i2r: [u8; 32],
    pub k_r2i: [u8; 32],
    /// Opens `a`'s packets (its keys are `a` → `b`).
    pub to_b: RefReceiver,
    /// Opens `b`'s packets.
    pub to_a: RefReceiver,
    // The packets.
    pub a_version: OpenedPacket,
    pub b_version: OpenedPacket,
    pub b_verack: OpenedPacket,
    pub a_verack: OpenedPacket,
}

/// Recomputes and cross-checks the values of `vector` (the vector
/// `encrypted_handshake`); panics on any disagreement.
pub fn handshake_values(vector: &Value) -> HandshakeValues {
    let sides = sides_from_json(&vector["config"]).expect("valid config");
    let (a, b) = (sides[0].clone().unwrap(), sides[1].clone().unwrap());
    let transmits: Vec<(String, u64, Vec<u8>)> = vector["expect"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["output"] == "transmit")
        .map(|o| {
            (
                o["side"].as_str().unwrap().to_string(),
                o["at_ms"].as_u64().unwrap(),
                hex::decode(o["bytes"].as_str().unwrap()).unwrap(),
            )
        })
        .collect();
    let sides_in_order: Vec<&str> = transmits.iter().map(|t| t.0.as_str()).collect();
    assert_eq!(sides_in_order, ["a", "b", "a", "b", "a"], "five flights");
    let flight = |i: usize| transmits[i].2.as_slice();

    // The secrets, drawn as the connections draw them.
    let (mut rng_a, nonce_a) = connection_rng(&a);
    let draws_a = noise_draws(&mut rng_a, a.config.max_garbage_len);
    let (mut rng_b, nonce_b) = connection_rng(&b);
    let draws_b = noise_draws(&mut rng_b, b.config.max_garbage_len);
    let (id_a, id_b) = (a.identity(), b.identity());

    // veil-core's handshake, from the same secrets.
    let mut initiator = Handshake::initiator(
        StaticKeypair::from_secret_bytes(draws_a.static_secret),
        Ephemeral::from_secret_bytes(draws_a.ephemeral_secret),
        PROLOGUE,
    );
    let mut responder = Handshake::responder(
        StaticKeypair::from_secret_bytes(draws_b.static_secret),
        Ephemeral::from_secret_bytes(draws_b.ephemeral_secret),
        PROLOGUE,
    );
    let s_i = initiator.local_static_public();
    let s_r = responder.local_static_public();
    let e_i = x25519_public(draws_a.ephemeral_secret);
    let e_r = x25519_public(draws_b.ephemeral_secret);

    // The reference state, token by token.
    let mut reference = RefNoise::new(PROLOGUE);
    let h_prologue = reference.h;
    let h_initial = {
        let name: [u8; 32] = veil_core::noise::PROTOCOL_NAME
            .as_bytes()
            .try_into()
            .unwrap();
        name
    };

    // Message 1.
    let mut msg1 = [0u8; 32];
    initiator.write_message(&[], &mut msg1).unwrap();
    responder.read_message(&msg1, &mut []).unwrap();
    reference.mix_hash(&e_i);
    let h_after_e_i = reference.h;
    assert!(reference.encrypt_and_hash(&[]).is_empty());
    let h1 = reference.h;
    assert_eq!(msg1, e_i);
    assert_eq!(h1, initiator.transcript_hash());
    assert_eq!(h1, responder.transcript_hash());
    let garbage_i = &flight(0)[32..];
    assert_eq!(flight(0)[..32], msg1);
    assert_eq!(garbage_i, draws_a.garbage);

    // Message 2.
    let mut payload_r = vec![1u8];
    payload_r.extend_from_slice(&id_b.prove(&s_r, &h1).to_bytes());
    let mut msg2 = [0u8; 193];
    responder.write_message(&payload_r, &mut msg2).unwrap();
    let mut read_payload = [0u8; 97];
    initiator.read_message(&msg2, &mut read_payload).unwrap();
    assert_eq!(read_payload[..], payload_r[..]);
    assert_eq!(flight(1)[..193], msg2);
    reference.mix_hash(&e_r);
    let h_after_e_r = reference.h;
    let ee = dh(draws_b.ephemeral_secret, e_i);
    assert_eq!(ee, dh(draws_a.ephemeral_secret, e_r));
    reference.mix_key(&ee);
    let (ck_ee, k_ee) = (reference.ck, reference.k.unwrap());
    let enc_s_r = reference.encrypt_and_hash(&s_r);
    assert_eq!(enc_s_r, msg2[32..80]);
    let h_after_s_r = reference.h;
    let es = dh(draws_b.static_secret, e_i);
    assert_eq!(es, dh(draws_a.ephemeral_secret, s_r));
    reference.mix_key(&es);
    let (ck_es, k_es) = (reference.ck, reference.k.unwrap());
    let enc_payload_r = reference.encrypt_and_hash(&payload_r);
    assert_eq!(enc_payload_r, msg2[80..]);
    let h2 = reference.h;
    assert_eq!(h2, initiator.transcript_hash());
    let terminators = reference.export(TERMINATOR_LABEL);
    assert_eq!(
        terminators,
        *initiator.export_secret(TERMINATOR_LABEL).unwrap()
    );
    let (terminator_i, terminator_r) = terminators.split_at(16);
    let garbage_r = &flight(1)[193..flight(1).len() - 16];
    assert_eq!(garbage_r, draws_b.garbage);
    assert_eq!(&flight(1)[flight(1).len() - 16..], terminator_r);

    // Message 3.
    let mut payload_i = vec![1u8];
    payload_i.extend_from_slice(&id_a.prove(&s_i, &h2).to_bytes());
    let mut msg3 = [0u8; 161];
    initiator.write_message(&payload_i, &mut msg3).unwrap();
    responder.read_message(&msg3, &mut read_payload).unwrap();
    assert_eq!(read_payload[..], payload_i[..]);
    assert_eq!(&flight(2)[..16], terminator_i);
    assert_eq!(flight(2)[16..177], msg3);
    let enc_s_i = reference.decrypt_and_hash(&msg3[..48]);
    assert_eq!(enc_s_i, s_i);
    let h_after_s_i = reference.h;
    let se = dh(draws_a.static_secret, e_r);
    assert_eq!(se, dh(draws_b.ephemeral_secret, s_i));
    reference.mix_key(&se);
    let (ck_se, k_se) = (reference.ck, reference.k.unwrap());
    assert_eq!(reference.decrypt_and_hash(&msg3[48..]), payload_i);
    let h3 = reference.h;
    assert_eq!(Some(h3), initiator.handshake_hash());
    let chain = reference.export(CHAIN_LABEL);
    assert_eq!(chain, *initiator.export_secret(CHAIN_LABEL).unwrap());
    let (k_i2r, k_r2i) = reference.hkdf2(&[]);
    let split = initiator.into_split_keys().unwrap();
    assert_eq!((*split.send_key(), *split.receive_key()), (k_i2r, k_r2i));
    assert_eq!(split.handshake_hash(), h3);
    let responder_split = responder.into_split_keys().unwrap();
    assert_eq!(*responder_split.send_key(), k_r2i);

    // The packets.
    let mut to_b = RefReceiver::new(&k_i2r, &h3);
    let mut to_a = RefReceiver::new(&k_r2i, &h3);
    // ciphers_from_noise derives the same keys: its sender's packet opens.
    {
        let (mut send, _) = veil_core::packet::ciphers_from_noise(&split);
        let probe = send
            .encrypt_to_vec(b"probe", &[], veil_core::packet::Header::DATA)
            .unwrap();
        let mut check = RefReceiver::new(&k_i2r, &h3);
        assert_eq!(check.open(&probe, &[]).0.contents, b"probe");
    }
    let (a_version, rest) = to_b.open(&flight(2)[177..], garbage_i);
    assert!(rest.is_empty());
    let (b_version, rest) = to_a.open(flight(3), garbage_r);
    let (b_verack, rest) = to_a.open(rest, &[]);
    assert!(rest.is_empty());
    let (a_verack, rest) = to_b.open(flight(4), &[]);
    assert!(rest.is_empty());
    assert_eq!(
        [
            a_version.contents[0],
            b_version.contents[0],
            b_verack.contents[0],
            a_verack.contents[0]
        ],
        [1, 1, 2, 2]
    );
    let version_nonce = |p: &OpenedPacket| {
        u64::from_le_bytes(p.contents[p.contents.len() - 8..].try_into().unwrap())
    };
    assert_eq!(version_nonce(&a_version), nonce_a);
    assert_eq!(version_nonce(&b_version), nonce_b);

    let garbage_i = garbage_i.to_vec();
    let garbage_r = garbage_r.to_vec();
    let (terminator_i, terminator_r) = (terminator_i.to_vec(), terminator_r.to_vec());
    HandshakeValues {
        a,
        b,
        id_a,
        id_b,
        transmits,
        nonce_a,
        nonce_b,
        draws_a,
        draws_b,
        s_i,
        s_r,
        e_i,
        e_r,
        h_initial,
        h_prologue,
        msg1,
        garbage_i,
        h_after_e_i,
        h1,
        msg2,
        payload_r,
        h_after_e_r,
        ee,
        ck_ee,
        k_ee,
        h_after_s_r,
        es,
        ck_es,
        k_es,
        h2,
        terminators,
        terminator_i,
        terminator_r,
        garbage_r,
        msg3,
        payload_i,
        h_after_s_i,
        se,
        ck_se,
        k_se,
        h3,
        chain,
        k_i2r,
        k_r2i,
        to_b,
        to_a,
        a_version,
        b_version,
        b_verack,
        a_verack,
    }
}
