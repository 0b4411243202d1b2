/* The shipment tracker: open a shipment as a party (key file, requests signed in the page) or from a
 * bundle file; its EPCIS events as a timeline and on the map; a verification mark computed here
 * (verify.js), never taken from the server. */
"use strict";
(function () {
  const LJ = window.LJ, M = LJ.map, V = LJ.verify, S = LJ.sign;
  const $ = (id) => document.getElementById(id);
  const mapEl = $("map"), timeline = $("tracker-timeline"), summary = $("tracker-summary");
  const mark = $("tracker-mark"), markText = $("tracker-mark-text"), failures = $("tracker-failures");
  const keyInput = $("tracker-key"), keyError = $("tracker-key-error"), partyBox = $("tracker-party");
  const bundleInput = $("tracker-bundle"), bundleError = $("tracker-bundle-error");
  const form = $("tracker-shipment-form"), shipmentInput = $("tracker-shipment"), shipmentList = $("tracker-shipments");
  const map = M.create(mapEl);
  const stopLayer = L.layerGroup().addTo(map);
  const MAX_KEY_BYTES = 4096;
  const MAX_BUNDLE_BYTES = 64 * 1024 * 1024;

  /* Where the demo shipment's locations (invented GLNs of ledger/demo.py) are on the corridor: node ids
   * of the network. A location not listed here is named in the timeline but not drawn. */
  const LOCATIONS = {
    "urn:epc:id:sgln:6901234.00001.0": "harbin",       // shipper's factory, Harbin
    "urn:epc:id:sgln:6901234.00011.0": "harbin",       // Harbin station
    "urn:epc:id:sgln:6901234.00012.0": "suifenhe",     // Suifenhe station
    "urn:epc:id:sgln:4601234.00020.0": "grodekovo",    // Grodekovo station
    "urn:epc:id:sgln:4601234.00021.0": "grodekovo",    // Grodekovo transshipment terminal
    "urn:epc:id:sgln:4601234.00030.0": "vladivostok",  // Vladivostok station
    "urn:epc:id:sgln:4601234.00031.0": "vladivostok",  // consignee's warehouse, Vladivostok
  };
  const SITES = { "6901234.00001.0": "site.factory", "4601234.00021.0": "site.terminal",
                  "4601234.00031.0": "site.warehouse" };

  let key = null;            // the imported party key (non-extractable CryptoKey inside)
  let partyLabel = "";       // its party's name in the page's language
  let nodes = null, crossings = [];
  // the corridor's places (where events happened) and crossings; without them the timeline still shows ids
  const places = Promise.all([M.network(), LJ.api("/api/crossings")]).then(([net, cr]) => {
    nodes = M.nodesById(net); crossings = cr;
  }).catch((err) => LJ.notice(err instanceof LJ.Problem ? err.message : LJ.t("problem.unexpected")));

  const tOr = (k, fallback, values) => LJ.has(k) ? LJ.t(k, values) : fallback;
  /* a failure message (written to follow "Event 6: ") standing on its own */
  const sentence = (text) => text.charAt(0).toLocaleUpperCase(LJ.locale) + text.slice(1);
  const local = (v) => String(v || "").split(/[:/#-]/).pop();   // CBV term: URN, web URI or bare name
  const bizStepName = (v) => String(v || "").replace(/^.*BizStep-/, "").split(":").pop();

  /* ---------- ledger state: empty, or holding the demo ---------- */
  /* the parties of the demo shipment (ledger/demo.py DEMO_PARTIES): all registered, the demo is here */
  const DEMO_PARTIES = ["hrb-machinery", "cr-harbin", "cn-customs-suifenhe", "rzd-fer", "ru-customs-ussuriysk",
                        "grodekovo-terminal", "primorye-machimport"];
  let registered = null;     // the ledger's parties (public), once asked for
  async function parties() {
    if (!registered) registered = LJ.api("/api/ledger/parties").catch((err) => { registered = null; throw err; });
    return registered;
  }

  async function checkLedger() {
    try {
      const cp = await LJ.api("/api/ledger/checkpoint");
      $("tracker-empty").hidden = cp.size !== 0;
      if (cp.size === 0) return;
      const ids = new Set((await parties()).map((p) => p.party));
      // the demo is loaded: how to open it as a party (its keys exist only if the demo was asked to write them)
      $("tracker-demo").hidden = !!key || !DEMO_PARTIES.every((id) => ids.has(id));
    } catch (err) {
      // the ledger database is not there: the bundle file still works
      LJ.notice(err instanceof LJ.Problem ? err.message : LJ.t("problem.unexpected"));
    }
  }

  /* ---------- reading files ---------- */
  function readFile(file, limit) {
    if (file.size > limit) return Promise.reject(new Error("too_large"));
    return file.text();
  }

  /* ---------- the party's key ---------- */
  function partyName(id, parties, failed) {
    if (failed && failed.has(id)) return id;          // names the log did not sign are not shown
    const info = parties && parties[id];
    const names = info && info.names;
    return (names && (names[LJ.lang] || names.en)) || id;
  }

  /* What the key file and bundle checks (sign.js, verify.js) found wrong, in the page's language:
   * their details are fixed English phrases, each with a message here; a value they quote is kept. */
  const DETAILS = [
    [/^more than one line$/, "lines"],
    [/^expected PRIVATE\+KEY\+party\+keyid\+base64key$/, "key_layout"],
    [/^party id (".*")$/s, "party_id"],
    [/^key id (".*")$/s, "key_id"],
    [/^the key is not base64$/, "key_base64"],
    [/^not an Ed25519 key$/, "not_ed25519"],
    [/^no public key$/, "no_public_key"],
    [/^request target$/, "target"],
    [/^missing or of the wrong type$/, "missing"],
    [/^too long$/, "too_long"],
    [/^not base64$/, "base64"],
    [/^expected an object$/, "object"],
    [/^too many entries$/, "entries"],
    [/^too many records$/, "records"],
    [/^expected ("[^"]*"(?: or "[^"]*")*)$/, "expected"],
  ];
  const anyOf = new Intl.ListFormat(LJ.locale, { type: "disjunction" });
  function detailText(detail) {
    if (typeof detail !== "string") return "";
    for (const [pattern, name] of DETAILS) {
      const m = pattern.exec(detail);
      if (!m) continue;
      const value = name === "expected" ? anyOf.format(m[1].split(" or ")) : m[1];
      return LJ.t("tracker.detail." + name, { value: value });
    }
    return detail;
  }

  async function onKeyFile() {
    keyError.textContent = "";
    const file = keyInput.files[0];
    if (!file) return;
    key = null; form.hidden = true; partyBox.hidden = true;
    try {
      const parsed = S.parseKeyFile(await readFile(file, MAX_KEY_BYTES));
      key = await S.importKey(parsed);
    } catch (err) {
      keyInput.value = "";
      keyError.textContent = err instanceof S.KeyError ? LJ.t(err.code, { detail: detailText(err.detail) })
        : err.message === "too_large" ? LJ.t("tracker.key.too_large") : LJ.t("tracker.key.malformed", { detail: "" });
      return;
    }
    keyInput.value = "";   // nothing of the file stays in the form
    let known = [];
    try { registered = null; known = await parties(); } catch (err) { known = []; }
    const me = known.find((p) => p.party === key.party);
    const name = me ? (me.names[LJ.lang] || me.names.en) : key.party;
    partyLabel = name;
    // a key the ledger has since replaced (party rotate): said plainly, not "signed in" then refused
    if (me && String(me.key).split("+")[1] !== key.keyId) {
      notCurrent("tracker.key.rotated", name);
      return;
    }
    partyBox.replaceChildren(LJ.el("p", {}, [LJ.t("tracker.signed_in_as") + " ",
      LJ.el("strong", { text: name }), " (" + key.party + ")"]));
    partyBox.hidden = false;
    form.hidden = false;
    $("tracker-demo").hidden = true;
    await listShipments(name);
  }

  /* A signed request refused because the key is no longer the party's (revoked, or rotated out
   * meanwhile): said as notCurrent says it; true when that was the reason. */
  function keyRefused(err, name) {
    const detail = err instanceof LJ.Problem && err.status === 401 ? String(err.body.detail || "") : "";
    if (/ is revoked\b/.test(detail)) notCurrent("tracker.key.revoked", name);
    else if (/^the request signature is not /.test(detail)) notCurrent("tracker.key.rotated", name);
    else return false;
    return true;
  }

  /* The loaded key is no longer the party's key (rotated out or revoked): no "signed in", no form. */
  function notCurrent(message, name) {
    keyError.textContent = LJ.t(message, { key: key.party + "+" + key.keyId, party: name });
    key = null; form.hidden = true; partyBox.hidden = true;
    checkLedger();   // no party open: the demo's hint, if it applies, is back
  }

  async function listShipments(name) {
    shipmentList.replaceChildren();
    const ids = [];
    try {
      // the party's events, a page of 1000 at a time (at most 20 pages), for the shipments they belong to
      let after = -1;
      for (let page = 0; page < 20; page++) {
        const found = await S.fetchJSON(key, "GET", "/api/events?limit=1000&after=" + after);
        const receipts = found.receipts || [];
        for (const r of receipts) if (!ids.includes(r.shipment)) ids.push(r.shipment);
        if (receipts.length < 1000) break;
        after = receipts[receipts.length - 1].leafIndex;
      }
    } catch (err) {
      // the server refused the key although it is the one registered: revoked (or replaced meanwhile)
      if (!keyRefused(err, name)) {
        keyError.textContent = err instanceof LJ.Problem ? err.message : LJ.t("problem.unexpected");
      }
      return;
    }
    if (ids.length === 0) {
      shipmentList.append(LJ.el("li", { class: "muted", text: LJ.t("tracker.no_shipments", { party: key.party }) }));
      return;
    }
    for (const id of ids) {
      shipmentList.append(LJ.el("li", {}, LJ.el("button", { type: "button", class: "linkish", "data-shipment": id,
        onclick: () => { shipmentInput.value = id; openShipment(id); } }, id)));
    }
    shipmentInput.value = ids[0];
    if (ids.length === 1) await openShipment(ids[0]);
  }

  async function openShipment(id) {
    if (!key) return;
    LJ.notice(null);
    setMark("pending", LJ.t("tracker.mark_pending"));
    const base = "/api/shipments/" + encodeURIComponent(id);
    let bundle, shipment;
    try {
      [shipment, bundle] = await Promise.all([S.fetchJSON(key, "GET", base), S.fetchJSON(key, "GET", base + "/bundle")]);
    } catch (err) {
      setMark("none", LJ.t("tracker.mark_none"));
      if (keyRefused(err, partyLabel)) return;
      // not there, or not the party's to read: one message (the server tells neither apart),
      // in the page's language with the id as typed; other refusals as the server words them
      LJ.notice(!(err instanceof LJ.Problem) ? LJ.t("problem.unexpected")
        : err.status === 404 ? LJ.t("tracker.not_readable", { id: id, party: partyLabel || key.party })
        : err.message);
      return;
    }
    await show(bundle, shipment);
  }

  /* ---------- the bundle file ---------- */
  async function onBundleFile() {
    bundleError.textContent = "";
    const file = bundleInput.files[0];
    if (!file) return;
    let data;
    try {
      data = JSON.parse(await readFile(file, MAX_BUNDLE_BYTES));
    } catch (err) {
      bundleError.textContent = err.message === "too_large" ? LJ.t("tracker.bundle.too_large")
        : LJ.t("tracker.bundle.not_json");
      return;
    }
    LJ.notice(null);
    await show(data, null);
  }

  /* Witnesses the user pins in the page's address (?witness=<key>&witness=<key>&quorum=<n>, keys as
   * tlog-cosignature verifier keys): the checkpoint must then carry the quorum of their cosignatures. */
  function pinnedWitnesses() {
    const params = new URLSearchParams(window.location.search);
    const keys = params.getAll("witness").slice(0, 32);
    if (!keys.length) return null;
    const quorum = Number(params.get("quorum") || keys.length);
    return { keys: keys, quorum: Number.isSafeInteger(quorum) && quorum > 0 ? quorum : keys.length };
  }

  /* ---------- the mark ---------- */
  function setMark(state, text) {
    mark.dataset.state = state;
    markText.textContent = text;
    markText.className = "tracker-mark-text";
    failures.replaceChildren();
  }

  function failureText(check, position) {
    if (check.code.startsWith("checkpoint.")) return LJ.t("tracker.fail." + check.code);
    if (check.kind === "party") {
      return LJ.t("tracker.what_party", { party: check.party }) + ": " + LJ.t("tracker.fail." + check.code, { index: check.leafIndex });
    }
    const what = check.kind === "access"
      ? LJ.t("tracker.what_access", { index: check.leafIndex })
      : LJ.t("tracker.what_event", { n: position + 1, index: check.leafIndex });
    return what + ": " + LJ.t("tracker.fail." + check.code, { party: check.party });
  }

  function renderMark(report, positions) {
    if (!report.ed25519) {
      setMark("unsupported", LJ.t("tracker.mark_unsupported"));
      return;
    }
    if (!report.checkpoint.ok) {
      setMark("failed", LJ.t("tracker.mark_failed"));
      failures.append(LJ.el("li", { "data-check": "checkpoint", text: failureText(report.checkpoint) }));
      return;
    }
    if (report.witnesses && !report.witnesses.ok) {
      setMark("failed", LJ.t("tracker.mark_failed"));
      failures.append(LJ.el("li", { "data-check": "witnesses", "data-code": report.witnesses.code,
        text: LJ.t("tracker.fail." + report.witnesses.code, { count: LJ.fmt.num(report.witnesses.names.length),
                                                               quorum: LJ.fmt.num(report.witnesses.quorum) }) }));
      return;
    }
    if (report.empty) {
      setMark("failed", LJ.t("tracker.mark_failed"));
      failures.append(LJ.el("li", { "data-check": "entries", text: LJ.t("tracker.fail.entries.none") }));
      return;
    }
    const bad = [];
    report.parties.forEach((p) => { if (!p.ok) bad.push([Object.assign({ kind: "party" }, p), 0]); });
    report.entries.forEach((e) => { if (!e.ok) bad.push([Object.assign({ kind: "event" }, e), positions.get(e.item)]); });
    report.access.forEach((a) => { if (!a.ok) bad.push([Object.assign({ kind: "access" }, a), 0]); });
    if (bad.length) {
      setMark("failed", LJ.t("tracker.mark_failed"));
      for (const [check, i] of bad) {
        const text = failureText(check, i);
        // an event or access change: a button that brings its entry of the timeline into view
        const goTo = check.kind === "party" ? text : LJ.el("button", { type: "button", class: "linkish", text: text,
          onclick: () => {
            const target = timeline.querySelector(`li[data-kind="${check.kind}"][data-leaf="${check.leafIndex}"]`);
            if (target) { target.tabIndex = -1; target.scrollIntoView({ block: "center" }); target.focus(); }
          } });
        failures.append(LJ.el("li", { "data-check": check.kind + "-" + (check.kind === "party" ? check.party : check.leafIndex),
                                      "data-code": check.code }, goTo));
      }
      return;
    }
    setMark("verified", LJ.t("tracker.mark_verified", { events: report.entries.length,
      access: report.access.length, size: LJ.fmt.num(report.treeSize) }));
    if (report.witnesses) failures.append(LJ.el("li", { class: "tracker-witnesses", "data-check": "witnesses-ok",
      text: LJ.t("tracker.witnesses_ok", { count: LJ.fmt.num(report.witnesses.names.length),
                                          quorum: LJ.fmt.num(report.witnesses.quorum) }) }));
    const unchecked = report.entries.filter((e) => e.content !== "ok").length;
    if (unchecked) failures.append(LJ.el("li", { class: "tracker-unchecked", "data-check": "content",
      text: LJ.t("tracker.mark_unchecked", { n: unchecked }) }));
  }

  /* Which log key the checkpoint was checked with: this server's, or only the bundle's own. */
  async function showLogKey(keyText) {
    const el = $("tracker-logkey");
    const name = S.splitKey(keyText, 3) ? S.splitKey(keyText, 3).slice(0, 2).join("+") : keyText.slice(0, 80);
    let state = "unknown";
    try {
      const cp = await LJ.api("/api/ledger/checkpoint");
      state = cp.key === keyText ? "this" : "other";
    } catch (err) {
      state = "unknown";
    }
    el.textContent = LJ.t("tracker.logkey_" + state, { key: name });
    el.dataset.state = state;
    el.hidden = false;
  }

  /* The bundle as a file, to keep or to check offline (longjiang ledger verify). */
  function offerSave(data) {
    const button = $("tracker-save");
    button.hidden = false;
    button.onclick = () => {
      const blob = new Blob([JSON.stringify(data, null, 1)], { type: "application/json" });
      const url = URL.createObjectURL(blob);
      const a = LJ.el("a", { href: url, download: data.shipment + ".bundle.json", hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 0);
    };
  }

  function accessItem(change, check, parties, failedParties) {
    const subject = partyName(change.subject, parties, failedParties);
    const state = check.ok ? "ok" : "failed";
    return LJ.el("li", { class: "tracker-event tracker-access", "data-kind": "access", "data-leaf": change.leafIndex,
                         "data-check": state }, [
      LJ.el("h3", { text: LJ.t(change.action === "grant" ? "tracker.access_grant" : "tracker.access_revoke",
                               { party: subject }) }),
      M.details([
        [LJ.t("tracker.when"), LJ.fmt.dateTime(change.date)],
        [LJ.t("tracker.by"), partyName(change.party, parties, failedParties)],
        [LJ.t("tracker.leaf"), String(change.leafIndex)],
      ]),
      LJ.el("p", { class: "tracker-verdict tracker-verdict-" + state,
                   text: check.ok ? LJ.t("tracker.access_ok")
                     : sentence(LJ.t("tracker.fail." + check.code, { party: change.party })) }),
    ]);
  }

  /* ---------- the timeline and the map ---------- */
  function crossingOf(event) {
    const tag = event["lj:borderCrossing"];
    if (!tag) return null;
    const [cn, ru] = String(tag).split("-");
    return crossings.find((c) => c.id === tag) || crossings.find((c) => c.cn.id === cn && c.ru.id === ru) || null;
  }

  function whereOf(event) {
    const id = (event.bizLocation && event.bizLocation.id) || (event.readPoint && event.readPoint.id) || null;
    const node = id && nodes ? nodes.get(LOCATIONS[id]) : null;
    const site = id ? SITES[String(id).replace("urn:epc:id:sgln:", "")] : null;
    return { id: id, node: node ? node.properties : null, site: site };
  }

  function placeText(where) {
    if (!where.node) return where.id || "–";
    const name = LJ.placeName(where.node);
    return where.site ? LJ.t("tracker." + where.site, { place: name }) : name;
  }

  /* the event's time where it happened, from its eventTimeZoneOffset ("+08:00"): "2 Mar, 09:00 (UTC+08:00)" */
  const localFormat = new Intl.DateTimeFormat(LJ.locale, { month: "short", day: "numeric", hour: "2-digit",
                                                            minute: "2-digit", timeZone: "UTC" });
  function localTime(event) {
    const m = /^([+-])(\d{2}):(\d{2})$/.exec(String(event.eventTimeZoneOffset || ""));
    const at = Date.parse(event.eventTime);
    if (!m || Number.isNaN(at)) return null;
    const minutes = (m[1] === "-" ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
    return LJ.t("tracker.local_time", { time: localFormat.format(new Date(at + minutes * 60000)),
                                        offset: "UTC" + event.eventTimeZoneOffset });
  }

  function eventItem(entry, check, position, parties, failedParties) {
    const event = entry.event;
    const step = event.bizStep ? bizStepName(event.bizStep) : null;
    const type = tOr("tracker.type." + event.type, event.type);
    const what = step ? tOr("tracker.step." + step, step) : type;
    const where = whereOf(event);
    const crossing = crossingOf(event);
    const decision = event["lj:customsDecision"];
    const rows = [
      [LJ.t("tracker.when"), LJ.fmt.dateTime(event.eventTime)],
      [LJ.t("tracker.local"), localTime(event)],
      [LJ.t("tracker.where"), placeText(where)],
      [LJ.t("tracker.by"), partyName(entry.party, parties, failedParties)],
      [LJ.t("tracker.crossing"), crossing ? LJ.placeName(crossing.cn) + " – " + LJ.placeName(crossing.ru)
        : (event["lj:borderCrossing"] || null)],
      [LJ.t("tracker.decision"), decision ? tOr("tracker.decision." + decision, decision) : null],
      [LJ.t("tracker.event_type"), type],
      [LJ.t("tracker.disposition"), event.disposition ? tOr("tracker.disp." + local(event.disposition), local(event.disposition)) : null],
      [LJ.t("tracker.location_id"), where.id],
      [LJ.t("tracker.leaf"), String(entry.leafIndex)],
    ];
    let state = "unchecked", verdict = LJ.t("tracker.entry_unchecked");
    if (check) {
      state = check.ok ? "ok" : "failed";
      verdict = !check.ok ? sentence(LJ.t("tracker.fail." + check.code, { party: entry.party }))
        : check.content === "ok" ? LJ.t("tracker.entry_ok") : LJ.t("tracker.entry_ok_unchecked");
    }
    const li = LJ.el("li", { class: "tracker-event", "data-kind": "event", "data-leaf": entry.leafIndex, "data-check": state,
                             "data-content": check ? check.content : null }, [
      LJ.el("h3", {}, [LJ.el("span", { class: "tracker-n", text: LJ.fmt.num(position + 1) + ". " }), what]),
      M.details(rows),
      LJ.el("p", { class: "tracker-verdict tracker-verdict-" + state, text: verdict }),
    ]);
    if (where.node) {
      li.append(LJ.el("button", { type: "button", class: "linkish", text: LJ.t("tracker.show_on_map"),
        onclick: () => { map.setView([where.node.lat, where.node.lon], 7); mapEl.focus(); } }));
    }
    return { li: li, where: where, what: what, when: event.eventTime };
  }

  function drawMap(items) {
    stopLayer.clearLayers();
    const stops = new Map();
    const path = [];
    for (const item of items) {
      const node = item.where.node;
      if (!node) continue;
      if (!stops.has(node.id)) stops.set(node.id, { node: node, lines: [] });
      stops.get(node.id).lines.push(LJ.fmt.dateTime(item.when) + " · " + item.what);
      const last = path[path.length - 1];
      if (!last || last[0] !== node.lat || last[1] !== node.lon) path.push([node.lat, node.lon]);
    }
    if (path.length > 1) L.polyline(path, { color: "#0b4f6c", weight: 4, opacity: 0.85, className: "tracker-path" }).addTo(stopLayer);
    for (const stop of stops.values()) {
      const marker = L.circleMarker([stop.node.lat, stop.node.lon], { radius: 8, weight: 2, color: "#111",
        fillColor: "#f2c14e", fillOpacity: 1, className: "tracker-stop" });
      marker.bindTooltip(LJ.placeName(stop.node) + " (" + LJ.fmt.num(stop.lines.length) + ")");
      marker.bindPopup(LJ.el("div", {}, [LJ.el("strong", { text: LJ.placeName(stop.node) }),
        LJ.el("ul", { class: "plain" }, stop.lines.map((l) => LJ.el("li", { text: l })))]));
      marker.addTo(stopLayer);
    }
    if (path.length) map.fitBounds(L.latLngBounds(path).pad(0.4), { maxZoom: 7 });
    mapEl.dataset.state = "ready";
    mapEl.dataset.stops = String(stops.size);
  }

  async function show(data, shipment) {
    setMark("pending", LJ.t("tracker.mark_pending"));
    timeline.dataset.state = "loading";
    let report;
    try {
      report = await V.bundle(data, pinnedWitnesses());
    } catch (err) {
      if (!(err instanceof V.BundleError)) throw err;
      setMark("failed", LJ.t("tracker.mark_not_bundle"));
      failures.append(LJ.el("li", { "data-check": "format", text: LJ.t("tracker.fail.format", { where: err.where, detail: detailText(err.detail) }) }));
      timeline.replaceChildren();
      summary.textContent = LJ.t("tracker.timeline_none");
      timeline.dataset.state = "none";
      return;
    }
    await places;
    const checks = new Map(report.entries.map((e) => [e.item, e]));
    const entries = data.entries.slice().sort((a, b) => String(a.event.eventTime).localeCompare(String(b.event.eventTime))
      || a.leafIndex - b.leafIndex);
    renderMark(report, new Map(entries.map((e, i) => [e, i])));
    const failedParties = new Set((report.parties || []).filter((p) => !p.ok).map((p) => p.party));
    const items = entries.map((entry, i) => eventItem(entry, checks.get(entry), i, data.parties, failedParties));
    // events and access changes in the order they happened (ties: log order)
    const rows = items.map((x, i) => ({ at: Date.parse(x.when), leaf: entries[i].leafIndex, li: x.li }));
    if (report.ed25519 && report.checkpoint.ok) {
      for (const a of report.access) {
        rows.push({ at: Date.parse(a.item.date), leaf: a.leafIndex,
                    li: accessItem(a.item, a, data.parties, failedParties) });
      }
    }
    rows.sort((a, b) => (a.at - b.at) || (a.leaf - b.leaf));
    timeline.replaceChildren(...rows.map((r) => r.li));
    showLogKey(report.logKey);
    if (shipment) offerSave(data); else $("tracker-save").hidden = true;
    let text = LJ.t("tracker.summary", { shipment: data.shipment, events: entries.length,
      parties: new Set(entries.map((e) => e.party)).size });
    if (shipment && Array.isArray(shipment.events)) {
      const inBundle = new Set(entries.map((e) => e.leafIndex));
      const later = shipment.events.filter((e) => !inBundle.has(e.leafIndex)).length;
      if (later) text += " " + LJ.t("tracker.not_yet_in_checkpoint", { n: later });
    }
    summary.textContent = text;
    drawMap(items);
    timeline.dataset.state = "ready";
  }

  /* the file inputs are hidden behind buttons in the page's language (the browser's own say "Choose File") */
  for (const button of document.querySelectorAll("button[data-file]")) {
    const input = $(button.dataset.file);
    button.addEventListener("click", () => input.click());
    input.addEventListener("change", () => {
      if (input.files[0]) $(input.id + "-name").textContent = input.files[0].name;
    });
  }
  keyInput.addEventListener("change", onKeyFile);
  bundleInput.addEventListener("change", onBundleFile);
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const id = shipmentInput.value.trim();
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) {
      keyError.textContent = LJ.t("tracker.bad_shipment");
      shipmentInput.setAttribute("aria-invalid", "true");
      return;
    }
    shipmentInput.removeAttribute("aria-invalid");
    openShipment(id);
  });
  mapEl.dataset.state = "ready";
  checkLedger();
})();
