"""veil traffic shaping, written from docs/PROTOCOL.md section 10 and the
"Traffic shaping" part of testvectors/README.md alone.

* the wire format every receiver implements: the packet header bits, padded
  contents, fragment reassembly with its limit, the ``privacy_budget`` body
  (:func:`unpad`, :class:`Reassembler`, :func:`decode_budget`);
* negotiation: the AND of the feature bits, the minimum of the budgets, and
  which mechanisms a sender may then apply (:func:`negotiate`);
* a checker of veil's *sender policy* (section 10.8, not wire format) for the
  deterministic parts: bucket and constant-rate packet sizes, the overhead
  ledger, decoy sizes copied from recent real packets, the latency budget
  (:class:`SenderPolicy`).
"""

DECOY, PADDED, MORE_FRAGMENTS = 0x80, 0x40, 0x20
PACKET_OVERHEAD = 20          # 3 length + 1 header + 16 tag
LENGTH_PREFIX = 3
MAX_CONTENTS = (1 << 24) - 1
BUCKETS = [256, 512, 1024, 2048, 4096, 8192, 16384]
LARGEST_BUCKET_DATA = BUCKETS[-1] - PACKET_OVERHEAD - LENGTH_PREFIX
PRIVACY_BUDGET_ID = 0x83
BUDGET_LEN = 10
UNLIMITED_OVERHEAD = 0xFFFF
OVERHEAD_ALLOWANCE = 65536
HANDSHAKE_MAX_MESSAGE = 1024

RANDOM_PADDING, BUCKET_PADDING, DECOYS, BURSTS, JITTER, CONSTANT_RATE = 1, 2, 4, 8, 16, 32
ALL = 0x3F

NO_BUDGET = {"max_overhead_percent": 0, "max_added_latency_ms": 0, "max_urgent_latency_ms": 0}


class ShapingError(Exception):
    """A receiver error of section 10.7: close ``padding``, discourage."""


# --- receiving (sections 10.1-10.3) ----------------------------------------------

def unpad(contents):
    """The data of padded contents ``[u24 LE data_len][data][zero padding]``."""
    if len(contents) < LENGTH_PREFIX:
        raise ShapingError(f"padded contents of {len(contents)} bytes")
    n = int.from_bytes(contents[:3], "little")
    if n > len(contents) - 3:
        raise ShapingError(f"data_len {n} exceeds the {len(contents) - 3} bytes that follow")
    if any(contents[3 + n:]):
        raise ShapingError("non-zero padding")
    return contents[3:3 + n]


class Reassembler:
    """Concatenates fragment data up to a packet without MORE_FRAGMENTS."""

    def __init__(self, limit):
        self.limit = limit
        self.parts = []
        self.size = 0

    def push(self, header, contents):
        data = unpad(contents) if header & PADDED else contents
        self.size += len(data)
        if self.size > self.limit:
            raise ShapingError(f"message of at least {self.size} bytes exceeds {self.limit}")
        self.parts.append(data)
        if header & MORE_FRAGMENTS:
            return None
        out, self.parts, self.size = b"".join(self.parts), [], 0
        return out

    @property
    def pending(self):
        return bool(self.parts)


def decode_budget(body):
    if len(body) != BUDGET_LEN:
        raise ShapingError(f"privacy_budget body of {len(body)} bytes")
    return {"max_overhead_percent": int.from_bytes(body[0:2], "little"),
            "max_added_latency_ms": int.from_bytes(body[2:6], "little"),
            "max_urgent_latency_ms": int.from_bytes(body[6:10], "little")}


# --- configuration (testvectors/README.md) -----------------------------------------

def _budget(overhead, latency, urgent):
    return {"max_overhead_percent": overhead, "max_added_latency_ms": latency,
            "max_urgent_latency_ms": urgent}


OFF = {"padding": "none", "chaff_interval_ms": None, "dummy_interval_ms": None, "burst": None,
       "jitter_ms": None, "constant_rate": None, "budget": dict(NO_BUDGET),
       "prefer_disguised_carrier": False}
PRESETS = {
    "off": OFF,
    "standard": {**OFF, "padding": "buckets", "budget": _budget(UNLIMITED_OVERHEAD, 0, 0)},
    "high": {**OFF, "padding": "buckets", "chaff_interval_ms": 2000, "dummy_interval_ms": 10000,
             "jitter_ms": 20, "budget": _budget(0xFFFF, 250, 50)},
    "constant_rate": {**OFF, "padding": "buckets",
                      "constant_rate": {"interval_ms": 10, "packet_size": 4096},
                      "budget": _budget(UNLIMITED_OVERHEAD, 3000, 3000)},
}


def shaping_config(conn):
    """A side's shaping configuration from its ``connection`` diff."""
    if "shaping" in conn:
        if "privacy_level" in conn:
            raise ValueError("both privacy_level and shaping")
        return conn["shaping"]
    return PRESETS[conn.get("privacy_level", "standard")]


def padding_kind(cfg):
    p = cfg["padding"]
    return p if isinstance(p, str) else "random"


def random_range(cfg):
    r = cfg["padding"]["random"]
    lo = min(max(r["min_contents"], LENGTH_PREFIX + 1), MAX_CONTENTS)
    return lo, min(max(r["max_contents"], lo), MAX_CONTENTS)


def config_features(cfg):
    bits = {"none": 0, "random": RANDOM_PADDING, "buckets": BUCKET_PADDING}[padding_kind(cfg)]
    if cfg["chaff_interval_ms"] is not None or cfg["dummy_interval_ms"] is not None:
        bits |= DECOYS
    if cfg["burst"] is not None:
        bits |= BURSTS
    if cfg["jitter_ms"] is not None:
        bits |= JITTER
    if cfg["constant_rate"] is not None:
        bits |= CONSTANT_RATE
    return bits


# --- negotiation (section 10.6) ------------------------------------------------------

def meet(x, y):
    return {k: min(x[k], y[k]) for k in NO_BUDGET}


def negotiate(cfg, remote_features, remote_budget):
    """What a sender with configuration ``cfg`` applies once connected."""
    features = config_features(cfg) & remote_features & ALL
    budget = meet(cfg["budget"], remote_budget)
    can_wait = budget["max_added_latency_ms"] > 0
    pad_bit = {"none": 0, "random": RANDOM_PADDING, "buckets": BUCKET_PADDING}[padding_kind(cfg)]
    on = lambda bit: bool(features & bit)  # noqa: E731
    return {
        "features": features, "budget": budget,
        "padding": cfg["padding"] if on(pad_bit) else "none",
        "jitter": (min(cfg["jitter_ms"], budget["max_added_latency_ms"])
                   if cfg["jitter_ms"] is not None and on(JITTER) and can_wait else None),
        "burst": cfg["burst"] if cfg["burst"] is not None and on(BURSTS) and can_wait else None,
        "decoys": on(DECOYS) and (cfg["chaff_interval_ms"] is not None
                                  or cfg["dummy_interval_ms"] is not None),
        "constant_rate": (cfg["constant_rate"] if cfg["constant_rate"] is not None
                          and on(CONSTANT_RATE)
                          and budget["max_overhead_percent"] == UNLIMITED_OVERHEAD else None),
    }


def before_negotiation(cfg):
    """What a sender applies before its handshake completes: its own padding."""
    return {"features": None, "budget": cfg["budget"], "padding": cfg["padding"],
            "jitter": None, "burst": None, "decoys": False, "constant_rate": None}


# --- the sender policy (section 10.8) -----------------------------------------------

def bucket_for(data_len):
    need = data_len + PACKET_OVERHEAD + LENGTH_PREFIX
    return next((b for b in BUCKETS if b >= need), None)


def unshaped_len(n):
    return n + max(1, -(-n // MAX_CONTENTS)) * PACKET_OVERHEAD


def bucket_pieces(n):
    out = []
    while True:
        b = bucket_for(n)
        if b is not None:
            return out + [(PADDED, b, n)]
        out.append((PADDED | MORE_FRAGMENTS, BUCKETS[-1], LARGEST_BUCKET_DATA))
        n -= LARGEST_BUCKET_DATA


def plain_pieces(n):
    out = []
    while True:
        d = min(n, MAX_CONTENTS)
        more = d < n
        out.append((MORE_FRAGMENTS if more else 0, d + PACKET_OVERHEAD, d))
        n -= d
        if not more:
            return out


def fixed_pieces(n, size):
    out = []
    while True:
        d = min(n, size - PACKET_OVERHEAD - LENGTH_PREFIX)
        more = d < n
        out.append((PADDED | (MORE_FRAGMENTS if more else 0), size, d))
        n -= d
        if not more:
            return out


class Ledger:
    def __init__(self, percent):
        self.percent, self.base, self.added = percent, 0, 0

    def allowed(self):
        if self.percent == UNLIMITED_OVERHEAD:
            return float("inf")
        return self.base * self.percent // 100 + OVERHEAD_ALLOWANCE

    def can_spend(self, extra):
        return self.added + extra <= self.allowed()

    def record(self, unshaped, shaped):
        self.base += unshaped
        self.added += max(0, shaped - unshaped)


class SenderPolicy:
    """Checks one direction's packets against veil's sender policy, in wire
    order. ``pieces`` of a message are (header, wire length, data length)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.active = before_negotiation(cfg)
        self.ledger = Ledger(cfg["budget"]["max_overhead_percent"])
        self.recent = []
        self.checked = {"messages": 0, "decoys": 0, "unpadded_over_budget": 0}

    def negotiated(self, active):
        self.active = active
        self.ledger.percent = active["budget"]["max_overhead_percent"]

    def message(self, what, length, pieces):
        rate = self.active["constant_rate"]
        unshaped = unshaped_len(length)
        kind = padding_kind({"padding": self.active["padding"]})
        if rate is not None:
            want = fixed_pieces(length, rate["packet_size"])
        else:
            if kind == "buckets":
                worst = sum(w for _, w, _ in bucket_pieces(length))
            elif kind == "random":
                lo, hi = random_range({"padding": self.active["padding"]})
                per = lo - LENGTH_PREFIX
                n = max(1, -(-length // per))
                worst = (n - 1) * (lo + PACKET_OVERHEAD) + hi + PACKET_OVERHEAD
            else:
                worst = unshaped
            if not self.ledger.can_spend(max(0, worst - unshaped)):
                kind = "none"
                self.checked["unpadded_over_budget"] += 1
            want = bucket_pieces(length) if kind == "buckets" else \
                plain_pieces(length) if kind == "none" else None
        if want is None:   # random sizes: the range and the data rule only
            lo, hi = random_range({"padding": self.active["padding"]})
            rest = length
            for i, (h, w, d) in enumerate(pieces):
                c = w - PACKET_OVERHEAD
                last = i == len(pieces) - 1
                if not (h & PADDED and lo <= c <= hi and d == min(rest, c - LENGTH_PREFIX)
                        and bool(h & MORE_FRAGMENTS) != last):
                    raise ShapingError(f"{what}: piece {i} breaks the random padding rule")
                rest -= d
        elif [tuple(p) for p in pieces] != want:
            raise ShapingError(f"{what}: {length} bytes of contents sent as {pieces}, "
                               f"policy says {want}")
        for _, w, _ in pieces:
            self.recent.append(w)
        self.ledger.record(unshaped, sum(w for _, w, _ in pieces))
        self.checked["messages"] += 1

    def decoy(self, what, wire_len, contents):
        rate = self.active["constant_rate"]
        if rate is not None:
            allowed = {rate["packet_size"]}
        elif self.recent:
            allowed = set(self.recent[-16:])
        elif padding_kind({"padding": self.active["padding"]}) == "random":
            allowed = {random_range({"padding": self.active["padding"]})[0] + PACKET_OVERHEAD}
        else:
            allowed = {BUCKETS[0]}
        if wire_len not in allowed:
            raise ShapingError(f"{what}: decoy of {wire_len} bytes, not one of {sorted(allowed)}")
        if any(contents):
            raise ShapingError(f"{what}: decoy contents are not all zero")
        if not self.active["decoys"] and rate is None:
            raise ShapingError(f"{what}: a decoy although decoys were not negotiated")
        if not self.ledger.can_spend(wire_len):
            raise ShapingError(f"{what}: a decoy beyond the overhead budget")
        self.ledger.record(0, wire_len)
        self.checked["decoys"] += 1

    def latency_bound(self, kind):
        """Most ms the active policy may hold a message sent with ``send``."""
        a = self.active
        if a["features"] is None:
            return 0
        b = a["budget"]
        latency = b["max_added_latency_ms"]
        if kind in ("ping", "pong", "disconnect"):
            latency = min(latency, b["max_urgent_latency_ms"])
        if a["constant_rate"] is None and a["burst"] is None and a["jitter"] is None:
            return 0
        if a["constant_rate"] is None and (a["burst"] is None or kind in ("ping", "pong",
                                                                        "disconnect")):
            return min(a["jitter"] or 0, latency)
        return latency

    def draws(self):
        """Whether the sender's shaper may draw from the connection's generator."""
        a = self.active
        return (padding_kind({"padding": a["padding"]}) == "random"
                or padding_kind(self.cfg) == "random"
                or a["jitter"] is not None or a["burst"] is not None or a["decoys"])
