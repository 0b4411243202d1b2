"""What is moved: a 20 ft or 40 ft container, or bulk tonnes."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from longjiang.errors import InputError

__all__ = ["Cargo", "CargoKind"]


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
        tonnes: float | None = None
        if tail:
            try:
                tonnes = float(tail)
            except ValueError:
                raise InputError(f"Invalid cargo mass in {text!r}: {tail!r} is not a number",
                                 field="cargo") from None
            if not 0 < tonnes < 1e7:
                raise InputError(f"Invalid cargo mass in {text!r}: must be positive",
                                 field="cargo")
        if kind is CargoKind.BULK and tonnes is None:
            raise InputError(f"Invalid cargo: {text!r}; bulk needs tonnes, e.g. bulk:500",
                             field="cargo")
        return cls(kind, tonnes)

    def __str__(self) -> str:
        return f"{self.kind}:{self.tonnes:g}" if self.tonnes is not None else str(self.kind)
