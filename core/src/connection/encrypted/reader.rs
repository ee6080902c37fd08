//! Cuts the encrypted byte stream into packets and opens them.

use alloc::vec::Vec;
use bytes::Bytes;

use crate::packet::{DecryptError, Header, ReceiveCipher, LENGTH_FIELD_LEN, TAG_LEN};
use crate::wire::GROWTH_STEP;

/// An authenticated packet: its header and its contents, a zero-copy slice
/// of the buffer it was decrypted in.
pub(crate) struct OpenedPacket {
    pub(crate) header: Header,
    pub(crate) contents: Bytes,
}

/// Reassembles packets from any chunking of the stream.
///
/// The body buffer grows with the bytes received, never to more than
/// `max(2 × received, received + 256 KiB)`, so a length field alone cannot
/// pin the 4 MB it may announce. Between packets it holds no heap memory.
#[derive(Default)]
pub(crate) struct PacketReader {
    length: [u8; LENGTH_FIELD_LEN],
    length_have: usize,
    /// Body length announced by the current packet's length field.
    body_len: Option<usize>,
    body: Vec<u8>,
}

impl PacketReader {
    /// Consumes bytes from `input` until one packet is complete (opened
    /// with `aad`) or the input runs out.
    pub(crate) fn read(
        &mut self,
        input: &mut &[u8],
        cipher: &mut ReceiveCipher,
        aad: &[u8],
    ) -> Result<Option<OpenedPacket>, DecryptError> {
        let body_len = match self.body_len {
            Some(len) => len,
            None => {
                let take = (LENGTH_FIELD_LEN - self.length_have).min(input.len());
                self.length[self.length_have..self.length_have + take]
                    .copy_from_slice(&input[..take]);
                self.length_have += take;
                *input = &input[take..];
                if self.length_have < LENGTH_FIELD_LEN {
                    return Ok(None);
                }
                let len = cipher.decrypt_length(self.length)?;
                self.length_have = 0;
                self.body_len = Some(len);
                len
            }
        };
        let missing = body_len - self.body.len();
        let take = missing.min(input.len());
        let have = self.body.len();
        let target = have + take;
        if self.body.capacity() < target {
            let allowance = (2 * target).max(target + GROWTH_STEP).min(body_len);
            self.body.reserve_exact(allowance - have);
        }
        self.body.extend_from_slice(&input[..take]);
        *input = &input[take..];
        if self.body.len() < body_len {
            return Ok(None);
        }
        self.body_len = None;
        let mut body = core::mem::take(&mut self.body);
        let header = cipher.decrypt_in_place(&mut body, aad)?.header;
        let contents = Bytes::from(body).slice(1..body_len - TAG_LEN);
        Ok(Some(OpenedPacket { header, contents }))
    }

    /// Heap bytes held.
    pub(crate) fn capacity(&self) -> usize {
        self.body.capacity()
    }

    /// Whether no partial packet is held.
    #[cfg(test)]
    pub(crate) fn is_at_packet_boundary(&self) -> bool {
        self.length_have == 0 && self.body_len.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::packet::SendCipher;

    #[test]
    fn reassembles_packets_from_single_bytes() {
        let mut sender = SendCipher::new([1; 32], [2; 32]);
        let mut receiver = ReceiveCipher::new([1; 32], [2; 32]);
        let mut stream = sender
            .encrypt_to_vec(b"first", b"aad", Header::DATA)
            .unwrap();
        stream.extend(sender.encrypt_to_vec(b"", &[], Header::DECOY).unwrap());
        let mut reader = PacketReader::default();
        let mut opened = Vec::new();
        let mut first = true;
        for byte in &stream {
            let mut input: &[u8] = core::slice::from_ref(byte);
            let aad: &[u8] = if first { b"aad" } else { &[] };
            if let Some(packet) = reader.read(&mut input, &mut receiver, aad).unwrap() {
                first = false;
                opened.push((packet.header, packet.contents));
            }
            assert!(input.is_empty());
        }
        assert_eq!(opened.len(), 2);
        assert_eq!(&opened[0].1[..], b"first");
        assert!(opened[1].0.is_decoy());
        assert!(reader.is_at_packet_boundary());
        assert_eq!(reader.capacity(), 0);
    }

    #[test]
    fn a_length_field_alone_does_not_reserve_the_announced_size() {
        let mut sender = SendCipher::new([1; 32], [2; 32]);
        let mut receiver = ReceiveCipher::new([1; 32], [2; 32]);
        let packet = sender
            .encrypt_to_vec(&alloc::vec![0u8; 3_000_000], &[], Header::DATA)
            .unwrap();
        let mut reader = PacketReader::default();
        let mut input = &packet[..LENGTH_FIELD_LEN + 10];
        assert!(reader
            .read(&mut input, &mut receiver, &[])
            .unwrap()
            .is_none());
        assert!(reader.capacity() <= 10 + GROWTH_STEP);
    }
}
