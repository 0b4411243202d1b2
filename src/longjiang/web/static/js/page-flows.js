/* The flows page: the year's equilibrium flows on the map (width by tonnes, colour by
 * volume/capacity), the criticality ranking on request (a progress bar fed by the API's
 * streamed steps), and two dates compared. */
"use strict";
(function () {
  const LJ = window.LJ, M = LJ.map, el = LJ.el;
  const mapEl = document.getElementById("map");
  const dateInput = document.getElementById("flows-date");
  const summary = document.getElementById("flows-summary");
  const detailsBox = document.getElementById("flows-details");
  const bottleneckBox = document.getElementById("bottlenecks");
  const critBox = document.getElementById("crit-result");
  const critButton = document.getElementById("crit-run");
  const critProgress = document.getElementById("crit-progress");
  const critElapsed = document.getElementById("crit-elapsed");
  const cmpBox = document.getElementById("cmp-result");
  const cmpA = document.getElementById("cmp-a"), cmpB = document.getElementById("cmp-b");
  const cmpError = document.getElementById("cmp-error");
  const viewInputs = [...document.querySelectorAll("input[name=view]")];

  const DEFAULT_DATE = "2023-06-01";   // the shipped demand is for 2023

  /* volume/capacity classes: upper bound (exclusive), colour, key */
  const VC = [
    { max: 0.5, color: "#1a9641", key: "low" },
    { max: 0.8, color: "#a6d96a", key: "mid" },
    { max: 1.0, color: "#fdae61", key: "high" },
    { max: Infinity, color: "#d7191c", key: "over" },
  ];
  const NO_LIMIT = "#6b7785";
  const UP = "#1f5fa8", DOWN = "#c0392b";
  const vcClass = (vc) => VC.find((c) => vc < c.max);

  const map = M.create(mapEl);
  const legendBox = el("div", { class: "flows-legend" });
  /* folded on phones, where it would cover most of the map */
  M.legend(map, [], el("details", { class: "flows-legend-box",
    open: !window.matchMedia("(max-width: 900px)").matches }, [
    el("summary", { text: LJ.t("mapview.legend") }), legendBox]));
  const baseLayer = L.layerGroup().addTo(map);
  const flowLayer = L.layerGroup().addTo(map);
  const focusLayer = L.layerGroup().addTo(map);

  let network = null, nodes = new Map(), links = new Map(), crossings = new Map();
  let flows = null, comparison = null;

  const mt = (t) => LJ.t("flows.unit.mt", { n: LJ.fmt.num(t / 1e6, t >= 1e7 ? 1 : 2) });
  /* millions of US dollars, the sign before the currency: −US$0.3 million */
  const musd = (x, digits) => (x < 0 ? "−" : "") +
    LJ.t("flows.unit.musd", { n: LJ.fmt.num(Math.abs(x) / 1e6, digits) });
  const ratio = (x) => (x === null || x === undefined) ? "–" : LJ.fmt.num(x, 2);

  /* -- names in the page's language ------------------------------------------------ */

  function linkName(id) {
    const l = links.get(id);
    if (!l) return null;
    const a = nodes.get(l.from), b = nodes.get(l.to);
    return LJ.t("flows.link_name", { from: a ? LJ.placeName(a.properties) : l.from,
      to: b ? LJ.placeName(b.properties) : l.to, mode: LJ.t("flows.in_name." + M.modeKey(l)) + parallelText(l) });
  }

  /* Links of one mode between the same two places (the two Mohe–Daqing pipelines) share a name:
   * each says which it is, numbered by opening date, with its year. */
  function parallelText(l) {
    const pair = (x) => [x.from, x.to].sort().join("|") + "|" + M.modeKey(x);
    const same = [...links.values()].filter((x) => pair(x) === pair(l));
    if (same.length < 2) return "";
    same.sort((x, y) => (x.opened || "9999").localeCompare(y.opened || "9999") || x.id.localeCompare(y.id));
    const n = same.indexOf(l) + 1;
    return l.opened ? LJ.t("flows.parallel_opened", { n: LJ.fmt.num(n), year: l.opened.slice(0, 4) })
      : LJ.t("flows.parallel", { n: LJ.fmt.num(n) });
  }

  function elementName(key, fallback) {
    const [kind, id] = [key.slice(0, key.indexOf(":")), key.slice(key.indexOf(":") + 1)];
    if (kind === "crossing" && crossings.has(id)) {
      const c = crossings.get(id);
      return LJ.t("flows.link_name", { from: LJ.placeName(c.cn), to: LJ.placeName(c.ru),
        mode: c.modes.map((m) => LJ.t("flows.in_name." + m)).join(LJ.t("flows.in_name.sep")) });
    }
    if (kind === "link") return linkName(id) || fallback || id;
    if (kind === "node" && nodes.has(id)) return LJ.placeName(nodes.get(id).properties);
    return fallback || id;
  }

  const kindText = (key) => LJ.t("flows.kind." + key.slice(0, key.indexOf(":")));

  /* -- the map ------------------------------------------------------------------- */

  function widthFor(t, max) { return 1.5 + 10 * Math.sqrt(Math.max(t, 0) / (max || 1)); }

  function sample(width, color) {
    return LJ.svg("svg", { width: 26, height: 14, viewBox: "0 0 26 14", "aria-hidden": "true", class: "flows-sample" },
      LJ.svg("line", { x1: 1, y1: 7, x2: 25, y2: 7, stroke: color, "stroke-width": width, "stroke-linecap": "round" }));
  }

  function legendRow(graphic, text) {
    return el("div", { class: "legend-row" }, [graphic, text]);
  }

  function widthRows(max, values) {
    return values.filter((v) => v <= max * 1.0001).map((v) =>
      legendRow(sample(widthFor(v, max), "#55606e"), mt(v)));
  }

  function flowsLegend(max) {
    legendBox.replaceChildren(
      el("div", { class: "legend-title", text: LJ.t("flows.legend.width") }),
      ...widthRows(max, [1e6, 1e7, 3e7]),
      el("div", { class: "legend-title", text: LJ.t("flows.legend.vc") }),
      ...VC.map((c) => legendRow(sample(5, c.color), LJ.t("flows.vc." + c.key))),
      legendRow(sample(5, NO_LIMIT), LJ.t("flows.vc.none")));
  }

  function changeLegend(max) {
    legendBox.replaceChildren(
      el("div", { class: "legend-title", text: LJ.t("flows.legend.change", {
        a: LJ.fmt.date(comparison.a.date), b: LJ.fmt.date(comparison.b.date) }) }),
      legendRow(sample(5, UP), LJ.t("flows.change.up")),
      legendRow(sample(5, DOWN), LJ.t("flows.change.down")),
      el("div", { class: "legend-title", text: LJ.t("flows.legend.change_width") }),
      ...widthRows(max, [1e6, 1e7, 3e7]));
  }

  function drawBase() {
    baseLayer.clearLayers();
    for (const f of network.features) {
      if (f.properties.feature !== "link") continue;
      L.polyline(M.latLngs(f), { color: "#9aa5b1", weight: 1, opacity: 0.5, interactive: false,
        className: "flows-base" }).addTo(baseLayer);
    }
  }

  /* An element of a table shown on the map: its lines (or terminal) outlined and in view. */
  function focusElement(key) {
    const kind = key.slice(0, key.indexOf(":")), id = key.slice(key.indexOf(":") + 1);
    focusLayer.clearLayers();
    const shapes = [];
    if (kind === "node" && nodes.has(id)) {
      const p = nodes.get(id).properties;
      shapes.push(L.circleMarker([p.lat, p.lon], { radius: 13, color: "#111", weight: 3, fill: false,
        interactive: false, className: "flow-focus" }));
    } else {
      for (const l of links.values()) {
        if ((kind === "link" && l.id === id) || (kind === "crossing" && l.crossing === id)) {
          shapes.push(L.polyline(M.latLngs(l.geo), { color: "#111", weight: 14, opacity: 0.35,
            interactive: false, className: "flow-focus" }));
        }
      }
    }
    if (!shapes.length) return;
    shapes.forEach((shape) => shape.addTo(focusLayer));
    const bounds = L.featureGroup(shapes).getBounds();
    L.circleMarker(bounds.getCenter(), { radius: 18, color: "#111", weight: 3, fill: false,
      interactive: false, className: "flow-focus" }).addTo(focusLayer);
    map.fitBounds(bounds.pad(0.5), { maxZoom: 6 });
    mapEl.dataset.focus = key;
    mapEl.scrollIntoView({ block: "nearest" });
  }

  /* the name of an element in a table: a button that shows it on the map */
  function elementButton(key, fallback, prefix) {
    return el("button", { type: "button", class: "linkish flows-focus", "data-element": key,
      title: LJ.t("flows.show_on_map"), onclick: () => focusElement(key) },
      [prefix || null, prefix ? " " : null, elementName(key, fallback)]);
  }

  function showDetails(title, rows) {
    detailsBox.replaceChildren(el("h3", { text: title }), M.details(rows));
  }

  function elementFor(lf, byKey) {
    return byKey.get("link:" + lf.id) || (lf.crossing ? byKey.get("crossing:" + lf.crossing) : null);
  }

  function drawFlows() {
    flowLayer.clearLayers();
    const byKey = new Map(flows.elements.map((e) => [e.key, e]));
    const max = Math.max(1, ...flows.links.map((l) => l.volume_t));
    const sorted = [...flows.links].sort((a, b) => a.volume_t - b.volume_t);  // big ones on top
    for (const lf of sorted) {
      const f = links.get(lf.id);
      if (!f) continue;
      const element = elementFor(lf, byKey);
      const color = element ? vcClass(element.vc_ratio).color : NO_LIMIT;
      const line = L.polyline(M.latLngs(f.geo), { color, weight: widthFor(lf.volume_t, max), opacity: 0.9,
        lineCap: "round", className: "flow flow-" + (element ? vcClass(element.vc_ratio).key : "none") });
      const name = linkName(lf.id);
      line.bindTooltip(name + " · " + mt(lf.volume_t) +
        (element ? " · " + LJ.t("flows.col.vc") + " " + ratio(element.vc_ratio) : ""), { sticky: true });
      line.on("click", () => showDetails(name, [
        [LJ.t("flows.col.volume"), mt(lf.volume_t)],
        [LJ.t("flows.forward"), mt(lf.forward_t)],
        [LJ.t("flows.backward"), mt(lf.backward_t)],
        [LJ.t("flows.commodities"), Object.entries(lf.by_commodity_t).map(([c, t]) =>
          (LJ.has("flows.commodity." + c) ? LJ.t("flows.commodity." + c) : c) + " " + mt(t)).join(", ")],
        [LJ.t("flows.limit"), element ? elementName(element.key, element.name) : LJ.t("flows.vc.none")],
        [LJ.t("flows.col.capacity"), element ? mt(element.capacity_t_per_year) : null],
        [LJ.t("flows.col.vc"), element ? ratio(element.vc_ratio) : null],
        [LJ.t("flows.col.delay"), element ? LJ.fmt.hours(element.delay_h) : null],
      ]));
      line.addTo(flowLayer);
    }
    for (const e of flows.elements) {
      if (!e.key.startsWith("node:")) continue;
      const n = nodes.get(e.id);
      if (!n) continue;
      const c = vcClass(e.vc_ratio);
      L.circleMarker([n.properties.lat, n.properties.lon], { radius: 7, color: "#111", weight: 2,
        fillColor: c.color, fillOpacity: 0.95, className: "flow-node flow-" + c.key })
        .bindTooltip(elementName(e.key, e.name) + " · " + LJ.t("flows.col.vc") + " " + ratio(e.vc_ratio))
        .addTo(flowLayer);
    }
    flowsLegend(max);
    mapEl.dataset.view = "flows";
  }

  function drawChange() {
    flowLayer.clearLayers();
    const max = Math.max(1, ...comparison.links.map((l) => Math.abs(l.change_t)));
    const sorted = [...comparison.links].sort((a, b) => Math.abs(a.change_t) - Math.abs(b.change_t));
    for (const lc of sorted) {
      const f = links.get(lc.id);
      if (!f) continue;
      const up = lc.change_t > 0;
      const name = linkName(lc.id);
      L.polyline(M.latLngs(f.geo), { color: up ? UP : DOWN, weight: widthFor(Math.abs(lc.change_t), max),
        opacity: 0.9, lineCap: "round", className: "flow-change " + (up ? "flow-up" : "flow-down") })
        .bindTooltip(name + " · " + (up ? "+" : "−") + mt(Math.abs(lc.change_t)), { sticky: true })
        .on("click", () => showDetails(name, [
          [LJ.fmt.date(comparison.a.date), mt(lc.volume_a_t)],
          [LJ.fmt.date(comparison.b.date), mt(lc.volume_b_t)],
          [LJ.t("flows.col.change"), (up ? "+" : "−") + mt(Math.abs(lc.change_t))],
        ]))
        .addTo(flowLayer);
    }
    changeLegend(max);
    mapEl.dataset.view = "change";
  }

  function redraw() {
    const view = viewInputs.find((i) => i.checked).value;
    if (view === "change" && comparison) drawChange();
    else if (flows) drawFlows();
  }

  /* -- tables -------------------------------------------------------------------- */

  /* a table; `stacked`: on a phone each row a block, every cell under its column's name
   * (data-label), instead of columns hidden behind a sideways scroll */
  function table(id, caption, heads, rows, numeric, stacked) {
    return el("div", { class: "table-wrap" }, el("table", { class: stacked ? "data stacked" : "data", id }, [
      el("caption", { text: caption }),
      el("thead", {}, el("tr", {}, heads.map((h, i) => el("th", { scope: "col",
        class: numeric.includes(i) ? "num" : null, text: h })))),
      el("tbody", {}, rows.map((r) => el("tr", {}, r.map((c, i) => el("td", {
        class: numeric.includes(i) ? "num" : null, "data-label": heads[i] }, c)))))]));
  }

  function bottlenecks() {
    const top = flows.elements.slice(0, 12);
    bottleneckBox.replaceChildren(table("bottleneck-table", LJ.t("flows.bottlenecks.caption", {
      date: LJ.fmt.date(flows.summary.date) }),
      [LJ.t("flows.col.element"), LJ.t("flows.col.kind"), LJ.t("flows.col.volume"),
       LJ.t("flows.col.capacity"), LJ.t("flows.col.vc"), LJ.t("flows.col.delay")],
      top.map((e) => [
        elementButton(e.key, e.name, el("span", { class: "vc-dot vc-" + vcClass(e.vc_ratio).key,
          "aria-hidden": "true" })),
        kindText(e.key), mt(e.volume_t), mt(e.capacity_t_per_year), ratio(e.vc_ratio),
        LJ.fmt.hours(e.delay_h)]), [2, 3, 4, 5]));
    bottleneckBox.dataset.state = "ready";
  }

  function summaryText(s) {
    return LJ.t("flows.summary", { date: LJ.fmt.date(s.date), demand: mt(s.demand_t), served: mt(s.served_t),
      unserved: mt(s.unserved_t), cost: musd(s.total_cost_usd, 0) }) +
      " " + (s.converged ? LJ.t("flows.converged", { n: s.iterations })
        : LJ.t("flows.not_converged", { n: s.iterations }));
  }

  /* -- the year's flows ------------------------------------------------------------- */

  async function loadFlows(event) {
    if (event) event.preventDefault();
    if (!dateInput.value) { dateInput.value = DEFAULT_DATE; }
    LJ.notice(null);
    mapEl.dataset.state = "loading";
    bottleneckBox.dataset.state = "loading";
    summary.textContent = LJ.t("common.loading");
    try {
      flows = await LJ.api("/api/flows/assign?date=" + encodeURIComponent(dateInput.value));
    } catch (err) {
      mapEl.dataset.state = "error";
      bottleneckBox.dataset.state = "error";
      summary.textContent = "";
      LJ.notice(err.message);
      return;
    }
    viewInputs.find((i) => i.value === "flows").checked = true;
    /* a date outside the dataset's history: the API says what the flows rest on */
    if (flows.warnings && flows.warnings.length) {
      LJ.notice(LJ.t("flows.warning", { text: flows.warnings.join(" ") }), "info");
    }
    summary.textContent = summaryText(flows.summary);
    drawFlows();
    bottlenecks();
    if (critAbort) critAbort.abort();   // a ranking of the previous date: stop it
    critBox.replaceChildren();
    critBox.dataset.state = "idle";
    const url = new URL(location.href);
    url.searchParams.set("date", dateInput.value);
    history.replaceState(null, "", url);
    mapEl.dataset.state = "ready";
    mapEl.dataset.date = dateInput.value;
  }

  /* -- criticality: the API streams one line per element closed, so the bar fills as it runs */

  /* GET path as JSON lines (application/x-ndjson), each handed to onLine as it arrives */
  async function streamLines(path, onLine, signal) {
    let response;
    try {
      response = await fetch(path, { headers: { Accept: "application/x-ndjson" }, signal });
    } catch (err) {
      if (signal && signal.aborted) throw err;
      throw new LJ.Problem(0, null);
    }
    if (!response.ok) {
      let body = null;
      try { body = await response.json(); } catch (err) { body = null; }
      throw new LJ.Problem(response.status, body);
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      let chunk;
      try { chunk = await reader.read(); } catch (err) {
        if (signal && signal.aborted) throw err;
        throw new LJ.Problem(0, null);
      }
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line) onLine(JSON.parse(line));
      }
    }
    if (buffer.trim()) onLine(JSON.parse(buffer));
  }

  let critAbort = null;     // the running ranking, stopped when the date changes

  async function runCriticality() {
    const abort = (critAbort = new AbortController());
    const date = dateInput.value || DEFAULT_DATE;
    const bar = document.getElementById("crit-bar");
    critButton.disabled = true;
    bar.removeAttribute("value");                 // indeterminate until the API says how many
    critProgress.hidden = false;
    critBox.dataset.state = "running";
    critBox.replaceChildren();
    const label = document.getElementById("crit-label");
    label.textContent = LJ.t("flows.crit.running");
    // the API answers {"waiting": true} while another ranking is computed, then {"total": n}
    // when this one starts: its time is measured from there (the wait is told apart)
    const asked = performance.now();
    let start = asked, waited = 0, waiting = false;
    let total = 0, done = 0, data = null;
    const tick = () => {
      if (waiting) {
        critElapsed.textContent = LJ.t("flows.crit.waited", { s: LJ.fmt.num((performance.now() - asked) / 1000, 1) });
        return;
      }
      const elapsed = LJ.t("flows.crit.elapsed", { s: LJ.fmt.num((performance.now() - start) / 1000, 1) });
      critElapsed.textContent = total ? LJ.t("flows.crit.progress", { done: LJ.fmt.num(done),
        total: LJ.fmt.num(total) }) + " · " + elapsed : elapsed;
    };
    tick();
    const timer = setInterval(tick, 200);
    try {
      await streamLines("/api/flows/criticality?top=20&date=" + encodeURIComponent(date), (item) => {
        if (item.problem) throw new LJ.Problem(item.problem.status || 500, item.problem);
        if (item.waiting) {
          waiting = true;
          critBox.dataset.state = "waiting";
          label.textContent = LJ.t("flows.crit.waiting");
        } else if (item.total !== undefined) {
          if (waiting) { waited = (performance.now() - asked) / 1000; start = performance.now(); }
          waiting = false;
          critBox.dataset.state = "running";
          label.textContent = LJ.t("flows.crit.running");
          total = item.total; bar.max = Math.max(1, total); bar.value = 0;
        }
        else if (item.step !== undefined) { done += 1; bar.value = done; }
        else if (item.ranking) data = item;
        tick();
      }, abort.signal);
      if (!data) throw new LJ.Problem(0, null);
      const seconds = (performance.now() - start) / 1000;
      critBox.replaceChildren(
        el("p", { class: "summary", text: LJ.t("flows.crit.done", { n: data.evaluated,
          s: LJ.fmt.num(seconds, 1), date: LJ.fmt.date(data.date) }) +
          (waited >= 0.05 ? " " + LJ.t("flows.crit.after_wait", { s: LJ.fmt.num(waited, 1) }) : "") }),
        table("crit-table", LJ.t("flows.crit.caption"),
          ["#", LJ.t("flows.col.element"), LJ.t("flows.col.kind"), LJ.t("flows.col.base_volume"),
           LJ.t("flows.col.unserved"), LJ.t("flows.col.cost_increase")],
          data.ranking.map((r, i) => [LJ.fmt.num(i + 1), el("span", {}, [elementButton(r.key, r.name),
            (r.notes || []).includes("braess") ? el("span", { class: "flows-tag", text: LJ.t("flows.crit.braess") }) : null]),
            kindText(r.key), mt(r.base_volume_t), mt(r.unserved_t),
            musd(r.cost_increase_usd, 1)]), [0, 3, 4, 5], true),
        el("p", { class: "muted flows-note", text: LJ.t("flows.crit.note") }));
      critBox.dataset.state = "done";
    } catch (err) {
      if (abort.signal.aborted) return;   // the date changed: loadFlows has cleared the box
      critBox.replaceChildren(el("p", { class: "field-error", role: "alert",
        text: err instanceof LJ.Problem ? err.message : LJ.t("problem.unexpected") }));
      critBox.dataset.state = "error";
    } finally {
      clearInterval(timer);
      critProgress.hidden = true;
      critButton.disabled = false;
    }
  }

  /* -- two dates compared ------------------------------------------------------------ */

  function signed(t) { return (t > 0 ? "+" : t < 0 ? "−" : "") + mt(Math.abs(t)); }

  async function runCompare(event) {
    event.preventDefault();
    cmpError.textContent = "";
    for (const input of [cmpA, cmpB]) input.removeAttribute("aria-invalid");
    const missing = [cmpA, cmpB].filter((i) => !i.value);
    if (missing.length) {
      missing.forEach((i) => i.setAttribute("aria-invalid", "true"));
      cmpError.textContent = LJ.t("flows.cmp.need_dates");
      missing[0].focus();
      return;
    }
    cmpBox.dataset.state = "loading";
    cmpBox.replaceChildren(el("p", { class: "muted", text: LJ.t("common.loading") }));
    try {
      comparison = await LJ.api("/api/flows/compare?a=" + encodeURIComponent(cmpA.value) +
        "&b=" + encodeURIComponent(cmpB.value));
    } catch (err) {
      cmpBox.replaceChildren(el("p", { class: "field-error", role: "alert", text: err.message }));
      cmpBox.dataset.state = "error";
      return;
    }
    const a = comparison.a, b = comparison.b;
    const changed = comparison.elements.filter((e) => (e.volume_a_t || 0) !== (e.volume_b_t || 0)).slice(0, 15);
    const status = (e) => e.status === "both" ? "" : LJ.t("flows.status." + e.status);
    cmpBox.replaceChildren(
      el("h2", { text: LJ.t("flows.cmp.heading", { a: LJ.fmt.date(a.date), b: LJ.fmt.date(b.date) }) }),
      el("p", { class: "summary", text: LJ.t("flows.cmp.totals", { served_a: mt(a.served_t), served_b: mt(b.served_t),
        unserved_a: mt(a.unserved_t), unserved_b: mt(b.unserved_t) }) }),
      changed.length ? table("cmp-table", LJ.t("flows.cmp.caption"),
        [LJ.t("flows.col.element"), LJ.fmt.date(a.date), LJ.fmt.date(b.date), LJ.t("flows.col.change"),
         LJ.t("flows.col.vc_ab")],
        changed.map((e) => [
          el("span", {}, [elementButton(e.key, e.name), status(e) ? el("span", { class: "flows-tag", text: status(e) }) : null]),
          e.volume_a_t === null ? "–" : mt(e.volume_a_t), e.volume_b_t === null ? "–" : mt(e.volume_b_t),
          signed((e.volume_b_t || 0) - (e.volume_a_t || 0)), ratio(e.vc_a) + " → " + ratio(e.vc_b)]), [1, 2, 3, 4], true)
        : el("p", { class: "muted", text: LJ.t("flows.cmp.none") }));
    cmpBox.dataset.state = "ready";
    const changeView = viewInputs.find((i) => i.value === "change");
    changeView.disabled = false;
    changeView.checked = true;
    drawChange();
  }

  /* -- start -------------------------------------------------------------------------- */

  async function start() {
    dateInput.value = LJ.param("date", DEFAULT_DATE);
    cmpA.value = LJ.param("a", "2019-06-01");
    cmpB.value = LJ.param("b", DEFAULT_DATE);
    try {
      const [net, crossingList] = await Promise.all([M.network(), LJ.api("/api/crossings")]);
      network = net;
      nodes = M.nodesById(network);
      for (const f of network.features) {
        if (f.properties.feature === "link") links.set(f.id, Object.assign({}, f.properties, { geo: f }));
      }
      crossings = new Map(crossingList.map((c) => [c.id, c]));
    } catch (err) {
      mapEl.dataset.state = "error";
      LJ.notice(err.message);
      return;
    }
    drawBase();
    await loadFlows();
  }

  document.getElementById("flows-form").addEventListener("submit", loadFlows);
  document.getElementById("cmp-form").addEventListener("submit", runCompare);
  critButton.addEventListener("click", runCriticality);
  viewInputs.forEach((i) => i.addEventListener("change", redraw));
  start();
})();
