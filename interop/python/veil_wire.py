"""veil wire protocol, version 1, written from docs/PROTOCOL.md alone.

Standard library only. Provides:

* CompactSize (canonical only): :func:`encode_compact_size`,
  :func:`decode_compact_size`;
* message payloads as JSON-shaped dicts (the ``message`` shape of
  testvectors/README.md: field names, hex for bytes, 64-bit integers as
  decimal strings): :func:`encode_payload`, :func:`decode_payload`;
* frames: :func:`encode_frame`, :func:`encode_message`, and the streaming
  :class:`FrameDecoder`, which accepts input in any chunking and emits
  ``frame`` / ``skipped`` / ``error`` events shaped like the vectors' outputs.
"""

import hashlib
import re
import struct

PROTOCOL_VERSION = 1
HEADER_LEN = 20
COMMAND_LEN = 12
CHECKSUM_LEN = 4
DEFAULT_MAX_PAYLOAD_LEN = 4_000_000
MAX_USER_AGENT_LEN = 256
MAX_ADDR_ENTRIES = 1_000
MAX_ADDRESS_LEN = 512
MAX_INV_ENTRIES = 50_000
MAX_LOCATOR_HASHES = 101
MAX_HEADERS = 2_000
MAX_HEADER_LEN = 1_024
MAX_DISCONNECT_TEXT_LEN = 256

NO_BOUND = 2**32 - 1
"""Type bound of ``block`` and ``tx`` (no bound of their own)."""

KNOWN_NETWORK_LEN = {1: 4, 2: 16, 4: 32, 5: 32}
"""Address length of each known network id (section 5.1)."""

ERRORS = ("oversize", "bad_checksum", "malformed_command",
          "unknown_command", "malformed_payload")
_FIXED_CONSEQUENCE = {"bad_checksum": "close", "malformed_command": "discourage",
                      "unknown_command": "close", "malformed_payload": "discourage"}


class WireError(Exception):
    """A rejected input: ``kind`` is one of :data:`ERRORS`.

    ``consequence`` follows section 3.4; for ``oversize`` it is passed in by
    the caller, as it depends on the announced length and the type bound.
    """

    def __init__(self, kind, detail="", consequence=None):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind = kind
        self.detail = detail
        self.consequence = consequence or _FIXED_CONSEQUENCE.get(kind, "close")


def _malformed(detail):
    return WireError("malformed_payload", detail)


def checksum(payload):
    """First 4 bytes of SHA-256(SHA-256(payload))."""
    return hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:CHECKSUM_LEN]


# --- CompactSize (section 2.2) ---------------------------------------------

def encode_compact_size(n):
    """Shortest (the only valid) CompactSize encoding of ``n``."""
    if not 0 <= n < 2**64:
        raise ValueError(f"CompactSize out of range: {n}")
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFF_FFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


_CS_FORMS = {0xFD: ("<H", 0xFD), 0xFE: ("<I", 0x1_0000), 0xFF: ("<Q", 0x1_0000_0000)}


def decode_compact_size(data, pos=0):
    """Decode a CompactSize at ``data[pos:]``; return ``(value, new_pos)``.

    Raises ``WireError('malformed_payload')`` if truncated or non-canonical.
    """
    if pos >= len(data):
        raise _malformed("CompactSize truncated")
    first = data[pos]
    if first < 0xFD:
        return first, pos + 1
    fmt, minimum = _CS_FORMS[first]
    end = pos + 1 + struct.calcsize(fmt)
    if end > len(data):
        raise _malformed("CompactSize truncated")
    (value,) = struct.unpack_from(fmt, data, pos + 1)
    if value < minimum:
        raise _malformed("non-canonical CompactSize")
    return value, end


# --- payload field types ----------------------------------------------------

class _Reader:
    """Cursor over one payload; every shortfall is ``malformed_payload``."""

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def remaining(self):
        return len(self.data) - self.pos

    def take(self, n, field):
        if n > self.remaining():
            raise _malformed(f"{field}: payload ends inside the field")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def length(self, limit, field, min_item=1):
        """A CompactSize count/length, checked against ``limit`` and against
        the bytes left (``n * min_item``) before anything is allocated."""
        n, self.pos = decode_compact_size(self.data, self.pos)
        if n > limit:
            raise _malformed(f"{field}: {n} exceeds the limit {limit}")
        if n * min_item > self.remaining():
            raise _malformed(f"{field}: {n} items cannot fit in the bytes left")
        return n


def _hex(value, field):
    if not isinstance(value, str) or not re.fullmatch(r"(?:[0-9a-fA-F]{2})*", value):
        raise ValueError(f"{field}: expected hex, got {value!r}")
    return bytes.fromhex(value)


class _Int:
    """Fixed-size unsigned integer; 64-bit values are decimal strings."""

    def __init__(self, fmt):
        self.fmt, self.size = fmt, struct.calcsize(fmt)
        self.as_str = self.size == 8

    def decode(self, r, field):
        (v,) = struct.unpack(self.fmt, r.take(self.size, field))
        return str(v) if self.as_str else v

    def encode(self, v, field):
        if self.as_str:
            if not isinstance(v, str) or not re.fullmatch(r"0|[1-9][0-9]*", v):
                raise ValueError(f"{field}: expected a decimal string, got {v!r}")
            v = int(v)
        elif not isinstance(v, int) or isinstance(v, bool):
            raise ValueError(f"{field}: expected an integer, got {v!r}")
        try:
            return struct.pack(self.fmt, v)
        except struct.error as e:
            raise ValueError(f"{field}: {e}") from None


class _Fixed:
    """``bytes[N]`` (hashes), as hex."""

    def __init__(self, n):
        self.n = n

    def decode(self, r, field):
        return r.take(self.n, field).hex()

    def encode(self, v, field):
        b = _hex(v, field)
        if len(b) != self.n:
            raise ValueError(f"{field}: expected {self.n} bytes, got {len(b)}")
        return b


class _VarBytes:
    """``var_bytes`` with a length limit, as hex."""

    def __init__(self, limit):
        self.limit = limit

    def decode(self, r, field):
        return r.take(r.length(self.limit, field), field).hex()

    def encode(self, v, field):
        b = _hex(v, field)
        if len(b) > self.limit:
            raise ValueError(f"{field}: {len(b)} bytes exceed the limit {self.limit}")
        return encode_compact_size(len(b)) + b


class _String:
    """``string``: CompactSize byte length, then UTF-8, at most ``limit`` bytes."""

    def __init__(self, limit):
        self.limit = limit

    def decode(self, r, field):
        raw = r.take(r.length(self.limit, field), field)
        try:
            return raw.decode("utf-8")  # strict: no overlongs, surrogates, > U+10FFFF
        except UnicodeDecodeError:
            raise _malformed(f"{field}: not UTF-8") from None

    def encode(self, v, field):
        if not isinstance(v, str):
            raise ValueError(f"{field}: expected a string, got {v!r}")
        b = v.encode("utf-8")  # strict: lone surrogates raise
        if len(b) > self.limit:
            raise ValueError(f"{field}: {len(b)} bytes exceed the limit {self.limit}")
        return encode_compact_size(len(b)) + b


class _Rest:
    """All the remaining payload bytes (opaque ``block``/``tx`` body), as hex."""

    def decode(self, r, field):
        return r.take(r.remaining(), field).hex()

    def encode(self, v, field):
        return _hex(v, field)


class _List:
    """CompactSize count (at most ``limit``), then ``count`` items."""

    def __init__(self, limit, min_item, item):
        self.limit, self.min_item, self.item = limit, min_item, item

    def decode(self, r, field):
        n = r.length(self.limit, field, self.min_item)
        return [self.item.decode(r, field) for _ in range(n)]

    def encode(self, v, field):
        if not isinstance(v, list) or len(v) > self.limit:
            raise ValueError(f"{field}: expected a list of at most {self.limit} items")
        return encode_compact_size(len(v)) + b"".join(self.item.encode(x, field) for x in v)


class _Record:
    """Fields one after another, as a dict; ``check`` validates the whole."""

    def __init__(self, fields, check=None):
        self.fields, self.check = fields, check

    def decode(self, r, field):
        out = {name: typ.decode(r, f"{field}.{name}") for name, typ in self.fields}
        if self.check:
            err = self.check(out)
            if err:
                raise _malformed(f"{field}: {err}")
        return out

    def encode(self, v, field):
        if not isinstance(v, dict) or set(v) != {n for n, _ in self.fields}:
            raise ValueError(f"{field}: expected fields {[n for n, _ in self.fields]}")
        encoded = b"".join(typ.encode(v[name], f"{field}.{name}") for name, typ in self.fields)
        err = self.check(v) if self.check else None
        if err:
            raise ValueError(f"{field}: {err}")
        return encoded


def _check_address(rec):
    """Section 5.1: a known network id needs its exact address length."""
    want = KNOWN_NETWORK_LEN.get(rec["network"])
    n = len(rec["address"]) // 2
    if want is not None and n != want:
        return f"network {rec['network']} needs a {want}-byte address, got {n}"
    return None


U8, U16, U16BE, U32, U64 = _Int("<B"), _Int("<H"), _Int(">H"), _Int("<I"), _Int("<Q")
HASH = _Fixed(32)

_ADDR_RECORD = _Record([("time", U64), ("features", U32), ("network", U8),
                        ("address", _VarBytes(MAX_ADDRESS_LEN)), ("port", U16BE)],
                       _check_address)
_INV_ITEM = _Record([("kind", U32), ("hash", HASH)])
_LOCATOR = [("version", U32), ("hashes", _List(MAX_LOCATOR_HASHES, 32, HASH)), ("stop", HASH)]
_INV = [("items", _List(MAX_INV_ENTRIES, 36, _INV_ITEM))]
_NONCE = [("nonce", U64)]
_BODY = [("body", _Rest())]

SCHEMAS = {
    "version": [("protocol_version", U32), ("timestamp", U64), ("features", U32),
                ("privacy_features", U32), ("user_agent", _String(MAX_USER_AGENT_LEN)),
                ("best_block_hash", HASH), ("best_block_height", U64), ("nonce", U64)],
    "verack": [],
    "ping": _NONCE,
    "pong": _NONCE,
    "addr": [("entries", _List(MAX_ADDR_ENTRIES, 16, _ADDR_RECORD))],
    "getaddr": [],
    "block": _BODY,
    "getblocks": _LOCATOR,
    "headers": [("headers", _List(MAX_HEADERS, 1, _VarBytes(MAX_HEADER_LEN)))],
    "getheaders": _LOCATOR,
    "inv": _INV,
    "tx": _BODY,
    "mempool": [],
    "getdata": _INV,
    "notfound": _INV,
    "disconnect": [("reason", U16), ("text", _String(MAX_DISCONNECT_TEXT_LEN))],
    "stemtx": _BODY,
}
"""Payload layout of each of the 17 catalogue commands (section 6)."""

TYPE_BOUNDS = {
    "version": 327, "verack": 0, "ping": 8, "pong": 8, "addr": 530_003,
    "getaddr": 0, "block": NO_BOUND, "getblocks": 3_269, "headers": 2_054_003,
    "getheaders": 3_269, "inv": 1_800_003, "tx": NO_BOUND, "mempool": 0,
    "getdata": 1_800_003, "notfound": 1_800_003, "disconnect": 261, "stemtx": NO_BOUND,
}
"""Largest payload of a valid message of each type (section 7)."""


def max_payload_len(command, configured=DEFAULT_MAX_PAYLOAD_LEN):
    """Per-command maximum: ``min(configured, type bound)``; unknown commands
    are bounded by the configured maximum only."""
    return min(configured, TYPE_BOUNDS.get(command, NO_BOUND))


def decode_payload(command, payload):
    """Decode a known command's payload into its message dict (strict).

    Raises ``WireError('malformed_payload')`` on any violation and
    ``KeyError`` for a command outside the catalogue.
    """
    r = _Reader(payload)
    msg = {"type": command}
    msg.update(_Record(SCHEMAS[command]).decode(r, command))
    if r.remaining():
        raise _malformed(f"{command}: {r.remaining()} bytes after the last field")
    return msg


def encode_payload(msg):
    """Encode a message dict (``{"type": command, ...fields}``) to its payload.

    Raises ``ValueError`` for anything a receiver would reject.
    """
    command = msg.get("type")
    if command not in SCHEMAS:
        raise ValueError(f"unknown message type {command!r}")
    fields = {k: v for k, v in msg.items() if k != "type"}
    return _Record(SCHEMAS[command]).encode(fields, command)


# --- frames (section 3) ----------------------------------------------------

def parse_command(field):
    """The command name of a 12-byte command field, or None if invalid (3.1)."""
    name, _, rest = bytes(field).partition(b"\0")
    if not name or any(b < 0x21 or b > 0x7E for b in name) or any(rest):
        return None
    return name.decode("ascii")


def encode_command(command):
    """The 12-byte, NUL-padded command field; ``ValueError`` if invalid."""
    raw = command.encode("ascii") if command.isascii() else b""
    field = raw.ljust(COMMAND_LEN, b"\0")
    if len(field) != COMMAND_LEN or parse_command(field) != command:
        raise ValueError(f"invalid command {command!r}")
    return field


def encode_frame(command, payload):
    """Build a frame: header (length, command, checksum) then the payload.

    Refuses payloads a default receiver would reject: longer than the
    per-command maximum at the default configuration, or (for catalogue
    commands) not a valid message of the type.
    """
    payload = bytes(payload)
    if len(payload) > max_payload_len(command):
        raise ValueError(f"{command}: payload of {len(payload)} bytes is too long")
    if command in SCHEMAS:
        try:
            decode_payload(command, payload)
        except WireError as e:
            raise ValueError(str(e)) from None
    return (struct.pack("<I", len(payload)) + encode_command(command)
            + checksum(payload) + payload)


def encode_message(msg):
    """Encode a message dict as a whole frame."""
    return encode_frame(msg["type"], encode_payload(msg))


class FrameDecoder:
    """Streaming frame decoder (section 3.3), fed reads of any size.

    :meth:`feed` returns the events completed by that read, each a dict:

    * ``{"output": "frame", "command", "payload" (hex), "message"}``
    * ``{"output": "skipped", "command"}`` (unknown command, policy ``skip``)
    * ``{"output": "error", "error", "consequence", "command" (or None)}``

    After an error the decoder is closed: it reads nothing more. The payload
    of a known command is buffered only once its length has passed the
    per-command maximum; an unknown command's payload is hashed, not kept.
    """

    def __init__(self, max_payload_len=DEFAULT_MAX_PAYLOAD_LEN, unknown_commands="skip"):
        if unknown_commands not in ("skip", "reject"):
            raise ValueError("unknown_commands must be 'skip' or 'reject'")
        self.max_payload_len = max_payload_len
        self.unknown_commands = unknown_commands
        self.closed = False
        self._buf = bytearray()  # header bytes, then a known command's payload
        self._header = None  # (length, command, checksum) once the header is read
        self._hasher = None  # SHA-256 of a skipped frame's payload so far
        self._left = 0  # payload bytes still to hash when skipping

    def feed(self, data):
        """Consume ``data``; return the list of events it completed."""
        out, data, i = [], memoryview(bytes(data)), 0
        try:
            while not self.closed:
                if self._header is None:
                    i = self._fill(data, i, HEADER_LEN)
                    if len(self._buf) < HEADER_LEN:
                        break
                    self._start_frame()
                elif self._hasher is not None:
                    n = min(self._left, len(data) - i)
                    self._hasher.update(data[i:i + n])
                    self._left -= n
                    i += n
                    if self._left:
                        break
                    out.append(self._finish_skip())
                else:
                    i = self._fill(data, i, self._header[0])
                    if len(self._buf) < self._header[0]:
                        break
                    out.append(self._finish_frame())
        except WireError as e:
            self.closed = True
            command = self._header[1] if self._header else None
            out.append({"output": "error", "error": e.kind,
                        "consequence": e.consequence, "command": command})
        return out

    def _fill(self, data, i, size):
        n = min(size - len(self._buf), len(data) - i)
        self._buf += data[i:i + n]
        return i + n

    def _start_frame(self):
        """Steps 1-4: validate the header before any payload byte is read."""
        length = struct.unpack_from("<I", self._buf)[0]
        command = parse_command(self._buf[4:16])
        cksum = bytes(self._buf[16:20])
        self._buf = bytearray()
        if command is None:
            raise WireError("malformed_command")
        self._header = (length, command, cksum)
        if command not in SCHEMAS:
            if self.unknown_commands == "reject":
                raise WireError("unknown_command")
            if length > self.max_payload_len:
                raise WireError("oversize", f"{length} bytes", "close")
            self._hasher, self._left = hashlib.sha256(), length
        elif length > max_payload_len(command, self.max_payload_len):
            above_type = length > TYPE_BOUNDS[command]
            raise WireError("oversize", f"{length} bytes",
                            "discourage" if above_type else "close")

    def _finish_skip(self):
        """Step 3 (skip): verify the hashed payload, then discard the frame."""
        _, command, cksum = self._header
        digest = hashlib.sha256(self._hasher.digest()).digest()[:CHECKSUM_LEN]
        if digest != cksum:
            raise WireError("bad_checksum")
        self._header, self._hasher = None, None
        return {"output": "skipped", "command": command}

    def _finish_frame(self):
        """Steps 5-6: checksum, then strict payload decoding."""
        _, command, cksum = self._header
        payload = bytes(self._buf)
        if checksum(payload) != cksum:
            raise WireError("bad_checksum")
        message = decode_payload(command, payload)
        self._header, self._buf = None, bytearray()
        return {"output": "frame", "command": command,
                "payload": payload.hex(), "message": message}
