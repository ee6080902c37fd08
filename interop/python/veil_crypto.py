"""veil encrypted transport primitives, written from docs/PROTOCOL.md section 8
and testvectors/README.md ("Randomness") alone.

Standard library plus the ``cryptography`` package. Provides:

* :class:`ChaChaRng`: ``rand_chacha`` 0.3's ``ChaCha20Rng`` (``seed_from_u64``
  via PCG32, ``from_seed``, ``next_u64``, ``fill_bytes``), as the vectors'
  README describes it;
* HKDF (RFC 5869, SHA-256) and the Noise ``HKDF``;
* :class:`SymmetricState`: the Noise symmetric state of
  ``Noise_XX_25519_ChaChaPoly_SHA256`` (``MixHash``, ``MixKey``,
  ``EncryptAndHash``, ``DecryptAndHash``, ``Split``);
* identity proofs (section 8.2);
* BIP324's FSChaCha20 (length cipher) and FSChaCha20Poly1305 (contents
  cipher), and :class:`PacketCipher` pairing them (section 8.4).
"""

import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey, Ed25519PublicKey)
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives import serialization

M64 = 2**64 - 1
REKEY_INTERVAL = 224
PROTOCOL_NAME = b"Noise_XX_25519_ChaChaPoly_SHA256"
PROLOGUE = b"veil/v1"
PROOF_CONTEXT = b"veil/v1 identity proof for noise\x00"
INFO_TERMINATORS = b"veil/v1 garbage terminators"
INFO_PACKET_KEYS = b"veil/v1 packet keys: length, contents"
INFO_REKEY_CHAIN = b"veil/v1 session rekey chain"
INFO_REKEY = b"veil/v1 session rekey"
_RAW = serialization.Encoding.Raw
_RAWF = serialization.PublicFormat.Raw


# --- ChaCha20 ---------------------------------------------------------------

def chacha20_stream(key, nonce12, block_counter, nbytes):
    """``nbytes`` of ChaCha20 keystream (IETF: 32-bit counter, 96-bit nonce)."""
    nonce16 = struct.pack("<I", block_counter) + nonce12
    enc = Cipher(algorithms.ChaCha20(key, nonce16), mode=None).encryptor()
    return enc.update(b"\0" * nbytes)


# --- randomness (testvectors/README.md, "Randomness") ------------------------

class ChaChaRng:
    """``rand_chacha::ChaCha20Rng``: the ChaCha20 keystream of a 32-byte key
    (64-bit block counter from 0, nonce 0), read as little-endian u32 words."""

    def __init__(self, seed):
        assert len(seed) == 32
        self.key = bytes(seed)
        self.words = []
        self.block = 0

    @classmethod
    def seed_from_u64(cls, state):
        seed = b""
        for _ in range(8):
            state = (state * 6364136223846793005 + 11634580027462260723) & M64
            x = ((((state >> 18) ^ state) >> 27) & 0xFFFFFFFF)
            rot = state >> 59
            x = ((x >> rot) | (x << ((32 - rot) & 31))) & 0xFFFFFFFF
            seed += struct.pack("<I", x)
        return cls(seed)

    def _word(self):
        if not self.words:
            # 64-bit counter, 64-bit nonce 0: equal to the IETF layout while
            # the counter stays below 2^32 (it always does here).
            ks = chacha20_stream(self.key, b"\0" * 12, self.block, 64 * 4)
            self.block += 4
            self.words = list(struct.unpack("<64I", ks))
        return self.words.pop(0)

    def next_u32(self):
        return self._word()

    def next_u64(self):
        lo = self._word()
        return lo | (self._word() << 32)

    def fill_bytes(self, n):
        out = b"".join(struct.pack("<I", self._word()) for _ in range((n + 3) // 4))
        return out[:n]


# --- HKDF --------------------------------------------------------------------

def hmac_sha256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def hkdf_extract(salt, ikm):
    return hmac_sha256(salt, ikm)


def hkdf_expand(prk, info, length):
    out, t, i = b"", b"", 1
    while len(out) < length:
        t = hmac_sha256(prk, t + info + bytes([i]))
        out += t
        i += 1
    return out[:length]


def hkdf(salt, ikm, info, length):
    return hkdf_expand(hkdf_extract(salt, ikm), info, length)


# --- X25519 / Ed25519 ----------------------------------------------------------

def x25519_public(secret):
    return X25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(_RAW, _RAWF)


def x25519(secret, public):
    return X25519PrivateKey.from_private_bytes(secret).exchange(
        X25519PublicKey.from_public_bytes(public))


def ed25519_public(secret):
    return Ed25519PrivateKey.from_private_bytes(secret).public_key().public_bytes(_RAW, _RAWF)


def identity_proof(identity_secret, static_public, transcript_hash):
    """The 97-byte handshake payload (section 8.2)."""
    key = Ed25519PrivateKey.from_private_bytes(identity_secret)
    sig = key.sign(PROOF_CONTEXT + static_public + transcript_hash)
    return b"\x01" + key.public_key().public_bytes(_RAW, _RAWF) + sig


def verify_identity_proof(payload, static_public, transcript_hash):
    """Return the peer id of a valid proof; raise ValueError otherwise."""
    if len(payload) != 97 or payload[0] != 1:
        raise ValueError("unknown_handshake_format")
    Ed25519PublicKey.from_public_bytes(payload[1:33]).verify(
        payload[33:97], PROOF_CONTEXT + static_public + transcript_hash)
    return payload[1:33]


# --- Noise symmetric state -------------------------------------------------------

class SymmetricState:
    def __init__(self):
        assert len(PROTOCOL_NAME) == 32
        self.h = PROTOCOL_NAME
        self.ck = PROTOCOL_NAME
        self.k = None
        self.n = 0
        self.mix_hash(PROLOGUE)

    def mix_hash(self, data):
        self.h = hashlib.sha256(self.h + data).digest()

    def mix_key(self, ikm):
        out = hkdf(self.ck, ikm, b"", 64)
        self.ck, self.k, self.n = out[:32], out[32:], 0

    def _nonce(self):
        return b"\0\0\0\0" + struct.pack("<Q", self.n)

    def encrypt_and_hash(self, plaintext):
        if self.k is None:
            ct = plaintext
        else:
            ct = ChaCha20Poly1305(self.k).encrypt(self._nonce(), plaintext, self.h)
            self.n += 1
        self.mix_hash(ct)
        return ct

    def decrypt_and_hash(self, ciphertext):
        if self.k is None:
            pt = ciphertext
        else:
            pt = ChaCha20Poly1305(self.k).decrypt(self._nonce(), ciphertext, self.h)
            self.n += 1
        self.mix_hash(ciphertext)
        return pt

    def split(self):
        out = hkdf(self.ck, b"", b"", 64)
        return out[:32], out[32:]


# --- BIP324 packet ciphers (section 8.4) -----------------------------------------

class FSChaCha20:
    """Length cipher: ChaCha20 keystream at nonce 0 ‖ rekey counter, used as
    one continuous stream; after every 224 chunks the key becomes the next 32
    keystream bytes (the rest of that block is dropped)."""

    def __init__(self, key):
        self.key = key
        self.chunk_counter = 0
        self.block_counter = 0
        self.keystream = b""

    def _keystream(self, n):
        while len(self.keystream) < n:
            nonce = b"\0\0\0\0" + struct.pack("<Q", self.chunk_counter // REKEY_INTERVAL)
            self.keystream += chacha20_stream(self.key, nonce, self.block_counter, 64)
            self.block_counter += 1
        out, self.keystream = self.keystream[:n], self.keystream[n:]
        return out

    def crypt(self, chunk):
        ks = self._keystream(len(chunk))
        out = bytes(a ^ b for a, b in zip(chunk, ks))
        if (self.chunk_counter + 1) % REKEY_INTERVAL == 0:
            self.key = self._keystream(32)
            self.block_counter = 0
            self.keystream = b""
        self.chunk_counter += 1
        return out


class FSChaCha20Poly1305:
    """Contents cipher: nonce = packet counter mod 224 ‖ rekey counter; after
    224 packets the key becomes the first 32 bytes of keystream block 1 at
    nonce 0xFFFFFFFF ‖ rekey counter (i.e. the AEAD encryption of 32 zero
    bytes, as in BIP324)."""

    def __init__(self, key):
        self.key = key
        self.packet_counter = 0

    def _step(self, nonce):
        if (self.packet_counter + 1) % REKEY_INTERVAL == 0:
            rekey_nonce = b"\xff\xff\xff\xff" + nonce[4:]
            self.key = chacha20_stream(self.key, rekey_nonce, 1, 32)
        self.packet_counter += 1

    def _nonce(self):
        return (struct.pack("<I", self.packet_counter % REKEY_INTERVAL)
                + struct.pack("<Q", self.packet_counter // REKEY_INTERVAL))

    def decrypt(self, aad, ciphertext):
        nonce = self._nonce()
        pt = ChaCha20Poly1305(self.key).decrypt(nonce, ciphertext, aad)
        self._step(nonce)
        return pt

    def encrypt(self, aad, plaintext):
        nonce = self._nonce()
        ct = ChaCha20Poly1305(self.key).encrypt(nonce, plaintext, aad)
        self._step(nonce)
        return ct


def packet_keys(k_dir, h):
    """(length key, contents key) of one direction from Noise's Split()."""
    okm = hkdf(h, k_dir, INFO_PACKET_KEYS, 64)
    return okm[:32], okm[32:]


class PacketCipher:
    """One direction's packet layer."""

    def __init__(self, length_key, contents_key, first_aad=b""):
        self.length = FSChaCha20(length_key)
        self.contents = FSChaCha20Poly1305(contents_key)
        self.aad = first_aad

    def _take_aad(self):
        aad, self.aad = self.aad, b""
        return aad

    def decrypt_length(self, enc3):
        return int.from_bytes(self.length.crypt(enc3), "little")

    def decrypt_body(self, body_and_tag):
        """Return (header byte, contents)."""
        pt = self.contents.decrypt(self._take_aad(), body_and_tag)
        return pt[0], pt[1:]

    def encrypt(self, contents, header=0):
        enc_len = self.length.crypt(len(contents).to_bytes(3, "little"))
        return enc_len + self.contents.encrypt(self._take_aad(), bytes([header]) + contents)
