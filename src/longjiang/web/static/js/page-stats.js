/* The statistics page: a chart of every indicator (figures from the seed paper and newer
 * official data marked apart), and the printed cells the checks flag, with their explanations. */
"use strict";
(function () {
  const LJ = window.LJ, C = LJ.statsCharts, el = LJ.el;
  const chartsBox = document.getElementById("charts");
  const summary = document.getElementById("stats-summary");
  const toc = document.getElementById("stats-toc");
  const findingsBox = document.getElementById("findings");
  const findingsList = document.getElementById("findings-list");
  const tableFilter = document.getElementById("findings-table");

  const LINKS = ["trade", "finance", "connectivity", "people", "policy"];
  /* where a figure comes from, as the chart marks it */
  const KIND = { "paper-table": "paper", "paper-text": "paper", official: "official", imported: "official",
                 press: "press" };
  /* scales of large numbers: Chinese counts in 万 and 亿 */
  const SCALES = LJ.lang === "zh" ? [1e8, 1e4] : [1e9, 1e6, 1e3];
  const SCALED_UNITS = new Set(["USD", "CNY", "persons", "t", "t/year", "TEU"]);

  const slug = (text) => String(text).toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
  const translated = (key, fallback) => LJ.has(key) ? LJ.t(key) : fallback;
  const partnerName = (p) => translated("stats.partner." + slug(p), p);
  const unitName = (u) => translated("stats.unit." + slug(u), u);
  const kindName = (k) => LJ.t("stats.origin." + k);

  /* an indicator's name in the page's language, or the data's English name marked as English */
  function indicatorName(ind) {
    const key = "stats.ind." + ind.id;
    if (LJ.has(key)) return el("span", { text: LJ.t(key) });
    return el("span", { lang: LJ.lang === "en" ? null : "en", text: ind.name });
  }
  const indicatorText = (ind) => translated("stats.ind." + ind.id, ind.name);

  function scaleFor(unit, maxAbs) {
    if (!SCALED_UNITS.has(unit)) return { factor: 1, label: unitName(unit) };
    const factor = SCALES.find((f) => maxAbs >= f) || 1;
    if (factor === 1) return { factor, label: unitName(unit) };
    return { factor, label: LJ.t("stats.scaled", { unit: unitName(unit),
      scale: LJ.t("stats.scale." + factor.toExponential().replace("+", "")) }) };
  }

  /* digits needed to write a tick step exactly (0.25 -> 2) */
  function digitsFor(step) {
    for (let d = 0; d <= 4; d++) if (Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) < 1e-6) return d;
    return 4;
  }

  /* -- the key: what the markers mean ---------------------------------------------- */

  function drawKey() {
    document.getElementById("stats-key").replaceChildren(
      ...["paper", "official", "press"].map((k) => el("span", { class: "stats-key-item", "data-kind": k },
        [C.swatch(k, "#333333"), " " + kindName(k)])),
      el("span", { class: "stats-key-item", "data-kind": "flagged" }, [C.swatch("flagged"), " " + LJ.t("stats.flagged")]));
  }

  /* -- one chart per indicator -------------------------------------------------------- */

  function card(ind, points, flagged) {
    const partners = [...new Set(points.map((p) => p.partner))];
    const maxAbs = Math.max(...points.map((p) => Math.abs(p.value)));
    const scale = scaleFor(ind.unit, maxAbs);
    const fmt = (v, digits) => LJ.fmt.num(v / scale.factor, digits);
    const valueText = (v) => fmt(v, 3) + (ind.unit === "percent" ? " %" : "");
    const series = partners.map((partner, i) => ({
      name: partnerName(partner), colour: C.PALETTE[i % C.PALETTE.length],
      points: points.filter((p) => p.partner === partner).map((p) => ({
        year: p.year, value: p.value, kind: KIND[p.origin] || "paper", period: p.period,
        flagged: flagged.has(ind.id + "|" + p.partner + "|" + p.year) })),
    }));
    const name = indicatorText(ind);
    const newer = points.filter((p) => KIND[p.origin] !== "paper").map((p) => p.year);
    const desc = LJ.t("stats.chart.desc", { partners: series.map((s) => s.name).join(", "),
      from: String(Math.min(...points.map((p) => p.year))), to: String(Math.max(...points.map((p) => p.year))),
      unit: scale.label }) + (newer.length ? " " + LJ.t("stats.chart.desc_newer", {
      years: [...new Set(newer)].sort().join(", ") }) : "");
    const svg = C.line({
      title: name, desc, series, yLabel: scale.label, xLabel: LJ.t("stats.year"),
      format: (v, step) => fmt(v, digitsFor(step / scale.factor)),
      label: (p) => valueText(p.value),
      tip: (p, s) => `${s.name}, ${p.year}${p.period ? " (" + p.period + ")" : ""}: ${valueText(p.value)}` +
        ` · ${kindName(p.kind)}${p.flagged ? " · " + LJ.t("stats.flagged") : ""}`,
    });
    const legend = el("p", { class: "stats-legend" }, series.map((s) =>
      el("span", {}, [C.swatch("line", s.colour), " " + s.name])));
    const rows = [...points].sort((p, q) => p.partner.localeCompare(q.partner) || p.year - q.year);
    const data = el("details", { class: "stats-data" }, [
      el("summary", { text: LJ.t("stats.data") }),
      el("div", { class: "table-wrap" }, el("table", { class: "data" }, [
        el("caption", { class: "visually-hidden", text: name }),
        el("thead", {}, el("tr", {}, [
          el("th", { scope: "col", text: LJ.t("stats.col.partner") }),
          el("th", { scope: "col", class: "num", text: LJ.t("stats.year") }),
          el("th", { scope: "col", class: "num", text: scale.label }),
          el("th", { scope: "col", text: LJ.t("stats.col.origin") })])),
        el("tbody", {}, rows.map((p) => el("tr", { "data-kind": KIND[p.origin] || "paper" }, [
          el("td", { text: partnerName(p.partner) }),
          el("td", { class: "num", text: String(p.year) + (p.period ? " (" + p.period + ")" : "") }),
          el("td", { class: "num", text: valueText(p.value) }),
          el("td", { text: LJ.t("stats.short." + (KIND[p.origin] || "paper")) +
            (p.table ? " · " + LJ.t("stats.table_n", { n: p.table }) : "") })])))])),
      el("p", { class: "stats-sources-title", text: LJ.t("stats.col.source") }),
      el("ul", { class: "stats-sources" }, [...new Set(rows.map((p) => p.source))].map((src) =>
        el("li", { lang: "en", text: src })))]);
    const parts = [];
    if (ind.tables.length === 1) parts.push(LJ.t("stats.table_of_paper", { n: ind.tables[0] }));
    else if (ind.tables.length) parts.push(LJ.t("stats.tables", { tables: ind.tables.join(", ") }));
    if (points.some((p) => p.origin === "paper-text")) parts.push(LJ.t("stats.text_only"));
    for (const k of ["official", "press"]) if (points.some((p) => KIND[p.origin] === k)) parts.push(kindName(k));
    const where = parts.join(" · ");
    return el("article", { class: "stats-card", "data-indicator": ind.id, "aria-labelledby": "ind-" + ind.id }, [
      el("h3", { id: "ind-" + ind.id }, indicatorName(ind)),
      el("p", { class: "stats-meta", text: scale.label + " · " + where }),
      el("figure", { class: "chart stats-chart" }, [svg, partners.length > 1 || newer.length ? legend : null]),
      data]);
  }

  async function series(ind) {
    const data = await LJ.api("/api/stats/series?indicator=" + encodeURIComponent(ind.id));
    return data.series;
  }

  /* -- the flagged cells ---------------------------------------------------------------- */

  function drawFindings(findings, indicators) {
    const byId = new Map(indicators.map((i) => [i.id, i]));
    const tables = [...new Set(findings.map((f) => f.table))].sort((a, b) => (a ?? 99) - (b ?? 99));
    tableFilter.replaceChildren(el("option", { value: "", text: LJ.t("stats.findings.all") }),
      ...tables.map((t) => el("option", { value: t === null ? "text" : String(t),
        text: t === null ? LJ.t("stats.findings.text") : LJ.t("stats.table_n", { n: t }) })));
    const show = () => {
      const want = tableFilter.value;
      const chosen = findings.filter((f) => !want || (want === "text" ? f.table === null : String(f.table) === want));
      findingsList.replaceChildren(el("p", { class: "summary", text: LJ.t("stats.findings.count", {
        n: chosen.length }) }), el("ol", { class: "plain stats-finding-list" }, chosen.map((f) => {
        const ind = byId.get(f.indicator);
        return el("li", { class: "stats-finding", "data-cause": f.cause }, [
          el("h3", {}, [f.table === null ? LJ.t("stats.findings.text") : LJ.t("stats.table_n", { n: f.table }),
            " · " + String(f.year) + " · ", el("span", { lang: "en", text: f.column })]),
          facts([
            [LJ.t("stats.col.indicator"), ind ? indicatorName(ind) : f.indicator],
            [LJ.t("stats.col.partner"), partnerName(f.partner)],
            [LJ.t("stats.col.printed"), printedText(f)],
            [LJ.t("stats.col.recomputed"), LJ.fmt.num(f.recomputed, 2)],
            [LJ.t("stats.col.cause"), translated("stats.cause." + slug(f.cause), f.cause)],
          ]),
          ...explanation(f),
        ]);
      })));
    };
    tableFilter.onchange = show;
    show();
    findingsBox.dataset.state = "ready";
  }

  /* one minus sign on the page: the locale's, as Intl writes it (the paper prints some as en dashes) */
  const MINUS = LJ.fmt.num(-1, 0).replace("1", "");
  const oneMinus = (text) => String(text).replace(/(^|[\s(:])[-–−](?=\d)/g, "$1" + MINUS);
  /* the printed figure in the page's number format, with as many decimals as the paper printed */
  function printedText(f) {
    const decimals = /[.,](\d+)/.exec(f.printed_text || "");
    if (!f.printed_text) return LJ.fmt.num(f.printed, 3);
    const digits = decimals ? decimals[1].length : 0;
    return new Intl.NumberFormat(LJ.locale, { minimumFractionDigits: digits, maximumFractionDigits: digits })
      .format(f.printed);
  }

  /* what the check found, said in the page's language from the finding's fields (kind, table,
   * year, printed and recomputed values); the check's own reasoning, in English, in full below */
  function explanation(f) {
    const full = el("span", { lang: LJ.lang === "en" ? null : "en", text: oneMinus(f.explanation) });
    const key = "stats.why." + f.kind;
    if (LJ.lang === "en" || !LJ.has(key)) {
      return [el("p", { class: "stats-explanation" }, [el("strong", { text: LJ.t("stats.explanation_label") }), full])];
    }
    const said = LJ.t(key, { printed: printedText(f), recomputed: LJ.fmt.num(f.recomputed, 2),
                             year: String(f.year), previous: String(f.year - 1) });
    return [el("p", { class: "stats-explanation" }, [el("strong", { text: LJ.t("stats.explanation_label") }),
              el("span", { text: said })]),
            el("details", { class: "stats-explanation-full" }, [
              el("summary", { text: LJ.t("stats.explanation_full") }), el("p", {}, full)])];
  }

  function facts(rows) {
    const dl = el("dl", { class: "facts" });
    for (const [label, value] of rows) dl.append(el("dt", { text: label }), el("dd", {}, value));
    return dl;
  }

  /* -- start -------------------------------------------------------------------------- */

  async function start() {
    drawKey();
    let indicators, findings;
    try {
      [indicators, findings] = await Promise.all([LJ.api("/api/stats/indicators"), LJ.api("/api/stats/findings")]);
    } catch (err) {
      chartsBox.dataset.state = "error";
      findingsBox.dataset.state = "error";
      summary.textContent = "";
      LJ.notice(err.message);
      return;
    }
    const flagged = new Set(findings.map((f) => f.indicator + "|" + f.partner + "|" + f.year));
    drawFindings(findings, indicators);
    let all;
    try {
      all = await Promise.all(indicators.map(series));
    } catch (err) {
      chartsBox.dataset.state = "error";
      summary.textContent = "";
      LJ.notice(err.message);
      return;
    }
    const sections = [];
    for (const link of LINKS) {
      const here = indicators.map((ind, i) => [ind, all[i]]).filter(([ind, pts]) => ind.link === link && pts.length);
      if (!here.length) continue;
      sections.push(el("section", { id: "link-" + link, class: "stats-link", "aria-labelledby": "link-" + link + "-title" }, [
        el("h2", { id: "link-" + link + "-title", text: LJ.t("stats.link." + link) }),
        el("div", { class: "stats-grid" }, here.map(([ind, pts]) => card(ind, pts, flagged)))]));
      toc.append(el("li", {}, el("a", { href: "#link-" + link, text: LJ.t("stats.link." + link) })));
    }
    toc.append(el("li", {}, el("a", { href: "#findings", text: LJ.t("stats.findings.title") })));
    chartsBox.replaceChildren(...sections);
    const newer = all.flat().filter((p) => KIND[p.origin] !== "paper").length;
    summary.textContent = LJ.t("stats.summary", { n: indicators.length,
      points: all.flat().length, newer: newer, findings: findings.length });
    chartsBox.dataset.state = "ready";
  }

  start();
})();
