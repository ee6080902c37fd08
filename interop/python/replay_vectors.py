"""Replay testvectors/v1/frames.json (and docs/PROTOCOL.md's examples and
tables) through veil_wire, the implementation written from the spec alone.

For every vector: each step's bytes are fed as one read, the outputs are
compared exactly with ``expect``, every decoded message is re-encoded and must
give the frame's payload, and the same input fed one byte per read must give
the same outputs. Prints ``ok NAME`` / ``FAIL NAME`` per test, then
``N passed, M failed``; exits 0 iff everything passed.
"""

import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import veil_wire as vw  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "testvectors" / "v1" / "frames.json"
SPEC = ROOT / "docs" / "PROTOCOL.md"


def replay(config, steps, one_byte_reads=False):
    """Run steps through a fresh FrameDecoder; return the outputs list."""
    unknown = {"max_payload_len", "unknown_commands"}
    if set(config) - unknown:
        raise ValueError(f"unknown config keys {sorted(set(config) - unknown)}")
    dec = vw.FrameDecoder(**config)
    outputs = []
    for step in steps:
        if step["op"] != "input":
            raise ValueError(f"unknown op {step['op']!r}")
        data = bytes.fromhex(step["bytes"])
        reads = [data[i:i + 1] for i in range(len(data))] if one_byte_reads else [data]
        for chunk in reads:
            outputs += [{"at_ms": step["at_ms"], **ev} for ev in dec.feed(chunk)]
    return outputs


def check_vector(vec):
    """Return a list of problems with one vector (empty if it passes)."""
    problems = []
    got = replay(vec["config"], vec["steps"])
    if got != vec["expect"]:
        problems.append(f"outputs differ:\n      got    {json.dumps(got)}\n"
                        f"      expect {json.dumps(vec['expect'])}")
    if replay(vec["config"], vec["steps"], one_byte_reads=True) != got:
        problems.append("one-byte reads give different outputs")
    for ev in got:
        if ev["output"] == "frame":
            try:
                again = vw.encode_payload(ev["message"]).hex()
            except ValueError as e:
                again = f"<encoder refused: {e}>"
            if again != ev["payload"]:
                problems.append(f"re-encoding {ev['command']} gives {again}")
    return problems


# --- docs/PROTOCOL.md -------------------------------------------------------

def table_after(spec, marker):
    """Body rows (lists of cells, backticks stripped) of the table after marker."""
    lines = spec.split(f"<!-- {marker} -->", 1)[1].lstrip("\n").splitlines()
    rows = []
    for line in lines:
        if not line.startswith("|"):
            break
        rows.append([c.strip().strip("`") for c in line.strip().strip("|").split("|")])
    return rows[2:]  # drop the heading and the separator


def num(cell):
    return int(cell.replace(",", ""))


def spec_tests(spec):
    """Yield (name, problems) for the spec's frame examples and tables."""
    examples = re.findall(r"<!-- frame: (\S+) -->\s*```hex\n(.*?)```", spec, re.S)
    seen = {}
    for command, hexblock in examples:
        seen[command] = seen.get(command, 0) + 1
        frame = bytes.fromhex("".join(hexblock.split()))
        problems = []
        got = replay({}, [{"at_ms": 0, "op": "input", "bytes": frame.hex()}])
        if [(e["output"], e["command"]) for e in got] != [("frame", command)]:
            problems.append(f"decoded as {got}")
        else:
            try:
                if vw.encode_message(got[0]["message"]) != frame:
                    problems.append("re-encoding differs")
            except ValueError as e:
                problems.append(f"encoder refused: {e}")
        yield f"spec example {command} #{seen[command]}", problems

    problems = []
    for value, enc in table_after(spec, "compactsize"):
        if vw.encode_compact_size(int(value)).hex() != enc:
            problems.append(f"encode {value}")
        if vw.decode_compact_size(bytes.fromhex(enc)) != (int(value), len(enc) // 2):
            problems.append(f"decode {enc}")
    for enc, *_ in table_after(spec, "compactsize-noncanonical"):
        try:
            vw.decode_compact_size(bytes.fromhex(enc))
            problems.append(f"accepted non-canonical {enc}")
        except vw.WireError as e:
            if e.kind != "malformed_payload":
                problems.append(f"{enc}: {e.kind}")
    yield "spec table compactsize", problems

    problems = []
    for field, verdict in table_after(spec, "commands"):
        name = vw.parse_command(bytes.fromhex(field))
        want = re.match(r"valid: `?([^`,]+)`?", verdict)
        if (want.group(1) if want else None) != name:
            problems.append(f"{field}: got {name!r}, spec says {verdict!r}")
    yield "spec table commands", problems

    problems = []
    for command, bound, default, _ in table_after(spec, "max-payload"):
        if vw.TYPE_BOUNDS.get(command) != num(bound) or vw.max_payload_len(command) != num(default):
            problems.append(command)
    for name, value, _ in table_after(spec, "limits"):
        if getattr(vw, name, None) != num(value):
            problems.append(name)
    for ident, _, length, _ in table_after(spec, "networks"):
        if vw.KNOWN_NETWORK_LEN.get(int(ident)) != int(length):
            problems.append(f"network {ident}")
    yield "spec tables limits, max-payload, networks", problems


def main():
    doc = json.loads(VECTORS.read_text())
    if (doc.get("format"), doc.get("version"), doc.get("kind")) != ("veil-testvectors", 1, "frame"):
        sys.exit(f"refusing {VECTORS}: unknown format/version/kind")
    tests = [(v["name"], check_vector(v)) for v in doc["vectors"]]
    tests += list(spec_tests(SPEC.read_text()))
    for name, problems in tests:
        print(f"{'FAIL' if problems else 'ok'} {name}")
        for p in problems:
            print(f"    {p}")
    failed = sum(1 for _, p in tests if p)
    print(f"{len(tests) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
