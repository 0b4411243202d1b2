/* Signed ledger requests made in the page: the party's private key never leaves the browser.
 *
 * LJ.sign.parseKeyFile(text)        a party key file (PRIVATE+KEY+<party>+<key id>+<base64(0x01 || seed)>)
 *                                   as { party, keyId, seed }; a LJ.sign.KeyError naming what is wrong
 * LJ.sign.importKey(parsed)         { party, keyId, publicKey, privateKey }: the seed imported with
 *                                   WebCrypto (Ed25519, not extractable) after its key id is checked
 * LJ.sign.headers(key, method, target, body)   the five headers of a signed request
 * LJ.sign.fetchJSON(key, method, target, body) LJ.api with those headers
 *
 * The scheme is the ledger's "longjiang-ledger/request/v2" (src/longjiang/api/ledger.py and
 * ledger/parties.py request_statement): the party signs, with Ed25519, the six lines
 *
 *   longjiang-ledger/request/v2
 *   party <party id>
 *   <METHOD> <request target: path and ?query exactly as sent>
 *   date <UTC time in seconds, 2026-03-02T01:00:00Z>
 *   nonce <16-64 of A-Z a-z 0-9 - _, new for every request>
 *   digest sha-256=:<base64 of SHA-256 of the body>:
 *
 * each ending in "\n"; the digest line is also the request's Content-Digest header (RFC 9530).
 * Only these headers travel: the key file's text and the seed stay in this page's memory.
 */
"use strict";
(function () {
  const LJ = window.LJ;
  const S = (LJ.sign = {});
  const enc = new TextEncoder();

  const PARTY_ID = /^[a-z0-9][a-z0-9._-]{1,62}$/;
  const KEY_ID = /^[0-9a-f]{8}$/i;
  const REQUEST_TAG = "longjiang-ledger/request/v2";
  /* DER prefix of a PKCS #8 Ed25519 private key (RFC 8410): the 32-byte seed follows it */
  const PKCS8_ED25519 = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                         0x04, 0x22, 0x04, 0x20];
  /* the public key of RFC 8032 section 7.1, TEST 1: a valid point to probe for Ed25519 support */
  const RFC8032_TEST1_PUBLIC = Uint8Array.from(
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a".match(/../g), (h) => parseInt(h, 16));
  /* a key file is one line of about 110 characters; anything much larger is not one */
  const MAX_KEY_FILE = 4096;

  /* A key file that cannot be used; `code` is a message key of the page, `detail` what was wrong. */
  class KeyError extends Error {
    constructor(code, detail) {
      super(code + (detail ? ": " + detail : ""));
      this.code = code;
      this.detail = detail || "";
    }
  }
  S.KeyError = KeyError;

  S.b64encode = function (bytes) {
    let text = "";
    for (const b of bytes) text += String.fromCharCode(b);
    return btoa(text);
  };

  /* Strict standard base64 (RFC 4648 section 4) to bytes, or null. */
  S.b64decode = function (text) {
    if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
    let raw;
    try { raw = atob(text); } catch (err) { return null; }
    const bytes = Uint8Array.from(raw, (c) => c.charCodeAt(0));
    return S.b64encode(bytes) === text ? bytes : null;   // canonical: no stray bits
  };

  S.sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

  const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

  /* The signed-note key id: SHA-256(name || "\n" || 0x01 || public key)[:4], as 8 hex digits. */
  S.keyId = async function (name, publicKey) {
    const name8 = enc.encode(name + "\n");
    const data = new Uint8Array(name8.length + 1 + publicKey.length);
    data.set(name8, 0); data[name8.length] = 0x01; data.set(publicKey, name8.length + 1);
    return hex((await S.sha256(data)).slice(0, 4));
  };

  /* "a+b+c+rest" cut at its first n-1 "+" into n parts (as Python's split("+", n - 1)), or null */
  S.splitKey = function (text, n) {
    const parts = [];
    let rest = text;
    for (let i = 1; i < n; i++) {
      const at = rest.indexOf("+");
      if (at < 0) return null;
      parts.push(rest.slice(0, at));
      rest = rest.slice(at + 1);
    }
    parts.push(rest);
    return parts;
  };

  S.parseKeyFile = function (text) {
    if (typeof text !== "string" || text.length > MAX_KEY_FILE) throw new KeyError("tracker.key.too_large");
    const line = text.trim();
    if (line.includes("\n")) throw new KeyError("tracker.key.malformed", "more than one line");
    const parts = S.splitKey(line, 5);
    if (!parts || parts[0] !== "PRIVATE" || parts[1] !== "KEY") {
      // a public key (name+id+key) is the usual mistake
      throw new KeyError(S.splitKey(line, 3) && !line.startsWith("PRIVATE+") ? "tracker.key.public" : "tracker.key.malformed",
                         "expected PRIVATE+KEY+party+keyid+base64key");
    }
    const [, , party, keyId, b64] = parts;
    if (!PARTY_ID.test(party)) throw new KeyError("tracker.key.malformed", "party id " + JSON.stringify(party.slice(0, 70)));
    if (!KEY_ID.test(keyId)) throw new KeyError("tracker.key.malformed", "key id " + JSON.stringify(keyId.slice(0, 20)));
    const raw = S.b64decode(b64);
    if (!raw) throw new KeyError("tracker.key.malformed", "the key is not base64");
    if (raw.length !== 33 || raw[0] !== 0x01) throw new KeyError("tracker.key.malformed", "not an Ed25519 key");
    return { party: party, keyId: keyId.toLowerCase(), seed: raw.slice(1) };
  };

  /* Whether this browser's WebCrypto has Ed25519 (Chromium 137 and later, Firefox 129, Safari 17). */
  S.hasEd25519 = async function () {
    try {
      await crypto.subtle.importKey("raw", RFC8032_TEST1_PUBLIC, { name: "Ed25519" }, false, ["verify"]);
      return true;
    } catch (err) {
      return !(err && err.name === "NotSupportedError");
    }
  };

  S.importKey = async function (parsed) {
    const der = new Uint8Array(PKCS8_ED25519.length + 32);
    der.set(PKCS8_ED25519, 0); der.set(parsed.seed, PKCS8_ED25519.length);
    let publicKey, privateKey;
    try {
      // once extractable, only to learn the public key (JWK "x") for the key id check ...
      const probe = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, true, ["sign"]);
      const jwk = await crypto.subtle.exportKey("jwk", probe);
      publicKey = S.b64decode(toStd(jwk.x));
      // ... then for good, not extractable
      privateKey = await crypto.subtle.importKey("pkcs8", der, { name: "Ed25519" }, false, ["sign"]);
    } catch (err) {
      if (err && err.name === "NotSupportedError") throw new KeyError("tracker.key.no_ed25519");
      throw new KeyError("tracker.key.malformed", err && err.message);
    } finally {
      der.fill(0);
      parsed.seed.fill(0);
    }
    if (!publicKey || publicKey.length !== 32) throw new KeyError("tracker.key.malformed", "no public key");
    if (await S.keyId(parsed.party, publicKey) !== parsed.keyId) {
      throw new KeyError("tracker.key.key_id", parsed.party + "+" + parsed.keyId);
    }
    return { party: parsed.party, keyId: parsed.keyId, publicKey: publicKey, privateKey: privateKey };
  };

  /* base64url without padding (JWK) to standard base64 with padding */
  function toStd(b64url) {
    const std = String(b64url || "").replace(/-/g, "+").replace(/_/g, "/");
    return std + "=".repeat((4 - std.length % 4) % 4);
  }

  /* 18 random bytes as base64url: 24 characters of A-Z a-z 0-9 - _ */
  S.nonce = function () {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    return S.b64encode(bytes).replace(/\+/g, "-").replace(/\//g, "_");
  };

  /* now in UTC, RFC 3339 in seconds */
  S.date = (now) => (now || new Date()).toISOString().slice(0, 19) + "Z";

  S.bodyDigest = async (body) => "sha-256=:" + S.b64encode(await S.sha256(body)) + ":";

  S.requestStatement = function (party, method, target, date, nonce, digest) {
    return REQUEST_TAG + "\nparty " + party + "\n" + method.toUpperCase() + " " + target + "\ndate " + date
      + "\nnonce " + nonce + "\ndigest " + digest + "\n";
  };

  S.headers = async function (key, method, target, body, now) {
    if (!/^\/[\x21-\x7e]{0,4095}$/.test(target)) throw new KeyError("tracker.key.malformed", "request target");
    const bytes = body ? enc.encode(body) : new Uint8Array(0);
    const date = S.date(now);
    const nonce = S.nonce();
    const digest = await S.bodyDigest(bytes);
    const statement = enc.encode(S.requestStatement(key.party, method, target, date, nonce, digest));
    const signature = new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, key.privateKey, statement));
    return {
      "Longjiang-Party": key.party,
      "Longjiang-Date": date,
      "Longjiang-Nonce": nonce,
      "Content-Digest": digest,
      "Longjiang-Signature": S.b64encode(signature),
    };
  };

  /* A signed JSON request to our API; problems come back as LJ.Problem, as with LJ.api. */
  S.fetchJSON = async function (key, method, target, body) {
    const headers = Object.assign({ Accept: "application/json" }, await S.headers(key, method, target, body));
    if (body) headers["Content-Type"] = "application/json";
    return LJ.api(target, { method: method, headers: headers, body: body || undefined, credentials: "omit" });
  };
})();
