//! The XX handshake pattern as data: the handshake follows it token by
//! token, as the spec describes, instead of hard-coding each message.

use super::{DH_LEN, TAG_LEN};

/// One step of a message pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Token {
    /// The sender's ephemeral public key, in the clear.
    E,
    /// The sender's static public key, encrypted once a key exists.
    S,
    /// A Diffie-Hellman result mixed into the keys.
    Dh(Dh),
}

/// Which keys a DH token combines, initiator's first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Dh {
    /// Initiator's ephemeral with responder's ephemeral.
    Ee,
    /// Initiator's ephemeral with responder's static.
    Es,
    /// Initiator's static with responder's ephemeral.
    Se,
}

/// `XX`, message by message; the initiator sends the even-numbered ones.
pub(super) const XX: [&[Token]; 3] = [
    &[Token::E],
    &[Token::E, Token::Dh(Dh::Ee), Token::S, Token::Dh(Dh::Es)],
    &[Token::S, Token::Dh(Dh::Se)],
];

/// How many bytes each message adds to its payload: keys, plus a tag on
/// every field sent after the first DH.
pub(super) const OVERHEAD: [usize; XX.len()] = overheads();

const fn overheads() -> [usize; XX.len()] {
    let mut overhead = [0; XX.len()];
    let mut keyed = false;
    let mut message = 0;
    while message < XX.len() {
        let tokens = XX[message];
        let mut i = 0;
        while i < tokens.len() {
            overhead[message] += match tokens[i] {
                Token::E => DH_LEN,
                Token::S if keyed => DH_LEN + TAG_LEN,
                Token::S => DH_LEN,
                Token::Dh(_) => {
                    keyed = true;
                    0
                }
            };
            i += 1;
        }
        if keyed {
            overhead[message] += TAG_LEN;
        }
        message += 1;
    }
    overhead
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overheads_of_xx() {
        // e | e, s+tag, payload tag | s+tag, payload tag
        assert_eq!(OVERHEAD, [32, 32 + 48 + 16, 48 + 16]);
    }
}
