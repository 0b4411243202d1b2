"""The shipment tracker in a real browser: bundles verified in the page, tampering named, the key
file flow signing requests in the page without the key ever leaving it, three languages, phone size,
an empty ledger. test_tracker_reference.py checks the scripts piece by piece against the Python
reference.
"""

from __future__ import annotations

import base64
import copy
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import (
    LANGS,
    PHONE,
    Browsing,
    LiveServer,
    _free_port,
    check_clean,
    open_page,
)

from longjiang.ledger.bundles import verify_bundle
from longjiang.ledger.demo import DEMO_SHIPMENT
from longjiang.ledger.records import OPERATOR

PLACE = {"en": "Harbin", "zh": "哈尔滨", "ru": "Харбин"}
PARTY = {"en": "Suifenhe Customs", "zh": "绥芬河海关", "ru": "Таможня Суйфэньхэ"}
VERIFIED = {"en": "Verified in this browser", "zh": "已在本浏览器中验证", "ru": "Проверено в этом браузере"}
FAILED = {"en": "FAILED", "zh": "验证失败", "ru": "НЕ ПРОЙДЕНО"}


@pytest.fixture(scope="module")
def bundle(live_server: LiveServer) -> dict[str, Any]:
    data: dict[str, Any] = live_server.ledger.bundle(DEMO_SHIPMENT, OPERATOR)
    return data


def write_json(tmp: Path, name: str, data: Any) -> Path:
    path = tmp / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def open_bundle(b: Browsing, path: Path) -> None:
    b.page.set_input_files("#tracker-bundle", str(path))
    b.page.wait_for_selector("#tracker-mark:not([data-state=none]):not([data-state=pending])")


@pytest.mark.parametrize("lang", LANGS)
def test_genuine_bundle_verifies(browsing: Browsing, bundle: dict[str, Any], tmp_path: Path,
                                 lang: str) -> None:
    page = browsing.page
    browsing.goto(f"/tracker?lang={lang}")
    open_bundle(browsing, write_json(tmp_path, "bundle.json", bundle))
    assert page.locator("#tracker-mark").get_attribute("data-state") == "verified"
    assert VERIFIED[lang] in page.locator("#tracker-mark-text").inner_text()
    events = page.locator("#tracker-timeline > li[data-kind=event]")
    assert events.count() == len(bundle["entries"]) == 13
    assert page.locator("#tracker-timeline > li[data-kind=event][data-check=ok]").count() == 13
    # every event's fields were hashed again in the page and match what its party signed
    assert page.locator("#tracker-timeline > li[data-kind=event][data-content=ok]").count() == 13
    assert page.locator("#tracker-failures > li").count() == 0
    text = page.locator("#tracker-timeline").inner_text()
    assert PLACE[lang] in text           # where, in the chosen language
    assert PARTY[lang] in text           # who recorded it, in the chosen language
    # the crossing, by the names of its two border stations in the chosen language
    assert {"en": "Suifenhe", "zh": "绥芬河", "ru": "Суйфэньхэ"}[lang] in text
    # when, in UTC and where it happened: packed in Harbin at 09:00 local time (UTC+8)
    assert {"en": "2 Mar, 09:00 (UTC+08:00)", "zh": "3月2日 09:00（UTC+08:00）",
            "ru": "2 мар., 09:00 (UTC+08:00)"}[lang] in text
    # the access changes (customs and the terminal let in), in the timeline, verified
    assert page.locator("#tracker-timeline > li[data-kind=access][data-check=ok]").count() == 3
    assert {"en": "Access granted to Suifenhe Customs", "zh": "授予 绥芬河海关",
            "ru": "Доступ предоставлен: Таможня Суйфэньхэ"}[lang] in text
    # the log key the checkpoint was checked with is this server's
    page.wait_for_selector("#tracker-logkey[data-state=this]")
    # the route on the map: Harbin, Suifenhe, Grodekovo, Vladivostok
    assert page.locator("#map").get_attribute("data-stops") == "4"
    assert page.locator("path.tracker-stop").count() == 4
    browsing.screenshot(f"tracker-{lang}")


def _flip_b64(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[0] ^= 0x01
    return base64.b64encode(bytes(raw)).decode("ascii")


def _tamper(bundle: dict[str, Any], how: str) -> tuple[dict[str, Any], str, str]:
    """A copy of the bundle changed one way; the failure's data-check and data-code."""
    data = copy.deepcopy(bundle)
    if how == "proof hash":
        entry = data["entries"][3]
        entry["inclusionProof"][0] = _flip_b64(entry["inclusionProof"][0])
        return data, f"event-{entry['leafIndex']}", "entry.proof"
    if how == "event field":  # what happened, where: the customs decision at Grodekovo
        entry = next(e for e in data["entries"] if e["event"].get("lj:customsCountry") == "RU")
        entry["event"]["lj:customsDecision"] = "held"
        return data, f"event-{entry['leafIndex']}", "entry.event_changed"
    if how == "event place":
        entry = data["entries"][4]
        entry["event"]["readPoint"]["id"] = "urn:epc:id:sgln:4601234.00030.0"
        return data, f"event-{entry['leafIndex']}", "entry.event_changed"
    if how == "signature":
        entry = data["entries"][5]
        entry["signature"] = _flip_b64(entry["signature"])
        return data, f"event-{entry['leafIndex']}", "entry.signature"
    if how == "event hash":
        entry = data["entries"][7]
        entry["eventHash"] = entry["eventHash"][:20] + ("0" if entry["eventHash"][20] != "0" else "1") \
            + entry["eventHash"][21:]
        # the fields no longer hash to it (and its party's signature is over the old one)
        return data, f"event-{entry['leafIndex']}", "entry.event_changed"
    if how == "party" and data["format"].endswith("/v1"):  # the key the bundle gives on trust
        entry = data["entries"][0]
        other = next(p for p in data["parties"] if p != entry["party"])
        data["parties"][entry["party"]]["key"] = data["parties"][other]["key"]
        return data, f"event-{entry['leafIndex']}", "entry.key_name"
    if how == "party":  # v2: the registration the log signed (names, role, key) was changed
        party = data["entries"][0]["party"]
        data["parties"][party]["names"]["en"] = "Someone Else Ltd"
        return data, f"party-{party}", "party.signature"
    if how == "entry key" and data["format"].endswith("/v2"):
        entry = data["entries"][2]
        other = next(p for p in data["parties"] if p != entry["party"])
        entry["key"] = data["parties"][other]["key"]
        return data, f"event-{entry['leafIndex']}", "entry.wrong_key"
    if how == "entry key":  # v1 bundles name no key per entry: a wrong party instead
        entry = data["entries"][2]
        entry["party"] = next(p for p in data["parties"] if p != entry["party"])
        return data, f"event-{entry['leafIndex']}", "entry.signature"
    if how == "access signature":
        change = data["access"][0]
        change["signature"] = _flip_b64(change["signature"])
        return data, f"access-{change['leafIndex']}", "entry.signature"
    if how == "checkpoint root":
        lines = data["checkpoint"].split("\n")
        lines[2] = _flip_b64(lines[2])
        data["checkpoint"] = "\n".join(lines)
        return data, "checkpoint", ""
    if how == "log key":  # another key (a party's) claimed as the log's
        data["log"]["key"] = next(iter(data["parties"].values()))["key"]
        return data, "checkpoint", ""
    if how == "checkpoint size":
        lines = data["checkpoint"].split("\n")
        lines[1] = str(int(lines[1]) + 1)
        data["checkpoint"] = "\n".join(lines)
        return data, "checkpoint", ""
    raise AssertionError(how)


TAMPERS = ("event field", "event place", "proof hash", "signature", "event hash", "party",
           "entry key", "access signature", "checkpoint root", "checkpoint size", "log key")


@pytest.mark.parametrize("how", TAMPERS)
def test_tampered_bundle_fails_naming_what(browsing: Browsing, bundle: dict[str, Any],
                                           tmp_path: Path, how: str) -> None:
    page = browsing.page
    data, check, code = _tamper(bundle, how)
    browsing.goto("/tracker?lang=en")
    open_bundle(browsing, write_json(tmp_path, "tampered.json", data))
    assert page.locator("#tracker-mark").get_attribute("data-state") == "failed"
    assert "FAILED" in page.locator("#tracker-mark-text").inner_text()
    failures = page.locator("#tracker-failures > li")
    if check.startswith("party-"):
        # the party's events fail too: no key of it is proven any more
        assert failures.count() >= 2, failures.all_inner_texts()
        assert "entry.no_key" in {f.get_attribute("data-code") for f in failures.all()[1:]}
    else:
        assert failures.count() == 1, failures.all_inner_texts()
    assert failures.first.get_attribute("data-check") == check
    message = failures.first.inner_text()
    if check.startswith("party-"):
        assert failures.first.get_attribute("data-code") == code
        assert message.startswith(f"Party {check.removeprefix('party-')}: the registration or key "
                                  "change at log entry")
        assert "not signed by the log key" in message
    elif check.startswith("event-"):
        assert failures.first.get_attribute("data-code") == code
        position = 1 + sorted(e["event"]["eventTime"] for e in data["entries"]).index(
            next(e for e in data["entries"] if f"event-{e['leafIndex']}" == check)["event"]["eventTime"])
        assert message.startswith(f"Event {position} (log entry {check.split('-')[1]})")
        failures.first.get_by_role("button").click()      # brings the event into view, focused
        assert page.evaluate("document.activeElement.dataset.leaf") == check.split("-")[1]
        assert page.locator(f"#tracker-timeline > li[data-kind=event][data-leaf='{check.split('-')[1]}']"
                            ).get_attribute("data-check") == "failed"
    elif check.startswith("access-"):
        assert message.startswith(f"Access change (log entry {check.split('-')[1]})")
    elif how == "log key":
        assert message == "The checkpoint carries no signature by the bundle's log key."
        page.wait_for_selector("#tracker-logkey[data-state=other]")
    else:
        assert "checkpoint" in message and "signature" in message
    browsing.screenshot(f"tracker-tampered-{how.replace(' ', '-')}")


@pytest.mark.parametrize("lang", LANGS)
def test_tampered_bundle_fails_in_every_language(browsing: Browsing, bundle: dict[str, Any],
                                                 tmp_path: Path, lang: str) -> None:
    data, _, _ = _tamper(bundle, "proof hash")
    browsing.goto(f"/tracker?lang={lang}")
    open_bundle(browsing, write_json(tmp_path, "tampered.json", data))
    assert FAILED[lang] in browsing.page.locator("#tracker-mark-text").inner_text()
    failure = browsing.page.locator("#tracker-failures > li").inner_text()
    assert {"en": "inclusion proof", "zh": "包含证明", "ru": "доказательство включения"}[lang] in failure


def _as_v1(bundle: dict[str, Any]) -> dict[str, Any]:
    """The bundle as format v1 wrote it (before party records): each party's key on trust."""
    data = copy.deepcopy(bundle)
    data["format"] = "longjiang-ledger-bundle/v1"
    data["parties"] = {p: {k: info[k] for k in ("role", "country", "names", "key")}
                       for p, info in data["parties"].items()}
    for entry in data["entries"]:
        entry.pop("key", None)
    return data


def test_v1_bundle_still_verifies_and_fails_on_a_swapped_key(browsing: Browsing,
                                                             bundle: dict[str, Any],
                                                             tmp_path: Path) -> None:
    page = browsing.page
    browsing.goto("/tracker?lang=en")
    old = _as_v1(bundle)
    open_bundle(browsing, write_json(tmp_path, "v1.json", old))
    assert page.locator("#tracker-mark").get_attribute("data-state") == "verified"
    assert page.locator("#tracker-timeline > li[data-kind=event][data-content=ok]").count() == 13
    data, check, code = _tamper(old, "party")
    open_bundle(browsing, write_json(tmp_path, "v1-tampered.json", data))
    page.wait_for_selector("#tracker-mark[data-state=failed]")
    failure = page.locator("#tracker-failures > li").first
    assert (failure.get_attribute("data-check"), failure.get_attribute("data-code")) == (check, code)
    assert "belongs to another party" in failure.inner_text()


def test_not_a_bundle_is_named(browsing: Browsing, tmp_path: Path) -> None:
    page = browsing.page
    browsing.goto("/tracker?lang=en")
    open_bundle(browsing, write_json(tmp_path, "other.json", {"format": "something else"}))
    assert page.locator("#tracker-mark").get_attribute("data-state") == "failed"
    assert "/format" in page.locator("#tracker-failures").inner_text()
    path = tmp_path / "not.json"
    path.write_text("{not json", encoding="utf-8")
    page.set_input_files("#tracker-bundle", str(path))
    page.get_by_text("This file is not JSON.").wait_for()


def _watch_requests(b: Browsing) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []

    def record(request: Any) -> None:
        seen.append({"url": request.url, "headers": request.all_headers(),
                     "body": request.post_data_buffer or b""})

    b.page.on("request", record)
    return seen


@pytest.mark.parametrize("lang", LANGS)
def test_key_file_opens_demo_shipment_and_key_stays(browsing: Browsing, live_server: LiveServer,
                                                    lang: str) -> None:
    page = browsing.page
    seen = _watch_requests(browsing)
    key_file = live_server.tmp / "keys" / "cn-customs-suifenhe.key"
    key_text = key_file.read_text(encoding="ascii").strip()
    browsing.goto(f"/tracker?lang={lang}")
    page.set_input_files("#tracker-key", str(key_file))
    page.wait_for_selector("#tracker-mark[data-state=verified]")
    assert page.locator("#tracker-party").inner_text().count(PARTY[lang]) == 1
    assert page.locator("#tracker-timeline > li[data-kind=event]").count() == 13
    assert page.locator("#tracker-shipment").input_value() == DEMO_SHIPMENT
    # the signed requests went out and were accepted ...
    signed = [r for r in seen if "longjiang-signature" in r["headers"]]
    assert {r["url"].split("?")[0].removeprefix(live_server.url) for r in signed} >= {
        "/api/events", f"/api/shipments/{DEMO_SHIPMENT}", f"/api/shipments/{DEMO_SHIPMENT}/bundle"}
    # ... and nothing the page sent carries the key: not the file, not the seed in any encoding
    key_b64 = key_text.split("+", 4)[4]
    seed = base64.b64decode(key_b64)[1:]
    secrets = [key_text, key_b64, base64.b64encode(seed).decode(),
               base64.urlsafe_b64encode(seed).decode().rstrip("="), seed.hex()]
    for request in seen:
        sent = request["url"] + json.dumps(request["headers"]) + request["body"].decode("latin-1")
        for secret in secrets:
            assert secret not in sent, f"{request['url']} carries the key"
        assert seed not in request["body"]
    # the key file input is cleared once the key is imported
    assert page.locator("#tracker-key").input_value() == ""
    # the bundle can be saved, and the reference verifier accepts the saved file
    with page.expect_download() as download:
        page.locator("#tracker-save").click()
    saved = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert download.value.suggested_filename == f"{DEMO_SHIPMENT}.bundle.json"
    report = verify_bundle(saved, log_key=live_server.ledger.log_info().verifier_key)
    assert report.ok, report.to_json()
    browsing.screenshot(f"tracker-key-{lang}")


def test_public_key_is_refused_with_a_message(browsing: Browsing, live_server: LiveServer,
                                              tmp_path: Path) -> None:
    page = browsing.page
    browsing.goto("/tracker?lang=en")
    public = live_server.ledger.get_party("rzd-fer").verifier_key
    path = tmp_path / "rzd-fer.pub"
    path.write_text(public + "\n", encoding="ascii")
    page.set_input_files("#tracker-key", str(path))
    page.get_by_text("This is a public key.").wait_for()
    path.write_text("PRIVATE+KEY+rzd-fer+00000000+AQ==\n", encoding="ascii")
    page.set_input_files("#tracker-key", str(path))
    page.locator("#tracker-key-error").get_by_text("This is not a party key file").wait_for()
    assert page.locator("#tracker-shipment-form").is_hidden()


def test_unknown_key_gets_a_readable_problem(browsing: Browsing, tmp_path: Path) -> None:
    from longjiang.ledger.parties import generate_key

    page = browsing.page
    path = tmp_path / "stranger.key"
    path.write_text(generate_key("stranger-co").to_string() + "\n", encoding="ascii")
    browsing.goto("/tracker?lang=en")
    page.set_input_files("#tracker-key", str(path))
    error = page.locator("#tracker-key-error")
    error.get_by_text("signed request", exact=False).or_(error.get_by_text("signature", exact=False)
                                                         ).first.wait_for()
    browsing.watch.allow_http_error("/api/events")


def test_tracker_at_phone_size(browser: Any, live_server: LiveServer, bundle: dict[str, Any],
                               tmp_path: Path) -> None:
    b = open_page(browser, live_server, viewport=PHONE)
    try:
        b.goto("/tracker?lang=zh")
        open_bundle(b, write_json(tmp_path, "bundle.json", bundle))
        assert b.page.locator("#tracker-mark").get_attribute("data-state") == "verified"
        width = b.page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
        box = b.page.locator("#map").bounding_box()
        assert box["width"] <= PHONE["width"] and box["height"] > 200
        b.screenshot("tracker-phone-zh")
        b.page.locator("#tracker-timeline").scroll_into_view_if_needed()
        b.screenshot("tracker-phone-zh-timeline")
        check_clean(b)
    finally:
        b.context.close()


#: a browser whose WebCrypto has no Ed25519 (as Chromium before 137): importKey refuses the name
_NO_ED25519 = """(() => {
  const importKey = crypto.subtle.importKey.bind(crypto.subtle);
  crypto.subtle.importKey = (format, key, algorithm, ...rest) =>
    ((algorithm && (algorithm.name || algorithm)) === "Ed25519")
      ? Promise.reject(new DOMException("Unrecognized name", "NotSupportedError"))
      : importKey(format, key, algorithm, ...rest);
})();"""


def test_browser_without_ed25519_says_not_verified(browser: Any, live_server: LiveServer,
                                                   bundle: dict[str, Any],
                                                   tmp_path: Path) -> None:
    b = open_page(browser, live_server)
    try:
        b.context.add_init_script(_NO_ED25519)
        b.goto("/tracker?lang=en")
        open_bundle(b, write_json(tmp_path, "bundle.json", bundle))
        assert b.page.locator("#tracker-mark").get_attribute("data-state") == "unsupported"
        assert b.page.locator("#tracker-mark-text").inner_text().startswith(
            "Not verified in this browser")
        assert b.page.locator("#tracker-timeline > li[data-kind=event][data-check=ok]").count() == 0
        b.page.set_input_files("#tracker-key", str(live_server.tmp / "keys" / "rzd-fer.key"))
        b.page.get_by_text("This browser cannot use Ed25519 keys").wait_for()
        check_clean(b)
    finally:
        b.context.close()


def test_keyboard_opens_a_shipment(browsing: Browsing, live_server: LiveServer) -> None:
    page = browsing.page
    browsing.goto("/tracker?lang=en")
    page.set_input_files("#tracker-key", str(live_server.tmp / "keys" / "rzd-fer.key"))
    page.wait_for_selector("#tracker-mark[data-state=verified]")
    page.focus("#tracker-shipment")
    page.keyboard.press("Enter")           # the form submits from the keyboard
    page.wait_for_selector("#tracker-mark[data-state=verified]")
    button = page.locator("#tracker-timeline button").first
    button.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "map"


DEMO_HINT = {"en": "This server holds the demo shipment SMGS-24617093",
             "zh": "此服务器上有演示货物 SMGS-24617093",
             "ru": "На этом сервере есть демонстрационная отправка SMGS-24617093"}


@pytest.mark.parametrize("lang", LANGS)
def test_demo_shipment_says_how_to_open_it_as_a_party(browser: Any, live_server: LiveServer,
                                                      lang: str) -> None:
    for name, viewport in (("desktop", None), ("phone", PHONE)):
        b = open_page(browser, live_server, viewport=viewport)
        try:
            b.goto(f"/tracker?lang={lang}")
            box = b.page.locator("#tracker-demo")
            box.wait_for()
            text = box.inner_text()
            assert DEMO_HINT[lang] in text and "DIR/cn-customs-suifenhe.key" in text
            assert "longjiang serve --demo --keys-dir DIR" in text
            assert "longjiang ledger bundle SMGS-24617093 -o bundle.json" in text
            assert b.page.locator("#tracker-empty").is_hidden()
            width = b.page.evaluate("document.scrollingElement.scrollWidth")
            assert width <= (viewport or {"width": 1280})["width"], f"scrolls sideways: {width}"
            b.screenshot(f"tracker-demo-hint-{name}-{lang}")
            # once a party's key is loaded the hint has done its work
            b.page.set_input_files("#tracker-key", str(live_server.tmp / "keys" / "rzd-fer.key"))
            b.page.wait_for_selector("#tracker-mark[data-state=verified]")
            assert box.is_hidden()
            check_clean(b)
        finally:
            b.context.close()


# ---------------------------------------------------------------------------
# Keys the ledger no longer takes: one rotated out, one revoked
# ---------------------------------------------------------------------------


def _serve(ledger: Any, tmp: Path) -> Iterator[LiveServer]:
    """The app on a free port over ``ledger``, in a thread; the ledger is closed afterwards."""
    import uvicorn

    from longjiang.api.app import create_app

    app = create_app()
    app.state.ledger = ledger
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    yield LiveServer(app=app, url=f"http://127.0.0.1:{port}", ledger=ledger, tmp=tmp)
    server.should_exit = True
    thread.join(timeout=10)
    ledger.close()


@pytest.fixture(scope="module")
def changed_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo with rzd-fer's key rotated (the new key in keys/rzd-fer.new.key) and
    cn-customs-suifenhe's revoked."""
    from longjiang.ledger.demo import run_demo
    from longjiang.ledger.parties import generate_key, write_key_file
    from longjiang.ledger.service import Ledger

    tmp = tmp_path_factory.mktemp("changed")
    ledger = Ledger.open(f"sqlite:///{tmp / 'ledger.db'}")
    ledger.init()
    run_demo(ledger, keys_dir=tmp / "keys")
    new = generate_key("rzd-fer")
    write_key_file(tmp / "keys" / "rzd-fer.new.key", new)
    ledger.change_key("rzd-fer", "rotate", new.verifier().to_string())
    revoked = ledger.get_party("cn-customs-suifenhe").verifier_key
    ledger.change_key("cn-customs-suifenhe", "revoke", revoked)
    yield from _serve(ledger, tmp)


#: common.json's problem.unauthenticated, the message the trial met after "Signed in as"
LJ_UNAUTHENTICATED = {"en": "This needs a signed request from a party: load your key file.",
                      "zh": "需要参与方签名的请求：请加载您的密钥文件。",
                      "ru": "Нужен подписанный запрос участника: загрузите файл ключа."}
ROTATED = {"en": "is no longer the key of Russian Railways, Far Eastern Railway (demo key)",
           "zh": "已不再是 俄罗斯铁路远东铁路局（演示密钥） 的密钥",
           "ru": "больше не является ключом участника «ОАО «РЖД», Дальневосточная железная дорога"}
REVOKED = {"en": "of Suifenhe Customs (demo key) has been revoked on the ledger",
           "zh": "绥芬河海关（演示密钥） 的此密钥",
           "ru": "участника «Таможня Суйфэньхэ (демо-ключ)» отозван в реестре"}


@pytest.mark.parametrize("lang", LANGS)
def test_a_key_no_longer_the_partys_is_said_plainly(browser: Any, changed_server: LiveServer,
                                                    lang: str) -> None:
    keys = changed_server.tmp / "keys"
    b = open_page(browser, changed_server)
    page = b.page
    try:
        b.goto(f"/tracker?lang={lang}")
        error = page.locator("#tracker-key-error")
        # rotated out: said from the public party list, before any signed request
        page.set_input_files("#tracker-key", str(keys / "rzd-fer.key"))
        error.get_by_text(ROTATED[lang], exact=False).wait_for()
        assert "rzd-fer+" in error.inner_text()
        assert page.locator("#tracker-party").is_hidden()
        assert page.locator("#tracker-shipment-form").is_hidden()
        assert LJ_UNAUTHENTICATED[lang] not in page.locator("main").inner_text()
        b.screenshot(f"tracker-rotated-{lang}")
        # revoked: the server refuses it, and the page says why instead of "load your key file"
        page.set_input_files("#tracker-key", str(keys / "cn-customs-suifenhe.key"))
        error.get_by_text(REVOKED[lang], exact=False).wait_for()
        assert page.locator("#tracker-party").is_hidden()
        assert page.locator("#tracker-shipment-form").is_hidden()
        assert LJ_UNAUTHENTICATED[lang] not in page.locator("main").inner_text()
        b.watch.allow_http_error("/api/events")
        page.locator("#tracker-demo").wait_for()   # no party open: the demo's hint is back
        b.screenshot(f"tracker-revoked-{lang}")
        # the party's current key opens the shipment
        page.set_input_files("#tracker-key", str(keys / "rzd-fer.new.key"))
        page.wait_for_selector("#tracker-mark[data-state=verified]")
        assert error.inner_text() == ""
        assert page.locator("#tracker-party").is_visible()
        check_clean(b)
    finally:
        b.context.close()
    phone = open_page(browser, changed_server, viewport=PHONE)
    try:
        phone.goto(f"/tracker?lang={lang}")
        phone.page.set_input_files("#tracker-key", str(keys / "rzd-fer.key"))
        message = phone.page.locator("#tracker-key-error").get_by_text(ROTATED[lang], exact=False)
        message.wait_for()
        message.scroll_into_view_if_needed()
        width = phone.page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"the page scrolls sideways: {width} px"
        phone.screenshot(f"tracker-rotated-phone-{lang}")
        check_clean(phone)
    finally:
        phone.context.close()


# ---------------------------------------------------------------------------
# An empty ledger: the page offers the demo
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def empty_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    from longjiang.ledger.service import Ledger

    tmp = tmp_path_factory.mktemp("empty")
    ledger = Ledger.open(f"sqlite:///{tmp / 'ledger.db'}")
    ledger.init()
    yield from _serve(ledger, tmp)


@pytest.mark.parametrize("lang", LANGS)
def test_empty_ledger_offers_the_demo(browser: Any, empty_server: LiveServer, lang: str) -> None:
    b = open_page(browser, empty_server)
    try:
        b.goto(f"/tracker?lang={lang}")
        box = b.page.locator("#tracker-empty")
        box.wait_for()
        assert "longjiang ledger demo --keys-dir DIR" in box.inner_text()
        assert "longjiang serve --demo" in box.inner_text()
        assert "longjiang ledger bundle SMGS-24617093 -o bundle.json" in box.inner_text()
        assert b.page.locator("#tracker-demo").is_hidden()
        check_clean(b)
    finally:
        b.context.close()


#: tracker.not_readable with the demo's Russian Railways party and the id typed
NOT_READABLE = {
    "en": "No shipment “NOPE-1” that Russian Railways, Far Eastern Railway (demo key) may read: "
          "either it does not exist or this party is not on it",
    "zh": "没有 俄罗斯铁路远东铁路局（演示密钥） 可以查看的货物“NOPE-1”：该货物不存在，或本参与方不在其中",
    "ru": "Нет отправки «NOPE-1», доступной участнику ОАО «РЖД», Дальневосточная железная "
          "дорога (демо-ключ): такой отправки нет"}


@pytest.mark.parametrize(("lang", "viewport"), [
    (lang, size) for lang in LANGS for size in ("desktop", "phone")])
def test_a_shipment_not_found_is_said_in_the_pages_language(
        browser: Any, live_server: LiveServer, lang: str, viewport: str) -> None:
    b = open_page(browser, live_server, viewport=PHONE if viewport == "phone" else None)
    page = b.page
    try:
        b.goto(f"/tracker?lang={lang}")
        page.set_input_files("#tracker-key", str(live_server.tmp / "keys" / "rzd-fer.key"))
        page.wait_for_selector("#tracker-mark[data-state=verified]")
        page.fill("#tracker-shipment", "NOPE-1")
        page.keyboard.press("Enter")
        notice = page.locator("#notice")
        notice.get_by_text(NOT_READABLE[lang], exact=False).wait_for()
        text = notice.inner_text()
        # the server's English detail is not shown after a translated prefix
        assert "may read" not in text or lang == "en"
        assert "no shipment 'NOPE-1'" not in text
        assert page.locator("#tracker-mark").get_attribute("data-state") == "none"
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width} px"
        notice.scroll_into_view_if_needed()
        b.screenshot(f"tracker-not-readable-{lang}-{viewport}")
        b.watch.allow_http_error("/api/shipments/NOPE-1")
        check_clean(b)
    finally:
        b.context.close()
