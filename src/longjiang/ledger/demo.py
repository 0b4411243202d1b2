"""A demonstration shipment: machinery from Harbin to Vladivostok through Suifenhe–Grodekovo.

One 40 ft container (ISO 6346 ``CSQU3054383``) of machinery goes by rail from
Harbin to the Suifenhe–Grodekovo crossing under an SMGS waybill, clears Chinese
export customs at Suifenhe and Russian import customs at Grodekovo, changes
from a standard-gauge (1435 mm) to a broad-gauge (1520 mm) wagon at the
Grodekovo transshipment terminal, travels on to Vladivostok and is received by
the consignee. Every party signs its own events with its own key.

The companies, identifiers (GS1 company prefixes 6901234 / 4601234), waybill and
declaration numbers are invented; the route, the gauge break and the customs
roles are those of the real corridor. Times are plausible, not timetabled.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from longjiang.errors import InputError
from longjiang.ledger.checkpoint import NoteSigner
from longjiang.ledger.epcis import EPCIS_CONTEXT_URLS
from longjiang.ledger.parties import Party, Role, generate_key, sign_access, write_key_file
from longjiang.ledger.service import Ledger, SignedCheckpoint, sign_document

__all__ = ["DEMO_PARTIES", "DEMO_SHIPMENT", "DemoResult", "demo_events", "run_demo"]

DEMO_SHIPMENT = "SMGS-24617093"
CONTAINER = "CSQU3054383"
WAYBILL = "24617093"
BOL = "urn:epcglobal:cbv:bt:6901234000004:SMGS24617093"

# party id -> (role, country, en, zh, ru, identifiers)
DEMO_PARTIES: dict[str, tuple[Role, str, str, str, str, tuple[str, ...]]] = {
    "hrb-machinery": (
        Role.SHIPPER, "CN", "Harbin Heavy Machinery Export Co. (demo)",
        "哈尔滨重型机械出口有限公司（演示）",
        "Харбинская экспортная машиностроительная компания (демо)",
        ("urn:epc:id:pgln:6901234.00001", "urn:epc:id:sgln:6901234.00001.0"),
    ),
    "cr-harbin": (
        Role.CARRIER_RAIL, "CN", "China Railway Harbin Group (demo key)",
        "中国铁路哈尔滨局集团有限公司（演示密钥）", "Харбинская железная дорога Китая (демо-ключ)",
        ("urn:epc:id:pgln:6901234.00002",),
    ),
    "cn-customs-suifenhe": (
        Role.CUSTOMS, "CN", "Suifenhe Customs (demo key)", "绥芬河海关（演示密钥）",
        "Таможня Суйфэньхэ (демо-ключ)", ("urn:epc:id:pgln:6901234.00003",),
    ),
    "rzd-fer": (
        Role.CARRIER_RAIL, "RU", "Russian Railways, Far Eastern Railway (demo key)",
        "俄罗斯铁路远东铁路局（演示密钥）",
        "ОАО «РЖД», Дальневосточная железная дорога (демо-ключ)",
        ("urn:epc:id:pgln:4601234.00002",),
    ),
    "ru-customs-ussuriysk": (
        Role.CUSTOMS, "RU", "Ussuriysk Customs, Grodekovo post (demo key)",
        "乌苏里斯克海关格罗杰科沃站（演示密钥）", "Уссурийская таможня, пост Гродеково (демо-ключ)",
        ("urn:epc:id:pgln:4601234.00003",),
    ),
    "grodekovo-terminal": (
        Role.PORT_OPERATOR, "RU", "Grodekovo gauge transshipment terminal (demo)",
        "格罗杰科沃换装场（演示）", "Терминал перестановки Гродеково (демо)",
        ("urn:epc:id:pgln:4601234.00004", "urn:epc:id:sgln:4601234.00021.0"),
    ),
    "primorye-machimport": (
        Role.CONSIGNEE, "RU", "Primorye Machinery Import LLC (demo)",
        "滨海边疆区机械进口有限责任公司（演示）", "ООО «Приморье Машимпорт» (демо)",
        ("urn:epc:id:pgln:4601234.00001", "urn:epc:id:sgln:4601234.00031.0"),
    ),
}

_LOC = {
    "harbin_factory": "urn:epc:id:sgln:6901234.00001.0",
    "harbin_station": "urn:epc:id:sgln:6901234.00011.0",
    "suifenhe_station": "urn:epc:id:sgln:6901234.00012.0",
    "grodekovo_station": "urn:epc:id:sgln:4601234.00020.0",
    "grodekovo_terminal": "urn:epc:id:sgln:4601234.00021.0",
    "vladivostok_station": "urn:epc:id:sgln:4601234.00030.0",
    "consignee_warehouse": "urn:epc:id:sgln:4601234.00031.0",
}
_CN_WAGON = "urn:epc:id:giai:6901234.WAGON5012345"
_RU_WAGON = "urn:epc:id:giai:4601234.WAGON62345671"
_MACHINES = ["urn:epc:id:sgtin:6901234.012345.M1001", "urn:epc:id:sgtin:6901234.012345.M1002"]


def _pid(party: str) -> str:
    return DEMO_PARTIES[party][5][0]


def _sd(kind: str, party: str, key: str) -> dict[str, str]:
    return {"type": kind, key: _pid(party)}


def _document(events: list[dict[str, Any]], created: str) -> dict[str, Any]:
    return {
        "@context": [EPCIS_CONTEXT_URLS[0], {"lj": "https://longjiang-corridor.org/ns/v1/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": created,
        "epcisBody": {"eventList": events},
    }


def demo_events(new_uuid: Callable[[], str]) -> list[tuple[str, dict[str, Any]]]:
    """The shipment's EPCIS documents in order, each with the party that submits it."""

    def ev(kind: str, time: str, **fields: Any) -> dict[str, Any]:
        event: dict[str, Any] = {"type": kind, "eventTime": time,
                                 "eventTimeZoneOffset": time[-6:],
                                 "eventID": f"urn:uuid:{new_uuid()}"}
        event.update(fields)
        event.setdefault("lj:smgsWaybill", WAYBILL)
        event.setdefault("lj:containerNumber", CONTAINER)
        return event

    box = f"urn:epc:id:bic:{CONTAINER}"
    steps: list[tuple[str, dict[str, Any]]] = [
        ("hrb-machinery", ev(
            "AggregationEvent", "2026-03-02T09:00:00.000+08:00", parentID=box,
            childEPCs=_MACHINES, action="ADD", bizStep="packing", disposition="container_closed",
            readPoint={"id": _LOC["harbin_factory"]}, bizLocation={"id": _LOC["harbin_factory"]})),
        ("hrb-machinery", ev(
            "ObjectEvent", "2026-03-02T15:00:00.000+08:00", epcList=[box], action="OBSERVE",
            bizStep="shipping", disposition="in_transit",
            readPoint={"id": _LOC["harbin_station"]},
            bizTransactionList=[{"type": "bol", "bizTransaction": BOL}],
            sourceList=[_sd("owning_party", "hrb-machinery", "source"),
                        _sd("possessing_party", "hrb-machinery", "source")],
            destinationList=[_sd("owning_party", "primorye-machimport", "destination"),
                             _sd("possessing_party", "cr-harbin", "destination")],
            **{"lj:waybillType": "SMGS"})),
        ("cr-harbin", ev(
            "ObjectEvent", "2026-03-02T22:10:00.000+08:00", epcList=[box], action="OBSERVE",
            bizStep="departing", disposition="in_transit",
            readPoint={"id": _LOC["harbin_station"]},
            sourceList=[_sd("possessing_party", "cr-harbin", "source")])),
        ("cr-harbin", ev(
            "ObjectEvent", "2026-03-04T06:30:00.000+08:00", epcList=[box], action="OBSERVE",
            bizStep="arriving", disposition="in_transit",
            readPoint={"id": _LOC["suifenhe_station"]},
            destinationList=[_sd("possessing_party", "cr-harbin", "destination")])),
        ("cn-customs-suifenhe", ev(
            "ObjectEvent", "2026-03-04T11:05:00.000+08:00", epcList=[box], action="OBSERVE",
            bizStep="inspecting", readPoint={"id": _LOC["suifenhe_station"]},
            bizTransactionList=[{"type": "bol", "bizTransaction": BOL}],
            **{"lj:borderCrossing": "suifenhe-grodekovo",
               "lj:customsDeclaration": "151520260000123456",
               "lj:customsDecision": "released", "lj:customsCountry": "CN"})),
        ("cr-harbin", ev(
            "ObjectEvent", "2026-03-04T16:40:00.000+08:00", epcList=[box], action="OBSERVE",
            bizStep="departing", disposition="in_transit",
            readPoint={"id": _LOC["suifenhe_station"]},
            sourceList=[_sd("possessing_party", "cr-harbin", "source")],
            destinationList=[_sd("possessing_party", "rzd-fer", "destination")],
            **{"lj:borderCrossing": "suifenhe-grodekovo"})),
        ("rzd-fer", ev(
            "ObjectEvent", "2026-03-04T19:20:00.000+10:00", epcList=[box], action="OBSERVE",
            bizStep="arriving", disposition="in_transit",
            readPoint={"id": _LOC["grodekovo_station"]},
            sourceList=[_sd("possessing_party", "cr-harbin", "source")],
            destinationList=[_sd("possessing_party", "rzd-fer", "destination")],
            **{"lj:borderCrossing": "suifenhe-grodekovo"})),
        ("ru-customs-ussuriysk", ev(
            "ObjectEvent", "2026-03-05T10:00:00.000+10:00", epcList=[box], action="OBSERVE",
            bizStep="inspecting", readPoint={"id": _LOC["grodekovo_station"]},
            bizTransactionList=[{"type": "bol", "bizTransaction": BOL}],
            **{"lj:borderCrossing": "suifenhe-grodekovo",
               "lj:customsDeclaration": "10716050/050326/0012345",
               "lj:customsDecision": "released", "lj:customsCountry": "RU"})),
        ("grodekovo-terminal", ev(
            "AggregationEvent", "2026-03-05T14:30:00.000+10:00", parentID=_CN_WAGON,
            childEPCs=[box], action="DELETE", bizStep="unloading",
            readPoint={"id": _LOC["grodekovo_terminal"]},
            bizLocation={"id": _LOC["grodekovo_terminal"]})),
        ("grodekovo-terminal", ev(
            "AggregationEvent", "2026-03-05T15:10:00.000+10:00", parentID=_RU_WAGON,
            childEPCs=[box], action="ADD", bizStep="loading",
            readPoint={"id": _LOC["grodekovo_terminal"]},
            bizLocation={"id": _LOC["grodekovo_terminal"]},
            **{"lj:wagonNumber": "62345671"})),
        ("rzd-fer", ev(
            "ObjectEvent", "2026-03-05T21:00:00.000+10:00", epcList=[box], action="OBSERVE",
            bizStep="departing", disposition="in_transit",
            readPoint={"id": _LOC["grodekovo_station"]},
            sourceList=[_sd("possessing_party", "rzd-fer", "source")],
            **{"lj:wagonNumber": "62345671"})),
        ("rzd-fer", ev(
            "ObjectEvent", "2026-03-07T08:15:00.000+10:00", epcList=[box], action="OBSERVE",
            bizStep="arriving", disposition="in_transit",
            readPoint={"id": _LOC["vladivostok_station"]},
            destinationList=[_sd("possessing_party", "rzd-fer", "destination")],
            **{"lj:wagonNumber": "62345671"})),
        ("primorye-machimport", ev(
            "ObjectEvent", "2026-03-07T15:00:00.000+10:00", epcList=[box], action="OBSERVE",
            bizStep="receiving", disposition="active",
            readPoint={"id": _LOC["consignee_warehouse"]},
            bizLocation={"id": _LOC["consignee_warehouse"]},
            sourceList=[_sd("possessing_party", "rzd-fer", "source")],
            destinationList=[_sd("owning_party", "primorye-machimport", "destination"),
                             _sd("possessing_party", "primorye-machimport", "destination")])),
    ]
    return [(party, _document([event], event["eventTime"])) for party, event in steps]


#: parties that no event of a member names, and the member who grants each of them access to
#: the shipment before its first event: the shipper lets in Chinese customs, the Russian
#: railway the Russian customs and the terminal where the container changes wagons
DEMO_GRANTS = {"cn-customs-suifenhe": "hrb-machinery", "ru-customs-ussuriysk": "rzd-fer",
               "grodekovo-terminal": "rzd-fer"}


@dataclass(frozen=True)
class DemoResult:
    shipment: str
    parties: tuple[str, ...]
    events: int
    checkpoint: SignedCheckpoint
    keys_dir: Path | None

    def to_json(self) -> dict[str, Any]:
        return {"shipment": self.shipment, "parties": list(self.parties), "events": self.events,
                "treeSize": self.checkpoint.size, "checkpoint": self.checkpoint.note,
                "keysDir": str(self.keys_dir) if self.keys_dir else None}


def run_demo(
    ledger: Ledger,
    *,
    random_bytes: Callable[[int], bytes] = secrets.token_bytes,
    keys_dir: Path | None = None,
) -> DemoResult:
    """Register the demo parties with fresh keys and capture the demo shipment.

    With ``keys_dir`` each party's private key is written there (``<party>.key``,
    mode 0600) so that the shipment can be read with ``--key`` afterwards.
    """
    registered = {p.party_id for p in ledger.list_parties()}
    clash = sorted(registered & set(DEMO_PARTIES))
    if clash:
        raise InputError(f"the demo is already loaded in this ledger (party {clash[0]}); "
                         "use a fresh database")
    if keys_dir is not None:  # refused before any party is registered: no half-loaded demo
        taken = [keys_dir / f"{p}.key" for p in DEMO_PARTIES if (keys_dir / f"{p}.key").exists()]
        if taken:
            raise InputError(f"{taken[0]} already exists; not overwriting a key file "
                             "(choose an empty folder)", field="keys-dir")
    signers: dict[str, NoteSigner] = {}
    for party_id, (role, country, en, zh, ru, idents) in DEMO_PARTIES.items():
        signer = generate_key(party_id, random_bytes)
        signers[party_id] = signer
        ledger.add_party(Party(party_id=party_id, role=role, country=country, name_en=en,
                               name_zh=zh, name_ru=ru, public_key=signer.public_key,
                               identifiers=idents))
        if keys_dir is not None:
            keys_dir.mkdir(parents=True, exist_ok=True)
            write_key_file(keys_dir / f"{party_id}.key", signer)
    steps = demo_events(lambda: str(uuid.UUID(bytes=random_bytes(16), version=4)))
    grants = dict(DEMO_GRANTS)
    for party_id, document in steps:
        granter = grants.pop(party_id, None)
        if granter is not None:  # let the party in before its first event
            date, signature = sign_access(signers[granter], DEMO_SHIPMENT, "grant", party_id,
                                          ledger.clock())
            ledger.change_access(DEMO_SHIPMENT, granter, "grant", party_id, date, signature)
        signer = signers[party_id]
        ledger.capture(document, shipment_id=DEMO_SHIPMENT, party_id=party_id,
                       signatures=sign_document(signer, DEMO_SHIPMENT, document))
    return DemoResult(shipment=DEMO_SHIPMENT, parties=tuple(DEMO_PARTIES), events=len(steps),
                      checkpoint=ledger.latest_checkpoint(), keys_dir=keys_dir)
