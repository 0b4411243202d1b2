"""The GS1 identifier grammar: check digits, EPC URIs and GS1 Digital Link URIs.

What an EPCIS identifier may look like and its one canonical form, for validation
(:mod:`longjiang.ledger.epcis`) and for the event hash (:mod:`longjiang.ledger.eventhash`):

- the GS1 mod-10 check digit (GS1 General Specifications section 7.9.1);
- the EPC pure identity, class and pattern URIs of the EPC Tag Data Standard 2.0 (section 6);
- the conversion of an EPC URI or a GS1 Digital Link URI to the constrained canonical GS1 Digital
  Link URI (GS1 Digital Link URI syntax 1.2, section 4.11), the form the CBV 2.0 event hash uses.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["canonical_gs1_uri", "epc_uri_is_valid", "gs1_check_digit"]

# --------------------------------------------------------------------------------------
# EPC URIs and GS1 Digital Link URIs -> constrained canonical GS1 Digital Link URI
# (EPC Tag Data Standard 2.0 URI grammar; GS1 Digital Link URI syntax 1.2 section 4.11)
# --------------------------------------------------------------------------------------

#: one character of a GS1 AI encodable string in an EPC URI (plain or %-escaped)
_GS3A3 = (
    r"(?:%2[125-9A-Fa-f]|%3[0-9A-Fa-f]|%4[1-9A-Fa-f]|%5[0-9AaFf]|%6[1-9A-Fa-f]|%7[0-9Aa]"
    r"|[-!')(*+,.0-9:;=A-Za-z_])"
)
_CPREF = r"(?:%2[3dfDF]|%3[0-9]|%4[1-9A-Fa-f]|%5[0-9Aa]|[0-9A-Z-])"
_DL_URI_PATTERN = re.compile(
    r"^https?:(//((([^/?#]*)@)?([^/?#:]*)(:([^/?#]*))?))?((([^?#]*)(/(01|gtin|8006|itip|8010|cpid|414|gln|417"
    r"|party|8017|gsrnp|8018|gsrn|255|gcn|00|sscc|253|gdti|401|ginc|402|gsin|8003|grai|8004|giai)/)"
    r"(\d{4}[^/]+)(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?)|(/[A-Za-z_-]{10}$))"
)
_DL_SHORT_NAMES = (
    ("/gtin/", "/01/"),
    ("/itip/", "/8006/"),
    ("/cpid/", "/8010/"),
    ("/gln/", "/414/"),
    ("/party/", "/417/"),
    ("/gsrnp/", "/8017/"),
    ("/gsrn/", "/8018/"),
    ("/gcn/", "/255/"),
    ("/sscc/", "/00/"),
    ("/gdti/", "/253/"),
    ("/ginc/", "/401/"),
    ("/gsin/", "/402/"),
    ("/grai/", "/8003/"),
    ("/giai/", "/8004/"),
    ("/cpv/", "/22/"),
    ("/lot/", "/10/"),
    ("/ser/", "/21/"),
)
_DL_PRIMARY_KEYS = (
    "00",
    "01",
    "253",
    "255",
    "401",
    "402",
    "414",
    "417",
    "8003",
    "8004",
    "8006",
    "8010",
    "8017",
    "8018",
)
_DL_CANONICAL_HOST = re.compile(
    r"^https://id.gs1.org/(01|8006|8010|414|417|8017|8018|255|00|253|401|402|8003|8004)/(\d{4}[^/]+)"
    r"(/[^/]+/[^/]+)?[/]?(\?([^?\n]*))?(#([^\n]*))?|(/[A-Za-z_-]{10}$)"
)
_AI82 = r"[\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]"
_DL_VALID = tuple(
    re.compile(p)
    for p in (
        r"https://id.gs1.org/00/(\d{18})$",
        rf"https://id.gs1.org/01/(\d{{14}})/21/({_AI82}{{0,20}})$",
        rf"https://id.gs1.org/01/(\d{{14}})/10/({_AI82}{{0,20}})$",
        r"https://id.gs1.org/01/(\d{14})$",
        rf"https://id.gs1.org/01/(\d{{14}})/235/({_AI82}{{0,28}})$",
        rf"https://id.gs1.org/253/(\d{{13}})({_AI82}{{0,17}})$",
        r"https://id.gs1.org/255/(\d{13})(\d{0,12})$",
        rf"https://id.gs1.org/401/({_AI82}{{0,30}})$",
        r"https://id.gs1.org/402/(\d{17})$",
        r"https://id.gs1.org/414/(\d{13})$",
        rf"https://id.gs1.org/414/(\d{{13}})/254/({_AI82}{{0,20}})$",
        r"https://id.gs1.org/417/(\d{13})$",
        rf"https://id.gs1.org/8003/(\d{{14}})({_AI82}{{0,16}})$",
        rf"https://id.gs1.org/8004/({_AI82}{{0,30}})$",
        rf"https://id.gs1.org/8006/(\d{{18}})/21/({_AI82}{{0,20}})$",
        rf"https://id.gs1.org/8006/(\d{{18}})/10/({_AI82}{{0,20}})$",
        r"https://id.gs1.org/8006/(\d{18})$",
        r"https://id.gs1.org/8010/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})/8011/(\d{0,12})$",
        r"https://id.gs1.org/8010/([\x23\x2D\x2F\x30-\x39\x41-\x5A]{0,30})$",
        r"https://id.gs1.org/8017/(\d{18})$",
        r"https://id.gs1.org/8018/(\d{18})$",
    )
)


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit (GS1 General Specifications 7.9.1)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _with_check(digits: str) -> str:
    return digits + str(gs1_check_digit(digits))


def _escape_dl(value: str) -> str:
    """Percent-encode the characters GS1 Digital Link requires escaped (table 7-1)."""
    for char, code in (
        ("!", "%21"),
        ("(", "%28"),
        (")", "%29"),
        ("*", "%2A"),
        ("+", "%2B"),
        (",", "%2C"),
        (":", "%3A"),
    ):
        value = value.replace(char, code)
    return value


def _cp_ref(total_digits: int) -> str:
    """Company prefix (6..12 digits) '.' reference, together ``total_digits`` digits long."""
    return "(?:" + "|".join(rf"\d{{{c}}}\.\d{{{total_digits - c}}}" for c in range(6, 13)) + ")"


def _cp_ref_allow_empty(total_digits: int) -> str:
    parts = [rf"\d{{{c}}}\.\d{{{total_digits - c}}}" for c in range(6, 12)]
    return "(?:" + "|".join([*parts, r"\d{12}\."]) + ")"


def _gs3a3(lo: int, hi: int) -> str:
    return f"{_GS3A3}{{{lo},{hi}}}"


def _giai_like(total: int, chars: str) -> str:
    return "(?:" + "|".join(rf"\d{{{c}}}\.{chars}{{1,{total - c}}}" for c in range(6, 13)) + ")"


def _split(body: str) -> tuple[str, str]:
    cp, _, rest = body.partition(".")
    return cp, rest


def _gtin_and(body: str, ai: str) -> str:
    """An EPC ``CompanyPrefix.IndicatorItemRef.X`` as Digital Link ``/01/GTIN/{ai}/X``."""
    cp, rest = _split(body)
    item = rest[: 13 - len(cp)]
    extra = rest[13 - len(cp) + 1 :]
    return f"https://id.gs1.org/01/{_with_check(item[:1] + cp + item[1:])}/{ai}/{_escape_dl(extra)}"


def _conv_sgtin(body: str) -> str:
    return _gtin_and(body, "21")  # serial


def _conv_upui(body: str) -> str:
    return _gtin_and(body, "235")  # third-party controlled serial


def _conv_lgtin(body: str) -> str:
    return _gtin_and(body, "10")  # lot


def _conv_gtin_pattern(body: str) -> str:
    cp, rest = _split(body)
    item = rest[: 13 - len(cp)]
    return f"https://id.gs1.org/01/{_with_check(item[:1] + cp + item[1:])}"


def _conv_sscc(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/00/{_with_check(rest[:1] + cp + rest[1:])}"


def _conv_sgln(body: str) -> str:
    cp, rest = _split(body)
    loc = rest[: 12 - len(cp)]
    ext = rest[12 - len(cp) + 1 :]
    gln = _with_check(cp + loc)
    return (
        f"https://id.gs1.org/414/{gln}"
        if ext == "0"
        else f"https://id.gs1.org/414/{gln}/254/{_escape_dl(ext)}"
    )


def _conv_grai(body: str) -> str:
    cp, rest = _split(body)
    asset = rest[: 12 - len(cp)]
    serial = rest[12 - len(cp) + 1 :]
    return f"https://id.gs1.org/8003/{_with_check('0' + cp + asset)}{_escape_dl(serial)}"


def _conv_grai_pattern(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/8003/{_with_check('0' + cp + rest[: 12 - len(cp)])}"


def _conv_giai(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/8004/{cp}{_escape_dl(rest)}"


def _conv_gsrn(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/8018/{_with_check(cp + rest)}"


def _conv_gsrnp(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/8017/{_with_check(cp + rest)}"


def _conv_gdti(body: str) -> str:
    cp, rest = _split(body)
    doc_type = rest[: 12 - len(cp)]
    serial = rest[12 - len(cp) + 1 :]
    return f"https://id.gs1.org/253/{_with_check(cp + doc_type)}{_escape_dl(serial)}"


def _conv_gdti_pattern(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/253/{_with_check(cp + rest[: 12 - len(cp)])}"


def _conv_sgcn(body: str) -> str:
    cp, rest = _split(body)
    coupon = rest[: 12 - len(cp)]
    serial = rest[12 - len(cp) + 1 :]
    return f"https://id.gs1.org/255/{_with_check(cp + coupon)}{serial}"


def _conv_sgcn_pattern(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/255/{_with_check(cp + rest[: 12 - len(cp)])}"


def _conv_cpi(body: str) -> str:
    cp, rest = _split(body)
    ref, _, serial = rest.rpartition(".")
    return f"https://id.gs1.org/8010/{_escape_dl(cp + ref)}/8011/{serial}"


def _conv_cpi_pattern(body: str) -> str:
    cp, rest = _split(body)
    ref = rest.rpartition(".")[0]
    return f"https://id.gs1.org/8010/{_escape_dl(cp + ref)}"


def _conv_ginc(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/401/{cp}{_escape_dl(rest)}"


def _conv_gsin(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/402/{_with_check(cp + rest)}"


def _conv_itip(body: str) -> str:
    cp, rest = _split(body)
    item = rest[: 13 - len(cp)]
    after = rest[13 - len(cp) + 1 :]
    piece, total, serial = after[0:2], after[3:5], after[6:]
    gtin = _with_check(item[:1] + cp + item[1:])
    return f"https://id.gs1.org/8006/{gtin}{piece}{total}/21/{_escape_dl(serial)}"


def _conv_itip_pattern(body: str) -> str:
    cp, rest = _split(body)
    item = rest[: 13 - len(cp)]
    after = rest[13 - len(cp) + 1 :]
    return (
        f"https://id.gs1.org/8006/{_with_check(item[:1] + cp + item[1:])}{after[0:2]}{after[3:5]}"
    )


def _conv_pgln(body: str) -> str:
    cp, rest = _split(body)
    return f"https://id.gs1.org/417/{_with_check(cp + rest[: 12 - len(cp)])}"


def _cpi_body(suffix: str) -> str:
    return (
        "(?:" + "|".join(rf"\d{{{c}}}\.{_CPREF}{{1,{30 - c}}}" for c in range(6, 13)) + ")" + suffix
    )


_EPC_SCHEMES: tuple[tuple[str, str, Any], ...] = (
    ("urn:epc:id:sgtin:", _cp_ref(13) + r"\." + _gs3a3(1, 20), _conv_sgtin),
    ("urn:epc:id:sscc:", _cp_ref(17), _conv_sscc),
    ("urn:epc:id:sgln:", _cp_ref_allow_empty(12) + r"\." + _gs3a3(1, 20), _conv_sgln),
    (
        "urn:epc:id:grai:",
        _cp_ref_allow_empty(12).replace(r"\d{12}\.", r"\d{12}\.\.") + r"\." + _gs3a3(1, 16),
        _conv_grai,
    ),
    ("urn:epc:id:giai:", _giai_like(30, _GS3A3), _conv_giai),
    ("urn:epc:id:gsrn:", _cp_ref(17), _conv_gsrn),
    ("urn:epc:id:gsrnp:", _cp_ref(17), _conv_gsrnp),
    (
        "urn:epc:id:gdti:",
        _cp_ref_allow_empty(12).replace(r"\d{12}\.", r"\d{12}\.\.") + _gs3a3(1, 20),
        _conv_gdti,
    ),
    ("urn:epc:id:cpi:", _cpi_body(r"\.\d{1,12}"), _conv_cpi),
    ("urn:epc:id:sgcn:", _cp_ref_allow_empty(12) + r"\.\d{1,12}", _conv_sgcn),
    ("urn:epc:id:ginc:", _giai_like(30, _GS3A3), _conv_ginc),
    ("urn:epc:id:gsin:", _cp_ref(16), _conv_gsin),
    ("urn:epc:id:itip:", _cp_ref(13) + r"\.\d{2}\.\d{2}\." + _gs3a3(1, 20), _conv_itip),
    ("urn:epc:id:upui:", _cp_ref(13) + r"\." + _gs3a3(1, 28), _conv_upui),
    ("urn:epc:id:pgln:", _cp_ref_allow_empty(12), _conv_pgln),
    ("urn:epc:class:lgtin:", _cp_ref(13) + r"\." + _gs3a3(1, 20), _conv_lgtin),
    ("urn:epc:idpat:sgtin:", _cp_ref(13) + r"\.\*", _conv_gtin_pattern),
    (
        "urn:epc:idpat:grai:",
        _cp_ref_allow_empty(12).replace(r"\d{12}\.", r"\d{12}\.\.") + r"\.\*",
        _conv_grai_pattern,
    ),
    (
        "urn:epc:idpat:gdti:",
        _cp_ref_allow_empty(12).replace(r"\d{12}\.", r"\d{12}\.\.") + r"\.\*",
        _conv_gdti_pattern,
    ),
    (
        "urn:epc:idpat:sgcn:",
        _cp_ref_allow_empty(12).replace(r"\d{12}\.", r"\d{12}\.\.") + r"\.\*",
        _conv_sgcn_pattern,
    ),
    ("urn:epc:idpat:cpi:", _cpi_body(r"\.\*"), _conv_cpi_pattern),
    ("urn:epc:idpat:itip:", _cp_ref(13) + r"\.\d{2}\.\d{2}\.\*", _conv_itip_pattern),
    ("urn:epc:idpat:upui:", _cp_ref(13) + r"\.\*", _conv_gtin_pattern),
)
_EPC_COMPILED = tuple(
    (prefix, re.compile("^" + body + "$"), conv) for prefix, body, conv in _EPC_SCHEMES
)
_EPC_BY_PREFIX = {prefix: (pattern, conv) for prefix, pattern, conv in _EPC_COMPILED}


_DL_KEY_SEGMENT = re.compile(
    "/(?:"
    + "|".join([*_DL_PRIMARY_KEYS, *(short.strip("/") for short, _ in _DL_SHORT_NAMES)])
    + ")/"
)


def _canonical_digital_link(uri: str) -> str | None:
    """The constrained canonical form of a GS1 Digital Link URI, in the reference's steps."""
    # quick exit: every result is an id.gs1.org URI, reached either directly or by
    # re-hosting a URI that names a GS1 key in its path
    if "id.gs1.org" not in uri and _DL_KEY_SEGMENT.search(uri) is None:
        return None
    if _DL_URI_PATTERN.match(uri) is None:
        return None
    uri = _serial_over_lot(_without_cpv(_gtin14(_rehosted(uri))))
    if any(p.match(uri) for p in _DL_VALID):
        return uri
    return None


def _rehosted(uri: str) -> str:
    """Without a query, AI short names as numbers, on id.gs1.org."""
    if "?" in uri:
        uri = uri[: uri.index("?")]
    for short, ai in _DL_SHORT_NAMES:
        uri = uri.replace(short, ai)
    if _DL_CANONICAL_HOST.match(uri) is None:
        for key in _DL_PRIMARY_KEYS:
            at = uri.find(f"/{key}/")
            if at != -1:
                return "https://id.gs1.org" + uri[at:]
    return uri


def _gtin14(uri: str) -> str:
    """A GTIN-13, -12 or -8 padded to 14 digits."""
    if re.match(r"^https://id.gs1.org/01/\d{14}", uri) is None:
        if re.match(r"^https://id.gs1.org/01/\d{13}", uri):
            uri = uri.replace("/01/", "/01/0")
        elif re.match(r"^https://id.gs1.org/01/\d{12}", uri):
            uri = uri.replace("/01/", "/01/00")
        elif re.match(r"^https://id.gs1.org/01/\d{8}", uri):
            uri = uri.replace("/01/", "/01/000000")
    return uri


def _without_cpv(uri: str) -> str:
    """Without a consumer product variant (AI 22)."""
    after_cpv = uri[uri.find("/22/") + 4 :]
    key_with_cpv = (r"https://id.gs1.org/8006/\d{18}/22/", r"https://id.gs1.org/01/\d{14}/22/")
    if any(re.match(k + _AI82 + r"{0,20}$", uri) for k in key_with_cpv):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") : -1]
    if any(
        re.match(k + r"[\x2F\x22\x27\x2D\x2E\x30-\x39\x3B-\x3F\x41-\x5A\x5F\x61-\x7A]{0,20}$", uri)
        for k in key_with_cpv
    ):
        uri = uri[: uri.find("/22/")] + after_cpv[after_cpv.find("/") :]
    return uri


def _serial_over_lot(uri: str) -> str:
    """The finest level of identification: a serial wins over a lot."""
    if re.match(
        rf"https://id.gs1.org/8006/\d{{18}}/10/{_AI82}{{0,20}}/21/{_AI82}{{0,20}}$", uri
    ) or re.match(
        rf"https://id.gs1.org/01/(\d{{14}})/10/({_AI82}{{0,20}})/21/({_AI82}{{0,20}})$", uri
    ):
        after_lot = uri[uri.find("/10/") + 4 :]
        uri = uri[: uri.find("/10/")] + after_lot[after_lot.find("/") :]
    return uri


def canonical_gs1_uri(uri: str) -> str | None:
    """The constrained canonical GS1 Digital Link URI of an EPC (class/pattern) URI or a DL URI.

    ``None`` when ``uri`` carries no GS1 key in a form the algorithm recognises.
    """
    if "." not in uri:
        return None
    if uri.startswith("urn:epc:"):
        scheme_end = uri.find(":", uri.find(":", 8) + 1)
        scheme = _EPC_BY_PREFIX.get(uri[: scheme_end + 1]) if scheme_end > 0 else None
        if scheme is not None:
            pattern, convert = scheme
            body = uri[scheme_end + 1 :]
            if pattern.match(body):
                result: str = convert(body)
                return result
    return _canonical_digital_link(uri)


def epc_uri_is_valid(uri: str) -> bool:
    """Whether ``uri`` is an EPC pure identity, class or pattern URI of a scheme the hash knows."""
    if uri.endswith("\n"):  # the grammar's "$" (kept for the hash) would let it through
        return False
    for prefix, pattern, _ in _EPC_COMPILED:
        if uri.startswith(prefix):
            return pattern.match(uri[len(prefix) :]) is not None
    return False
