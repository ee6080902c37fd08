//! Whole handshakes with Elligator2 representatives on the wire (feature
//! `elligator2`).

use super::*;

#[test]
fn handshakes_succeed_for_many_seeds() {
    for seed in 0..64 {
        let mut rng = TestRng { seed, counter: 0 };
        let initiator_static = StaticKeypair::generate(&mut rng);
        let responder_static = StaticKeypair::generate(&mut rng);
        let initiator_ephemeral = Ephemeral::generate(&mut rng);
        let responder_ephemeral = Ephemeral::generate(&mut rng);
        let wires = [
            initiator_ephemeral.wire_bytes(),
            responder_ephemeral.wire_bytes(),
        ];
        let mut initiator =
            Handshake::initiator(initiator_static.clone(), initiator_ephemeral, b"veil");
        let mut responder =
            Handshake::responder(responder_static.clone(), responder_ephemeral, b"veil");
        for i in 0..3 {
            let (writer, reader) = sides(i, &mut initiator, &mut responder);
            let payload = [seed as u8; 5];
            let message = write(writer, &payload);
            if let Some(wire) = wires.get(i) {
                // `e` is the representative, verbatim.
                assert_eq!(message[..DH_LEN], wire[..], "seed {seed}");
            }
            assert_eq!(read(reader, &message), Ok(payload.to_vec()), "seed {seed}");
        }
        super::assert_finished_pair(initiator, responder, &initiator_static, &responder_static);
    }
}

/// The transcript hashes the wire bytes, not the key they decode to: a
/// padding bit flipped on the path leaves the key alone yet fails the
/// handshake at the next tag, so the padding is no covert channel for a
/// middlebox to write into undetected.
#[test]
fn flipped_padding_bits_fail_the_handshake() {
    for padding in [0x40, 0x80, 0xc0] {
        let (mut initiator, mut responder) = pair();
        let mut first = write(&mut initiator, b"");
        first[DH_LEN - 1] ^= padding;
        read(&mut responder, &first).unwrap();
        let second = write(&mut responder, b"");
        assert_eq!(read(&mut initiator, &second), Err(NoiseError::Decrypt));
    }
}
