"""The tracker's cosignature check (verify.js) in Chromium against bundles whose checkpoints
carry tlog-cosignature/v1 lines made by the Python witness code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from tests.ledger.ledger_helpers import (
    counter_ids,
    document,
    event,
    fixed_clock,
    named,
    open_shipment,
    register_cast,
    seeded,
    submit,
)
from tests.web.conftest import Browsing

from longjiang.ledger.service import OPERATOR, Ledger, verify_bundle
from longjiang.witness.cosignature import WitnessSigner
from longjiang.witness.policy import parse_policy

CN = WitnessSigner("customs-cn.example/witness", bytes(range(32)))
RU = WitnessSigner("customs-ru.example/witness", bytes(range(32, 64)))


def _bundle(tmp_path: Path) -> dict[str, Any]:
    led = Ledger.open(f"sqlite:///{tmp_path / 't.db'}", clock=fixed_clock, new_id=counter_ids(),
                      random_bytes=seeded("tracker-witness"), witness_policy=None)
    try:
        led.init()
        register_cast(led)
        open_shipment(led)
        submit(led, "rail-cn", "SHP-1", document(event("departing", 5,
                                                       **named(source="rail-cn"))))
        bundle: dict[str, Any] = json.loads(json.dumps(led.bundle("SHP-1", OPERATOR)))
    finally:
        led.close()
    return bundle


def test_the_tracker_requires_the_pinned_witness_quorum(browsing: Browsing,
                                                        tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    note = bundle["checkpoint"]
    text = note.split("\n\n")[0] + "\n"
    both = note + CN.cosign(text, 1_767_000_000) + RU.cosign(text, 1_767_000_001)
    one = note + CN.cosign(text, 1_767_000_000)
    changed = both[:-10] + ("A" if both[-10] != "A" else "B") + both[-9:]
    pinned = {"keys": [CN.verifier().to_string(), RU.verifier().to_string()], "quorum": 2}
    policy = parse_policy(f"witness {pinned['keys'][0]} http://cn.example\n"
                          f"witness {pinned['keys'][1]} http://ru.example\nquorum 2\n")
    cases = {"both": both, "one": one, "none": note, "changed": changed}
    # the Python reference agrees on every case
    expected = {name: verify_bundle(dict(bundle, checkpoint=cp), witnesses=policy).ok
                for name, cp in cases.items()}
    assert expected == {"both": True, "one": False, "none": False, "changed": False}
    browsing.goto("/tracker?lang=en")
    out = browsing.page.evaluate("""async ([bundle, cases, pinned]) => {
      const result = {};
      for (const [name, note] of Object.entries(cases)) {
        const r = await LJ.verify.bundle(Object.assign({}, bundle, { checkpoint: note }), pinned);
        result[name] = { ok: r.ok, witnesses: r.witnesses };
      }
      const bare = await LJ.verify.bundle(Object.assign({}, bundle, { checkpoint: cases.none }));
      result.unpinned = { ok: bare.ok, witnesses: bare.witnesses };
      const wrongType = await LJ.verify.parseWitnessKey(bundle.log.key);
      return { result: result, wrongType: wrongType };
    }""", [bundle, cases, pinned])
    r = out["result"]
    assert r["both"]["ok"] and r["both"]["witnesses"]["names"] == [CN.name, RU.name]
    assert (r["one"]["ok"], r["one"]["witnesses"]["code"], r["one"]["witnesses"]["names"]) == (
        False, "witnesses.quorum", [CN.name])
    assert (r["none"]["ok"], r["none"]["witnesses"]["code"]) == (False, "witnesses.quorum")
    assert (r["changed"]["ok"], r["changed"]["witnesses"]["code"]) == (
        False, "witnesses.signature")
    assert r["unpinned"] == {"ok": True, "witnesses": None}  # as before without a pinned list
    assert out["wrongType"] is None  # the log's own key (type 0x01) is no witness key


def test_the_tracker_page_takes_pinned_witnesses_from_its_address(
        browsing: Browsing, tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    note = bundle["checkpoint"]
    text = note.split("\n\n")[0] + "\n"
    both = note + CN.cosign(text, 1_767_000_000) + RU.cosign(text, 1_767_000_001)
    one = note + CN.cosign(text, 1_767_000_000)
    query = urlencode([("lang", "zh"), ("witness", CN.verifier().to_string()),
                       ("witness", RU.verifier().to_string()), ("quorum", "2")])
    page = browsing.page
    browsing.goto(f"/tracker?{query}")
    for name, checkpoint, state in (("one.json", one, "failed"), ("both.json", both, "verified")):
        path = tmp_path / name
        path.write_text(json.dumps(dict(bundle, checkpoint=checkpoint)), encoding="utf-8")
        page.set_input_files("#tracker-bundle", str(path))
        page.wait_for_selector(f"#tracker-mark[data-state={state}]")
        if state == "failed":
            failure = page.locator("#tracker-failures > li[data-check=witnesses]")
            assert failure.get_attribute("data-code") == "witnesses.quorum"
            assert "2" in failure.inner_text() and "1" in failure.inner_text()
        else:
            assert "联署" in page.locator("#tracker-failures > li[data-check=witnesses-ok]"
                                        ).inner_text()
