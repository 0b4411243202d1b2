"""What is moved: a 20 ft or 40 ft container, or bulk tonnes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

from longjiang.errors import InputError

__all__ = ["MAX_BULK_T", "MAX_GROSS_T", "Cargo", "CargoKind"]

#: maximum gross mass of a 20 or 40 ft container (ISO 668:2020, 1CC and 1AA), tonnes: no
#: payload can be more (the planner also counts the box's own tare against it)
MAX_GROSS_T = 30.48
#: the largest bulk consignment one query takes, tonnes
MAX_BULK_T = 10_000_000


class CargoKind(StrEnum):
    """Kinds of cargo unit."""

    CONTAINER_20 = "20ft"
    CONTAINER_40 = "40ft"
    BULK = "bulk"


@dataclass(frozen=True)
class Cargo:
    """One consignment: a container (with optional payload mass) or bulk tonnes."""

    kind: CargoKind
    #: cargo mass in tonnes; for containers None means the dataset's default payload
    tonnes: float | None = None

    @property
    def is_container(self) -> bool:
        """Whether the cargo travels in a 20 or 40 ft box."""
        return self.kind is not CargoKind.BULK

    @classmethod
    def parse(cls, text: str) -> Cargo:
        """Parse ``20ft``, ``40ft``, ``40ft:18`` (payload t) or ``bulk:500`` (tonnes)."""
        raw = text.strip().lower()
        head, _, tail = raw.partition(":")
        try:
            kind = CargoKind(head)
        except ValueError:
            raise InputError(f"Invalid cargo: {text!r}; expected 20ft, 40ft, 40ft:TONNES or "
                             "bulk:TONNES", field="cargo") from None
        tonnes = _tonnes(text, kind, tail) if tail else None
        if kind is CargoKind.BULK and tonnes is None:
            raise InputError(f"Invalid cargo: {text!r}; bulk needs tonnes, e.g. bulk:500",
                             field="cargo")
        return cls(kind, tonnes)

    def __str__(self) -> str:
        return f"{self.kind}:{self.tonnes:g}" if self.tonnes is not None else str(self.kind)


def _tonnes(text: str, kind: CargoKind, tail: str) -> float:
    """The mass after the colon of ``text``, or an InputError naming what is wrong with it."""
    where = f"Invalid cargo: {text!r};"
    try:
        tonnes = float(tail)
    except ValueError:
        raise InputError(f"{where} {tail!r} is not a number of tonnes", field="cargo") from None
    if math.isnan(tonnes) or math.isinf(tonnes):
        raise InputError(f"{where} {tail!r} is not a number of tonnes", field="cargo")
    if tonnes <= 0:
        raise InputError(f"{where} the mass must be more than 0 t", field="cargo")
    if kind is CargoKind.BULK:
        if tonnes > MAX_BULK_T:
            raise InputError(f"{where} at most {MAX_BULK_T:,} t of bulk in one query",
                             field="cargo")
    elif tonnes > MAX_GROSS_T:
        box = "20 ft" if kind is CargoKind.CONTAINER_20 else "40 ft"
        raise InputError(f"{where} at most {MAX_GROSS_T:g} t in a {box} box (its maximum "
                         "gross mass, ISO 668)", field="cargo")
    return tonnes
