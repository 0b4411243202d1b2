/* The e-commerce page: with the trade token, the orders and their three documents (order,
 * payment, waybill) and list; one order's mismatches field by field, its customs receipts as a
 * timeline and its landed cost with the breakdown. */
"use strict";
(function () {
  const LJ = window.LJ;
  const el = LJ.el;
  const TOKEN_KEY = "lj.trade.token";
  const DOCS = ["order", "payment", "waybill", "list"];
  const CURRENCY = { "142": "CNY", "300": "EUR", "502": "USD", "344": "RUB" };
  const moneyFormats = new Map();
  let token = null;
  let current = null;
  /* counts the locks: an answer that arrives after one is dropped */
  let generation = 0;

  /* an exact decimal string as money in the page's locale */
  function money(amount, ccy) {
    if (amount === null || amount === undefined || amount === "") return "–";
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

  const options = () => ({ headers: { Accept: "application/json", Authorization: "Bearer " + token } });
  const text = (key, fallback) => (LJ.has(key) ? LJ.t(key) : fallback);

  /* customs' returnStatus in words */
  function statusText(code) {
    if (code === null || code === undefined) return LJ.t("trade.status.none");
    if (String(code).startsWith("-")) return LJ.t("trade.status.error");
    return text("trade.status." + code, LJ.t("trade.status.other", { code: code }));
  }
  const failed = (code) => code === "4" || code === "100" || (code && String(code).startsWith("-"));

  /* "CEB403 payment" → "CEB403 · Payment" in the page's language */
  function docName(label) {
    const [code, doc] = String(label).split(" ");
    if (!doc) return text("trade.doc." + code, code);
    return code + " · " + text("trade.doc." + doc, doc);
  }

  /* receipt times are China time (UTC+8) without a zone */
  const chinaTime = (iso) => (iso ? LJ.fmt.dateTime(iso.slice(0, 19) + "+08:00") : "–");

  /* -- the orders ------------------------------------------------------------------- */

  function docCell(order, doc) {
    const d = order.documents[doc];
    const bad = !d.match || failed(d.status);
    return el("td", { class: bad ? "trade-doc trade-bad" : "trade-doc",
      "data-label": LJ.t("trade.doc." + doc) }, [
      el("span", { class: d.match ? "trade-ok-mark" : "trade-bad-mark",
        text: d.match ? LJ.t("trade.match") : LJ.t("trade.mismatch") }),
      el("br"), el("span", { class: "trade-status", text: statusText(d.status) })]);
  }

  function ordersTable(orders) {
    if (!orders.length) return el("p", { class: "muted", text: LJ.t("trade.orders.none") });
    const head = [LJ.t("trade.col.order"), LJ.t("trade.col.mode"), LJ.t("trade.col.ebc"),
      LJ.t("trade.col.value")].concat(DOCS.map((d) => LJ.t("trade.doc." + d)));
    return el("div", { class: "table-wrap" }, el("table", { class: "data trade-orders" }, [
      el("caption", { text: LJ.t("trade.orders.caption", { n: LJ.fmt.num(orders.length) }) }),
      el("thead", {}, el("tr", {}, head.map((h, i) => el("th", { scope: "col", class: i === 3 ? "num" : null, text: h })))),
      el("tbody", {}, orders.map((o) => el("tr", { "data-order": o.orderNo }, [
        el("th", { scope: "row" }, el("button", { type: "button", class: "trade-link",
          "aria-label": LJ.t("trade.show_order", { order: o.orderNo }),
          onclick: () => showOrder(o.orderNo), text: o.orderNo })),
        el("td", { class: "trade-mode", "data-label": head[1],
          text: text("trade.mode." + o.tradeMode, o.tradeMode) }),
        el("td", { class: "trade-ebc", "data-label": head[2], text: o.ebcName || "–" }),
        el("td", { class: "num", "data-label": head[3],
          text: money(o.goodsValue, CURRENCY[o.currency] || "CNY") }),
      ].concat(DOCS.map((d) => docCell(o, d))))))]));
  }

  /* Forget the token and everything read with it: the orders, the open order, its cost. A
   * request still under way when this happens finds the page moved on and shows nothing. */
  function lock(message) {
    generation += 1;
    token = null;
    current = null;
    sessionStorage.removeItem(TOKEN_KEY);
    const box = document.getElementById("trade-orders");
    box.replaceChildren(el("p", { class: "muted", text: LJ.t("trade.orders.locked") }));
    box.dataset.state = "locked";
    document.getElementById("trade-detail").hidden = true;
    document.getElementById("trade-detail-title").textContent = LJ.t("trade.detail.title");
    for (const id of ["trade-detail-body", "trade-mismatches", "trade-timeline", "trade-cost"]) {
      document.getElementById(id).replaceChildren();
    }
    document.getElementById("trade-cost-form").reset();
    document.getElementById("trade-token-error").textContent = message || "";
  }

  /* a refused token (401) locks the page; any other failure is shown where it happened */
  const refused = (e) => e instanceof LJ.Problem && e.status === 401;

  async function loadOrders(given) {
    lock("");
    const box = document.getElementById("trade-orders");
    box.replaceChildren(el("p", { class: "muted", text: LJ.t("trade.loading") }));
    box.dataset.state = "loading";
    token = given;
    const mine = generation;
    try {
      const data = await LJ.api("/api/trade/orders", options());
      if (mine !== generation) return;
      sessionStorage.setItem(TOKEN_KEY, given);
      box.replaceChildren(ordersTable(data.orders));
      box.dataset.state = "ready";
    } catch (e) {
      if (mine !== generation) return;
      lock(refused(e) ? LJ.t("trade.token_refused") : e.message);
    }
  }

  /* -- one order --------------------------------------------------------------------- */

  /* on a phone the table is stacked rows: the rule across the top, then the two documents side
   * by side, each value under its column's name (data-label) */
  function mismatches(list) {
    if (!list.length) return el("p", { class: "trade-ok", text: LJ.t("trade.mismatches.none") });
    const keys = ["rule", "document", "field", "value_doc", "document", "field", "value_doc"];
    const label = (i) => LJ.t("trade.col." + keys[i]);
    const side = (m, n, first) => [
      el("td", { class: "trade-mis-doc", "data-label": label(first), text: docName(m.documents[n]) }),
      el("td", { class: "trade-mis-field", "data-label": label(first + 1) }, el("code", { text: m.fields[n] })),
      el("td", { class: "trade-mis-value trade-bad", "data-label": label(first + 2) },
        el("mark", { text: m.values[n] }))];
    return el("div", { class: "table-wrap" }, el("table", { class: "data trade-mismatches" }, [
      el("caption", { class: "visually-hidden", text: LJ.t("trade.mismatches.title") }),
      el("thead", {}, el("tr", {}, keys.map((k, i) => el("th", { scope: "col", text: label(i) })))),
      el("tbody", {}, list.map((m) => el("tr", {}, [
        el("td", { class: "trade-mis-rule", "data-label": label(0),
          text: text("trade.rule." + m.rule, m.message) })].concat(side(m, 0, 1), side(m, 1, 4)))))]));
  }

  function timeline(events) {
    if (!events.length) return el("p", { class: "muted", text: LJ.t("trade.timeline.none") });
    return el("ol", { class: "trade-timeline" }, events.map((e) => el("li", {
      class: failed(e.status) ? "trade-bad" : null }, [
      el("time", { datetime: e.time || "", text: chinaTime(e.time) }), " ",
      el("strong", { text: "CEB" + e.kind + " · " + text("trade.doc." + e.document, e.document) }), " ",
      el("span", { text: statusText(e.status) + " (" + e.status + ")" }),
      e.info ? el("span", { class: "trade-info", text: " — " + e.info }) : null])));
  }

  function summary(o) {
    const list = o.heads.InventoryHead || {};
    return el("dl", { class: "trade-facts" }, [
      el("dt", { text: LJ.t("trade.col.order") }), el("dd", { text: o.orderNo }),
      el("dt", { text: LJ.t("trade.col.mode") }), el("dd", { text: text("trade.mode." + o.tradeMode, o.tradeMode) }),
      el("dt", { text: LJ.t("trade.col.ebc") }), el("dd", { text: o.ebcName || "–" }),
      el("dt", { text: LJ.t("trade.col.waybill") }), el("dd", { text: o.logisticsNo || "–" }),
      el("dt", { text: LJ.t("trade.col.value") }), el("dd", { text: money(o.goodsValue, CURRENCY[o.currency] || "CNY") }),
      el("dt", { text: LJ.t("trade.col.items") }), el("dd", { text: o.items.map((i) => i.itemName).join("; ") }),
      el("dt", { text: LJ.t("trade.col.route") }), el("dd", { text: [list.portCode, list.trafName, list.billNo].filter(Boolean).join(" · ") || "–" }),
    ]);
  }

  async function showOrder(orderNo) {
    const section = document.getElementById("trade-detail");
    section.hidden = false;
    const body = document.getElementById("trade-detail-body");
    body.replaceChildren(el("p", { class: "muted", text: LJ.t("trade.loading") }));
    document.getElementById("trade-cost").replaceChildren();
    const mine = generation;
    try {
      const o = await LJ.api("/api/trade/orders/" + encodeURIComponent(orderNo), options());
      if (mine !== generation) return;
      current = o;
      document.getElementById("trade-detail-title").textContent = LJ.t("trade.detail.of", { order: o.orderNo });
      body.replaceChildren(summary(o));
      document.getElementById("trade-mismatches").replaceChildren(mismatches(o.mismatchList));
      document.getElementById("trade-timeline").replaceChildren(timeline(o.timeline));
      const exportSide = o.side === "export";
      document.getElementById("trade-eur-field").hidden = !exportSide;
      document.getElementById("trade-annual-field").hidden = exportSide;
      document.getElementById("trade-duty-field").hidden = exportSide;
      document.querySelectorAll(".trade-orders tbody tr").forEach((tr) => {
        const chosen = tr.dataset.order === o.orderNo;
        tr.classList.toggle("trade-current", chosen);
        if (chosen) tr.setAttribute("aria-current", "true");
        else tr.removeAttribute("aria-current");
      });
      document.getElementById("trade-detail-title").focus();
      if (!exportSide) await landedCost();
    } catch (e) {
      if (mine !== generation) return;
      if (refused(e)) lock(LJ.t("trade.token_refused"));
      else body.replaceChildren(el("p", { class: "field-error", role: "alert", text: e.message }));
    }
  }

  /* -- landed cost ------------------------------------------------------------------- */

  function costTable(cost) {
    const rows = cost.lines.map((l) => el("tr", {}, [
      el("th", { scope: "row", text: text("trade.line." + l.key, l.key) }),
      el("td", { class: "num", text: money(l.amount, l.currency) }),
      el("td", { class: "trade-source" }, l.source ? el("details", {}, [
        el("summary", { text: LJ.t("trade.cost.source") }), el("p", { text: l.source })]) : "")]));
    rows.push(el("tr", { class: "trade-total" }, [el("th", { scope: "row", text: LJ.t("trade.line.total") }),
      el("td", { class: "num", text: money(cost.totalCny, "CNY") }), el("td")]));
    return el("div", {}, [
      el("p", { class: "summary", text: LJ.t("trade.cost.regime", {
        regime: text("trade.regime." + cost.regime, cost.regime), date: LJ.fmt.date(cost.date) }) }),
      el("div", { class: "table-wrap" }, el("table", { class: "data trade-cost" }, [
        el("caption", { text: LJ.t("trade.cost.caption", { order: cost.orderNo }) }),
        el("thead", {}, el("tr", {}, [el("th", { scope: "col", text: LJ.t("trade.col.line") }),
          el("th", { scope: "col", class: "num", text: LJ.t("trade.col.amount") }),
          el("th", { scope: "col", text: LJ.t("trade.col.source") })])),
        el("tbody", {}, rows)]))]);
  }

  /* what is wrong with a number typed in the cost form (the key of its message), or null:
   * the API takes up to 6 digits before the point and 8 after */
  // the option's range, from the server's table (data-low, data-high, data-places on the input)
  function numberProblem(value, input) {
    const parts = /^([0-9]+)(?:\.([0-9]+))?$/.exec(value);
    if (!parts) return ["bad_number", {}];
    const low = Number(input.dataset.low), high = Number(input.dataset.high);
    const places = Number(input.dataset.places), number = Number(value);
    if (parts[2] && parts[2].length > places) return ["too_precise", { places: LJ.fmt.num(places) }];
    const included = input.dataset.highIncluded === "1";
    if (number < low || number > high || (number === high && !included)) {
      return [included ? "outside" : "outside_below", { low: LJ.fmt.num(low), high: LJ.fmt.num(high) }];
    }
    return null;
  }

  async function landedCost(event) {
    if (event) event.preventDefault();
    if (!current) return;
    const box = document.getElementById("trade-cost");
    const params = new URLSearchParams();
    const fields = current.side === "export" ? [["trade-eur", "eur_cny"]]
      : [["trade-annual", "annual_used"], ["trade-duty", "duty"]];
    for (const [id, name] of fields) {
      const value = document.getElementById(id).value.trim().replace(",", ".").replace(/^0+(?=[0-9])/, "");
      if (!value) continue;
      const problem = numberProblem(value, document.getElementById(id));
      if (problem) {
        const field = document.querySelector(`label[for="${id}"]`).textContent;
        box.replaceChildren(el("p", { class: "field-error", role: "alert",
          text: LJ.t("trade.cost." + problem[0], { field: field, ...problem[1] }) }));
        return;
      }
      params.set(name, value);
    }
    if (current.side === "export" && !params.has("eur_cny")) {
      box.replaceChildren(el("p", { class: "muted", text: LJ.t("trade.cost.need_rate") }));
      return;
    }
    const mine = generation;
    try {
      const cost = await LJ.api(`/api/trade/orders/${encodeURIComponent(current.orderNo)}/landed-cost?${params}`, options());
      if (mine !== generation) return;
      box.replaceChildren(costTable(cost));
    } catch (e) {
      if (mine !== generation) return;
      if (refused(e)) lock(LJ.t("trade.token_refused"));
      else box.replaceChildren(el("p", { class: "field-error", role: "alert", text: e.message }));
    }
  }

  document.getElementById("trade-token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const given = document.getElementById("trade-token").value.trim();
    if (!given) {
      lock(LJ.t("trade.token_missing"));
      return;
    }
    loadOrders(given);
  });
  document.getElementById("trade-cost-form").addEventListener("submit", landedCost);
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (saved) loadOrders(saved);
})();
