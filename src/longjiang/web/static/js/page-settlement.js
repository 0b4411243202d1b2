/* The settlement page: the CBR/CFETS CNY/RUB chart (public), then, with the settlement
 * token, balances by currency, open invoices and the last reconciliation. */
"use strict";
(function () {
  const LJ = window.LJ;
  const el = LJ.el;
  const TOKEN_KEY = "lj.settle.token";
  const moneyFormats = new Map();

  /* an exact decimal string as money in the page's locale (Intl formats decimal strings exactly) */
  function money(amount, ccy) {
    if (!moneyFormats.has(ccy)) {
      let f;
      try {
        f = new Intl.NumberFormat(LJ.locale, { style: "currency", currency: ccy, currencyDisplay: "code" });
      } catch (err) {
        f = new Intl.NumberFormat(LJ.locale, { minimumFractionDigits: 2 });
      }
      moneyFormats.set(ccy, f);
    }
    return moneyFormats.get(ccy).format(amount);
  }
  const rate = (x) => LJ.fmt.num(Number(x), 4);

  /* -- the rate chart ---------------------------------------------------------------- */

  /* Round ticks covering [lo, hi]: steps of 1, 2 or 5 times a power of ten. */
  function niceTicks(lo, hi, count) {
    if (!(hi > lo)) { const pad = Math.abs(lo) * 0.01 || 0.01; lo -= pad; hi += pad; }
    const raw = (hi - lo) / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = Number(([1, 2, 5, 10].map((m) => m * mag).find((m) => m >= raw * 0.999)).toPrecision(6));
    const ticks = [];
    for (let v = Math.floor(lo / step) * step; v <= hi + step * 0.999; v += step) {
      ticks.push(Number((Math.round(v / step) * step).toPrecision(12)));
      if (ticks[ticks.length - 1] >= hi) break;
    }
    return { ticks, step, digits: (String(step).split(".")[1] || "").length };
  }

  /* The chart is drawn at its box's width in CSS pixels (so it fills the panel and its text is
   * 11 px on any screen), and drawn again when the box's width changes. */
  let lastChart = null;
  const chartObserver = new ResizeObserver(() => {
    if (!lastChart) return;
    const width = Math.round(lastChart.box.clientWidth);
    if (width && width !== lastChart.width) drawChart(lastChart.box, lastChart.series, lastChart.divergence);
  });

  function drawChart(box, series, divergence) {
    box.replaceChildren();
    const all = [];
    for (const [source, rows] of Object.entries(series)) {
      for (const [d, v] of rows) all.push({ source, t: Date.parse(d + "T00:00:00Z"), v: Number(v), d });
    }
    lastChart = null;
    if (all.length === 0) {
      box.append(el("p", { class: "muted", text: LJ.t("settle.rates.none") }));
      box.dataset.state = "empty";
      drawDivergence(divergence);
      return;
    }
    const boxWidth = Math.round(box.clientWidth) || 720;
    lastChart = { box, series, divergence, width: boxWidth };
    chartObserver.observe(box);
    const W = Math.max(280, boxWidth), H = W < 500 ? 240 : 300, L = 64, R = 16, T = 16, B = 40;
    const t0 = Math.min(...all.map((p) => p.t)), t1 = Math.max(...all.map((p) => p.t));
    const yt = niceTicks(Math.min(...all.map((p) => p.v)), Math.max(...all.map((p) => p.v)), W < 500 ? 4 : 5);
    const v0 = yt.ticks[0], v1 = yt.ticks[yt.ticks.length - 1];
    const x = (t) => L + (t1 === t0 ? (W - L - R) / 2 : (t - t0) / (t1 - t0) * (W - L - R));
    const y = (v) => T + (v1 - v) / (v1 - v0) * (H - T - B);
    const svg = LJ.svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", class: "settle-svg",
      "aria-labelledby": "rates-chart-title" });
    svg.append(LJ.svg("title", { id: "rates-chart-title", text: LJ.t("settle.rates.chart_title") }));
    const axis = LJ.svg("g", { class: "axis" });
    axis.append(LJ.svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }));
    axis.append(LJ.svg("line", { x1: L, y1: T, x2: L, y2: H - B }));
    for (const v of yt.ticks) {
      axis.append(LJ.svg("line", { x1: L, y1: y(v), x2: W - R, y2: y(v), class: "settle-grid" }));
      axis.append(LJ.svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "settle-ytick",
        text: LJ.fmt.num(v, yt.digits) }));
    }
    const ticks = t1 === t0 ? [t0] : W < 500 ? [t0, t1] : [t0, (t0 + t1) / 2, t1];
    ticks.forEach((t, i) => {
      const anchor = ticks.length === 1 ? "middle" : i === 0 ? "start" : i === ticks.length - 1 ? "end" : "middle";
      axis.append(LJ.svg("text", { x: x(t), y: H - B + 18, "text-anchor": anchor,
        text: LJ.fmt.date(new Date(t).toISOString().slice(0, 10)) }));
    });
    svg.append(axis);
    for (const source of ["cbr", "cfets"]) {
      const pts = all.filter((p) => p.source === source);
      /* a line joins rates at most ten days apart: a gap in the data stays a gap */
      let run = [];
      const flush = () => {
        if (run.length > 1) {
          svg.append(LJ.svg("polyline", { class: "settle-line settle-" + source, fill: "none",
            points: run.map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(" ") }));
        }
        run = [];
      };
      for (const p of pts) {
        if (run.length && p.t - run[run.length - 1].t > 10 * 86400000) flush();
        run.push(p);
      }
      flush();
      for (const p of pts) {
        const c = LJ.svg("circle", { class: "settle-point settle-" + source, cx: x(p.t).toFixed(1),
          cy: y(p.v).toFixed(1), r: 3.5 });
        c.append(LJ.svg("title", { text: `${LJ.t("settle.source." + source)} ${LJ.fmt.date(p.d)}: ${rate(p.v)}` }));
        svg.append(c);
      }
    }
    const legend = el("p", { class: "settle-legend" }, ["cbr", "cfets"].map((s) =>
      el("span", {}, [el("span", { class: "settle-swatch settle-" + s, "aria-hidden": "true" }),
        " " + LJ.t("settle.source." + s)])));
    box.append(el("figure", { class: "chart" }, [svg, legend]));
    box.dataset.state = "ready";
    drawDivergence(divergence);
  }

  function drawDivergence(divergence) {
    const wrap = document.getElementById("rates-divergence");
    wrap.replaceChildren();
    if (divergence.length) {
      wrap.append(el("table", { class: "data" }, [
        el("caption", { text: LJ.t("settle.divergence.caption") }),
        el("thead", {}, el("tr", {}, [
          el("th", { scope: "col", text: LJ.t("settle.col.date") }),
          el("th", { scope: "col", class: "num", text: LJ.t("settle.source.cbr") }),
          el("th", { scope: "col", class: "num", text: LJ.t("settle.source.cfets") }),
          el("th", { scope: "col", class: "num", text: LJ.t("settle.col.diff_pct") })])),
        el("tbody", {}, divergence.map((d) => el("tr", {}, [
          el("td", { text: LJ.fmt.date(d.date) }),
          el("td", { class: "num", text: rate(d.cbr) }),
          el("td", { class: "num", text: rate(d.cfets) }),
          el("td", { class: "num", text: LJ.fmt.num(Number(d.diff_pct), 2) + " %" })])))]));
    } else {
      wrap.append(el("p", { class: "muted", text: LJ.t("settle.divergence.none") }));
    }
  }

  async function loadRates(event) {
    if (event) event.preventDefault();
    const box = document.getElementById("rates-chart");
    const params = new URLSearchParams();
    const from = document.getElementById("rates-from").value;
    const to = document.getElementById("rates-to").value;
    if (from) params.set("from", from);
    if (to) params.set("to", to);
    box.dataset.state = "loading";
    try {
      const data = await LJ.api("/api/settlement/rates/series?" + params.toString());
      drawChart(box, data.series, data.divergence);
    } catch (err) {
      box.replaceChildren(el("p", { class: "field-error", role: "alert", text: err.message }));
      box.dataset.state = "error";
    }
  }

  /* -- the books (token) ------------------------------------------------------------- */

  /* a table of the books; on a phone each row is a block with every value under its column's
     name (data-label), so that no column hides behind a sideways scroll */
  function table(caption, heads, rows, numeric, name) {
    return el("div", { class: "table-wrap" }, el("table", { class: "data stacked settle-" + name }, [
      el("caption", { class: "visually-hidden", text: caption }),
      el("thead", {}, el("tr", {}, heads.map((h, i) => el("th", { scope: "col",
        class: numeric.includes(i) ? "num" : null, text: h })))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => el("td", {
        class: numeric.includes(i) ? "num" : null, "data-label": heads[i] }, c)))))]));
  }

  function balances(data) {
    const rows = Object.entries(data.exposure).map(([ccy, r]) =>
      [ccy, money(r.bank, ccy), money(r.receivable, ccy), money(r.payable, ccy), money(r.net, ccy)]);
    if (!rows.length) return el("p", { class: "muted", text: LJ.t("settle.balances.none") });
    return table(LJ.t("settle.balances.caption"), [LJ.t("settle.col.currency"), LJ.t("settle.col.bank"),
      LJ.t("settle.col.receivable"), LJ.t("settle.col.payable"), LJ.t("settle.col.net")], rows, [1, 2, 3, 4], "balances");
  }

  function openInvoices(list) {
    if (!list.length) return el("p", { class: "muted", text: LJ.t("settle.open.none") });
    return table(LJ.t("settle.open.caption"), [LJ.t("settle.col.party"), LJ.t("settle.col.invoice"),
      LJ.t("settle.col.direction"), LJ.t("settle.col.issued"), LJ.t("settle.col.shipment"),
      LJ.t("settle.col.open")],
      list.map((i) => [i.party, i.invoice, LJ.t("settle.direction." + i.direction), LJ.fmt.date(i.issued_on),
        i.shipment || "–", money(i.open, i.currency)]), [5], "open");
  }

  function reconciliation(r) {
    if (!r.statement) return el("p", { class: "muted", text: LJ.t("settle.recon.none") });
    const matched = r.entries.filter((e) => e.payment).length;
    const parts = [el("p", { class: "summary", text: LJ.t("settle.recon.summary", {
      statement: r.statement, date: LJ.fmt.dateTime(r.imported_at),
      matched: LJ.fmt.num(matched), total: LJ.fmt.num(r.entries_total),
      open: LJ.fmt.num(r.expected_payments_open) }) })];
    parts.push(table(LJ.t("settle.recon.caption"), [LJ.t("settle.col.entry"), LJ.t("settle.col.value_date"),
      LJ.t("settle.col.amount"), LJ.t("settle.col.match")],
      r.entries.map((e) => [e.entry, LJ.fmt.date(e.value_date),
        (e.direction === "DBIT" ? "−" : "") + money(e.amount, e.currency),
        e.payment ? LJ.t("settle.recon.matched", { payment: e.payment, rule: LJ.t("settle.rule." + e.rule) })
          : el("details", {}, [el("summary", { text: LJ.t("settle.recon.unmatched", { n: e.reasons.length }) }),
            el("ul", { class: "settle-reasons" }, e.reasons.map((x) => el("li", { text: reasonText(x) })))])]), [2],
      "recon"));
    return el("div", {}, parts);
  }

  /* a rejected candidate in the page's language (the server also sends English text) */
  function reasonText(r) {
    const key = "settle.reason." + r.code;
    if (!LJ.has(key)) return r.text;
    const values = Object.assign({}, r);
    if (r.code === "amount") {
      values.expected = money(r.expected, r.currency);
      values.entry = money(r.entry, r.currency);
    }
    if (r.code === "date_gap") {
      values.expected = LJ.fmt.date(r.expected);
      values.entry = LJ.fmt.date(r.entry);
    }
    if (r.code === "direction" || r.code === "currency") {
      for (const k of ["expected", "entry"]) {
        if (LJ.has("settle.dir." + r[k])) values[k] = LJ.t("settle.dir." + r[k]);
      }
    }
    const rule = r.rule && LJ.has("settle.rule." + r.rule) ? LJ.t("settle.rule." + r.rule) + ": " : "";
    return rule + LJ.t(key, values);
  }

  async function loadBooks(token) {
    const box = document.getElementById("books");
    const err = document.getElementById("settle-token-error");
    err.textContent = "";
    box.dataset.state = "loading";
    const options = { headers: { Accept: "application/json", Authorization: "Bearer " + token } };
    try {
      const [bal, open, recon] = await Promise.all([
        LJ.api("/api/settlement/balances", options),
        LJ.api("/api/settlement/invoices/open", options),
        LJ.api("/api/settlement/statements/latest", options)]);
      sessionStorage.setItem(TOKEN_KEY, token);
      box.replaceChildren(
        el("h3", { text: LJ.t("settle.balances.title") }), balances(bal),
        el("h3", { text: LJ.t("settle.open.title") }), openInvoices(open),
        el("h3", { text: LJ.t("settle.recon.title") }), reconciliation(recon));
      box.dataset.state = "ready";
    } catch (e) {
      sessionStorage.removeItem(TOKEN_KEY);
      err.textContent = e.message;
      box.dataset.state = "locked";
    }
  }

  document.getElementById("rates-form").addEventListener("submit", loadRates);
  document.getElementById("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("settle-token").value.trim();
    if (!token) {
      document.getElementById("settle-token-error").textContent = LJ.t("settle.token_missing");
      return;
    }
    loadBooks(token);
  });
  loadRates();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) loadBooks(saved);
})();
