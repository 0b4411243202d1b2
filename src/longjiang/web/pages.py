"""The pages: server-rendered HTML shells, one per part, in the chosen language.

Each page is a Jinja2 template over ``base.html``; the browser script of the page
(``static/js/page-<name>.js``) does the rest with the JSON API. The page's message
catalogue travels inside the page as a JSON data block (not a script), so the strict
Content-Security-Policy holds.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import Response

from longjiang import __version__
from longjiang.web.assets import AssetStore
from longjiang.web.i18n import LANG_COOKIE, Lang, catalogue, choose_lang

__all__ = ["PAGES", "Page", "Renderer"]


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the application."""

    name: str
    path: str
    scripts: tuple[str, ...] = ()


PAGES: tuple[Page, ...] = (  # in the order of the navigation
    Page("map", "/", ("js/mapview.js", "js/page-map.js")),
    Page("route", "/route", ("js/mapview.js", "js/charts.js", "js/page-route.js")),
    Page("crossings", "/crossings", ("js/page-crossings.js",)),
    Page("tracker", "/tracker", ("js/mapview.js", "js/sign.js", "js/eventhash.js",
                                 "js/verify.js", "js/page-tracker.js")),
    Page("trade", "/trade", ("js/page-trade.js",)),
    Page("settlement", "/settlement", ("js/page-settlement.js",)),
    Page("flows", "/flows", ("js/mapview.js", "js/page-flows.js")),
    Page("stats", "/stats", ("js/stats-charts.js", "js/page-stats.js")),
)

_MAP_PAGES = frozenset({"map", "route", "tracker", "flows"})


def _with_lang(request: Request, lang: Lang) -> str:
    url = request.url.include_query_params(lang=lang.value)
    return f"{url.path}?{url.query}"


def _number_bounds(option: str) -> dict[str, str]:
    """The range a landed-cost option is taken in, as data attributes of its input (the page
    checks what the API would refuse, in the page's language, before asking it)."""
    from longjiang.trade.duty import OPTIONS

    bound = OPTIONS[option]
    return {"data-low": str(bound.low), "data-high": str(bound.high),
            "data-high-included": "1" if bound.high_included else "0",
            "data-places": str(bound.places)}


class Renderer:
    """Renders pages with the asset URLs of one build."""

    def __init__(self, assets: AssetStore) -> None:
        self.assets = assets

    @cached_property
    def env(self) -> Environment:
        env = Environment(loader=PackageLoader("longjiang.web", "templates"),
                          autoescape=select_autoescape(default=True, default_for_string=True),
                          trim_blocks=True, lstrip_blocks=True)
        env.globals["asset"] = self.assets.url
        env.globals["number_bounds"] = _number_bounds
        return env


    def render(self, request: Request, page: Page) -> Response:
        """The page in the request's language; 304 when the browser holds this very page."""
        query_lang = request.query_params.get("lang")
        lang = choose_lang(query_lang, request.cookies.get(LANG_COOKIE),
                           request.headers.get("accept-language"))
        texts = catalogue(lang, page.name)
        messages = json.dumps(dict(texts.messages), ensure_ascii=False, separators=(",", ":"))
        html = self.env.get_template(f"{page.name}.html").render(
            page=page, pages=PAGES, lang=lang, langs=list(Lang), t=texts,
            messages=messages.replace("</", "<\\/"), version=__version__,
            with_map=page.name in _MAP_PAGES, scripts=page.scripts,
            lang_links={other: _with_lang(request, other) for other in Lang})
        body = html.encode("utf-8")
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        headers = {"ETag": etag, "Cache-Control": "no-cache", "Vary": "Cookie, Accept-Language",
                   "Content-Language": lang.html_lang}
        if etag in request.headers.get("if-none-match", ""):
            response = Response(status_code=304, headers=headers)
        else:
            response = Response(body, media_type="text/html; charset=utf-8", headers=headers)
        if query_lang and Lang.__members__.get(query_lang.upper()) is lang:
            response.set_cookie(LANG_COOKIE, lang.value, max_age=365 * 24 * 3600,
                                samesite="lax", httponly=True)
        return response
