/* The crossings page: a heat map of free places over the next 10 days, the booking form, the
 * day's KPIs and the forecast chart of queue and waiting time (our own SVG). */
"use strict";
(function () {
  const LJ = window.LJ;
  const el = LJ.el;
  const DAYS = 10;
  const $ = (id) => document.getElementById(id);
  const names = new Map();          // crossing id -> name in the page's language
  let slotsByStart = new Map();     // slot start -> slot, of the shown days
  let serverNow = null;             // the server's time of the last slot listing
  /* the default change cut-off of the booking policy (the slot hint says it too): a slot that
     starts sooner cannot be changed or cancelled once booked; the booking's answer confirms */
  const CUTOFF_MS = 3 * 3600 * 1000;

  const addDays = (iso, n) => {
    const d = new Date(iso + "T00:00:00Z");
    d.setUTCDate(d.getUTCDate() + n);
    return d.toISOString().slice(0, 10);
  };
  const hourOf = (start) => start.slice(11, 16);          // local time of the checkpoint
  const dateOf = (start) => start.slice(0, 10);
  const slotText = (start) => LJ.fmt.date(dateOf(start)) + " " + hourOf(start);

  function state() {
    return { crossing: $("cx-crossing").value, date: $("cx-date").value,
             direction: $("cx-direction").value, carriage: $("cx-class").value };
  }

  function remember(s) {
    const params = new URLSearchParams(location.search);
    for (const [k, v] of Object.entries(s)) params.set(k, v);
    history.replaceState(null, "", location.pathname + "?" + params.toString());
  }

  /* a problem as a message in the page's language (the field's own text for bad input) */
  function message(err) {
    if (err && err.status === 422 && err.body && Array.isArray(err.body.errors) && err.body.errors[0]) {
      const key = "cx.field." + String(err.body.errors[0].field || "").split(".").pop();
      return LJ.has(key) ? LJ.t(key) : LJ.t("cx.field.other");
    }
    return err && err.message ? err.message : LJ.t("problem.unexpected");
  }

  function failed(box, err) {
    box.replaceChildren(el("p", { class: "field-error", role: "alert", text: message(err) }));
    box.dataset.state = "error";
  }

  /* -- closed days: the server says why (a holiday, a season), in its own words -------- */

  /* "closed · reason:" in the page's language, then the server's reason (in English) */
  const closedText = (reason) => el("span", { class: "cx-closed-text" }, reason
    ? [LJ.t("cx.closed.lead") + " ", el("span", { class: "cx-reason", lang: "en", text: reason })]
    : [LJ.t("cx.calendar.closed")]);

  /* the closed days ({date, reason}, in order) as a list, a run of days closed for the same
     reason on one line: "6 Feb 2027 – 10 Feb 2027: closed for a public holiday (...)" */
  function closedList(days) {
    const runs = [];
    for (const d of days) {
      const last = runs[runs.length - 1];
      if (last && last.reason === d.reason && addDays(last.to, 1) === d.date) last.to = d.date;
      else runs.push({ from: d.date, to: d.date, reason: d.reason });
    }
    return el("div", { class: "cx-closed-days" }, [
      el("p", { class: "cx-closed-lead", text: LJ.t("cx.closed.days") }),
      el("ul", {}, runs.map((r) => el("li", { "data-from": r.from, "data-to": r.to }, [
        el("time", { datetime: r.from, text: LJ.fmt.date(r.from) }),
        ...(r.to !== r.from ? [" – ", el("time", { datetime: r.to, text: LJ.fmt.date(r.to) })] : []),
        ": ", el("span", { class: "cx-reason", lang: "en",
          text: r.reason || LJ.t("cx.calendar.closed") })])))]);
  }

  /* -- the heat map ---------------------------------------------------------------- */

  function level(free, capacity) {
    if (capacity <= 0 || free <= 0) return 0;
    const share = free / capacity;
    return share < 0.25 ? 1 : share < 0.5 ? 2 : share < 0.75 ? 3 : 4;
  }

  /* the server says whether a slot may be booked now (the booking's own rule) */
  const bookable = (slot) => slot.bookable !== false;

  /* warn before booking a slot that starts within the change cut-off */
  function warnFinal() {
    const start = $("cx-slot").value;
    const box = $("cx-slot-final");
    const final = start && serverNow && Date.parse(start) - Date.parse(serverNow) < CUTOFF_MS;
    box.replaceChildren(...(final ? [el("span", { class: "cx-warn",
      text: LJ.t("cx.book.final_soon") })] : []));
    box.hidden = !final;
  }

  function choose(start) {
    const select = $("cx-slot");
    select.value = start;
    for (const cell of document.querySelectorAll("#cx-calendar button[data-start]")) {
      cell.setAttribute("aria-pressed", cell.dataset.start === start ? "true" : "false");
    }
    warnFinal();
    $("cx-plate").focus();
  }

  function drawCalendar(days, s) {
    const box = $("cx-calendar");
    slotsByStart = new Map();
    const hours = new Set();
    for (const day of days) for (const slot of day.slots) hours.add(hourOf(slot.start));
    const columns = [...hours].sort();
    if (columns.length === 0) {
      box.replaceChildren(el("p", { class: "muted", text: LJ.t("cx.calendar.none") }),
        closedList(days.map((day) => ({ date: day.date, reason: day.closed }))));
      box.dataset.state = "closed";
      fillSlots();
      return;
    }
    const head = el("tr", {}, [el("th", { scope: "col", text: LJ.t("cx.calendar.day") })]
      .concat(columns.map((h) => el("th", { scope: "col", class: "cx-hour", text: h }))));
    const rows = days.map((day) => {
      const byHour = new Map(day.slots.map((slot) => [hourOf(slot.start), slot]));
      const cells = [el("th", { scope: "row", class: "cx-day", text: LJ.fmt.date(day.date) })];
      if (day.slots.length === 0) {
        cells.push(el("td", { colspan: columns.length, class: "cx-closed" }, closedText(day.closed)));
      } else {
        for (const h of columns) {
          const slot = byHour.get(h);
          if (!slot) { cells.push(el("td", { class: "cx-none" })); continue; }
          slotsByStart.set(slot.start, slot);
          if (!bookable(slot)) {
            /* past, too close or beyond the horizon, by the server's clock: shown, not offered */
            const label = LJ.t("cx.calendar.cell_off", { date: LJ.fmt.date(day.date), hour: h,
              why: LJ.t("cx.why." + slot.unbookable) });
            cells.push(el("td", {}, el("button", { type: "button", class: "cx-cell cx-off",
              "data-start": slot.start, "data-unbookable": slot.unbookable, "aria-label": label,
              title: label, disabled: true, text: "–" })));
            continue;
          }
          const label = LJ.t("cx.calendar.cell", { date: LJ.fmt.date(day.date), hour: h,
            free: LJ.fmt.num(slot.free), capacity: LJ.fmt.num(slot.capacity) });
          cells.push(el("td", {}, el("button", { type: "button",
            class: "cx-cell cx-l" + level(slot.free, slot.capacity), "data-start": slot.start,
            "aria-label": label, title: label, "aria-pressed": "false", disabled: slot.free <= 0,
            text: LJ.fmt.num(slot.free), onclick: () => choose(slot.start) })));
        }
      }
      return el("tr", {}, cells);
    });
    const table = el("table", { class: "data cx-heat" }, [
      el("caption", { class: "visually-hidden",
        text: LJ.t("cx.calendar.caption", { crossing: names.get(s.crossing) || s.crossing }) }),
      el("thead", {}, head), el("tbody", {}, rows)]);
    const legend = el("p", { class: "cx-legend" }, [0, 1, 2, 3, 4].map((l) =>
      el("span", { class: "cx-swatch cx-l" + l, "aria-hidden": "true" })).concat(
      [" " + LJ.t("cx.calendar.legend")]));
    const off = el("p", { class: "cx-legend", text: "– " + LJ.t("cx.calendar.legend_off") });
    box.replaceChildren(table, legend, off);
    box.dataset.state = "ready";
    fillSlots();
  }

  function fillSlots() {
    const select = $("cx-slot");
    const keep = select.value;
    const free = [...slotsByStart.values()].filter((slot) => slot.free > 0 && bookable(slot));
    select.replaceChildren(el("option", { value: "", text: LJ.t("cx.book.choose") }),
      ...free.map((slot) => el("option", { value: slot.start,
        text: slotText(slot.start) + " (" + LJ.fmt.num(slot.free) + ")" })));
    if (free.some((slot) => slot.start === keep)) select.value = keep;
    warnFinal();
  }

  async function loadCalendar(s) {
    const box = $("cx-calendar");
    box.dataset.state = "loading";
    box.replaceChildren(el("p", { class: "muted", text: LJ.t("cx.loading") }));
    try {
      const days = await Promise.all([...Array(DAYS).keys()].map((i) => {
        const date = addDays(s.date, i);
        const q = new URLSearchParams({ date, direction: s.direction, carriage: s.carriage });
        return LJ.api(`/api/crossings/${encodeURIComponent(s.crossing)}/slots?${q}`)
          .then((data) => ({ date, slots: data.slots, now: data.now, closed: data.closed || null }));
      }));
      serverNow = days.length ? days[0].now : null;
      drawCalendar(days, s);
    } catch (err) {
      failed(box, err);
    }
  }

  /* -- KPIs -------------------------------------------------------------------------- */

  async function loadKpi(s) {
    const box = $("cx-kpi");
    box.dataset.state = "loading";
    try {
      /* each class has its own places: the chosen vehicle's row, then all vehicles together */
      const all = await LJ.api(`/api/crossings/${encodeURIComponent(s.crossing)}/kpi?` +
        new URLSearchParams({ date: s.date }));
      const rows = all.filter((k) => k.vehicle_class === s.carriage || k.vehicle_class === "all");
      const kind = (k) => k.vehicle_class === "all" ? LJ.t("cx.kpi.all_classes")
        : LJ.t("cx.class." + k.vehicle_class);
      const pct = (x) => x === null ? "–" : LJ.fmt.num(x * 100, 1) + " %";
      const heads = ["cx.kpi.direction", "cx.kpi.capacity", "cx.kpi.booked", "cx.kpi.throughput",
        "cx.kpi.utilisation", "cx.kpi.no_show", "cx.kpi.wait_mean", "cx.kpi.wait_p95"];
      const labels = heads.map((h) => LJ.t(h));
      const cell = (i, text) => el("td", { class: "num", "data-label": labels[i], text });
      /* stacked: on a phone each row is a block, every figure under its column's name */
      box.replaceChildren(el("table", { class: "data cx-kpi stacked" }, [
        el("caption", { text: LJ.t("cx.kpi.caption", { date: LJ.fmt.date(s.date) }) }),
        el("thead", {}, el("tr", {}, heads.map((h, i) => el("th", { scope: "col",
          class: i ? "num" : null, text: LJ.t(h) })))),
        el("tbody", {}, rows.map((k) => el("tr", { "data-class": k.vehicle_class }, [
          el("th", { scope: "row" }, [LJ.t("cx.dir." + k.direction),
            el("span", { class: "cx-kpi-class", text: kind(k) })]),
          cell(1, LJ.fmt.num(k.capacity)), cell(2, LJ.fmt.num(k.booked)),
          cell(3, LJ.fmt.num(k.throughput)), cell(4, pct(k.utilisation)),
          cell(5, pct(k.no_show_rate)), cell(6, LJ.fmt.hours(k.mean_wait_h)),
          cell(7, LJ.fmt.hours(k.p95_wait_h))])))]));
      box.dataset.state = "ready";
    } catch (err) {
      failed(box, err);
    }
  }

  /* -- the forecast chart ------------------------------------------------------------ */

  /* the chart is drawn at its box's width (redrawn when that changes), so that its text keeps
     its size on a phone as on a desktop */
  let lastForecast = null;
  const forecastObserver = new ResizeObserver(() => {
    if (!lastForecast) return;
    const width = Math.round(lastForecast.box.clientWidth);
    if (width && Math.abs(width - lastForecast.width) > 8) drawForecast(...lastForecast.args);
  });

  function drawForecast(hours, closed, s) {
    const box = $("cx-forecast");
    lastForecast = null;
    const why = closed.length ? [closedList(closed)] : [];
    if (!hours.length || hours.every((h) => h.lanes === 0)) {
      box.replaceChildren(el("p", { class: "muted", text: LJ.t("cx.forecast.none") }), ...why);
      box.dataset.state = "closed";
      return;
    }
    const boxWidth = Math.round(box.clientWidth) || 760;
    lastForecast = { box, width: boxWidth, args: [hours, closed, s] };
    forecastObserver.observe(box);
    const W = Math.max(320, boxWidth), H = W < 500 ? 240 : 280, L = 48, R = 48, T = 16, B = 44;
    const every = W < 500 ? 12 : 6;  /* hours between the hour labels */
    const n = hours.length;
    /* axis tops at 1, 2 or 5 times a power of ten, so that the quarter ticks read well */
    const nice = (v) => {
      const p = Math.pow(10, Math.floor(Math.log10(v)));
      return [1, 2, 4, 5, 8, 10].map((m) => m * p).find((m) => m >= v * 0.999);
    };
    const qMax = nice(Math.max(4, ...hours.map((h) => h.mean_queue)));
    const wMax = nice(Math.max(0.2, ...hours.map((h) => h.mean_wait_h || 0)));
    const bw = (W - L - R) / n;
    const x = (i) => L + i * bw;
    const yq = (v) => T + (1 - v / qMax) * (H - T - B);
    const yw = (v) => T + (1 - v / wMax) * (H - T - B);
    const title = LJ.t("cx.forecast.chart_title", { crossing: names.get(s.crossing) || s.crossing });
    const svg = LJ.svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "cx-fc-svg-title" });
    svg.append(LJ.svg("title", { id: "cx-fc-svg-title", text: title }));
    const axis = LJ.svg("g", { class: "axis" });
    axis.append(LJ.svg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B }));
    axis.append(LJ.svg("line", { x1: L, y1: T, x2: L, y2: H - B }));
    axis.append(LJ.svg("line", { x1: W - R, y1: T, x2: W - R, y2: H - B }));
    for (let i = 0; i <= 4; i++) {
      axis.append(LJ.svg("text", { x: L - 6, y: yq(qMax * i / 4) + 4, "text-anchor": "end",
        text: LJ.fmt.num(qMax * i / 4, 0) }));
      axis.append(LJ.svg("text", { x: W - R + 6, y: yw(wMax * i / 4) + 4, "text-anchor": "start",
        text: LJ.fmt.num(wMax * i / 4, 2) }));
    }
    hours.forEach((h, i) => {
      if (i % every === 0) {
        axis.append(LJ.svg("text", { x: x(i) + bw / 2, y: H - B + 16, "text-anchor": "middle",
          text: hourOf(h.start) }));
      }
      if (i % 24 === 0) {
        axis.append(LJ.svg("text", { x: x(i) + bw / 2, y: H - B + 32, "text-anchor": "start",
          text: LJ.fmt.date(dateOf(h.start)) }));
      }
    });
    svg.append(axis);
    const bars = LJ.svg("g", { class: "cx-bars" });
    hours.forEach((h, i) => {
      const top = yq(h.mean_queue);
      const bar = LJ.svg("rect", { class: h.lanes ? "cx-bar" : "cx-bar cx-bar-closed",
        x: (x(i) + 1).toFixed(1), y: top.toFixed(1), width: Math.max(1, bw - 2).toFixed(1),
        height: Math.max(0, H - B - top).toFixed(1) });
      bar.append(LJ.svg("title", { text: LJ.t("cx.forecast.hour", { time: slotText(h.start),
        queue: LJ.fmt.num(h.mean_queue, 1), wait: LJ.fmt.hours(h.mean_wait_h) }) }));
      bars.append(bar);
    });
    svg.append(bars);
    let run = [];
    const lines = [];
    hours.forEach((h, i) => {
      if (h.mean_wait_h === null) { if (run.length) lines.push(run); run = []; return; }
      run.push(`${(x(i) + bw / 2).toFixed(1)},${yw(h.mean_wait_h).toFixed(1)}`);
    });
    if (run.length) lines.push(run);
    for (const pts of lines) {
      svg.append(LJ.svg("polyline", { class: "cx-wait", fill: "none", points: pts.join(" ") }));
    }
    const legend = el("p", { class: "cx-legend" }, [
      el("span", { class: "cx-swatch cx-swatch-bar", "aria-hidden": "true" }), " " + LJ.t("cx.forecast.queue") + "  ",
      el("span", { class: "cx-swatch cx-swatch-line", "aria-hidden": "true" }), " " + LJ.t("cx.forecast.wait")]);
    box.replaceChildren(el("figure", { class: "chart" }, [svg, legend]), ...why);
    box.dataset.state = "ready";
  }

  async function loadForecast(s) {
    const box = $("cx-forecast");
    box.dataset.state = "loading";
    try {
      const data = await LJ.api("/api/crossing-forecast?" + new URLSearchParams({
        crossing: s.crossing, date: s.date, days: "2", direction: s.direction }));
      drawForecast(data.length ? data[0].hours : [], data.length && data[0].closed ? data[0].closed : [], s);
    } catch (err) {
      failed(box, err);
    }
  }

  /* -- booking ----------------------------------------------------------------------- */

  async function book(event) {
    event.preventDefault();
    const s = state();
    const out = $("cx-book-result");
    const slot = $("cx-slot").value;
    const plate = $("cx-plate").value.trim();
    if (!slot || !plate) {
      out.replaceChildren(el("p", { class: "field-error", role: "alert", text: LJ.t("cx.book.missing") }));
      return;
    }
    const body = { slot, direction: s.direction, plate, carriage: s.carriage };
    const carrier = $("cx-carrier").value.trim();   /* optional: "unknown" on the server */
    if (carrier) body.carrier = carrier;
    const shipment = $("cx-shipment").value.trim();
    const contact = $("cx-contact").value.trim();
    if (shipment) body.shipment_id = shipment;
    if (contact) body.contact = contact;
    $("cx-book-submit").disabled = true;
    try {
      const b = await LJ.api(`/api/crossings/${encodeURIComponent(s.crossing)}/bookings`, {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body) });
      const done = [el("p", { class: "cx-done", role: "status", text: LJ.t("cx.book.done",
        { slot: slotText(b.slot), plate: b.plate, id: b.id }) })];
      if (Array.isArray(b.warnings) && b.warnings.length) {
        /* booked past the change cut-off: it stands, but can no longer be changed or cancelled */
        done.push(el("p", { class: "cx-warn", role: "alert", text: LJ.t("cx.book.final",
          { until: slotText(b.changeable_until) }) }));
      }
      out.replaceChildren(...done);
      out.dataset.booking = b.id;
      await Promise.all([loadCalendar(s), loadKpi(s), loadForecast(s)]);
    } catch (err) {
      out.replaceChildren(el("p", { class: "field-error", role: "alert", text: message(err) }));
    } finally {
      $("cx-book-submit").disabled = false;
    }
  }

  /* -- start ------------------------------------------------------------------------- */

  function show(event) {
    if (event) event.preventDefault();
    const s = state();
    if (!s.crossing || !/^\d{4}-\d{2}-\d{2}$/.test(s.date)) return;
    remember(s);
    loadCalendar(s);
    loadKpi(s);
    loadForecast(s);
  }

  async function start() {
    $("cx-date").value = LJ.param("date", LJ.today());
    $("cx-direction").value = LJ.param("direction", "out") === "in" ? "in" : "out";
    const carriage = LJ.param("carriage", "truck");
    $("cx-class").value = ["truck", "bus", "car"].includes(carriage) ? carriage : "truck";
    try {
      const [calendar, crossings] = await Promise.all([LJ.api("/api/crossing-calendar"),
        LJ.api("/api/crossings")]);
      for (const c of crossings) {
        names.set(c.id, LJ.crossingName(c));
      }
      const select = $("cx-crossing");
      select.replaceChildren(...calendar.map((c) => el("option", { value: c.id,
        text: names.get(c.id) || c.id })));
      const wanted = LJ.param("crossing", "suifenhe_pogranichny_road");
      if (calendar.some((c) => c.id === wanted)) select.value = wanted;
    } catch (err) {
      LJ.notice(message(err));
      return;
    }
    $("cx-pick").addEventListener("submit", show);
    for (const id of ["cx-crossing", "cx-direction", "cx-class"]) $(id).addEventListener("change", show);
    $("cx-date").addEventListener("change", show);
    $("cx-book").addEventListener("submit", book);
    $("cx-slot").addEventListener("change", warnFinal);
    show();
  }

  start();
})();
