//! A finished Noise XX handshake feeds the packet layer: both directions
//! carry packets across rekey boundaries, and the two directions never share
//! a keystream.

use veil_core::noise::{Ephemeral, Handshake, StaticKeypair};
use veil_core::packet::{
    ciphers_from_noise, Header, ReceiveCipher, SendCipher, LENGTH_FIELD_LEN, REKEY_INTERVAL,
};

fn exchange(from: &mut Handshake, to: &mut Handshake) {
    let mut message = vec![0u8; from.message_len(0).unwrap()];
    let len = from.write_message(&[], &mut message).unwrap();
    let mut payload = vec![0u8; len];
    to.read_message(&message[..len], &mut payload).unwrap();
}

fn carry(sender: &mut SendCipher, receiver: &mut ReceiveCipher, contents: &[u8]) -> Vec<u8> {
    let packet = sender.encrypt_to_vec(contents, &[], Header::DATA).unwrap();
    let (length, body) = packet.split_at(LENGTH_FIELD_LEN);
    let body_len = receiver.decrypt_length(length.try_into().unwrap()).unwrap();
    assert_eq!(body_len, body.len());
    let mut body = body.to_vec();
    receiver
        .decrypt_in_place(&mut body, &[])
        .unwrap()
        .contents
        .to_vec()
}

#[test]
fn a_finished_handshake_yields_working_packet_ciphers_both_ways() {
    let mut initiator = Handshake::initiator(
        StaticKeypair::from_secret_bytes([1; 32]),
        Ephemeral::from_secret_bytes([2; 32]),
        b"veil",
    );
    let mut responder = Handshake::responder(
        StaticKeypair::from_secret_bytes([3; 32]),
        Ephemeral::from_secret_bytes([4; 32]),
        b"veil",
    );
    exchange(&mut initiator, &mut responder);
    exchange(&mut responder, &mut initiator);
    exchange(&mut initiator, &mut responder);

    let (mut i_send, mut i_receive) = ciphers_from_noise(&initiator.into_split_keys().unwrap());
    let (mut r_send, mut r_receive) = ciphers_from_noise(&responder.into_split_keys().unwrap());
    for n in 0..(2 * REKEY_INTERVAL as usize + 5) {
        let forward = n.to_le_bytes();
        assert_eq!(carry(&mut i_send, &mut r_receive, &forward), forward);
        let back = (n * 7).to_le_bytes();
        assert_eq!(carry(&mut r_send, &mut i_receive, &back), back);
    }
}

#[test]
fn the_two_directions_encrypt_differently() {
    let keys = |send, receive| veil_core::noise::SplitKeys::from_keys(send, receive, [9; 32]);
    let (mut a_send, _) = ciphers_from_noise(&keys([1; 32], [2; 32]));
    let (mut b_send, _) = ciphers_from_noise(&keys([2; 32], [1; 32]));
    let a = a_send.encrypt_to_vec(&[0; 64], &[], Header::DATA).unwrap();
    let b = b_send.encrypt_to_vec(&[0; 64], &[], Header::DATA).unwrap();
    assert_ne!(a, b);
}
