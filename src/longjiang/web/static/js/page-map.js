/* The map page: the corridor by mode on a chosen date, crossings with their seasons, details on click. */
"use strict";
(function () {
  const LJ = window.LJ, M = LJ.map;
  const mapEl = document.getElementById("map");
  const dateInput = document.getElementById("map-date");
  const showClosed = document.getElementById("map-show-closed");
  const summary = document.getElementById("map-summary");
  const details = document.getElementById("details-body");
  const crossingList = document.getElementById("crossing-list");
  const map = M.create(mapEl);
  M.legend(map, null, LJ.el("div", {}, [
    LJ.el("div", { class: "legend-row" }, [LJ.el("span", { class: "dot dot-open", "aria-hidden": "true" }), LJ.t("map.crossing_open")]),
    LJ.el("div", { class: "legend-row" }, [LJ.el("span", { class: "dot dot-closed", "aria-hidden": "true" }), LJ.t("map.crossing_closed")]),
  ]));
  const linkLayer = L.layerGroup().addTo(map);
  const nodeLayer = L.layerGroup().addTo(map);
  const crossingLayer = L.layerGroup().addTo(map);
  let network = null, crossings = [], nodes = new Map();

  dateInput.value = LJ.param("date", LJ.today());
  // on a phone the list would push the map far down: start it folded
  if (window.matchMedia("(max-width: 900px)").matches) document.getElementById("crossings-box").open = false;

  function show(title, rows, source) {
    details.replaceChildren(LJ.el("h3", { text: title }), M.details(rows),
      source ? LJ.el("p", { class: "source" }, [LJ.el("strong", { text: LJ.t("map.source") + ": " }), source]) : null);
    details.closest("aside").scrollIntoView({ block: "nearest" });
  }

  function nodeDetails(p) {
    show(LJ.placeName(p), [
      [LJ.t("map.names"), [p.name_en, p.name_zh, p.name_ru].filter(Boolean).join(" · ")],
      [LJ.t("map.kind"), LJ.has("kind." + p.kind) ? LJ.t("kind." + p.kind) : p.kind],
      [LJ.t("map.country"), p.country],
      [LJ.t("map.facilities"), (p.facilities || []).map((f) => LJ.has("facility." + f) ? LJ.t("facility." + f) : f).join(", ")],
      [LJ.t("map.coordinates"), LJ.fmt.num(p.lat, 3) + ", " + LJ.fmt.num(p.lon, 3)],
      [LJ.t("map.id"), p.id],
    ], p.source);
  }

  function linkRows(p) {
    const a = nodes.get(p.from), b = nodes.get(p.to);
    return [
      [LJ.t("map.mode"), LJ.t("mode." + M.modeKey(p))],
      [LJ.t("map.between"), (a ? LJ.placeName(a.properties) : p.from) + " – " + (b ? LJ.placeName(b.properties) : p.to)],
      [LJ.t("map.distance"), LJ.fmt.km(p.distance_km)],
      [LJ.t("map.gauge"), p.gauge_mm ? LJ.t("unit.mm", { n: p.gauge_mm }) : null],
      [LJ.t("map.status"), LJ.t("status." + p.status)],
      [LJ.t("map.opened"), p.opened ? LJ.fmt.date(p.opened) : null],
      [LJ.t("map.closed_on"), p.closed ? LJ.fmt.date(p.closed) : null],
      [LJ.t("map.season"), LJ.fmt.months(p.months)],
      [LJ.t("map.capacity"), p.capacity_t_per_year ? LJ.t("unit.t_per_year", { n: LJ.fmt.num(p.capacity_t_per_year / 1e6, 1) }) : null],
    ];
  }

  function linkDetails(p) {
    show(LJ.t("map.link") + " " + p.id, [...linkRows(p), [LJ.t("map.id"), p.id]], p.source);
  }

  /* How a link crosses: a river link is a ferry, a seasonal road link over a river a winter
   * crossing (ice road or pontoon), anything else its mode. */
  function way(l) {
    if (l.mode === "river") return LJ.t("map.way.ferry");
    if (l.mode === "road" && l.months.length < 12) return LJ.t("map.way.winter");
    return LJ.t("mode." + M.modeKey(l));
  }

  function crossingState(c, usable) {
    const open = c.links.filter((l) => usable.has(l.id));
    const ways = [...new Set(open.map(way))];
    return { open, isOpen: open.length > 0,
             text: open.length ? LJ.t("map.open_by", { ways: ways.join(", ") }) : LJ.t("map.crossing_closed") };
  }

  function crossingDetails(c, usable) {
    const state = crossingState(c, usable);
    const linkBlocks = c.links.map((l) => LJ.el("li", {}, [
      LJ.el("strong", { text: way(l) + (usable.has(l.id) ? " · " + LJ.t("map.open_now") : " · " + LJ.t("map.closed_now")) }),
      " ", LJ.t("map.season") + ": " + LJ.fmt.months(l.months),
      l.opened ? " · " + LJ.t("map.opened") + ": " + LJ.fmt.date(l.opened) : "",
      l.status !== "operating" ? " · " + LJ.t("status." + l.status) : "",
      l.capacity_t_per_year ? " · " + LJ.t("unit.t_per_year", { n: LJ.fmt.num(l.capacity_t_per_year / 1e6, 1) }) : "",
    ]));
    show(LJ.placeName(c.cn) + " – " + LJ.placeName(c.ru), [
      [LJ.t("map.crossing"), c.name_en],
      [LJ.t("map.on_date", { date: LJ.fmt.date(dateInput.value) }), state.text],
      [LJ.t("map.modes"), c.modes.map((m) => LJ.t("mode." + m)).join(", ")],
      [LJ.t("map.dwell"), LJ.fmt.hours(c.dwell_h)],
      [LJ.t("map.fee"), LJ.t("unit.usd_per_teu", { n: LJ.fmt.num(c.fee_usd_per_teu, 0) })],
      [LJ.t("map.regime"), c.regime],
      [LJ.t("map.crossing_links"), LJ.el("ul", { class: "plain" }, linkBlocks)],
    ], c.source);
  }

  function draw(usable) {
    linkLayer.clearLayers(); nodeLayer.clearLayers(); crossingLayer.clearLayers();
    let shown = 0;
    for (const f of network.features) {
      const p = f.properties;
      if (p.feature !== "link") continue;
      const ok = usable.has(p.id);
      if (!ok && !showClosed.checked) continue;
      shown += ok ? 1 : 0;
      const line = L.polyline(M.latLngs(f), Object.assign(M.modeStyle(p, ok), { className: "link link-" + p.mode }));
      line.bindTooltip(LJ.t("mode." + M.modeKey(p)) + " · " + LJ.fmt.km(p.distance_km), { sticky: true });
      line.on("click", () => linkDetails(p));
      line.addTo(linkLayer);
    }
    for (const f of network.features) {
      const p = f.properties;
      if (p.feature !== "node") continue;
      const marker = L.circleMarker([p.lat, p.lon], { radius: p.kind === "city" ? 4 : 3, color: "#333",
        weight: 1, fillColor: "#fff", fillOpacity: 1, className: "node" });
      marker.bindTooltip(LJ.placeName(p));
      marker.on("click", () => nodeDetails(p));
      marker.addTo(nodeLayer);
    }
    crossingList.replaceChildren();
    let open = 0;
    /* the list in the alphabetical order of the chosen language (the names it shows) */
    const collator = new Intl.Collator(LJ.locale);
    const label = (c) => LJ.placeName(c.cn) + " – " + LJ.placeName(c.ru) + " (" +
      c.modes.map((m) => LJ.t("mode." + m).toLowerCase()).join(", ") + ")";
    const sorted = crossings.map((c) => [label(c), c]).sort((a, b) => collator.compare(a[0], b[0]) ||
      a[1].id.localeCompare(b[1].id)).map((pair) => pair[1]);
    for (const c of sorted) {
      const state = crossingState(c, usable);
      open += state.isOpen ? 1 : 0;
      const at = [(c.cn.lat + c.ru.lat) / 2, (c.cn.lon + c.ru.lon) / 2];
      const marker = L.circleMarker(at, { radius: 7, weight: 2.5, color: "#111",
        fillColor: state.isOpen ? "#2e9d4f" : "#c9302c", fillOpacity: 0.95,
        className: "crossing " + (state.isOpen ? "crossing-open" : "crossing-closed") });
      marker.bindTooltip(LJ.placeName(c.cn) + " – " + LJ.placeName(c.ru) + " · " + state.text);
      marker.on("click", () => crossingDetails(c, usable));
      marker.addTo(crossingLayer);
      crossingList.append(LJ.el("li", {}, LJ.el("button", { type: "button", class: "linkish",
        "data-crossing": c.id, onclick: () => { map.panTo(at); crossingDetails(c, usable); } }, [
        LJ.el("span", { class: "dot " + (state.isOpen ? "dot-open" : "dot-closed"), "aria-hidden": "true" }),
        label(c),
        LJ.el("span", { class: "state", text: state.text }),
      ])));
    }
    const total = network.features.filter((f) => f.properties.feature === "link").length;
    summary.textContent = LJ.t("map.summary", { date: LJ.fmt.date(dateInput.value), links: LJ.fmt.num(shown),
      total: LJ.fmt.num(total), open: LJ.fmt.num(open), crossings: LJ.fmt.num(crossings.length) });
    mapEl.dataset.state = "ready";
    mapEl.dataset.date = dateInput.value;
    if (!performance.getEntriesByName("lj-map-drawn").length) performance.mark("lj-map-drawn");
    mapEl.dispatchEvent(new CustomEvent("lj:drawn"));
  }

  async function update() {
    if (!dateInput.value) return;
    LJ.notice(null);
    mapEl.dataset.state = "loading";
    try {
      const dated = await LJ.api("/api/network?date=" + encodeURIComponent(dateInput.value));
      const usable = new Set(dated.features.filter((f) => f.properties.feature === "link").map((f) => f.id));
      draw(usable);
      const url = new URL(location.href);
      url.searchParams.set("date", dateInput.value);
      history.replaceState(null, "", url);
    } catch (err) {
      mapEl.dataset.state = "error";
      LJ.notice(err.message);
    }
  }

  async function start() {
    try {
      [network, crossings] = await Promise.all([M.network(), LJ.api("/api/crossings")]);
    } catch (err) {
      mapEl.dataset.state = "error";
      LJ.notice(err.message);
      return;
    }
    nodes = M.nodesById(network);
    await update();
  }

  dateInput.addEventListener("change", update);
  showClosed.addEventListener("change", update);
  start();
})();
