"""A short offline HTML report: the five links with figures, charts and findings.

Charts are embedded as base64 PNG; the file loads nothing from elsewhere and
contains no URLs (sources are cited by name; their addresses are in the dataset).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from pathlib import Path

from longjiang.errors import InputError
from longjiang.stats._model import CooperationArea, Finding, Origin, SeriesPoint
from longjiang.stats.charts import display_scale, render_chart
from longjiang.stats.dataset import Dataset

__all__ = ["build_report", "write_report"]

#: charts per link: (indicator, partner or None)
_CHARTS: dict[CooperationArea, tuple[tuple[str, str | None], ...]] = {
    CooperationArea.POLICY: (),
    CooperationArea.CONNECTIVITY: (),
    CooperationArea.TRADE: (
        ("china-trade", "Russia"),
        ("heilongjiang-trade", "Russia"),
        ("heilongjiang-imports", "Russia"),
        ("heilongjiang-trade-share", None),
    ),
    CooperationArea.FINANCE: (("heilongjiang-foreign-investment", None),
                              ("heilongjiang-odi", None)),
    CooperationArea.PEOPLE: (("heilongjiang-inbound-tourists", None),),
}

_INTRO: dict[CooperationArea, str] = {
    CooperationArea.POLICY: (
        "Heilongjiang's strategies followed the national ones within months: the Eastern Silk "
        "Road Belt (2014), the Longjiang Silk Road Belt (2014) and 'One Window, Four Districts' "
        "(2017)."
    ),
    CooperationArea.CONNECTIVITY: (
        "Table 2 of the paper is a layout plan, not a list of operating links: every item below "
        "is planned unless other sources show it built."
    ),
    CooperationArea.TRADE: (
        "Trade with Russia dominates: China–Russia trade passed 100 billion USD in 2018 and, by "
        "China's customs, reached about 245 billion USD in 2024. The paper's trade tables carry "
        "most of the slips the checks find."
    ),
    CooperationArea.FINANCE: (
        "Tables 8 and 9 state 'billion dollars' where the figures are in 100 million USD "
        "(亿美元); charts show the corrected values."
    ),
    CooperationArea.PEOPLE: (
        "Russia's share of the province's foreign visitors rose from 67% to 84% between 2013 and "
        "2017 while their number fell; Table 11 is internally consistent."
    ),
}

_TEXT_TABLES: dict[CooperationArea, tuple[int, ...]] = {
    CooperationArea.POLICY: (1,),
    CooperationArea.CONNECTIVITY: (2,),
    CooperationArea.TRADE: (7,),
    CooperationArea.FINANCE: (),
    CooperationArea.PEOPLE: (10,),
}

_URL = re.compile(r",?\s*(?:mirrored at\s*)?<?https?://[^\s);>]+>?")

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.7em;margin-bottom:.2em}h2{margin-top:2em;border-bottom:2px solid #1f5aa6}
table{border-collapse:collapse;width:100%;font-size:.86em;margin:.8em 0}
th,td{border-bottom:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f5f9}td.num{text-align:right;white-space:nowrap}
img{max-width:100%;height:auto;display:block;margin:1em 0}
.muted{color:#666;font-size:.85em}.cause{font-weight:600;color:#b3261e;white-space:nowrap}
"""


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _cite(source: str) -> str:
    """A source without its web addresses (the report must contain no URLs)."""
    cleaned = _URL.sub("", source)
    cleaned = re.sub(r"\(\s*\)", "", cleaned).strip(" ,;")
    return cleaned


def _chart_img(
    dataset: Dataset, indicator: str, partner: str | None, findings: Sequence[Finding]
) -> str:
    data = render_chart(dataset, indicator, findings, "png", partner)
    encoded = base64.b64encode(data).decode("ascii")
    alt = dataset.indicator(indicator).name
    return f'<img alt="{_esc(alt)}" src="data:image/png;base64,{encoded}">'


def _figures_table(dataset: Dataset, link: CooperationArea, findings: Sequence[Finding]) -> str:
    """Latest figure of each indicator of this link (one row per indicator and partner)."""
    flagged = {(f.indicator, f.partner, f.year) for f in findings}
    rows = []
    for ind in dataset.indicators():
        if ind.link is not link or ind.count == 0:
            continue
        points = dataset.series(ind.id)
        latest: dict[str, SeriesPoint] = {}
        for p in points:
            latest[p.partner] = p
        for partner, p in sorted(latest.items()):
            div, label = display_scale(p.unit, abs(p.value))
            value = p.value / div
            whole = float(value).is_integer() or abs(value) >= 1000
            shown = f"{value:,.0f}" if whole else f"{value:,.2f}"
            if p.unit == "percent":
                shown = p.value_printed.replace("–", "-")
            flag = " ⚑" if (ind.id, partner, p.year) in flagged else ""
            where = (
                f"Table {p.table}"
                if p.table is not None
                else ("paper, text" if p.origin is Origin.PAPER_TEXT else p.origin.value)
            )
            rows.append(
                f"<tr><td>{_esc(ind.name)}</td><td>{_esc(partner)}</td><td>{p.year}"
                f"{' (' + _esc(p.period) + ')' if p.period else ''}</td>"
                f'<td class="num">{_esc(shown)} {_esc(label)}{flag}</td><td>{_esc(where)}</td>'
                f'<td class="muted">{_esc(_cite(p.source))}</td></tr>'
            )
    if not rows:
        return ""
    return (
        "<table><tr><th>Indicator</th><th>Partner</th><th>Year</th><th>Latest value</th>"
        "<th>Where</th><th>Source</th></tr>"
        + "".join(rows)
        + "</table>"
        + '<p class="muted">⚑ the checks flag this cell (see the findings below).</p>'
    )


def _records_table(dataset: Dataset, number: int) -> str:
    rows = dataset.table_records(number)
    if not rows:
        return ""
    info = dataset.table(number)
    cols = [c for c in rows[0] if c != "source"]
    head = "".join(f"<th>{_esc(c.replace('_', ' '))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_esc(r.get(c, ''))}</td>" for c in cols) + "</tr>" for r in rows
    )
    title = f"Table {number}. {info.title}" if info else f"Table {number}"
    return f"<h3>{_esc(title)}</h3><table><tr>{head}</tr>{body}</table>"


def _newer_table(dataset: Dataset) -> str:
    names = {i.id: i.name for i in dataset.indicators()}
    rows = []
    others = [
        o for o in dataset.observations if o.origin not in (Origin.PAPER_TABLE, Origin.PAPER_TEXT)
    ]
    for o in sorted(others, key=lambda o: (o.indicator, o.partner, o.year)):
        div, label = display_scale(o.unit, abs(o.value))
        rows.append(
            f"<tr><td>{_esc(names.get(o.indicator, o.indicator))}</td><td>{_esc(o.partner)}</td>"
            f'<td>{o.year}</td><td class="num">{o.value / div:,.2f} {_esc(label)}</td>'
            f'<td>{_esc(o.origin.value)}</td><td class="muted">{_esc(_cite(o.source))}'
            f"{'; ' + _esc(o.note) if o.note else ''}</td></tr>"
        )
    if not rows:
        return "<p>None.</p>"
    return (
        "<p>Years are left out where no verifiable source gives them.</p><table><tr>"
        "<th>Indicator</th><th>Partner</th><th>Year</th><th>Value</th><th>Origin</th>"
        "<th>Source</th></tr>" + "".join(rows) + "</table>"
    )


def _findings_table(findings: Sequence[Finding]) -> str:
    if not findings:
        return "<p>No findings: every printed figure agrees with the others within rounding.</p>"
    rows = "".join(
        f"<tr><td>{'Table ' + str(f.table) if f.table is not None else 'text'}</td>"
        f"<td>{f.year}</td>"
        f'<td>{_esc(f.column)}</td><td class="num">{_esc(f.printed_text or f.printed)}</td>'
        f'<td class="num">{f.recomputed:g}</td><td class="cause">{_esc(f.cause)}</td>'
        f"<td>{_esc(f.explanation.split(': ', 1)[-1])}</td></tr>"
        for f in findings
    )
    return (
        "<table><tr><th>Where</th><th>Year</th><th>Column</th><th>Printed</th><th>Recomputed</th>"
        "<th>Likely cause</th><th>Explanation</th></tr>" + rows + "</table>"
    )


def build_report(dataset: Dataset, findings: Sequence[Finding]) -> str:
    """The report as one self-contained HTML document."""
    tables_by_link = {
        link: tuple(t.number for t in dataset.tables if t.link is link) for link in CooperationArea
    }
    parts = [
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
        "<title>Heilongjiang and the Belt and Road: figures and their consistency</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Heilongjiang and the Belt and Road: figures and their consistency</h1>",
        '<p class="muted">Built by <code>longjiang stats report</code> from the cited tables of '
        "Song Linlin, <i>Heilongjiang Province's Engagement in BRI</i> (seed 002), newer official "
        "figures and the consistency checks. Circled points in the charts are cells the checks "
        "flag; hollow points are newer official or press figures.</p>",
        f"<p><b>{len(findings)} findings</b> in the paper's tables and text "
        f"({', '.join(sorted({f.cause for f in findings}))}).</p>",
    ]
    for link in CooperationArea:
        parts.append(f'<h2 id="{link.value}">{_esc(link.label)}</h2>')
        parts.append(f"<p>{_esc(_INTRO[link])}</p>")
        for number in _TEXT_TABLES[link]:
            parts.append(_records_table(dataset, number))
        parts.append(_figures_table(dataset, link, findings))
        for indicator, partner in _CHARTS[link]:
            parts.append(_chart_img(dataset, indicator, partner, findings))
        mine = [f for f in findings if f.table is not None and f.table in tables_by_link[link]]
        if link is CooperationArea.FINANCE:
            mine += [f for f in findings if f.table is None and f.kind in ("conversion", "unit")]
        if mine:
            parts.append(f"<h3>Findings in this part ({len(mine)})</h3>")
            parts.append(_findings_table(mine))
    parts.append('<h2 id="newer">Newer figures and other sources</h2>')
    parts.append(_newer_table(dataset))
    parts.append('<h2 id="findings">All findings</h2>')
    parts.append(_findings_table(findings))
    parts.append("</body></html>")
    return "\n".join(p for p in parts if p)


def write_report(dataset: Dataset, findings: Sequence[Finding], path: Path) -> Path:
    """Write :func:`build_report` to ``path``."""
    try:
        path.write_text(build_report(dataset, findings), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc}", field="output") from exc
    return path
