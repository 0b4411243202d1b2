"""Message catalogues, the choice of language, asset serving and security headers (no browser)."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from importlib import resources

import pytest
from fastapi.testclient import TestClient

from longjiang.api.app import create_app
from longjiang.web import CSP
from longjiang.web.assets import AssetStore
from longjiang.web.i18n import Lang, catalogue, choose_lang, namespaces
from longjiang.web.pages import PAGES


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app()) as c:
        yield c


def _catalogue(lang: str, namespace: str) -> dict[str, str]:
    path = resources.files("longjiang.web") / "locales" / lang / f"{namespace}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("namespace", namespaces())
def test_every_catalogue_has_the_same_keys(namespace: str) -> None:
    keys = {lang: set(_catalogue(lang.value, namespace)) for lang in Lang}
    union = set().union(*keys.values())
    missing = {lang.value: sorted(union - k) for lang, k in keys.items() if union - k}
    assert missing == {}, f"{namespace}: keys missing per language"


#: {name}, {name, number} and {name, plural, one {…} other {…}} (app.js fills all three)
PLACEHOLDER = re.compile(r"\{(\w+)(?:\}|, number\}|, plural,)")


@pytest.mark.parametrize("namespace", namespaces())
def test_placeholders_agree_across_languages(namespace: str) -> None:
    english = _catalogue("en", namespace)
    for lang in ("zh", "ru"):
        other = _catalogue(lang, namespace)
        for key, text in english.items():
            assert set(PLACEHOLDER.findall(other[key])) == set(
                PLACEHOLDER.findall(text)), f"{lang}/{namespace}.json {key}"


def test_pages_use_only_keys_that_exist() -> None:
    templates = resources.files("longjiang.web") / "templates"
    for page in PAGES:
        text = (templates / "base.html").read_text(encoding="utf-8") + \
            (templates / f"{page.name}.html").read_text(encoding="utf-8")
        known = catalogue(Lang.EN, page.name).messages
        for key in re.findall(r"""\bt\(["']([\w.]+)["']\)""", text):
            assert key in known, f"{page.name}.html uses unknown key {key}"


@pytest.mark.parametrize(("query", "cookie", "accept", "expected"), [
    ("zh", None, None, Lang.ZH),
    ("RU", "zh", "en", Lang.RU),
    (None, "ru", "zh-CN,zh;q=0.9", Lang.RU),
    ("xx", None, "ru-RU,ru;q=0.9,en;q=0.8", Lang.RU),
    (None, None, "de-DE,de;q=0.9,zh;q=0.5,ru;q=0.4", Lang.ZH),
    (None, None, "en;q=0.1, ru;q=0.8", Lang.RU),
    (None, None, "de", Lang.EN),
    (None, None, None, Lang.EN),
    (None, None, "ru;q=abc, zh", Lang.ZH),
])
def test_choose_lang(query: str | None, cookie: str | None, accept: str | None,
                     expected: Lang) -> None:
    assert choose_lang(query, cookie, accept) is expected


@pytest.mark.parametrize("lang", list(Lang))
def test_page_in_each_language(client: TestClient, lang: Lang) -> None:
    response = client.get(f"/?lang={lang.value}")
    assert response.status_code == 200
    assert f'<html lang="{lang.html_lang}"' in response.text
    assert catalogue(lang, "map")("page.map.title") in response.text
    assert response.cookies.get("lang") == lang.value


def test_language_is_remembered(client: TestClient) -> None:
    client.get("/route?lang=ru")
    again = client.get("/route")
    assert '<html lang="ru"' in again.text
    client.cookies.clear()


def test_security_headers_and_no_inline_script(client: TestClient) -> None:
    for page in PAGES:
        response = client.get(page.path)
        assert response.headers["content-security-policy"] == CSP
        assert "default-src 'self'" in CSP and "frame-ancestors 'none'" in CSP
        assert "unsafe-inline" not in CSP
        assert response.headers["x-content-type-options"] == "nosniff"
        # every <script> either loads a file of ours or is a JSON data block
        for tag in re.findall(r"<script[^>]*>", response.text):
            assert 'src="/static/' in tag or 'type="application/json"' in tag, tag
        assert "http://" not in response.text and "https://" not in response.text
    assert client.get("/api/places?q=Harbin").headers["x-content-type-options"] == "nosniff"


def test_html_revalidates_with_etag(client: TestClient) -> None:
    first = client.get("/?lang=en")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/?lang=en", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_assets_hashed_compressed_cached(client: TestClient) -> None:
    html = client.get("/?lang=en").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    assert any(u.endswith("/vendor/leaflet/leaflet.js") for u in urls)
    for url in urls:
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200, url
        assert "immutable" in response.headers["cache-control"]
        etag = response.headers["etag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    js = next(u for u in urls if u.endswith("/js/app.js"))
    packed = client.get(js, headers={"Accept-Encoding": "gzip"})
    assert packed.headers.get("content-encoding") == "gzip"
    assert b"LJ.t = function" in packed.content  # the client decompressed it


def test_old_build_revalidates_and_unknown_is_404(client: TestClient) -> None:
    assert client.get("/static/000000000000/js/app.js").headers["cache-control"] == "no-cache"
    store: AssetStore = client.app.state.web_assets  # type: ignore[attr-defined]
    assert client.get(f"/static/{store.build}/js/nothing.js").status_code == 404
    assert client.get(f"/static/{store.build}/../../pyproject.toml").status_code == 404


def test_build_hash_follows_content() -> None:
    a = AssetStore({"js/x.js": b"one", "css/y.css": b"two"})
    b = AssetStore({"js/x.js": b"one", "css/y.css": b"two"})
    c = AssetStore({"js/x.js": b"one!", "css/y.css": b"two"})
    assert a.build == b.build != c.build
    big = AssetStore({"js/z.js": b"var a = 1;\n" * 1000})
    asset = big._assets["js/z.js"]
    assert asset.gzipped is not None and gzip.decompress(asset.gzipped) == asset.body
    with pytest.raises(KeyError, match="no static asset"):
        a.url("js/missing.js")


def test_basemap_and_leaflet_are_not_in_the_repository() -> None:
    web = resources.files("longjiang.web") / "static"
    names = [p.name for p in _walk(web)]
    assert not any(n.startswith("leaflet") for n in names)


def _walk(folder: object) -> list[object]:
    out: list[object] = []
    for entry in folder.iterdir():  # type: ignore[attr-defined]
        out.extend(_walk(entry) if entry.is_dir() else [entry])
    return out


def test_crossings_json_with_etag(client: TestClient) -> None:
    response = client.get("/api/crossings")
    assert response.status_code == 200
    data = response.json()
    heihe = next(c for c in data if c["id"] == "heihe_blagoveshchensk_bridge")
    assert heihe["cn"]["id"] == "heihe_bridge" and heihe["links"][0]["opened"] == "2022-06-10"
    assert all(c["source"] for c in data)
    etag = response.headers["etag"]
    assert client.get("/api/crossings", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/api/crossings", headers={"If-None-Match": '"other"'}).status_code == 200


def _fetch(url: str, method: str) -> tuple[int, dict[str, str], bytes]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_head_is_answered_wherever_get_is(live_server) -> None:
    """Pages, static assets, /docs, the log's checkpoint and tiles, API reads: HEAD gets the
    GET's status and headers and no body (over uvicorn, as a CDN origin would see it)."""
    store = live_server.app.state.web_assets
    paths = ["/", "/stats?lang=zh", "/docs", store.url("css/app.css"), store.url("js/app.js"),
             "/favicon.ico", "/log/checkpoint", "/log/tile/0/000.p/1",
             "/log/tile/entries/000.p/1", "/api/ledger/checkpoint", "/api/crossings",
             "/api/network"]
    for path in paths:
        got_status, got, body = _fetch(live_server.url + path, "GET")
        head_status, head, nothing = _fetch(live_server.url + path, "HEAD")
        assert (got_status, head_status, nothing) == (200, 200, b""), path
        assert body and int(head["content-length"]) == len(body), path
        for name in ("content-type", "etag", "cache-control", "content-security-policy"):
            assert head.get(name) == got.get(name), (path, name)
    assert _fetch(live_server.url + "/no-such-page", "HEAD")[0] == 404
    assert _fetch(live_server.url + "/api/crossings/suifenhe_pogranichny_road/bookings",
                  "HEAD")[0] == 405
