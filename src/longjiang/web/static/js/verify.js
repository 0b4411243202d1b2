/* A ledger bundle verified in the browser with WebCrypto (SHA-256 and Ed25519), nothing from the server.
 *
 * LJ.verify.bundle(data[, pinned witnesses])  -> report { ok, ed25519, shipment, treeSize, checkpoint, entries, access, parties }
 *   data is a parsed "longjiang-ledger-bundle/v1" or "/v2" object (src/longjiang/ledger/bundles.py); a file
 *   that is not one raises LJ.verify.BundleError naming where it is wrong. Each check in the report
 *   is { ok, code, ... }: code names what failed (a message key of the page), null when it passed.
 *
 * Mirrors the reference verifier verify_bundle (ledger/bundles.py), with the definitions of
 * ledger/checkpoint.py (C2SP signed note, tlog-checkpoint), ledger/merkle.py (RFC 9162) and
 * ledger/parties.py (event_statement, access_statement):
 *   - the checkpoint: a signed note whose signature by the log key (name and key id from the
 *     bundle's "log.key") verifies with Ed25519 over the note text; origin, size and root parsed
 *     canonically; the origin must be the bundle's "log.origin";
 *   - each entry: its statement "longjiang-ledger/event/v1\nshipment S\nparty P\nevent H\n" with the
 *     event hash H the bundle gives, the party's Ed25519 signature of it (key from "parties", its
 *     key id checked), the leaf SHA-256(0x00 || statement || signature) and the RFC 9162 inclusion
 *     proof from it at leafIndex to the checkpoint's root;
 *   - each access change the same way with "longjiang-ledger/access/v1" statements;
 *   - v2: the party key that checks an entry is not taken from the bundle on trust: each party's
 *     registration ("longjiang-ledger/party/v1": role, country, names, identifiers, first key) and
 *     key changes ("longjiang-ledger/key/v1": rotate, revoke) are leaves signed by the log key and
 *     proven included; an entry is checked with the key the party held at its leaf (key_spans).
 * and the event's fields hashed again to H (CBV 2.0, eventhash.js) for the EPCIS subset that file
 * knows; an event beyond it is reported with content "unchecked" (its signature and inclusion are
 * still checked), never as verified content. `longjiang ledger verify BUNDLE` checks every event.
 */
"use strict";
(function () {
  const LJ = window.LJ;
  const V = (LJ.verify = {});
  const enc = new TextEncoder();
  const b64decode = (t) => LJ.sign.b64decode(t);

  V.FORMATS = ["longjiang-ledger-bundle/v1", "longjiang-ledger-bundle/v2"];
  const EVENT_TAG = "longjiang-ledger/event/v1";
  const ACCESS_TAG = "longjiang-ledger/access/v1";
  const PARTY_ID = /^[a-z0-9][a-z0-9._-]{1,62}$/;
  const SHIPMENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  const EVENT_HASH = /^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/;
  const ACCESS_DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$/;
  const DECIMAL = /^(0|[1-9][0-9]*)$/;
  const SIG_PREFIX = "\u2014 ";   // em dash and a space
  const MAX_NOTE_BYTES = 256 * 1024;
  const MAX_SIGNATURES = 100;
  const MAX_PROOF = 64;
  /* as the API's LONGJIANG_MAX_EVENTS default: more entries than this is not a bundle we wrote */
  const MAX_ITEMS = 10000;

  /* A file that is not a ledger bundle: `where` is the JSON pointer of the problem. */
  class BundleError extends Error {
    constructor(where, detail) {
      super("bundle" + where + ": " + detail);
      this.where = where || "/";
      this.detail = detail;
    }
  }
  V.BundleError = BundleError;

  function need(obj, key, kind, where) {
    const value = obj[key];
    const ok = kind === "array" ? Array.isArray(value)
      : kind === "object" ? value !== null && typeof value === "object" && !Array.isArray(value)
      : kind === "int" ? Number.isSafeInteger(value) && value >= 0
      : typeof value === kind;
    if (!ok) throw new BundleError(where + "/" + key, "missing or of the wrong type");
    return value;
  }

  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) { out.set(p, at); at += p.length; }
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

  /* RFC 9162 section 2.1.1 */
  V.leafHash = (data) => sha256(concat(Uint8Array.of(0), data));
  V.nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));

  /* RFC 9162 section 2.1.3.2: the root an inclusion proof implies, or null when it is malformed. */
  V.rootFromInclusionProof = async function (leaf, index, size, proof) {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0 || !p || p.length !== 32) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await V.nodeHash(p, r);
        if (fn % 2 === 0) {
          while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
        }
      } else {
        r = await V.nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  };

  /* A signed-note verifier key "<name>+<8 hex key id>+<base64(0x01 || public key)>", or null. */
  V.parseVerifierKey = async function (text) {
    if (typeof text !== "string" || text.length > 200) return null;
    const parts = LJ.sign.splitKey(text, 3);   // the base64 may itself hold "+"
    if (!parts) return null;
    const [name, id, b64] = parts;
    const raw = b64decode(b64);
    if (!name || /\s/.test(name) || !/^[0-9a-fA-F]{8}$/.test(id) || !raw || raw.length !== 33 || raw[0] !== 1) return null;
    const publicKey = raw.slice(1);
    if (await LJ.sign.keyId(name, publicKey) !== id.toLowerCase()) return null;
    return { name: name, keyId: id.toLowerCase(), publicKey: publicKey };
  };

  V.ed25519Verify = async function (publicKey, message, signature) {
    if (!signature || signature.length !== 64) return false;
    const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
    return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
  };

  const hasControl = (text) => /[\x00-\x09\x0b-\x1f]/.test(text);

  /* c2sp.org/signed-note with one trusted key, then c2sp.org/tlog-checkpoint: { origin, size, root }.
   * Throws a code: "checkpoint.malformed" or "checkpoint.signature" (as open_checkpoint, one per cause). */
  V.openCheckpoint = async function (note, verifier) {
    const fail = (code) => { throw new Error(code); };
    if (typeof note !== "string" || enc.encode(note).length > MAX_NOTE_BYTES || hasControl(note)) fail("checkpoint.malformed");
    const split = note.lastIndexOf("\n\n");
    if (split < 0) fail("checkpoint.malformed");
    const text = note.slice(0, split + 1), block = note.slice(split + 2);
    if (!block || !block.endsWith("\n")) fail("checkpoint.malformed");
    const lines = block.slice(0, -1).split("\n");
    if (lines.length > MAX_SIGNATURES) fail("checkpoint.malformed");
    const message = enc.encode(text);
    let verified = false;
    for (const line of lines) {
      if (!line.startsWith(SIG_PREFIX)) fail("checkpoint.malformed");
      const rest = line.slice(SIG_PREFIX.length), space = rest.indexOf(" ");
      const name = space > 0 ? rest.slice(0, space) : "";
      const blob = space > 0 ? b64decode(rest.slice(space + 1)) : null;
      if (!name || name.includes("+") || !blob || blob.length < 5) fail("checkpoint.malformed");
      const id = Array.from(blob.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
      if (name !== verifier.name || id !== verifier.keyId) continue;   // another key: ignored
      if (verified) continue;
      if (!await V.ed25519Verify(verifier.publicKey, message, blob.slice(4))) fail("checkpoint.signature");
      verified = true;
    }
    if (!verified) fail("checkpoint.unsigned");
    const body = text.slice(0, -1).split("\n");
    if (body.length < 3 || !body[0] || !DECIMAL.test(body[1])) fail("checkpoint.malformed");
    const root = b64decode(body[2]);
    if (!root || root.length !== 32 || body.slice(3).some((ext) => !ext)) fail("checkpoint.malformed");
    const size = Number(body[1]);
    if (!Number.isSafeInteger(size)) fail("checkpoint.malformed");
    return { origin: body[0], size: size, root: root };
  };

  /* c2sp.org/tlog-cosignature: a witness key "<name>+<8 hex key id>+<base64(0x04 || public key)>",
   * the key id being SHA-256(name || 0x0A || 0x04 || public key)[:4]; or null. */
  V.parseWitnessKey = async function (text) {
    if (typeof text !== "string" || text.length > 200) return null;
    const parts = LJ.sign.splitKey(text.trim(), 3);
    if (!parts) return null;
    const [name, id, b64] = parts;
    const raw = b64decode(b64);
    if (!name || /\s/.test(name) || !/^[0-9a-fA-F]{8}$/.test(id) || !raw || raw.length !== 33 || raw[0] !== 4) return null;
    const publicKey = raw.slice(1);
    const digest = await sha256(concat(enc.encode(name + "\n"), Uint8Array.of(4), publicKey));
    const want = Array.from(digest.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    if (want !== id.toLowerCase()) return null;
    return { name: name, keyId: want, publicKey: publicKey };
  };

  /* The names of the pinned witnesses whose cosignature/v1 lines on `note` verify (signed message:
   * "cosignature/v1\ntime <t>\n" + the checkpoint text; line blob: key id, 8-byte time, signature).
   * Lines of other keys are ignored; a bad line of a pinned witness throws "witnesses.signature". */
  V.cosigners = async function (note, witnesses) {
    const split = note.lastIndexOf("\n\n");
    const text = note.slice(0, split + 1), lines = note.slice(split + 2, -1).split("\n");
    const found = [];
    for (const line of lines) {
      const rest = line.slice(SIG_PREFIX.length), space = rest.indexOf(" ");
      const name = rest.slice(0, space), blob = b64decode(rest.slice(space + 1));
      if (!blob || blob.length < 4) continue;
      const id = Array.from(blob.slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
      const w = witnesses.find((k) => k.name === name && k.keyId === id);
      if (!w || found.includes(name)) continue;
      if (blob.length !== 76) throw new Error("witnesses.signature");
      let time = 0n;
      for (const b of blob.slice(4, 12)) time = time * 256n + BigInt(b);
      const message = enc.encode("cosignature/v1\ntime " + time.toString() + "\n" + text);
      if (!await V.ed25519Verify(w.publicKey, message, blob.slice(12))) throw new Error("witnesses.signature");
      found.push(name);
    }
    return found;
  };

  V.eventStatement = (shipment, party, eventHash) =>
    EVENT_TAG + "\nshipment " + shipment + "\nparty " + party + "\nevent " + eventHash + "\n";
  V.accessStatement = (shipment, party, action, subject, date) =>
    ACCESS_TAG + "\nshipment " + shipment + "\nparty " + party + "\n" + action + " " + subject + "\ndate " + date + "\n";

  function proofOf(item, where) {
    const list = need(item, "inclusionProof", "array", where);
    if (list.length > MAX_PROOF) throw new BundleError(where + "/inclusionProof", "too long");
    return list.map((p, i) => {
      const raw = typeof p === "string" ? b64decode(p) : null;
      if (!raw) throw new BundleError(where + "/inclusionProof/" + i, "not base64");
      return raw;
    });
  }

  function signatureOf(item, where) {
    const raw = b64decode(need(item, "signature", "string", where));
    if (!raw) throw new BundleError(where + "/signature", "not base64");
    return raw;
  }

  /* One signed leaf: the signer's key (a verifier, or a failure code), its Ed25519 signature, then
   * the leaf and its inclusion proof. A failure code, or null when it verifies. */
  async function checkLeaf(statement, key, signature, index, proof, cp, badSignature) {
    if (typeof key === "string") return key;
    const data = enc.encode(statement);
    if (!await V.ed25519Verify(key.publicKey, data, signature)) return badSignature;
    const root = await V.rootFromInclusionProof(await V.leafHash(concat(data, signature)), index, cp.size, proof);
    if (!root || !equal(root, cp.root)) return badSignature.replace(/\.[a-z_]+$/, ".proof");
    return null;
  }

  /* Format v1: the party's one key, as the bundle gives it. */
  async function keyV1(parties, party) {
    const info = parties[party];
    if (!info) return "entry.no_key";
    const key = await V.parseVerifierKey(info.key);
    if (!key) return "entry.bad_key";
    return key.name === party ? key : "entry.key_name";
  }

  /* ---- format v2: the parties' registrations and key changes, signed by the log ---- */
  const ROLES = ["shipper", "forwarder", "carrier_rail", "carrier_road", "carrier_sea", "customs",
                 "port_operator", "consignee"];
  const goodName = (v) => typeof v === "string" && v.length <= 200 && !/[\x00-\x1f\x7f]/.test(v);

  /* ledger/parties.py party_statement (UTF-8): what the log signs to register a party */
  V.partyStatement = (party, info, key, date) => [
    "longjiang-ledger/party/v1", "party " + party, "role " + info.role, "country " + info.country,
    "key " + key, "name-en " + info.names.en, "name-zh " + (info.names.zh || ""), "name-ru " + (info.names.ru || ""),
    ...[...new Set(info.identifiers)].sort().map((i) => "identifier " + i), "date " + date].join("\n") + "\n";
  /* ledger/parties.py key_statement: what the log signs to rotate to or revoke a key */
  V.keyStatement = (party, action, key, date) =>
    "longjiang-ledger/key/v1\nparty " + party + "\n" + action + " " + key + "\ndate " + date + "\n";

  /* ledger/registry.py key_spans: the keys a party held and the leaves [from, until) each signs */
  V.keySpans = function (records) {
    let spans = [];
    for (const r of records) {
      if (r.action === "register") spans = [{ key: r.key, from: r.backfilled === true ? 0 : r.leafIndex, until: null }];
      else if (spans.length && spans[spans.length - 1].until === null) spans[spans.length - 1].until = r.leafIndex;
      if (r.action === "rotate") spans.push({ key: r.key, from: r.leafIndex, until: null });
    }
    return spans;
  };

  function partyWellFormed(party, info) {
    const n = info.names;
    return PARTY_ID.test(party) && ROLES.includes(info.role) && /^[A-Z]{2}$/.test(info.country)
      && goodName(n.en) && n.en.trim() !== "" && [n.zh, n.ru].every((v) => v === undefined || v === "" || goodName(v))
      && info.identifiers.every((i) => typeof i === "string" && i !== "" && !/\s/.test(i));
  }

  /* A party's records: each signed by the log key and included in the tree. { code, spans } */
  async function checkParty(party, info, logKey, cp) {
    const records = info.records;
    if (!records.length || records[0].action !== "register") return { code: "party.no_registration" };
    if (!partyWellFormed(party, info)) return { code: "party.malformed" };
    for (const r of records) {
      const key = await V.parseVerifierKey(r.key);
      if (!key || key.name !== party || !ACCESS_DATE.test(r.date)) return { code: "party.malformed", leafIndex: r.leafIndex };
      let statement;
      if (r.action === "register") statement = V.partyStatement(party, info, r.key, r.date);
      else if (r.action === "rotate" || r.action === "revoke") statement = V.keyStatement(party, r.action, r.key, r.date);
      else return { code: "party.malformed", leafIndex: r.leafIndex };
      const code = await checkLeaf(statement, logKey, r._signature, r.leafIndex, r._proof, cp, "party.signature");
      if (code) return { code: code, leafIndex: r.leafIndex };
    }
    return { code: null, spans: V.keySpans(records) };
  }

  /* Format v2: the key the party held at this leaf by its verified records (and the one the entry names). */
  async function keyV2(spans, party, index, claimed) {
    const span = (spans[party] || []).find((s) => s.from <= index && (s.until === null || index < s.until));
    if (!span) return "entry.no_key";
    if (claimed !== undefined && claimed !== null && claimed !== span.key) return "entry.wrong_key";
    return V.parseVerifierKey(span.key);
  }

  /* The event's fields hashed again (eventhash.js): "ok", "changed", or "unchecked" when the event uses
   * EPCIS features beyond what the page can canonicalise. */
  async function checkContent(item) {
    try {
      return await LJ.eventHash.of(item.event, item.context) === item.eventHash ? "ok" : "changed";
    } catch (err) {
      if (err instanceof LJ.eventHash.Unsupported) return "unchecked";
      throw err;
    }
  }

  /* The bundle's shape, checked before any cryptography (BundleError when it is not a bundle). */
  V.read = function (data) {
    if (!data || typeof data !== "object" || !V.FORMATS.includes(data.format)) {
      throw new BundleError("/format", "expected " + V.FORMATS.map((f) => JSON.stringify(f)).join(" or "));
    }
    const v2 = data.format === V.FORMATS[1];
    const log = need(data, "log", "object", "");
    const bundle = {
      shipment: need(data, "shipment", "string", ""),
      origin: need(log, "origin", "string", "/log"),
      logKey: need(log, "key", "string", "/log"),
      note: need(data, "checkpoint", "string", ""),
      parties: need(data, "parties", "object", ""),
      entries: need(data, "entries", "array", ""),
      access: data.access === undefined ? [] : need(data, "access", "array", ""),
    };
    bundle.v2 = v2;
    if (bundle.entries.length + bundle.access.length > MAX_ITEMS) throw new BundleError("/entries", "too many entries");
    for (const [party, info] of Object.entries(bundle.parties)) {
      const where = "/parties/" + party;
      if (!info || typeof info !== "object" || Array.isArray(info)) throw new BundleError(where, "expected an object");
      if (!v2) { need(info, "key", "string", where); continue; }
      need(info, "names", "object", where); need(info, "role", "string", where);
      need(info, "country", "string", where); need(info, "identifiers", "array", where);
      const records = need(info, "records", "array", where);
      if (records.length > MAX_ITEMS) throw new BundleError(where + "/records", "too many records");
      records.forEach((r, n) => {
        const at = where + "/records/" + n;
        if (!r || typeof r !== "object" || Array.isArray(r)) throw new BundleError(at, "expected an object");
        need(r, "leafIndex", "int", at);
        for (const k of ["action", "key", "date"]) need(r, k, "string", at);
        r._proof = proofOf(r, at); r._signature = signatureOf(r, at);
      });
    }
    bundle.entries.forEach((item, n) => {
      const where = "/entries/" + n;
      if (!item || typeof item !== "object" || Array.isArray(item)) throw new BundleError(where, "expected an object");
      need(item, "leafIndex", "int", where); need(item, "party", "string", where);
      need(item, "eventHash", "string", where); need(item, "event", "object", where);
      item._proof = proofOf(item, where); item._signature = signatureOf(item, where);
    });
    bundle.access.forEach((item, n) => {
      const where = "/access/" + n;
      if (!item || typeof item !== "object" || Array.isArray(item)) throw new BundleError(where, "expected an object");
      for (const k of ["party", "action", "subject", "date"]) need(item, k, "string", where);
      need(item, "leafIndex", "int", where);
      item._proof = proofOf(item, where); item._signature = signatureOf(item, where);
    });
    return bundle;
  };

  /* `pinned`: optional { keys: [witness key strings], quorum: n }; the checkpoint must then carry
   * cosignatures of `quorum` of them (report.witnesses); without it none are required. */
  V.bundle = async function (data, pinned) {
    const b = V.read(data);
    const report = { ok: false, ed25519: await LJ.sign.hasEd25519(), shipment: b.shipment, treeSize: null,
                     logKey: b.logKey, checkpoint: { ok: false, code: null }, entries: [], access: [], parties: [],
                     witnesses: null };
    if (!report.ed25519) return report;       // "not verified in this browser"
    let cp, logVerifier;
    try {
      logVerifier = await V.parseVerifierKey(b.logKey);
      if (!logVerifier) throw new Error("checkpoint.log_key");
      cp = await V.openCheckpoint(b.note, logVerifier);
      if (cp.origin !== b.origin) throw new Error("checkpoint.origin");
    } catch (err) {
      report.checkpoint.code = String(err.message).startsWith("checkpoint.") ? err.message : "checkpoint.malformed";
      return report;
    }
    report.checkpoint.ok = true;
    report.treeSize = cp.size;
    if (pinned) {
      const keys = [];
      for (const text of pinned.keys || []) {
        const key = await V.parseWitnessKey(text);
        if (key) keys.push(key);
      }
      const quorum = Number.isSafeInteger(pinned.quorum) && pinned.quorum > 0 ? pinned.quorum : keys.length || 1;
      const w = { ok: false, code: null, quorum: quorum, names: [] };
      try {
        w.names = await V.cosigners(b.note, keys);
        w.ok = keys.length >= quorum && w.names.length >= quorum;
        if (!w.ok) w.code = keys.length < quorum ? "witnesses.keys" : "witnesses.quorum";
      } catch (err) {
        w.code = "witnesses.signature";
      }
      report.witnesses = w;
    }
    report.parties = [];
    const spans = {};
    if (b.v2) {
      for (const [party, info] of Object.entries(b.parties)) {
        const result = await checkParty(party, info, logVerifier, cp);
        report.parties.push({ ok: result.code === null, code: result.code, party: party, leafIndex: result.leafIndex });
        if (result.spans) spans[party] = result.spans;
      }
    }
    const keyOf = (party, index, claimed) => b.v2 ? keyV2(spans, party, index, claimed) : keyV1(b.parties, party);
    const shipmentOk = SHIPMENT_ID.test(b.shipment);
    for (const item of b.entries) {
      let code = null;
      const content = await checkContent(item);
      if (!shipmentOk || !PARTY_ID.test(item.party)) code = "entry.malformed";
      else if (!EVENT_HASH.test(item.eventHash)) code = "entry.hash_format";
      else if (content === "changed") code = "entry.event_changed";
      else {
        code = await checkLeaf(V.eventStatement(b.shipment, item.party, item.eventHash),
                               await keyOf(item.party, item.leafIndex, item.key), item._signature, item.leafIndex,
                               item._proof, cp, "entry.signature");
      }
      report.entries.push({ ok: code === null, code: code, content: content, leafIndex: item.leafIndex,
                            party: item.party, eventHash: item.eventHash, item: item });
    }
    for (const item of b.access) {
      let code = null;
      if (!shipmentOk || !PARTY_ID.test(item.party) || !PARTY_ID.test(item.subject)
          || !["grant", "revoke"].includes(item.action) || !ACCESS_DATE.test(item.date)) code = "entry.malformed";
      else {
        code = await checkLeaf(V.accessStatement(b.shipment, item.party, item.action, item.subject, item.date),
                               await keyOf(item.party, item.leafIndex, null), item._signature, item.leafIndex,
                               item._proof, cp, "entry.signature");
      }
      report.access.push({ ok: code === null, code: code, leafIndex: item.leafIndex, party: item.party, item: item });
    }
    report.ok = report.entries.length > 0 && [...report.entries, ...report.access, ...report.parties].every((c) => c.ok)
      && (report.witnesses === null || report.witnesses.ok);
    report.empty = report.entries.length === 0;
    return report;
  };
})();
