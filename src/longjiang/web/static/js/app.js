/* Longjiang Corridor: what every page shares. Plain browser JavaScript, no build step.
 * LJ.t(key, values)  the current language's text for key ({name} placeholders filled)
 * LJ.fmt             numbers, distances, durations, money and dates for the locale
 * LJ.api(path)       fetch JSON from our API; a problem+json answer becomes an LJ.Problem
 * LJ.el(tag, attrs, children)   DOM building without HTML strings (no injection)
 */
"use strict";
(function () {
  const LJ = (window.LJ = window.LJ || {});
  const readJSON = (id) => JSON.parse(document.getElementById(id).textContent);
  LJ.messages = readJSON("i18n-data");
  LJ.config = readJSON("app-config");
  LJ.lang = LJ.config.lang;
  const locale = { en: "en-GB", zh: "zh-CN", ru: "ru-RU" }[LJ.lang] || "en-GB";
  LJ.locale = locale;

  /* Messages may hold two ICU-style forms besides {name}:
   *   {name, number}                          the number, formatted for the locale
   *   {name, plural, one {# event} other {# events}}   the branch Intl.PluralRules picks for the
   *                                           number (=N matches exactly), # standing for it
   * (Russian has one/few/many/other, Chinese only other). Branches hold no braces. */
  const pluralRules = new Intl.PluralRules(locale);
  const integer = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  const own = (o, k) => Object.prototype.hasOwnProperty.call(o, k);
  function plural(n, body) {
    const branches = {};
    body.replace(/(=\d+|\w+)\s*\{([^{}]*)\}/g, (m, cat, text) => { branches[cat] = text; return m; });
    const text = own(branches, "=" + n) ? branches["=" + n]
      : own(branches, pluralRules.select(n)) ? branches[pluralRules.select(n)] : branches.other || "";
    return text.replace(/#/g, integer.format(n));
  }
  LJ.t = function (key, values) {
    let text = own(LJ.messages, key) ? LJ.messages[key] : key;
    if (values) {
      text = text.replace(/\{(\w+), plural,((?:\s*(?:=\d+|\w+)\s*\{[^{}]*\})+)\s*\}/g, (m, name, body) =>
        own(values, name) ? plural(Number(values[name]), body) : m);
      text = text.replace(/\{(\w+), number\}/g, (m, name) =>
        own(values, name) ? integer.format(Number(values[name])) : m);
      text = text.replace(/\{(\w+)\}/g, (m, name) => own(values, name) ? String(values[name]) : m);
    }
    return text;
  };
  LJ.has = (key) => Object.prototype.hasOwnProperty.call(LJ.messages, key);

  const numberFormats = new Map();
  function nf(digits) {
    if (!numberFormats.has(digits)) {
      numberFormats.set(digits, new Intl.NumberFormat(locale, {
        maximumFractionDigits: digits, minimumFractionDigits: 0 }));
    }
    return numberFormats.get(digits);
  }
  const dateFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short", day: "numeric",
                                                       timeZone: "UTC" });
  const dateTimeFormat = new Intl.DateTimeFormat(locale, { year: "numeric", month: "short",
    day: "numeric", hour: "2-digit", minute: "2-digit", timeZone: "UTC", timeZoneName: "short" });
  const monthFormat = new Intl.DateTimeFormat(locale, { month: "short", timeZone: "UTC" });
  LJ.fmt = {
    num: (x, digits = 0) => (x === null || x === undefined || Number.isNaN(x)) ? "–" : nf(digits).format(x),
    km: (x) => LJ.t("unit.km", { n: LJ.fmt.num(x, 0) }),
    hours: (h) => {
      if (h === null || h === undefined) return "–";
      if (h < 48) return LJ.t("unit.h", { n: LJ.fmt.num(h, 1) });
      return LJ.t("unit.dh", { d: LJ.fmt.num(Math.floor(h / 24), 0), h: LJ.fmt.num(h % 24, 0) });
    },
    usd: (x) => LJ.t("unit.usd", { n: LJ.fmt.num(x, 0) }),
    co2: (x) => LJ.t("unit.co2e_kg", { n: LJ.fmt.num(x, 0) }),
    tonnes: (x) => LJ.t("unit.t", { n: LJ.fmt.num(x, 0) }),
    date: (iso) => iso ? dateFormat.format(new Date(iso.length === 10 ? iso + "T00:00:00Z" : iso)) : "–",
    dateTime: (iso) => iso ? dateTimeFormat.format(new Date(iso)) : "–",
    month: (m) => monthFormat.format(new Date(Date.UTC(2001, m - 1, 1))),
    /* a season from a sorted month list: "May–Oct", "Dec–Mar", all year */
    months: (months) => {
      if (!months || months.length === 0) return LJ.t("season.never");
      if (months.length === 12) return LJ.t("season.all_year");
      const set = new Set(months);
      let start = 1;
      while (set.has(start)) start++;            // a month outside the season
      const runs = [];
      let run = null;
      for (let i = 1; i <= 12; i++) {            // from the month after it, round the year
        const m = (start - 1 + i) % 12 + 1;
        if (set.has(m)) { if (run) run[1] = m; else run = [m, m]; }
        else if (run) { runs.push(run); run = null; }
      }
      if (run) runs.push(run);
      return runs.map(([a, b]) => a === b ? LJ.fmt.month(a)
        : LJ.fmt.month(a) + "–" + LJ.fmt.month(b)).join(", ");
    },
  };

  /* The name of a place in the chosen language (API objects carry name_en/name_zh/name_ru). */
  LJ.placeName = function (p) {
    if (!p) return "";
    const en = p.name_en || p.name || p.id;
    if (LJ.lang === "zh") return p.name_zh || en;
    if (LJ.lang === "ru") return p.name_ru || en;
    return en;
  };

  /* The name of a border crossing (an /api/crossings object), the same on every page: in
     English its own name ("Suifenhe–Pogranichny (road)"), in Chinese and Russian its two
     checkpoints' names. */
  LJ.crossingName = function (c) {
    if (!c) return "";
    if (LJ.lang === "en" && c.name_en) return c.name_en;
    return LJ.placeName(c.cn) + "–" + LJ.placeName(c.ru);
  };

  LJ.el = function (tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of [].concat(children || [])) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  };
  LJ.svg = function (tag, attrs, children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined) continue;
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, String(value));
    }
    for (const child of [].concat(children || [])) if (child) node.append(child);
    return node;
  };

  /* An RFC 9457 problem (or a failed request) as an error with a message in our language. */
  class Problem extends Error {
    constructor(status, body) {
      const code = body && typeof body.type === "string" ? body.type.split("/").pop() : "";
      super(Problem.describe(status, code, body));
      this.status = status;
      this.code = code;
      this.body = body || {};
    }
    static describe(status, code, body) {
      const detail = body && body.detail ? String(body.detail) : "";
      const key = "problem." + code;
      if (code && LJ.has(key)) return LJ.t(key, { detail: detail, status: status });
      if (status === 0) return LJ.t("problem.network");
      return LJ.t("problem.generic", { status: status, detail: detail || LJ.t("problem.no_detail") });
    }
  }
  LJ.Problem = Problem;

  LJ.api = async function (path, options) {
    let response;
    try {
      response = await fetch(path, Object.assign({ headers: { Accept: "application/json" } }, options || {}));
    } catch (err) {
      throw new Problem(0, null);
    }
    const type = response.headers.get("content-type") || "";
    let body = null;
    if (type.includes("json")) {
      try { body = await response.json(); } catch (err) { body = null; }
    }
    if (!response.ok) throw new Problem(response.status, body);
    return body;
  };

  LJ.notice = function (message, kind) {
    const box = document.getElementById("notice");
    if (!message) { box.hidden = true; box.textContent = ""; return; }
    box.textContent = message;
    box.className = "notice notice-" + (kind || "error");
    box.hidden = false;
  };

  /* A query string parameter, or a fallback. */
  LJ.param = (name, fallback) => new URLSearchParams(location.search).get(name) ?? fallback;

  LJ.today = () => new Date().toISOString().slice(0, 10);

  /* The navigation row scrolls sideways when it is wider than the window (phones): say which
   * end hides items (CSS fades that end out), and bring the current page's item into view. */
  function navHint() {
    const nav = document.querySelector(".top .nav");
    if (!nav) return;
    const mark = () => {
      const start = nav.scrollLeft > 1;
      const end = nav.scrollLeft + nav.clientWidth < nav.scrollWidth - 1;
      if (start || end) nav.dataset.more = start && end ? "both" : start ? "start" : "end";
      else delete nav.dataset.more;
    };
    const current = nav.querySelector('a[aria-current="page"]');
    if (current && nav.scrollWidth > nav.clientWidth) {
      const item = current.parentElement;
      if (item.offsetLeft + item.offsetWidth > nav.clientWidth) {
        nav.scrollLeft = item.offsetLeft - (nav.clientWidth - item.offsetWidth) / 2;
      }
    }
    mark();
    nav.addEventListener("scroll", mark, { passive: true });
    window.addEventListener("resize", mark);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", navHint);
  else navHint();

  /* Charts are SVGs with a viewBox, scaled to their box; their text must not shrink with them (a 760-unit
   * chart on a 390 px phone would write 5 px labels). Each chart gets data-fit and --svg-k, the viewBox
   * units per CSS pixel, kept up to date as it is resized; app.css sizes its text as pixels times --svg-k.
   * Leaflet's own SVG layers and small icons (with a width of their own) are left alone. */
  const fitObserver = new ResizeObserver((entries) => {
    for (const entry of entries) {
      const svg = entry.target, box = svg.viewBox && svg.viewBox.baseVal;
      const width = svg.getBoundingClientRect().width;
      if (box && box.width > 0 && width > 0) svg.style.setProperty("--svg-k", (box.width / width).toFixed(4));
    }
  });
  function fitCharts(node) {
    if (node.nodeType !== 1) return;
    const found = node.matches("svg[viewBox]") ? [node] : [...node.querySelectorAll("svg[viewBox]")];
    for (const svg of found) {
      if (svg.hasAttribute("data-fit") || svg.hasAttribute("width") || svg.closest(".leaflet-container")) continue;
      svg.setAttribute("data-fit", "");
      fitObserver.observe(svg);
    }
  }
  new MutationObserver((records) => {
    for (const record of records) record.addedNodes.forEach(fitCharts);
  }).observe(document.documentElement, { childList: true, subtree: true });

  window.addEventListener("unhandledrejection", (event) => {
    const err = event.reason;
    LJ.notice(err instanceof Problem ? err.message : LJ.t("problem.unexpected"));
  });
})();
