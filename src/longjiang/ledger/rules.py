"""Role rules as data: who may record which event (``data/ledger/roles.csv``).

Each row allows a role to record one *event kind* under one condition. The
event kind is the CBV 2.0 bizStep name of the event (``departing``,
``receiving``...), except that any event carrying ``lj:customsDecision`` is of
kind ``customs_decision`` whatever its bizStep, and an event without bizStep is
of kind ``unspecified``. The conditions are a closed set (:class:`Condition`);
which role gets which kind under which condition is data only. A party may
record an event when at least one row for its role and the event's kind has
its condition met; otherwise the event is rejected with the reason.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from longjiang.errors import AuthorizationError, DataError, Problem, ProblemKind, ValidationError
from longjiang.ledger.cbv import CBV_WEB_PREFIX
from longjiang.ledger.epcis import EPCISEvent
from longjiang.ledger.parties import Party, Role

__all__ = [
    "CUSTOMS_DECISION",
    "PAYMENT_BTT",
    "Condition",
    "Crossing",
    "RoleRule",
    "RuleBook",
    "default_rules_path",
    "event_kind",
]

CUSTOMS_DECISION = "customs_decision"
UNSPECIFIED = "unspecified"
#: bizTransaction type of a payment that settles an invoice (our own type: CBV has none)
PAYMENT_BTT = "https://longjiang-corridor.org/ns/v1/btt/payment"
_BIZSTEP_PREFIX = CBV_WEB_PREFIX + "BizStep-"
_INVOICE_BTT = CBV_WEB_PREFIX + "BTT-inv"


def default_rules_path() -> Path:
    """The folder of the shipped rules (``roles.csv``, ``crossings.csv``)."""
    return Path(__file__).resolve().parent.parent / "data" / "ledger"


class Condition(StrEnum):
    """What must hold, beyond the role, for a party to record an event."""

    #: any party of the role
    ANY = "any"
    #: one of the party's identifiers is a source or destination of the event
    NAMED = "named"
    #: one of the party's identifiers is the event's bizLocation or readPoint
    LOCATION = "location"
    #: lj:customsCountry is the party's country, lj:borderCrossing a crossing into/out of it
    CUSTOMS_COUNTRY = "customs_country"
    #: the event records a payment: its bizTransactionList names an invoice (``inv``) and a
    #: payment (:data:`PAYMENT_BTT`)
    PAYMENT = "payment"


@dataclass(frozen=True)
class RoleRule:
    role: Role
    event_kind: str
    condition: Condition
    opens_shipment: bool
    note: str = ""


@dataclass(frozen=True)
class Crossing:
    crossing_id: str
    countries: frozenset[str]
    name_en: str


def event_kind(event: EPCISEvent) -> str:
    """The kind of ``event`` the rules are keyed by."""
    if event.corridor is not None and event.corridor.customs_decision is not None:
        return CUSTOMS_DECISION
    step = event.biz_step
    if step is None:
        return UNSPECIFIED
    return step[len(_BIZSTEP_PREFIX) :] if step.startswith(_BIZSTEP_PREFIX) else step


def _read_csv(path: Path, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in columns if c not in (reader.fieldnames or [])]
            if missing:
                raise ValidationError(
                    [Problem(str(path), 1, c, None, "missing column",
                             ProblemKind.MISSING) for c in missing]
                )
            return [(i, row) for i, row in enumerate(reader, start=2)]
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc.strerror}") from None


class RuleBook:
    """The role rules and the known border crossings."""

    def __init__(self, rules: Sequence[RoleRule], crossings: Mapping[str, Crossing]) -> None:
        self.rules = tuple(rules)
        self.crossings = dict(crossings)
        self._by_key: dict[tuple[Role, str], list[RoleRule]] = {}
        for rule in self.rules:
            self._by_key.setdefault((rule.role, rule.event_kind), []).append(rule)

    @classmethod
    def load(cls, folder: Path | None = None) -> RuleBook:
        """Read ``roles.csv`` and ``crossings.csv`` from ``folder`` (default: shipped rules).

        Every bad row is reported at once (:class:`ValidationError`).
        """
        base = folder or default_rules_path()
        problems: list[Problem] = []
        rules: list[RoleRule] = []
        roles_path = base / "roles.csv"
        for line, row in _read_csv(
            roles_path, ("role", "event_kind", "condition", "opens_shipment")
        ):
            where = str(roles_path)
            try:
                role = Role(row["role"])
            except ValueError:
                problems.append(Problem(where, line, "role", row["role"],
                                        f"expected one of {', '.join(r.value for r in Role)}"))
                continue
            try:
                condition = Condition(row["condition"])
            except ValueError:
                problems.append(Problem(where, line, "condition", row["condition"],
                                        f"expected one of {', '.join(c.value for c in Condition)}"))
                continue
            opens = row["opens_shipment"]
            if opens not in ("yes", "no"):
                problems.append(Problem(where, line, "opens_shipment", opens, "expected yes or no"))
                continue
            kind = row["event_kind"].strip()
            if not kind:
                problems.append(Problem(where, line, "event_kind", kind, "expected an event kind",
                                        ProblemKind.MISSING))
                continue
            rules.append(RoleRule(role, kind, condition, opens == "yes", row.get("note") or ""))
        crossings: dict[str, Crossing] = {}
        crossings_path = base / "crossings.csv"
        for line, row in _read_csv(crossings_path, ("id", "country_a", "country_b")):
            countries = frozenset((row["country_a"], row["country_b"]))
            if any(len(c) != 2 or not c.isupper() for c in countries):
                problems.append(Problem(str(crossings_path), line, "country_a",
                                        row["country_a"], "expected ISO 3166-1 alpha-2 codes"))
                continue
            crossings[row["id"]] = Crossing(row["id"], countries, row.get("name_en") or row["id"])
        if problems:
            raise ValidationError(problems)
        return cls(rules, crossings)

    def rules_for(self, role: Role, kind: str) -> list[RoleRule]:
        return list(self._by_key.get((role, kind), ()))

    def _condition_failure(self, rule: RoleRule, party: Party, event: EPCISEvent) -> str | None:
        """``None`` when ``rule``'s condition holds for ``party`` and ``event``, else why not."""
        names = party.names()
        if rule.condition is Condition.ANY:
            return None
        if rule.condition is Condition.NAMED:
            named = {sd.id for sd in (*event.sources, *event.destinations)}
            if names & named:
                return None
            return (f"a {party.role.value} records {rule.event_kind} events only for legs it "
                    f"carries: {party.party_id} is not named in the event's sourceList or "
                    "destinationList")
        if rule.condition is Condition.LOCATION:
            if names & {event.biz_location, event.read_point}:
                return None
            return (f"a {party.role.value} records {rule.event_kind} events only at its own "
                    f"sites: neither bizLocation nor readPoint is one of {party.party_id}'s")
        if rule.condition is Condition.PAYMENT:
            types = {bt.type or "" for bt in event.biz_transactions}
            if {_INVOICE_BTT, PAYMENT_BTT} <= types:
                return None
            return (f"a {party.role.value} records {rule.event_kind} events only as a payment: "
                    f"the bizTransactionList needs an inv and a {PAYMENT_BTT} transaction, it has "
                    f"{', '.join(sorted(types)) or 'none'}")
        # Condition.CUSTOMS_COUNTRY
        fields = event.corridor
        country = fields.customs_country if fields else None
        crossing_id = fields.border_crossing if fields else None
        if country != party.country:
            return (f"customs of {party.country} may record {rule.event_kind} only for "
                    f"lj:customsCountry {party.country}, the event says {country or 'nothing'}")
        crossing = self.crossings.get(crossing_id or "")
        if crossing is None:
            return (f"a customs {rule.event_kind} needs lj:borderCrossing naming a known crossing, "
                    f"got {crossing_id or 'none'}")
        if party.country not in crossing.countries:
            return (f"{crossing.crossing_id} is not a crossing into or out of {party.country}")
        return None

    def check(self, party: Party, event: EPCISEvent, *, opens_shipment: bool) -> RoleRule:
        """The rule allowing ``party`` to record ``event``; :class:`AuthorizationError` if none.

        ``opens_shipment``: the event would be the first of a new shipment.
        """
        kind = event_kind(event)
        rule, reason = self._decide(party, event, kind, self._by_key.get((party.role, kind), ()),
                                    opens_shipment)
        if rule is None:
            raise AuthorizationError(reason)
        return rule

    def refusals(self, party: Party, event: EPCISEvent) -> tuple[str | None, str | None]:
        """Why ``party`` may not record ``event`` in an open shipment, and as the first event
        of a new one (``None``: it may); the messages :meth:`check` raises."""
        kind = event_kind(event)
        rules = self._by_key.get((party.role, kind), ())
        rule, reason = self._decide(party, event, kind, rules, False)
        if rule is not None and rule.opens_shipment:
            return None, None
        opener, opening_reason = self._decide(party, event, kind, rules, True)
        return (None if rule is not None else reason,
                None if opener is not None else opening_reason)

    def _decide(self, party: Party, event: EPCISEvent, kind: str, rules: Sequence[RoleRule],
                opens_shipment: bool) -> tuple[RoleRule | None, str]:
        if not rules:
            allowed = sorted({r.event_kind for r in self.rules if r.role is party.role})
            return None, (
                f"{party.party_id} ({party.role.value}) may not record {kind} events; "
                f"a {party.role.value} may record: {', '.join(allowed) or 'nothing'}"
            )
        if opens_shipment:
            rules = [r for r in rules if r.opens_shipment]
            if not rules:
                openers = sorted({f"{r.role.value}/{r.event_kind}" for r in self.rules
                                  if r.opens_shipment})
                return None, (
                    f"a {kind} event by a {party.role.value} cannot open a new shipment; "
                    f"a shipment opens with: {', '.join(openers)}"
                )
        reasons: list[str] = []
        for rule in rules:
            failure = self._condition_failure(rule, party, event)
            if failure is None:
                return rule, ""
            reasons.append(failure)
        return None, "; ".join(dict.fromkeys(reasons))
