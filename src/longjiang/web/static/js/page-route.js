/* The route planner: a form whose query lives in the URL, the route on the map, the legs table,
 * and for Pareto queries a time-against-cost chart whose points choose the route shown. */
"use strict";
(function () {
  const LJ = window.LJ, M = LJ.map;
  const form = document.getElementById("route-form");
  const $ = (id) => document.getElementById(id);
  const fields = { from: $("route-from"), to: $("route-to"), date: $("route-date"), optimize: $("route-optimize"),
                   cargo: $("route-cargo"), tonnes: $("route-tonnes"), via: $("route-via"), avoid: $("route-avoid"),
                   planned: $("route-planned") };
  const modeBoxes = Array.from(form.querySelectorAll("input[name=mode]"));
  const results = $("route-results"), status = $("route-status"), submit = $("route-submit");
  const mapEl = $("map");
  const map = M.create(mapEl);
  M.legend(map, ["rail_1435", "rail_1520", "rail_dual", "road", "river", "sea", "air"]);
  const routeLayer = L.layerGroup().addTo(map);
  let network = null, linkGeometry = new Map(), nodes = new Map();
  let current = null, selected = 0, requestSeq = 0;

  /* ---- the query: form <-> URL ---- */
  const ALL_MODES = modeBoxes.map((b) => b.value);

  function readForm() {
    const q = new URLSearchParams();
    q.set("from", fields.from.value.trim());
    q.set("to", fields.to.value.trim());
    if (fields.date.value) q.set("date", fields.date.value);
    const tonnes = fields.tonnes.value.trim().replace(",", ".");
    q.set("cargo", fields.cargo.value + (tonnes ? ":" + tonnes : ""));
    q.set("optimize", fields.optimize.value);
    const modes = modeBoxes.filter((b) => b.checked).map((b) => b.value);
    if (modes.length !== ALL_MODES.length) q.set("modes", modes.join(","));
    for (const name of ["via", "avoid"]) {
      for (const part of fields[name].value.split(/[,;，；]/)) if (part.trim()) q.append(name, part.trim());
    }
    if (fields.planned.checked) q.set("include_planned", "true");
    return q;
  }

  function writeForm(q) {
    fields.from.value = q.get("from") || "";
    fields.to.value = q.get("to") || "";
    fields.date.value = q.get("date") || LJ.today();
    const [kind, tonnes] = (q.get("cargo") || "40ft").split(":");
    if ([...fields.cargo.options].some((o) => o.value === kind)) fields.cargo.value = kind;
    fields.tonnes.value = tonnes || "";
    const optimize = q.get("optimize") || "time";
    if ([...fields.optimize.options].some((o) => o.value === optimize)) fields.optimize.value = optimize;
    const modes = q.get("modes");
    const wanted = new Set(modes ? modes.split(",") : ALL_MODES);
    modeBoxes.forEach((b) => { b.checked = wanted.has(b.value); });
    fields.via.value = q.getAll("via").join(", ");
    fields.avoid.value = q.getAll("avoid").join(", ");
    fields.planned.checked = q.get("include_planned") === "true";
    if (fields.via.value || fields.avoid.value || fields.planned.checked) $("route-more").open = true;
  }

  /* ---- autocomplete over /api/places (English, Chinese, Russian, pinyin, id) ---- */
  function autocomplete(input, list) {
    let timer = null, seq = 0;
    input.addEventListener("input", () => {
      clearTimeout(timer);
      clearError(input);
      const q = input.value.trim();
      if (!q) return;
      timer = setTimeout(async () => {
        const mine = ++seq;
        try {
          const places = await LJ.api("/api/places?limit=8&q=" + encodeURIComponent(q));
          if (mine !== seq) return;
          list.replaceChildren(...places.map((p) => LJ.el("option", { value: LJ.placeName(p),
            label: [p.name_en, p.name_zh, p.name_ru].filter((n) => n && n !== LJ.placeName(p)).join(" · ") })));
        } catch (err) { /* suggestions are a convenience: the planner still answers */ }
      }, 120);
    });
  }
  autocomplete(fields.from, $("places-from"));
  autocomplete(fields.to, $("places-to"));

  /* ---- errors beside their fields ---- */
  function clearError(input) {
    input.removeAttribute("aria-invalid");
    const box = $(input.id + "-error");
    if (box) box.replaceChildren();
  }
  function clearErrors() { Object.values(fields).forEach((f) => f.id && clearError(f)); LJ.notice(null); }

  function showFieldError(input, message, suggestions) {
    input.setAttribute("aria-invalid", "true");
    const box = $(input.id + "-error");
    const buttons = (suggestions || []).map((s) => {
      const match = /\(([^()]+)\)$/.exec(s);
      const id = match ? match[1] : s;
      /* the API names a suggestion in English, with its id: show the name in the page's language */
      const shown = nodes.has(id) ? LJ.placeName(nodes.get(id).properties)
        : match ? s.slice(0, match.index).trim() : s;
      return LJ.el("button", { type: "button", "data-place": id, text: shown,
        onclick: () => { input.value = id; clearError(input); input.focus(); } });
    });
    box.replaceChildren(LJ.el("div", { text: message }),
      ...(buttons.length ? [LJ.el("div", {}, [LJ.t("route.did_you_mean") + " ", ...buttons])] : []));
  }

  /* The place a name denotes when it is one of a place's names (en, zh, ru, pinyin) or its id. */
  function placeId(text) {
    const t = (text || "").trim().toLocaleLowerCase();
    if (!t) return null;
    if (nodes.has(t)) return t;
    for (const [id, f] of nodes) {
      const p = f.properties;
      if ([p.name_en, p.name_zh, p.name_ru, p.pinyin].some((n) => n && n.toLocaleLowerCase() === t)) return id;
    }
    return null;
  }

  function placeProblem(err, q) {
    if (!(err instanceof LJ.Problem) || err.code !== "unknown-place") return false;
    const name = (err.body.name || "").trim();
    const candidates = [["from", [q.get("from")]], ["to", [q.get("to")]], ["via", q.getAll("via")],
                        ["avoid", q.getAll("avoid")]];
    for (const [field, values] of candidates) {
      if (values.some((v) => (v || "").trim() === name)) {
        if (field === "via" || field === "avoid") $("route-more").open = true;
        showFieldError(fields[field], LJ.t("route.unknown_place", { name }), err.body.suggestions);
        fields[field].focus();
        return true;
      }
    }
    return false;
  }

  /* A field the server refused, said in the page's language: in English the server's own
     sentence (it names the exact problem); in Chinese and Russian what the field expects. */
  const BAD_FIELDS = { cargo: fields.tonnes, date: fields.date, modes: modeBoxes[0], depart: null,
                       optimize: fields.optimize };
  function inputProblem(err) {
    if (!(err instanceof LJ.Problem) || err.status !== 422 || LJ.lang === "en") return false;
    const first = (err.body.errors || [])[0];
    const name = first ? String(first.field || "").split(".").pop() : "";
    const key = "route.bad." + name;
    if (!(name in BAD_FIELDS) || !LJ.has(key)) return false;
    LJ.notice(LJ.t("problem.bad-input", { detail: LJ.t(key) }));
    const input = BAD_FIELDS[name];
    if (input) input.focus();
    return true;
  }

  /* ---- drawing ---- */
  function legLatLngs(leg) {
    const f = linkGeometry.get(leg.link);
    if (f) {
      const pts = M.latLngs(f);
      const from = nodes.get(leg.from.id);
      // the link may be stored in the other direction
      if (from && pts.length && (Math.abs(pts[0][0] - from.properties.lat) > 1e-6 || Math.abs(pts[0][1] - from.properties.lon) > 1e-6)) pts.reverse();
      return pts;
    }
    const a = nodes.get(leg.from.id), b = nodes.get(leg.to.id);
    return a && b ? [[a.properties.lat, a.properties.lon], [b.properties.lat, b.properties.lon]] : [];
  }

  function drawRoutes() {
    routeLayer.clearLayers();
    const bounds = [];
    current.routes.forEach((route, i) => {
      const isSel = i === selected;
      for (const leg of route.legs) {
        const pts = legLatLngs(leg);
        if (!pts.length) continue;
        const style = M.modeStyle({ mode: leg.mode, gauge_mm: leg.gauge_mm });
        style.weight = isSel ? 6 : 3;
        style.opacity = isSel ? 0.95 : 0.3;
        style.className = "route-leg" + (isSel ? " route-leg-selected" : "");
        const line = L.polyline(pts, style).addTo(routeLayer);
        line.bindTooltip(LJ.placeName(leg.from) + " → " + LJ.placeName(leg.to) + " · " + LJ.t("mode." + leg.mode));
        if (!isSel) line.on("click", () => choose(i));
        if (isSel) bounds.push(...pts);
      }
      if (isSel) {
        for (const end of [route.legs[0].from, route.legs[route.legs.length - 1].to]) {
          const n = nodes.get(end.id);
          if (n) L.circleMarker([n.properties.lat, n.properties.lon], { radius: 7, color: "#111", weight: 2,
            fillColor: "#f2c14e", fillOpacity: 1, className: "route-end" }).bindTooltip(LJ.placeName(end)).addTo(routeLayer);
        }
      }
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 8 });
  }

  function cell(text, cls) { return LJ.el("td", { class: cls || null }, text); }

  function legsTable(route) {
    const transfers = route.transfers.slice();
    const rows = [];
    let n = 0;
    const crossingName = (id) => {
      const c = crossingsById.get(id);
      return c ? LJ.crossingName(c) : id;
    };
    const dwellText = (t) => {
      const note = (route.dwell || []).find((d) => d.crossing === t.detail);
      if (!note) return null;
      return note.origin === "forecast" ? LJ.t("route.dwell_forecast", { time: LJ.fmt.dateTime(note.slot) })
        : LJ.t("route.dwell_fixed");
    };
    const transferText = (t) => {
      if (t.kind === "border") {
        const source = dwellText(t);
        return [LJ.t("transfer.border", { name: crossingName(t.detail) }),
          source ? LJ.el("div", { class: "summary dwell-source", text: source }) : null];
      }
      const kind = LJ.has("transfer." + t.kind) ? LJ.t("transfer." + t.kind) : t.kind;
      return t.detail ? kind + " (" + t.detail + ")" : kind;
    };
    for (const leg of route.legs) {
      while (transfers.length && transfers[0].at.id === leg.from.id) {
        const t = transfers.shift();
        rows.push(LJ.el("tr", { class: "transfer" }, [cell(""), cell(LJ.placeName(t.at)), cell(""),
          cell(transferText(t)), cell("", "num"),
          cell(LJ.fmt.hours(t.duration_h), "num"), cell(LJ.fmt.usd(t.cost_usd), "num"), cell(LJ.fmt.num(t.co2e_kg, 0), "num")]));
      }
      n += 1;
      rows.push(LJ.el("tr", { class: leg.crossing ? "crossing-row" : null }, [
        cell(LJ.fmt.num(n)), cell(LJ.placeName(leg.from)), cell(LJ.placeName(leg.to)),
        cell([LJ.el("span", { class: "swatch swatch-" + M.modeKey({ mode: leg.mode, gauge_mm: leg.gauge_mm }), "aria-hidden": "true" }), " ",
              LJ.t("mode." + leg.mode), leg.crossing ? LJ.el("div", { class: "summary", text: LJ.t("route.crossing", { name: crossingName(leg.crossing) }) }) : null]),
        cell(LJ.fmt.num(leg.distance_km, 0), "num"), cell(LJ.fmt.hours(leg.duration_h), "num"),
        cell(LJ.fmt.usd(leg.cost_usd), "num"), cell(LJ.fmt.num(leg.co2e_kg, 0), "num")]));
    }
    for (const t of transfers) {
      rows.push(LJ.el("tr", { class: "transfer" }, [cell(""), cell(LJ.placeName(t.at)), cell(""),
        cell(transferText(t)), cell("", "num"), cell(LJ.fmt.hours(t.duration_h), "num"),
        cell(LJ.fmt.usd(t.cost_usd), "num"), cell(LJ.fmt.num(t.co2e_kg, 0), "num")]));
    }
    const head = ["#", LJ.t("route.col.from"), LJ.t("route.col.to"), LJ.t("route.col.mode"), LJ.t("route.col.km"),
                  LJ.t("route.col.time"), LJ.t("route.col.cost"), LJ.t("route.col.co2e")];
    /* each cell names its column: narrow screens show a row as a block with the names (CSS) */
    for (const row of rows) [...row.children].forEach((td, i) => { td.dataset.label = head[i]; });
    const foot = [LJ.el("th", { scope: "row", colspan: 4, text: LJ.t("route.total") }),
      cell(LJ.fmt.num(route.distance_km, 0), "num"), cell(LJ.fmt.hours(route.duration_h), "num"),
      cell(LJ.fmt.usd(route.cost_usd), "num"), cell(LJ.fmt.num(route.co2e_kg, 0), "num")];
    foot.slice(1).forEach((td, i) => { td.dataset.label = head[i + 4]; });
    return LJ.el("table", { class: "data legs" }, [
      LJ.el("caption", { text: LJ.t("route.legs") }),
      LJ.el("thead", {}, LJ.el("tr", {}, head.map((h, i) => LJ.el("th", { scope: "col", class: i >= 4 ? "num" : null, text: h })))),
      LJ.el("tbody", {}, rows),
      LJ.el("tfoot", {}, LJ.el("tr", {}, foot)),
    ]);
  }

  function totals(route) {
    const crossings = route.crossings.length ? route.crossings.map((id) => {
      const c = crossingsById.get(id); return c ? LJ.crossingName(c) : id; }).join(", ")
      : LJ.t("route.no_crossing");
    return LJ.el("div", { class: "totals" }, [
      LJ.el("span", {}, [LJ.t("route.sum.distance") + ": ", LJ.el("b", { text: LJ.fmt.km(route.distance_km) })]),
      LJ.el("span", {}, [LJ.t("route.sum.time") + ": ", LJ.el("b", { text: LJ.fmt.hours(route.duration_h) })]),
      LJ.el("span", {}, [LJ.t("route.sum.cost") + ": ", LJ.el("b", { text: LJ.fmt.usd(route.cost_usd) })]),
      LJ.el("span", {}, [LJ.t("route.sum.co2e") + ": ", LJ.el("b", { text: LJ.fmt.co2(route.co2e_kg) })]),
      LJ.el("span", {}, [LJ.t("route.crossings") + ": ", LJ.el("b", { text: crossings })]),
      (route.dwell || []).some((d) => d.origin === "rerouted")
        ? LJ.el("span", { class: "rerouted", text: LJ.t("route.rerouted") }) : null,
    ]);
  }

  let chart = null;
  function renderResults() {
    const route = current.routes[selected];
    const parts = [];
    if (current.routes.length > 1) {
      chart = LJ.charts.scatter({
        title: LJ.t("route.pareto_title"), caption: LJ.t("route.pareto_caption", { n: current.routes.length }),
        xLabel: LJ.t("route.axis.time"), yLabel: LJ.t("route.axis.cost"),
        cLabel: LJ.t("route.col.co2e"),
        points: current.routes.map((r, i) => ({ x: r.duration_h, y: r.cost_usd, c: r.co2e_kg,
          label: LJ.t("route.pareto_point", { n: i + 1, time: LJ.fmt.hours(r.duration_h), cost: LJ.fmt.usd(r.cost_usd), co2e: LJ.fmt.co2(r.co2e_kg) }) })),
        formatX: (v) => LJ.fmt.num(v, 0), formatY: (v) => LJ.fmt.num(v, 0), formatC: (v) => LJ.fmt.num(v, 0),
        onSelect: choose,
      });
      chart.select(selected);
      parts.push(LJ.el("div", { class: "route-choice" }, [chart.element,
        LJ.el("p", { class: "summary", text: LJ.t("route.pareto_selected", { n: selected + 1, total: current.routes.length }) })]));
    }
    parts.push(totals(route), LJ.el("div", { class: "table-wrap" }, legsTable(route)));
    results.replaceChildren(...parts);
  }

  function choose(i) {
    selected = i;
    renderResults();
    drawRoutes();
    const point = results.querySelector(`.point[data-index="${i}"]`);
    if (point && document.activeElement && document.activeElement.classList.contains("point")) point.focus();
    results.dataset.selected = String(i);
  }

  /* ---- planning ---- */
  async function plan(q, push) {
    clearErrors();
    if (!q.get("from") || !q.get("to")) {
      if (!q.get("from")) showFieldError(fields.from, LJ.t("route.required"));
      if (!q.get("to")) showFieldError(fields.to, LJ.t("route.required"));
      return;
    }
    if (push) history.pushState(null, "", "/route?" + q.toString());
    const mine = ++requestSeq;
    submit.disabled = true;
    results.dataset.state = "loading";
    status.textContent = LJ.t("route.planning");
    performance.mark("lj-plan-start");
    try {
      await ready;
      const origin = placeId(q.get("from"));
      if (origin && origin === placeId(q.get("to"))) {  // said here, in the page's language
        showFieldError(fields.to, LJ.t("route.same_place"));
        fields.to.focus();
        results.dataset.state = "error";
        status.textContent = "";
        return;
      }
      const answer = await LJ.api("/api/route?" + q.toString());
      if (mine !== requestSeq) return;
      current = answer; selected = 0;
      renderResults();
      drawRoutes();
      status.textContent = LJ.t("route.found", { n: answer.routes.length });
      if (answer.warnings && answer.warnings.length) {
        LJ.notice(LJ.t("route.warning", { text: answer.warnings.join(" ") }), "info");
      }
      results.dataset.state = "ready";
      mapEl.dataset.state = "ready";
      performance.mark("lj-route-drawn");
    } catch (err) {
      if (mine !== requestSeq) return;
      results.dataset.state = "error";
      status.textContent = "";
      if (!(err instanceof LJ.Problem)) {
        LJ.notice(LJ.t("problem.unexpected"));
        throw err;
      }
      if (!placeProblem(err, q) && !inputProblem(err)) LJ.notice(err.message);
      results.replaceChildren(LJ.el("p", { class: "muted", text: LJ.t("route.results_hint") }));
      routeLayer.clearLayers();
    } finally {
      if (mine === requestSeq) submit.disabled = false;
    }
  }

  let crossingsById = new Map();
  const ready = Promise.all([M.network(), LJ.api("/api/crossings")]).then(([geo, crossings]) => {
    network = geo;
    nodes = M.nodesById(geo);
    for (const f of geo.features) if (f.properties.feature === "link") linkGeometry.set(f.id, f);
    crossingsById = new Map(crossings.map((c) => [c.id, c]));
  });
  ready.catch((err) => LJ.notice(err.message));

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    plan(readForm(), true);
  });
  window.addEventListener("popstate", () => {
    const q = new URLSearchParams(location.search);
    writeForm(q);
    if (q.get("from") && q.get("to")) plan(q, false);
  });

  const initial = new URLSearchParams(location.search);
  writeForm(initial);
  if (initial.get("from") && initial.get("to")) plan(initial, false);
})();
