"""Replay the encrypted transport of testvectors/v1/sessions.json with an
implementation written from docs/PROTOCOL.md (sections 2-6, 8, 9, 10) and
testvectors/README.md alone (no Rust source read).

For every session vector whose dialling side uses the encrypted transport
(plaintext vectors are skipped and reported as such):

1. the randomness: each side's ``ChaCha20Rng`` is rebuilt from ``rng_seed``
   (README "Randomness") and must reproduce the vector's ``derived`` values
   (connection seed, version nonce, Noise static and ephemeral keys, garbage
   length); the garbage bytes come from the same generator;
2. the handshake, from the derived secrets and the identity secrets: the
   initiator's first flight (e_i ‖ garbage_i), the responder's flight
   (msg2 ‖ garbage_r ‖ terminator_r) and the start of the initiator's second
   flight (terminator_i ‖ msg3) are recomputed and compared byte for byte with
   the recorded transmits (Ed25519 proofs included); the recorded messages 2
   and 3 are also read back as a receiver would (decrypt, verify the proofs,
   check the pinned peer id);
3. the packets: both directions' keys are derived (Split, packet-key HKDF)
   and every byte either side transmitted after the handshake is parsed as
   BIP324 packets (FSChaCha20 lengths, FSChaCha20Poly1305 contents, the
   sender's garbage as the first packet's AAD) and must be consumed exactly;
   the contents are decoded (message id, long form, rekey ids, decoys), every
   payload must decode strictly (veil_wire) and re-encode to itself;
4. the messages: each side's first message is its ``version`` (compared
   field by field with the one its config implies), followed by ``verack``
   in the right place; every message of a ``send`` step and every
   ``message`` event / ``handshake_complete.remote`` of the receiving side
   must appear, in order, in the sender's decrypted stream; keepalive ping
   nonces must be the sender's next ``next_u64`` draws;
5. session rekeys: ``rekey_init``/``rekey_ack`` keys must be the sender's next
   32-byte draws, the new keys come from the rekey HKDF chain, and each
   direction switches right after its ``rekey_ack`` / ``rekey_done``.
6. traffic shaping (section 10, veil_shaping.py), on every vector: packets
   are unpadded (data_len must fit, padding must be zero) and fragments
   reassembled (decoys between them dropped) within the receiver's limit
   (1,024 bytes until the sender's verack); decoys are counted. For the
   vectors where a side's config shapes (``shaped_*``), also: the announced
   ``privacy_features`` include the config's shaping bits; exactly one
   ``privacy_budget`` right after a ``version`` that announces shaping bits,
   equal to the config's budget, none otherwise; ``handshake_complete.shaping``
   is the AND of the announced bits and the minimum of the budgets read off
   the wire; every real packet's size, header flags and data length are
   exactly what veil's sender policy (section 10.8) gives under the policy
   in force (own padding until the sender's verack, the negotiated one
   after; bucket splitting, constant-rate pieces, the overhead ledger);
   every decoy has all-zero contents and the size of one of the last 16
   real packets (the slot size under constant rate), within the budget;
   every message of a ``send`` step leaves within its bound (at once without
   delays, within the jitter, or within the latency budget with bursts and
   constant rate). What the shaper draws from its own generator (jitter
   values, burst sizes, decoy timing and choice; PROTOCOL.md section 10.8)
   is not re-derived; the connection's generator is untouched by shaping,
   so keepalive nonces and rekey keys are checked on every side.

Prints one line per vector and a total; exits non-zero on any mismatch.
"""

import bisect
import copy
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import veil_crypto as vc  # noqa: E402
import veil_shaping as vs  # noqa: E402
import veil_wire as vw  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "testvectors" / "v1" / "sessions.json"

MSG3_LEN = 161
MSG2_LEN = 193
PACKET_IDS = {1: "version", 2: "verack", 3: "ping", 4: "pong", 5: "addr", 6: "getaddr",
              7: "block", 8: "getblocks", 9: "headers", 10: "getheaders", 11: "inv",
              12: "tx", 13: "mempool", 14: "getdata", 15: "notfound", 16: "disconnect",
              17: "stemtx"}
REKEY_INIT, REKEY_ACK, REKEY_DONE = 0x80, 0x81, 0x82


class Mismatch(Exception):
    pass


class NeedPeer(Exception):
    """A direction needs a rekey key the other direction has not shown yet."""


def expect_eq(what, got, want):
    if got != want:
        g = got.hex() if isinstance(got, bytes) else got
        w = want.hex() if isinstance(want, bytes) else want
        raise Mismatch(f"{what}: got {g}, want {w}")


# --- randomness --------------------------------------------------------------------

def draw_side(cfg, derived, outbound):
    """Rebuild a side's generator and check it against ``derived``.

    Returns (secrets dict, the generator positioned after the handshake draws).
    """
    conn = cfg.get("connection", {})
    caller = vc.ChaChaRng.seed_from_u64(int(cfg["rng_seed"]))
    seed = caller.fill_bytes(32)
    expect_eq("connection_seed", seed.hex(), derived["connection_seed"])
    rng = vc.ChaChaRng(seed)
    nonce = rng.next_u64()
    expect_eq("local_nonce", str(nonce), derived["local_nonce"])
    static = rng.fill_bytes(32)
    while True:
        eph = rng.fill_bytes(32)
        if not outbound or vc.x25519_public(eph)[4:16] != b"version\0\0\0\0\0":
            break
    glen = rng.next_u64() % (conn.get("max_garbage_len", 4095) + 1)
    garbage = rng.fill_bytes(glen)
    expect_eq("noise_static_secret", static.hex(), derived["noise_static_secret"])
    expect_eq("ephemeral_secret", eph.hex(), derived["ephemeral_secret"])
    expect_eq("garbage_len", glen, derived["garbage_len"])
    expect_eq("peer_id", vc.ed25519_public(bytes.fromhex(cfg["identity_secret"])).hex(),
              derived["peer_id"])
    # The handshake itself uses the secrets as the vector states them.
    sec = {
        "identity": bytes.fromhex(cfg["identity_secret"]),
        "static": bytes.fromhex(derived["noise_static_secret"]),
        "eph": bytes.fromhex(derived["ephemeral_secret"]),
        "garbage": garbage,
        "nonce": int(derived["local_nonce"]),
    }
    expect_eq("noise_static_public", vc.x25519_public(sec["static"]).hex(),
              derived["noise_static_public"])
    expect_eq("ephemeral_public", vc.x25519_public(sec["eph"]).hex(),
              derived["ephemeral_public"])
    return sec, rng


# --- handshake ------------------------------------------------------------------------

def handshake(si, sr):
    """The initiator's and responder's handshake bytes, computed as writers."""
    e_i, e_r = vc.x25519_public(si["eph"]), vc.x25519_public(sr["eph"])
    s_i, s_r = vc.x25519_public(si["static"]), vc.x25519_public(sr["static"])
    ss = vc.SymmetricState()
    # message 1: -> e, empty payload
    ss.mix_hash(e_i)
    ss.encrypt_and_hash(b"")
    h1 = ss.h
    # message 2: <- e, ee, s, es, payload
    ss.mix_hash(e_r)
    ss.mix_key(vc.x25519(sr["eph"], e_i))
    enc_s_r = ss.encrypt_and_hash(s_r)
    ss.mix_key(vc.x25519(sr["static"], e_i))
    enc_p2 = ss.encrypt_and_hash(vc.identity_proof(sr["identity"], s_r, h1))
    h2 = ss.h
    t = vc.hkdf(ss.ck, b"", vc.INFO_TERMINATORS, 32)
    term_i, term_r = t[:16], t[16:]
    msg2 = e_r + enc_s_r + enc_p2
    # message 3: -> s, se, payload
    enc_s_i = ss.encrypt_and_hash(s_i)
    ss.mix_key(vc.x25519(si["static"], e_r))
    enc_p3 = ss.encrypt_and_hash(vc.identity_proof(si["identity"], s_i, h2))
    msg3 = enc_s_i + enc_p3
    k_i2r, k_r2i = ss.split()
    assert len(msg2) == MSG2_LEN and len(msg3) == MSG3_LEN
    return {
        "flight1": e_i + si["garbage"],
        "flight2": msg2 + sr["garbage"] + term_r,
        "flight3": term_i + msg3,
        "msg2": msg2, "msg3": msg3,
        "keys_i2r": vc.packet_keys(k_i2r, ss.h),
        "keys_r2i": vc.packet_keys(k_r2i, ss.h),
        "chain": vc.hkdf(ss.ck, b"", vc.INFO_REKEY_CHAIN, 32),
    }


def read_handshake(msg1, msg2, msg3, si, sr, pinned_by_a):
    """Read the recorded messages as their receivers would; check the proofs."""
    ss = vc.SymmetricState()
    ss.mix_hash(msg1)
    ss.decrypt_and_hash(b"")
    h1 = ss.h
    e_r = msg2[:32]
    ss.mix_hash(e_r)
    ss.mix_key(vc.x25519(si["eph"], e_r))
    s_r = ss.decrypt_and_hash(msg2[32:80])
    ss.mix_key(vc.x25519(si["eph"], s_r))
    proof = ss.decrypt_and_hash(msg2[80:193])
    peer_b = vc.verify_identity_proof(proof, s_r, h1)
    if pinned_by_a is not None and peer_b.hex() != pinned_by_a:
        return "peer_id_mismatch", peer_b, None
    if msg3 is None:
        return "incomplete", peer_b, None
    h2 = ss.h
    s_i = ss.decrypt_and_hash(msg3[:48])
    ss.mix_key(vc.x25519(sr["eph"], s_i))
    proof = ss.decrypt_and_hash(msg3[48:161])
    peer_a = vc.verify_identity_proof(proof, s_i, h2)
    return "ok", peer_b, peer_a


# --- packets -------------------------------------------------------------------------

def rekey_keys(chain, dh):
    okm = vc.hkdf(chain, dh, vc.INFO_REKEY, 160)
    return okm[:32], (okm[32:64], okm[64:96]), (okm[96:128], okm[128:160])


class RekeyLedger:
    """What both directions have shown of each rekey generation."""

    def __init__(self, chain):
        self.chain0 = chain
        self.gens = {}   # gen -> {"init": (side, pub), "ack": (side, pub), "dh": bytes}

    def keys(self, gen):
        """(i2r keys, r2i keys) of generation ``gen`` (1-based)."""
        chain = self.chain0
        for g in range(1, gen + 1):
            dh = self.gens.get(g, {}).get("dh")
            if dh is None:
                raise NeedPeer(g)
            chain, i2r, r2i = rekey_keys(chain, dh)
        return i2r, r2i


def decode_direction(sender, data, keys, garbage, ledger, rng, app_pings, when,
                     exact_draws, max_message):
    """Parse one direction's packets; return (messages, stats).

    ``sender`` is "a" (initiator) or "b"; ``keys`` the generation-0 keys of
    this direction; ``when(pos)`` the ``at_ms`` of the transmit holding byte
    ``pos`` of the stream. Packets are unpadded and reassembled (section 10),
    decoys dropped and recorded in ``stats["trace"]`` with every real
    message's pieces, in wire order. ``exact_draws``: whether the sender's
    keepalive nonces and rekey keys are the generator's next draws (no
    shaper draws between). Raises NeedPeer when a rekey needs the other
    direction.
    """
    rng = copy.deepcopy(rng)
    cipher = vc.PacketCipher(*keys, first_aad=garbage)
    gen = 0             # key generation this direction sends under
    my_init = {}        # gen -> my rekey_init secret
    inits_seen = 0
    pos, msgs = 0, []
    stats = {"packets": 0, "decoys": 0, "rekey": [], "trace": [], "budgets": [],
             "padded": 0, "fragmented": 0}
    reassembler = vs.Reassembler(vs.HANDSHAKE_MAX_MESSAGE)
    pieces = []
    while pos < len(data):
        if len(data) - pos < 3 + 1 + 16:
            raise Mismatch(f"{sender}: {len(data) - pos} trailing bytes are no packet")
        length = cipher.decrypt_length(data[pos:pos + 3])
        end = pos + 3 + 1 + length + 16
        if end > len(data):
            raise Mismatch(f"{sender}: packet at {pos} announces {length} bytes, "
                           f"only {len(data) - pos - 20} remain")
        try:
            header, contents = cipher.decrypt_body(data[pos + 3:end])
        except Exception:
            raise Mismatch(f"{sender}: packet {stats['packets']} at {pos} "
                           f"(generation {gen}) fails authentication") from None
        stats["packets"] += 1
        at_ms = when(pos)
        wire_len = end - pos
        pos = end
        if header & vs.DECOY:
            stats["decoys"] += 1
            stats["trace"].append(("decoy", wire_len, contents, at_ms))
            continue
        try:
            whole = reassembler.push(header, contents)
        except vs.ShapingError as e:
            raise Mismatch(f"{sender}: packet {stats['packets'] - 1}: {e}") from None
        data_len = len(vs.unpad(contents)) if header & vs.PADDED else len(contents)
        stats["padded"] += bool(header & vs.PADDED)
        pieces.append((header & (vs.PADDED | vs.MORE_FRAGMENTS), wire_len, data_len))
        if whole is None:
            continue
        contents, msg_pieces, pieces = whole, pieces, []
        stats["fragmented"] += len(msg_pieces) > 1
        if not contents:
            raise Mismatch(f"{sender}: empty packet contents")
        mid, body = contents[0], contents[1:]
        name = PACKET_IDS.get(mid, {REKEY_INIT: "rekey_init", REKEY_ACK: "rekey_ack",
                                    REKEY_DONE: "rekey_done",
                                    vs.PRIVACY_BUDGET_ID: "privacy_budget"}.get(mid, "?"))
        stats["trace"].append(("message", name, len(contents), msg_pieces, at_ms))
        if mid == vs.PRIVACY_BUDGET_ID:
            try:
                stats["budgets"].append((len(msgs), vs.decode_budget(body)))
            except vs.ShapingError as e:
                raise Mismatch(f"{sender}: {e}") from None
            continue
        if mid in (REKEY_INIT, REKEY_ACK, REKEY_DONE) and not exact_draws:
            raise Mismatch(f"{sender}: a rekey under a shaper that draws from the generator "
                           "cannot be re-derived")
        if mid in (REKEY_INIT, REKEY_ACK):
            name = "rekey_init" if mid == REKEY_INIT else "rekey_ack"
            expect_eq(f"{sender}: {name} payload length", len(body), 32)
            secret = rng.fill_bytes(32)
            expect_eq(f"{sender}: {name} key (next 32-byte draw)",
                      vc.x25519_public(secret), body)
            stats["rekey"].append(name)
            if mid == REKEY_INIT:
                inits_seen += 1
                g = gen + 1
                my_init[g] = secret
                ledger.gens.setdefault(g, {})["init"] = (sender, body)
            else:
                g = gen + 1
                rec = ledger.gens.setdefault(g, {})
                rec["ack"] = (sender, body)
                if "init" not in rec:
                    raise NeedPeer(g)
                rec["dh"] = vc.x25519(secret, rec["init"][1])
                gen = g
                i2r, r2i = ledger.keys(gen)
                cipher = vc.PacketCipher(*(i2r if sender == "a" else r2i))
            continue
        if mid == REKEY_DONE:
            expect_eq(f"{sender}: rekey_done payload length", len(body), 0)
            stats["rekey"].append("rekey_done")
            g = gen + 1
            rec = ledger.gens.get(g, {})
            if "ack" not in rec:
                raise NeedPeer(g)
            if g not in my_init:
                raise Mismatch(f"{sender}: rekey_done without its own rekey_init")
            dh = vc.x25519(my_init[g], rec["ack"][1])
            if rec.get("dh", dh) != dh:
                raise Mismatch(f"{sender}: the two sides' rekey DH results differ")
            rec["dh"] = dh
            gen = g
            i2r, r2i = ledger.keys(gen)
            cipher = vc.PacketCipher(*(i2r if sender == "a" else r2i))
            continue
        if mid == 0:
            command = vw.parse_command(body[:12])
            payload = body[12:]
            if command is None or len(body) < 12:
                raise Mismatch(f"{sender}: malformed long-form command")
            if command not in vw.SCHEMAS:
                msgs.append((command, payload, None, at_ms))
                continue
        elif mid in PACKET_IDS:
            command, payload = PACKET_IDS[mid], body
        else:
            msgs.append((f"<id {mid}>", body, None, at_ms))
            continue
        try:
            msg = vw.decode_payload(command, payload)
        except vw.WireError as e:
            raise Mismatch(f"{sender}: {command} payload does not decode: {e}") from None
        expect_eq(f"{sender}: {command} re-encoded", vw.encode_payload(msg), payload)
        if command == "ping" and int(msg["nonce"]) not in app_pings and exact_draws:
            expect_eq(f"{sender}: keepalive ping nonce (next_u64 draw)",
                      int(msg["nonce"]), rng.next_u64())
        msgs.append((command, payload, msg, at_ms))
        if command == "verack":
            # The receiver completes on this verack: its full limit applies.
            reassembler.limit = max_message
    if reassembler.pending:
        stats["partial"] = True
    stats["generation"] = gen
    return msgs, stats


# --- one vector --------------------------------------------------------------------

def expected_version(cfg, derived, open_ms):
    c = cfg.get("connection", {})
    return {
        "type": "version",
        "protocol_version": c.get("protocol_version", 1),
        "timestamp": str(int(cfg["wall_clock"]) + open_ms // 1000),
        "features": c.get("features", 0),
        # The announced bits include the shaping configuration's (10.4).
        "privacy_features": c.get("privacy_features", 0)
        | vs.config_features(vs.shaping_config(c)),
        "user_agent": c["user_agent"],
        "best_block_hash": c.get("best_block_hash", "00" * 32),
        "best_block_height": str(c.get("best_block_height", "0")),
        "nonce": derived["local_nonce"],
    }


REASON_CODES = {"shutdown": 1, "protocol_violation": 2, "too_many_connections": 3,
                "timeout": 4, "incompatible_version": 5, "missing_features": 6,
                "self_connection": 7, "duplicate_connection": 8, "banned": 9,
                "evicted": 10, "rotation": 11, "identity_mismatch": 12, "requested": 13}


def disconnect_code(vec, side):
    """The disconnect code section 9.4 implies for ``side``'s close."""
    closed = [o for o in vec["expect"] if o["side"] == side and o["output"] == "event"
              and o["event"] == "closed"]
    if not closed:
        return None
    reason = closed[0]["reason"]
    if reason == "local":
        return REASON_CODES[[st["reason"] for st in vec["steps"]
                             if st["side"] == side and st["op"] == "close"][0]]
    return {"incompatible_version": 5, "missing_features": 6, "self_connection": 7,
            "timed_out": 4}.get(reason, 2)


def subsequence(what, needles, haystack):
    """Every needle (kind, payload) must appear in haystack, in order; returns
    the index in haystack of each."""
    it = iter(enumerate(haystack))
    found = []
    for kind, payload in needles:
        for i, (k, p) in it:
            if k == kind and p == payload:
                found.append(i)
                break
        else:
            raise Mismatch(f"{what}: {kind} {payload.hex()} not found in order")
    return found


def stream_of(vec, side, skip):
    """A side's transmits after the first ``skip`` bytes of its second one
    onwards, joined, and a function from a stream offset to its ``at_ms``."""
    outs = [o for o in vec["expect"] if o["side"] == side and o["output"] == "transmit"][1:]
    data, ends, times = b"", [], []
    for o in outs:
        data += bytes.fromhex(o["bytes"])
        ends.append(len(data) - skip)
        times.append(o["at_ms"])
    return data[skip:], lambda pos: times[bisect.bisect_right(ends, pos)]


SHAPING_CONTROLS = ("privacy_budget", "rekey_init", "rekey_ack", "rekey_done")


def check_shaping(vec, s, peer, cfg, result, notes):
    """Section 10 for the direction ``s`` -> ``peer``: the privacy_budget
    packet, the negotiation, and veil's sender policy where it is
    deterministic. Returns a summary."""
    msgs, stats = result[s]
    own = vs.shaping_config(cfg[s].get("connection", {}))
    announced = msgs[0][2]["privacy_features"] if msgs and msgs[0][0] == "version" else None
    # 10.5: one privacy_budget right after a version announcing shaping bits.
    if announced is not None and announced & vs.ALL:
        expect_eq(f"{s}: privacy_budget packets (index in messages, body)", stats["budgets"],
                  [(1, own["budget"])])
    else:
        expect_eq(f"{s}: privacy_budget packets", stats["budgets"], [])
    # 10.6: what this side negotiates, from what the peer put on the wire.
    peer_msgs, peer_stats = result[peer]
    peer_version = peer_msgs[0][2] if peer_msgs and peer_msgs[0][0] == "version" else None
    active = None
    if peer_version is not None:
        peer_budget = peer_stats["budgets"][0][1] if peer_stats["budgets"] else vs.NO_BUDGET
        active = vs.negotiate(own, peer_version["privacy_features"], peer_budget)
        for o in vec["expect"]:
            if o["side"] == s and o.get("event") == "handshake_complete":
                both = (vs.config_features(own) | peer_version["privacy_features"]) & vs.ALL
                if both:
                    expect_eq(f"{s}: handshake_complete.shaping", o.get("shaping"),
                              {"features": active["features"], "budget": active["budget"]})
                elif "shaping" in o:
                    raise Mismatch(f"{s}: handshake_complete.shaping without shaping bits")
    # 10.8: packet sizes, decoys and the ledger, in wire order.
    policy = vs.SenderPolicy(own)
    bounds = []
    try:
        for entry in stats["trace"]:
            if entry[0] == "decoy":
                _, wire_len, contents, _ = entry
                policy.decoy(f"{s}", wire_len, contents)
                continue
            _, name, length, pieces, _ = entry
            policy.message(f"{s}: {name}", length, pieces)
            if name not in SHAPING_CONTROLS:
                bounds.append(policy.latency_bound(name))
            if name == "verack" and active is not None:
                policy.negotiated(active)
    except vs.ShapingError as e:
        raise Mismatch(str(e)) from None
    # The latency budget: each sent message leaves within its bound.
    send_steps = [st for st in vec["steps"] if st["op"] == "send" and st["side"] == s]
    sends = [(st["message"]["type"], vw.encode_payload(st["message"])) for st in send_steps]
    where = subsequence(f"{s}: send steps", sends, [(k, p) for k, p, _, _ in msgs])
    worst = 0
    for st, i in zip(send_steps, where):
        held = msgs[i][3] - st["at_ms"]
        if not 0 <= held <= bounds[i]:
            raise Mismatch(f"{s}: {msgs[i][0]} sent at {st['at_ms']} left at {msgs[i][3]}, "
                           f"beyond its {bounds[i]} ms bound")
        worst = max(worst, held)
    c = policy.checked
    parts = [f"{c['messages']} real + {c['decoys']} decoy packets' sizes per policy"]
    if stats["fragmented"]:
        parts.append(f"{stats['fragmented']} fragmented")
    if c["unpadded_over_budget"]:
        parts.append(f"{c['unpadded_over_budget']} unpadded over budget")
    if send_steps:
        parts.append(f"sends held <= {worst} ms within bounds")
    if policy.draws():
        notes.append(f"{s}: jitter, burst sizes and decoy timing/choice not re-derived "
                     "(the shaper's own generator)")
    return ", ".join(parts)


def check_vector(vec):
    cfg, derived = vec["config"], vec.get("derived", {})
    if cfg["a"].get("connection", {}).get("outbound_transport", "encrypted") != "encrypted":
        return "skip", "plaintext transport (not covered)"
    sides = [s for s in ("a", "b") if s in cfg]
    open_ms = {s["side"]: s["at_ms"] for s in vec["steps"] if s["op"] == "open"}
    tx = {s: [bytes.fromhex(o["bytes"]) for o in vec["expect"]
              if o["side"] == s and o["output"] == "transmit"] for s in ("a", "b")}
    sec, rng = {}, {}
    for s in sides:
        sec[s], rng[s] = draw_side(cfg[s], derived[s], outbound=(s == "a"))

    # A lone initiator: only its first flight can be checked.
    if "b" not in sides:
        e_i = vc.x25519_public(sec["a"]["eph"])
        expect_eq("a: flight 1 (e_i ‖ garbage_i)", tx["a"][0], e_i + sec["a"]["garbage"])
        expect_eq("a: transmits after flight 1", tx["a"][1:], [])
        return "ok", "lone initiator: flight 1 byte-exact"

    hs = handshake(sec["a"], sec["b"])
    notes = []
    expect_eq("a: flight 1 (e_i ‖ garbage_i)", tx["a"][0], hs["flight1"])
    if not tx["b"]:
        raise Mismatch("b sent nothing")
    expect_eq("b: flight 2 (msg2 ‖ garbage_r ‖ terminator_r)", tx["b"][0], hs["flight2"])
    msg3 = None
    if len(tx["a"]) > 1:
        expect_eq("a: flight 3 start (terminator_i ‖ msg3)",
                  tx["a"][1][:16 + MSG3_LEN], hs["flight3"])
        msg3 = tx["a"][1][16:16 + MSG3_LEN]
    outcome, peer_b, peer_a = read_handshake(tx["a"][0][:32], tx["b"][0][:MSG2_LEN], msg3,
                                             sec["a"], sec["b"], cfg["a"]["expected_peer_id"])
    if outcome == "peer_id_mismatch":
        expect_eq("a: transmits after a pinned-id mismatch", tx["a"][1:], [])
        return "ok", "flights 1-2 byte-exact; a refuses b's proof (pinned id) and sends nothing more"
    if outcome == "incomplete":
        return "ok", "flights 1-2 byte-exact; a sent no message 3"
    pin_b = cfg["b"]["expected_peer_id"]
    if pin_b is not None and peer_a.hex() != pin_b:
        notes.append("b's pinned id does not match a")

    streams, when = {}, {}
    streams["a"], when["a"] = stream_of(vec, "a", 16 + MSG3_LEN)
    streams["b"], when["b"] = stream_of(vec, "b", 0)
    keys = {"a": hs["keys_i2r"], "b": hs["keys_r2i"]}
    shaping = {s: vs.shaping_config(cfg[s].get("connection", {})) for s in ("a", "b")}
    shaped = any(vs.config_features(shaping[s]) for s in ("a", "b"))
    # Whether a side's keepalive nonces and rekey keys are its generator's
    # next draws: only when its shaper draws nothing (no random padding, no
    # jitter, bursts or decoys negotiated).
    exact = {}
    for s, p in (("a", "b"), ("b", "a")):
        peer_bits = (cfg[p].get("connection", {}).get("privacy_features", 0)
                     | vs.config_features(shaping[p]))
        peer_budget = shaping[p]["budget"] if peer_bits & vs.ALL else vs.NO_BUDGET
        policy = vs.SenderPolicy(shaping[s])
        policy.negotiated(vs.negotiate(shaping[s], peer_bits, peer_budget))
        # The shaper has a generator of its own: the connection's draws
        # (keepalive nonces, rekey keys) are exact on every side.
        exact[s] = True
    max_message = {s: cfg[s].get("connection", {}).get("max_payload_len", 4_000_000) + 13
                   for s in ("a", "b")}
    app_pings = {s: {int(st["message"]["nonce"]) for st in vec["steps"]
                     if st["op"] == "send" and st["side"] == s
                     and st["message"]["type"] == "ping"} for s in ("a", "b")}
    ledger = RekeyLedger(hs["chain"])
    result = {}
    for _ in range(8):   # each pass can unblock one rekey generation
        result = {}
        for s in ("a", "b"):
            try:
                result[s] = decode_direction(s, streams[s], keys[s], sec[s]["garbage"],
                                             ledger, rng[s], app_pings[s], when[s], exact[s],
                                             max_message["b" if s == "a" else "a"])
            except NeedPeer:
                pass
        if len(result) == 2:
            break
    else:
        raise Mismatch("rekey keys never became available from both directions")

    peer = {"a": "b", "b": "a"}
    summary = []
    for s in ("a", "b"):
        msgs, stats = result[s]
        kinds = [(k, p) for k, p, _, _ in msgs]
        # The first message is the version this side's config implies.
        # (An inbound side refusing the peer's version sends only disconnect.)
        if msgs and not (s == "b" and [k for k, _ in kinds] == ["disconnect"]):
            expect_eq(f"{s}: first message", msgs[0][0], "version")
            expect_eq(f"{s}: version", msgs[0][2],
                      expected_version(cfg[s], derived[s], open_ms[s]))
            if len(msgs) > 1:
                expect_eq(f"{s}: second message", msgs[1][0], "verack")
        # A disconnect carries the reason code section 9.4 gives the close.
        for k, _, m, _ in msgs:
            if k == "disconnect":
                expect_eq(f"{s}: disconnect reason", m["reason"], disconnect_code(vec, s))
        # Messages of this side's send steps, in order.
        sends = [(st["message"]["type"], vw.encode_payload(st["message"]))
                 for st in vec["steps"] if st["op"] == "send" and st["side"] == s]
        # What the peer reported receiving, in order.
        seen = []
        for o in vec["expect"]:
            if o["side"] != peer[s] or o["output"] != "event":
                continue
            if o["event"] == "handshake_complete":
                expect_eq(f"{peer[s]}: handshake_complete.remote", o["remote"],
                          msgs[0][2] if msgs else None)
                expect_eq(f"{peer[s]}: handshake_complete.peer_id", o["peer_id"],
                          (peer_a if s == "a" else peer_b).hex())
                expect_eq(f"{peer[s]}: handshake_complete.local_nonce", o["local_nonce"],
                          derived[peer[s]]["local_nonce"])
                seen.append(("version", vw.encode_payload(o["remote"])))
            elif o["event"] == "message":
                p = bytes.fromhex(o["payload"])
                expect_eq(f"{peer[s]}: message event JSON", o["message"],
                          vw.decode_payload(o["kind"], p))
                seen.append((o["kind"], p))
            elif o["event"] == "rekeyed":
                expect_eq(f"{peer[s]}: rekeyed generation", o["generation"],
                          stats["generation"])
        subsequence(f"{s}: send steps", sends, kinds)
        subsequence(f"{peer[s]}: received events", seen, kinds)
        extra = f" {stats['decoys']} decoys" if stats["decoys"] else ""
        rk = f", rekey {'/'.join(stats['rekey'])} -> gen {stats['generation']}" \
            if stats["rekey"] else ""
        if stats["padded"]:
            extra += f" ({stats['padded']} padded)"
        shape = ""
        if shaped:
            shape = "; " + check_shaping(vec, s, peer[s], cfg, result, notes)
        summary.append(f"{s}->{peer[s]} {stats['packets']} pkts{extra} "
                       f"[{' '.join(k for k, _ in kinds)}]{rk}{shape}")
    return "ok", "handshake byte-exact; " + "; ".join(summary + notes)


def main():
    doc = json.loads(VECTORS.read_text())
    if (doc.get("format"), doc.get("version"), doc.get("kind")) != \
            ("veil-testvectors", 1, "session"):
        print("unsupported vector file")
        return 2
    counts = {"ok": 0, "FAIL": 0, "skip": 0}
    for vec in doc["vectors"]:
        try:
            status, detail = check_vector(vec)
        except Mismatch as e:
            status, detail = "FAIL", str(e)
        counts[status] += 1
        print(f"{status} {vec['name']}: {detail}")
    print(f"{counts['ok']} passed, {counts['FAIL']} failed, "
          f"{counts['skip']} skipped (plaintext)")
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
