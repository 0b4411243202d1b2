"""The tracker's browser code against the Python reference, in Chromium: verify.js's RFC 9162
inclusion proofs (ledger/merkle.py), sign.js's request statements and signatures
(ledger/parties.py), eventhash.js's CBV 2.0 pre-hash strings (ledger/eventhash.py) on the demo
events and generated variants, and the catalogue keys the scripts use."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import time
from typing import Any

from tests.web.conftest import Browsing

from longjiang.ledger.merkle import inclusion_proof, leaf_hash, root_from_leaves
from longjiang.ledger.parties import request_statement

# ---------------------------------------------------------------------------
# verify.js and sign.js against the Python reference, in the browser
# ---------------------------------------------------------------------------


def test_inclusion_proofs_match_the_reference(browsing: Browsing) -> None:
    """Every leaf of trees of 1-33 leaves: the JS root from the Python proof is the Python root;
    a proof with one hash changed or of the wrong length implies another root or none."""
    cases = []
    for size in range(1, 34):
        leaves = [leaf_hash(f"leaf {i}".encode()) for i in range(size)]
        root = root_from_leaves(leaves)
        for index in range(size):
            proof = inclusion_proof(leaves, index)
            cases.append({"leaf": leaves[index].hex(), "index": index, "size": size,
                          "proof": [p.hex() for p in proof], "root": root.hex()})
    browsing.goto("/tracker?lang=en")
    result = browsing.page.evaluate("""async (cases) => {
      const bytes = (h) => Uint8Array.from(h.match(/../g) || [], (x) => parseInt(x, 16));
      const hex = (b) => b ? Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("") : null;
      const bad = [];
      for (const c of cases) {
        const proof = c.proof.map(bytes);
        const got = hex(await LJ.verify.rootFromInclusionProof(bytes(c.leaf), c.index, c.size, proof));
        if (got !== c.root) bad.push(["genuine", c.size, c.index, got]);
        if (proof.length) {
          const changed = proof.map((p) => p.slice());
          changed[changed.length - 1][5] ^= 1;
          const r = hex(await LJ.verify.rootFromInclusionProof(bytes(c.leaf), c.index, c.size, changed));
          if (r === c.root) bad.push(["changed", c.size, c.index]);
          const short = await LJ.verify.rootFromInclusionProof(bytes(c.leaf), c.index, c.size, proof.slice(1));
          if (hex(short) === c.root) bad.push(["short", c.size, c.index]);
        }
        const longer = await LJ.verify.rootFromInclusionProof(bytes(c.leaf), c.index, c.size, proof.concat([bytes(c.root)]));
        if (hex(longer) === c.root) bad.push(["long", c.size, c.index]);
      }
      return { n: cases.length, bad: bad };
    }""", cases)
    assert result["n"] == sum(range(1, 34))
    assert result["bad"] == []


def test_request_statement_and_signature_match_the_reference(browsing: Browsing) -> None:
    from longjiang.ledger.checkpoint import NoteVerifier, generate_signer

    signer = generate_signer("vector-party")
    browsing.goto("/tracker?lang=en")
    out = browsing.page.evaluate("""async (text) => {
      const key = await LJ.sign.importKey(LJ.sign.parseKeyFile(text));
      const h = await LJ.sign.headers(key, "POST", "/api/shipments/X-1/access?a=b%20c", '{"ä":1}');
      return { headers: h, keyId: key.keyId, party: key.party,
               emptyDigest: await LJ.sign.bodyDigest(new Uint8Array(0)) };
    }""", signer.to_string())
    h = out["headers"]
    assert out["party"] == "vector-party" and out["keyId"] == f"{signer.key_id:08x}"
    assert out["emptyDigest"] == "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:"
    body = '{"ä":1}'.encode()
    assert h["Content-Digest"] == "sha-256=:" + base64.b64encode(
        hashlib.sha256(body).digest()).decode() + ":"
    statement = request_statement("vector-party", "POST", "/api/shipments/X-1/access?a=b%20c",
                                  h["Longjiang-Date"], h["Longjiang-Nonce"], h["Content-Digest"])
    verifier = NoteVerifier.from_public_key("vector-party", signer.public_key)
    assert verifier.verify(statement, base64.b64decode(h["Longjiang-Signature"]))
    assert abs(time.time() - time.mktime(time.strptime(h["Longjiang-Date"], "%Y-%m-%dT%H:%M:%SZ"))
               + time.timezone) < 120


# ---------------------------------------------------------------------------
# eventhash.js against the Python reference (ledger/eventhash.py)
# ---------------------------------------------------------------------------

_VALUES = ["SMGS", "007", "1.50", "1e-5", "0.000123", "1_000", "-0", "12345678901234567890",
           "151520260000123456", "packing", "in_transit", "lj:foo", "绥芬河口岸", "",
           "urn:epcglobal:cbv:bizstep:shipping", "Таможня 🚂", "2026-03-04T11:05:00+08:00", "+5",
           "3.14159", ".5", "5.", "1e400", "nan", "CSQU3054383"]
_EPCS = ["urn:epc:id:sgtin:6901234.012345.M1001", "urn:epc:id:sgtin:690123456789.0.A!(x)*+,:",
         "urn:epc:id:sscc:6901234.0000000123", "urn:epc:id:sgln:6901234.00011.0",
         "urn:epc:id:sgln:6901234.00011.dock:7", "urn:epc:id:sgln:690123412345..ext",
         "urn:epc:id:giai:4601234.WAGON62345671", "urn:epc:id:giai:4601234.A(1)+B",
         "urn:epc:id:pgln:4601234.00002", "urn:epc:id:pgln:690123412345.",
         "urn:epc:id:bic:CSQU3054383", "urn:epc:id:sgtin:6901234.01234.M1", "plain-id-42"]
_STEPS = ["packing", "https://ref.gs1.org/cbv/BizStep-loading", "urn:epcglobal:cbv:bizstep:arriving",
          "cbv:BizStep-receiving", "customs_clearance", "inspecting"]
_DISPS = ["in_transit", "urn:epcglobal:cbv:disp:active", "https://ref.gs1.org/cbv/Disp-damaged",
          "held_at_border"]
_TIMES = ["2026-03-02T09:00:00.000+08:00", "2026-03-02T09:00:00Z", "2026-12-31T23:59:59.9996-05:30",
          "2026-03-02T09:00:00.0005+00:00", "2026-03-02T09:00:00.0015+10:00",
          "2024-02-29T00:00:00.123456789+14:00"]
#: outside what eventhash.js canonicalises: it must say so, never give another string
_UNSUPPORTED = [
    ("epcList", ["urn:epc:id:grai:6901234.00001.77"]),
    ("epcList", ["https://id.gs1.org/01/06901234123456/21/M1"]),
    ("sensorElementList", [{"sensorReport": [{"type": "Temperature", "value": 3}]}]),
    ("eventTime", "2026-03-02 09:00:00Z"),
    ("lj:note", 5),
    ("lj:itemList", "x"),
    ("ilmd", {"lj:lot": "A1"}),
]


def _variants(demo_events: list[tuple[str, dict[str, Any]]], rng: Any) -> list[dict[str, Any]]:
    out = []
    for _, document in demo_events:
        out.append({"event": document["epcisBody"]["eventList"][0], "context": document["@context"]})
    context = demo_events[0][1]["@context"]
    for _ in range(300):
        base = copy.deepcopy(rng.choice(out[:13])["event"])
        base["eventTime"] = rng.choice(_TIMES)
        if rng.random() < 0.6:
            base["epcList" if "epcList" in base else "childEPCs"] = rng.sample(_EPCS, rng.randint(1, 4))
        if rng.random() < 0.5:
            base["bizStep"] = rng.choice(_STEPS)
        if rng.random() < 0.4:
            base["disposition"] = rng.choice(_DISPS)
        if rng.random() < 0.3:
            base["readPoint"] = {"id": rng.choice(_EPCS)}
        for _ in range(rng.randint(0, 3)):
            base[f"lj:{rng.choice(['waybillType', 'note', 'wagonNumber', 'zeta', 'Alpha'])}"] = \
                rng.choice(_VALUES)
        if rng.random() < 0.3:
            base["sourceList"] = [
                {"source": rng.choice(_EPCS), "type": rng.choice(["owning_party", "location",
                                                                  "possessing_party"])}
                for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.3:
            base["bizTransactionList"] = [{"type": rng.choice(["po", "bol", "inv", "cargo"]),
                                           "bizTransaction": f"urn:epcglobal:cbv:bt:6901234000004:{n}"}
                                          for n in range(rng.randint(1, 3))]
        keys = list(base)
        rng.shuffle(keys)
        out.append({"event": {k: base[k] for k in keys}, "context": context})
    return out


def test_event_hash_matches_the_reference(browsing: Browsing) -> None:
    import random
    import uuid

    from longjiang.ledger.demo import demo_events
    from longjiang.ledger.eventhash import pre_hash_string

    rng = random.Random(20260302)
    demo = demo_events(lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4)))
    cases = _variants(demo, rng)
    for case in cases:
        case["python"] = pre_hash_string(case["event"], case["context"])
    unsupported = []
    for n, (key, value) in enumerate(_UNSUPPORTED):
        event = copy.deepcopy(cases[n]["event"])
        event[key] = value
        unsupported.append({"event": event, "context": cases[n]["context"]})
    browsing.goto("/tracker?lang=en")
    result = browsing.page.evaluate("""async ([cases, unsupported]) => {
      const H = LJ.eventHash;
      const run = (c) => { try { return H.preHash(c.event, c.context); }
                           catch (err) { if (err instanceof H.Unsupported) return null; throw err; } };
      const hash = await H.of(cases[0].event, cases[0].context);
      return { js: cases.map(run), refused: unsupported.map(run), firstHash: hash };
    }""", [cases, unsupported])
    from longjiang.ledger.eventhash import event_hash

    assert result["firstHash"] == event_hash(cases[0]["event"], cases[0]["context"])
    supported = 0
    for case, js in zip(cases, result["js"], strict=True):
        if js is not None:
            supported += 1
            assert js == case["python"], json.dumps(case["event"], ensure_ascii=False)
    assert all(js is not None for js in result["js"][:13])     # every demo event
    assert supported >= 0.9 * len(cases), f"only {supported} of {len(cases)} recomputed"
    assert result["refused"] == [None] * len(_UNSUPPORTED)


def test_every_text_the_scripts_use_is_in_the_catalogues() -> None:
    """The keys the tracker's scripts name, and those they build from failure codes, in every
    language (the catalogue test checks the languages agree; this checks the scripts agree)."""
    import re
    from importlib import resources

    from longjiang.web.i18n import Lang, catalogue

    static = resources.files("longjiang.web") / "static" / "js"
    scripts = {name: (static / name).read_text(encoding="utf-8")
               for name in ("sign.js", "verify.js", "page-tracker.js")}
    named = {k for text in scripts.values()
             for k in re.findall(r'"(tracker\.[\w.]+[\w])"', text) if not k.endswith("_")}
    codes = set(re.findall(r'"((?:checkpoint|entry|entries|party)\.[a-z_]+)"', scripts["verify.js"]))
    codes |= {"entry.proof", "party.proof", "entries.none"}
    built = {f"tracker.fail.{c}" for c in codes} | {f"tracker.logkey_{s}" for s in
                                                   ("this", "other", "unknown")}
    built |= {f"tracker.{s}" for s in re.findall(r'"(site\.\w+)"', scripts["page-tracker.js"])}
    assert len(named) > 40 and len(codes) > 15
    for lang in Lang:
        known = catalogue(lang, "tracker").messages
        missing = sorted(k for k in named | built if k not in known)
        assert missing == [], f"{lang.value}: {missing}"
