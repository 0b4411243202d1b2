/* The CBV 2.0 event hash (ni:///sha-256;...?ver=CBV2.0) of an event, recomputed in the browser, for the
 * events this file knows how to canonicalise; anything else is LJ.eventHash.Unsupported (the page then
 * says the event's fields were not checked here), never a guess.
 *
 * LJ.eventHash.preHash(event, context)   the pre-hash string, or throws Unsupported(reason)
 * LJ.eventHash.of(event, context)        the event hash URI (a Promise), or throws Unsupported
 *
 * It follows src/longjiang/ledger/eventhash.py (the reference implementation's way, see its docstring)
 * for this subset of EPCIS 2.0 JSON-LD, the one corridor events use:
 *   - @context: the EPCIS 2.0 context URL and prefix declarations to http(s) IRIs ending in "/";
 *   - ObjectEvent, AggregationEvent, AssociationEvent, TransactionEvent with eventTime
 *     (YYYY-MM-DDThh:mm:ss[.fff], Z or +hh:mm), eventTimeZoneOffset, eventID, recordTime, epcList,
 *     childEPCs, parentID, action, bizStep, disposition, readPoint {id}, bizLocation {id},
 *     bizTransactionList, sourceList, destinationList (entries of a type and an identifier) and
 *     top-level extensions "prefix:name" with string values;
 *   - EPC URIs of the schemes sgtin, sscc, sgln, giai and pgln (to GS1 Digital Link), other strings
 *     kept; a value that the reference would read as a GS1 Digital Link or another EPC scheme is
 *     outside the subset.
 * Values pass, as in the reference: bare CBV names used in the event -> CBV web URIs, declared
 * prefixes expanded, legacy CBV URNs -> web URIs, numbers without trailing zeros, EPCs -> Digital
 * Link, eventTime -> UTC with milliseconds; fields in the canonical order, list members sorted,
 * business transactions, sources, destinations and extensions sorted after them.
 */
"use strict";
(function () {
  const LJ = window.LJ;
  const H = (LJ.eventHash = {});
  const enc = new TextEncoder();

  const CBV = "https://ref.gs1.org/cbv/", VOC = "https://gs1.org/voc/";
  const WEB = ["https://ref.gs1.org/cbv", "https://gs1.org/voc"];
  const CONTEXTS = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
                    "https://gs1.github.io/EPCIS/epcis-context.jsonld"];
  const LEGACY = [["urn:epcglobal:cbv:bizstep:", CBV + "BizStep-"], ["urn:epcglobal:cbv:disp:", CBV + "Disp-"],
                  ["urn:epcglobal:cbv:btt:", CBV + "BTT-"], ["urn:epcglobal:cbv:sdt:", CBV + "SDT-"],
                  ["urn:epcglobal:cbv:er:", CBV + "ER-"]];
  /* CBV 2.0 term lists (sections 7.1-7.5), as ledger/cbv.py holds them */
  const words = (text) => new Set(text.split(" "));
  const BIZ = words("accepting arriving assembling collecting commissioning consigning creating_class_instance " +
    "cycle_counting decommissioning departing destroying disassembling dispensing encoding entering_exiting holding " +
    "inspecting installing killing loading other packing picking receiving removing repackaging repairing replacing " +
    "reserving retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing " +
    "transporting unloading unpacking void_shipping");
  const DISP = words("active available completeness_inferred completeness_verified conformant container_closed " +
    "container_open damaged destroyed dispensed disposed encoded expired in_progress in_transit inactive " +
    "mismatch_class mismatch_instance mismatch_quantity needs_replacement no_pedigree_match non_conformant " +
    "non_sellable_other partially_dispensed recalled reserved retail_sold returned sellable_accessible " +
    "sellable_not_accessible stolen unavailable unknown");
  const BTT = words("bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt");
  const SDT = words("location owning_party possessing_party");

  const EVENT_TYPES = new Set(["ObjectEvent", "AggregationEvent", "AssociationEvent", "TransactionEvent"]);
  const SCALARS = ["eventTime", "eventTimeZoneOffset", "eventID", "recordTime", "parentID", "action", "bizStep",
                   "disposition"];
  const PAIRS = { bizTransactionList: "bizTransaction", sourceList: "source", destinationList: "destination" };
  const STANDARD = new Set(["type", ...SCALARS, "epcList", "childEPCs", "readPoint", "bizLocation", ...Object.keys(PAIRS)]);

  class Unsupported extends Error {}
  H.Unsupported = Unsupported;
  const no = (why) => { throw new Unsupported(why); };
  const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

  /* Python's order of str: by code point */
  function cmp(a, b) {
    const x = Array.from(a), y = Array.from(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const d = x[i].codePointAt(0) - y[i].codePointAt(0);
      if (d) return d;
    }
    return x.length - y.length;
  }

  /* a value we can canonicalise exactly as Python does: no surrounding or control whitespace, no
   * non-ASCII decimal digits (Python's float() reads those) */
  function plain(value, where) {
    if (typeof value !== "string" || value !== value.trim() || /[\x00-\x1f\x7f-\x9f]/.test(value)
        || /[^\P{Nd}0-9]/u.test(value)) no(where);
    return value;
  }

  function readContext(context) {
    const entries = context === undefined || context === null ? [CONTEXTS[0]] : context;
    if (!Array.isArray(entries)) no("@context");
    let epcis = false;
    const prefixes = Object.create(null);
    for (const entry of entries) {
      if (typeof entry === "string" && CONTEXTS.includes(entry)) epcis = true;
      else if (isObject(entry)) {
        for (const [prefix, iri] of Object.entries(entry)) {
          if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix) || ["urn", "http", "https", "cbv", "gs1"].includes(prefix)
              || typeof iri !== "string" || !/^https?:\/\/[\x21-\x7a|~]+\/$/.test(iri)
              || WEB.some((w) => iri.startsWith(w))) no("@context");
          prefixes[prefix] = iri;
        }
      } else no("@context");
    }
    if (!epcis) no("@context");
    return prefixes;
  }

  function checkEvent(event, prefixes) {
    if (!isObject(event) || !EVENT_TYPES.has(event.type)) no("type");
    for (const [key, value] of Object.entries(event)) {
      if (STANDARD.has(key)) continue;
      const m = /^([A-Za-z][A-Za-z0-9_-]*):([A-Za-z_][A-Za-z0-9_.-]*)$/.exec(key);
      if (!m || !(m[1] in prefixes) || m[2].endsWith("List")) no(key);
      plain(value, key);
    }
    for (const key of SCALARS) if (key in event) plain(event[key], key);
    if (typeof event.eventTime !== "string") no("eventTime");
    for (const key of ["epcList", "childEPCs"]) {
      if (!(key in event)) continue;
      if (!Array.isArray(event[key])) no(key);
      event[key].forEach((v) => plain(v, key));
    }
    for (const key of ["readPoint", "bizLocation"]) {
      if (!(key in event)) continue;
      if (!isObject(event[key]) || Object.keys(event[key]).join() !== "id") no(key);
      plain(event[key].id, key);
    }
    for (const [key, idKey] of Object.entries(PAIRS)) {
      if (!(key in event)) continue;
      if (!Array.isArray(event[key])) no(key);
      for (const entry of event[key]) {
        if (!isObject(entry) || Object.keys(entry).sort().join() !== ["type", idKey].sort().join()) no(key);
        plain(entry.type, key); plain(entry[idKey], key);
      }
    }
  }

  /* ---- the bare-name table: what JSON-LD expansion does to bare CBV names used in the event ---- */
  const isWeb = (v) => WEB.some((w) => v.startsWith(w));

  function terms(event, prefixes) {
    const found = new Set();
    (function walk(v) {
      if (typeof v === "string") { if (isWeb(v)) found.add(v); }
      else if (Array.isArray(v)) v.forEach(walk);
      else if (isObject(v)) for (const [k, x] of Object.entries(v)) if (k !== "@context") walk(x);
    })(event);
    const curies = Object.assign(Object.create(null), { cbv: CBV, gs1: VOC }, prefixes);
    const add = (value, list, make) => {
      if (typeof value !== "string") return;
      let expanded = value;
      if (list.has(value)) expanded = make(value);
      else {
        const at = value.indexOf(":");
        if (at >= 0 && !value.slice(at + 1).startsWith("//") && value.slice(0, at) in curies) {
          expanded = curies[value.slice(0, at)] + value.slice(at + 1);
        }
      }
      if (isWeb(expanded)) found.add(expanded);
    };
    add(event.bizStep, BIZ, (t) => CBV + "BizStep-" + t);
    add(event.disposition, DISP, (t) => CBV + "Disp-" + t);
    for (const entry of event.bizTransactionList || []) add(entry.type, BTT, (t) => CBV + "BTT-" + t);
    for (const key of ["sourceList", "destinationList"]) {
      for (const entry of event[key] || []) add(entry.type, SDT, (t) => CBV + "SDT-" + t);
    }
    return found;
  }

  function bareNameTable(found) {
    const candidates = new Map();
    for (const term of found) {
      for (let i = 0; i < term.length; i++) {
        if (term[i] !== "-" && term[i] !== "/") continue;
        const name = term.slice(i + 1);
        if (!candidates.has(name)) candidates.set(name, new Set());
        candidates.get(name).add(term);
      }
    }
    const table = new Map();
    for (const [name, uris] of candidates) if (uris.size === 1) table.set(name, [...uris][0]);
    return table;
  }

  /* ---- values ---- */
  const FLOAT = /^[+-]?(?:\d(?:_?\d)*(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/;

  /* Python's str(int(x)) or str(float(x)) of a number written as text; other text unchanged */
  H.formatNumeric = function (text) {
    if (!FLOAT.test(text)) return text;
    const x = Number(text.replace(/_/g, ""));
    if (!Number.isFinite(x)) return text;
    if (Number.isInteger(x)) return BigInt(x).toString();
    if (Math.abs(x) >= 1e-4) return String(x);          // both write the shortest digits, in fixed notation
    const [mantissa, exp] = x.toExponential().split("e");
    return mantissa + "e" + (Number(exp) < 0 ? "-" : "+") + String(Math.abs(Number(exp))).padStart(2, "0");
  };

  const GS3A3 = "(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]|[-!')(*+,.0-9:;=A-Za-z_])";
  const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
  const cpRef = (n) => "(?:" + range(6, 12).map((c) => `\\d{${c}}\\.\\d{${n - c}}`).join("|") + ")";
  const cpRefOrEmpty = (n) => "(?:" + [...range(6, 11).map((c) => `\\d{${c}}\\.\\d{${n - c}}`), "\\d{12}\\."].join("|") + ")";
  const giaiLike = "(?:" + range(6, 12).map((c) => `\\d{${c}}\\.${GS3A3}{1,${30 - c}}`).join("|") + ")";
  const check = (digits) => {
    let total = 0;
    Array.from(digits).reverse().forEach((d, i) => { total += Number(d) * (i % 2 === 0 ? 3 : 1); });
    return digits + String((10 - total % 10) % 10);
  };
  const escapeDL = (v) => v.replace(/!/g, "%21").replace(/\(/g, "%28").replace(/\)/g, "%29").replace(/\*/g, "%2A")
    .replace(/\+/g, "%2B").replace(/,/g, "%2C").replace(/:/g, "%3A");
  const split = (body) => { const at = body.indexOf("."); return [body.slice(0, at), body.slice(at + 1)]; };
  const DL = "https://id.gs1.org/";
  const SCHEMES = {
    "urn:epc:id:sgtin:": [cpRef(13) + "\\." + GS3A3 + "{1,20}", (cp, rest) =>
      DL + "01/" + check(rest.slice(0, 1) + cp + rest.slice(1, 13 - cp.length)) + "/21/" + escapeDL(rest.slice(13 - cp.length + 1))],
    "urn:epc:id:sscc:": [cpRef(17), (cp, rest) => DL + "00/" + check(rest.slice(0, 1) + cp + rest.slice(1))],
    "urn:epc:id:sgln:": [cpRefOrEmpty(12) + "\\." + GS3A3 + "{1,20}", (cp, rest) => {
      const gln = check(cp + rest.slice(0, 12 - cp.length)), ext = rest.slice(12 - cp.length + 1);
      return DL + "414/" + gln + (ext === "0" ? "" : "/254/" + escapeDL(ext));
    }],
    "urn:epc:id:giai:": [giaiLike, (cp, rest) => DL + "8004/" + cp + escapeDL(rest)],
    "urn:epc:id:pgln:": [cpRefOrEmpty(12), (cp, rest) => DL + "417/" + check(cp + rest.slice(0, 12 - cp.length))],
  };
  for (const s of Object.values(SCHEMES)) s[0] = new RegExp("^" + s[0] + "$");
  /* schemes the reference converts and this file does not */
  const OTHER_SCHEMES = new Set(["urn:epc:id:grai:", "urn:epc:id:gsrn:", "urn:epc:id:gsrnp:", "urn:epc:id:gdti:",
    "urn:epc:id:cpi:", "urn:epc:id:sgcn:", "urn:epc:id:ginc:", "urn:epc:id:gsin:", "urn:epc:id:itip:",
    "urn:epc:id:upui:", "urn:epc:class:lgtin:", "urn:epc:idpat:sgtin:", "urn:epc:idpat:grai:", "urn:epc:idpat:gdti:",
    "urn:epc:idpat:sgcn:", "urn:epc:idpat:cpi:", "urn:epc:idpat:itip:", "urn:epc:idpat:upui:"]);
  const DL_SEGMENT = /\/(?:00|01|253|255|401|402|414|417|8003|8004|8006|8010|8017|8018|gtin|itip|cpid|gln|party|gsrnp|gsrn|gcn|sscc|gdti|ginc|gsin|grai|giai|cpv|lot|ser)\//;

  /* ledger/cbv.py canonical_gs1_uri for the subset: an EPC's Digital Link, null to keep the text */
  H.gs1 = function (uri) {
    if (!uri.includes(".")) return null;
    if (uri.startsWith("urn:epc:")) {
      const end = uri.indexOf(":", uri.indexOf(":", 8) + 1);
      const prefix = end > 0 ? uri.slice(0, end + 1) : "";
      if (OTHER_SCHEMES.has(prefix)) no("EPC scheme " + prefix);
      const scheme = SCHEMES[prefix];
      if (scheme && scheme[0].test(uri.slice(end + 1))) return scheme[1](...split(uri.slice(end + 1)));
    }
    if (uri.includes("id.gs1.org") || DL_SEGMENT.test(uri)) no("GS1 Digital Link");
    return null;
  };

  H.canonical = function (text) {
    for (const [legacy, web] of LEGACY) text = text.split(legacy).join(web);
    text = H.formatNumeric(text);
    const converted = H.gs1(text);
    return converted === null ? text : converted;
  };

  const TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;
  /* an eventTime in UTC with milliseconds (sub-millisecond digits rounded half to even) */
  H.normaliseTime = function (text) {
    const m = TIME.exec(text);
    if (!m) no("eventTime");
    const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
    const utc = Date.UTC(y, mo - 1, d, h, mi, s);
    const back = new Date(utc);
    if (y < 1001 || y > 9998 || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) no("eventTime");
    let offset = 0;
    if (m[8] !== "Z") {
      const hh = Number(m[8].slice(1, 3)), mm = Number(m[8].slice(4, 6));
      if (hh > 23 || mm > 59) no("eventTime");
      offset = (m[8][0] === "-" ? -1 : 1) * (hh * 60 + mm) * 60000;
    }
    const micro = Number((m[7] || "0").slice(0, 6).padEnd(6, "0"));
    let ms = Math.floor(micro / 1000);
    const rest = micro % 1000;
    if (rest > 500 || (rest === 500 && ms % 2 === 1)) ms += 1;
    return new Date(utc - offset + ms).toISOString();
  };

  /* ---- the pre-hash string ---- */
  H.preHash = function (event, context) {
    const prefixes = readContext(context);
    checkEvent(event, prefixes);
    const found = terms(event, prefixes);
    const table = found.size ? bareNameTable(found) : new Map();
    // what the conversion makes of a string: bare names replaced, a declared prefix expanded
    const text = (v) => {
      const r = table.has(v) ? table.get(v) : v;
      const at = r.indexOf(":");
      return at > 0 && r.slice(0, at) in prefixes ? prefixes[r.slice(0, at)] + r.slice(at + 1) : r;
    };
    const leaf = (name, v, time) => {
      if (v === undefined) return "";
      const t = text(v).trim();
      return t ? name + "=" + (time ? H.normaliseTime(t) : H.canonical(t)) : "";
    };
    const list = (name, values) => {
      const parts = (values || []).map((v) => leaf("epc", v)).filter(Boolean).sort(cmp);
      return parts.length ? name + parts.join("") : "";
    };
    const place = (name, obj) => {
      const inner = obj ? leaf("id", obj.id) : "";
      return inner ? name + inner : "";
    };
    let out = "eventType=" + (table.has(event.type) ? table.get(event.type) : event.type);
    out += leaf("eventTime", event.eventTime, true) + leaf("eventTimeZoneOffset", event.eventTimeZoneOffset)
      + leaf("parentID", event.parentID) + list("epcList", event.epcList) + list("childEPCs", event.childEPCs)
      + leaf("action", event.action) + leaf("bizStep", event.bizStep) + leaf("disposition", event.disposition)
      + place("readPoint", event.readPoint) + place("bizLocation", event.bizLocation);
    // the rest, sorted: business transactions, sources, destinations, extensions
    const rest = [];
    const pairPart = (key, v) => { const t = text(v).trim(); return key + (t ? "=" + H.canonical(t) : ""); };
    for (const name of Object.keys(PAIRS)) {
      const entries = event[name] || [];
      if (!entries.length) continue;
      const pairs = entries.map((e) => Object.keys(e).map((k) => pairPart(k, e[k])).join(""));
      if (pairs.length > 1) pairs.sort(cmp);
      rest.push(name + pairs.join(""));
    }
    for (const [key, value] of Object.entries(event)) {
      if (STANDARD.has(key)) continue;
      const at = key.indexOf(":");
      rest.push(pairPart("{" + prefixes[key.slice(0, at)] + "}" + key.slice(at + 1), value));
    }
    if (rest.length > 1) rest.sort(cmp);
    return out + rest.join("");
  };

  H.of = async function (event, context) {
    const pre = H.preHash(event, context);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", enc.encode(pre)));
    return "ni:///sha-256;" + Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("") + "?ver=CBV2.0";
  };
})();
