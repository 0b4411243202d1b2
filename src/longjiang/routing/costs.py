"""Edge weights of the state graph for a cargo: time, cost, CO2e and distance.

Travel edges take the mode's speed (or the link's own duration), the mode's freight rate
per TEU, FEU or tonne-km, and its well-to-wheel emission factor (ISO 14083); a link at a
border crossing adds the crossing's dwell and fee. Transfer edges take the network's
transfer durations, charges and emissions. ``inf`` marks what the cargo cannot use.
"""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt

from longjiang._arrays import frozen
from longjiang.errors import DataError, InputError
from longjiang.network.model import Mode, Network
from longjiang.routing.cargo import MAX_GROSS_T, Cargo, CargoKind
from longjiang.routing.graph import TRANSFER_KINDS, StateGraph

__all__ = ["MAX_GROSS_T", "EdgeCosts"]


class EdgeCosts:
    """The weights of a state graph's edges per cargo (kept for a few cargoes)."""

    def __init__(self, network: Network, graph: StateGraph, *, cache_size: int) -> None:
        self._network = network
        self._graph = graph
        self._cache_size = cache_size
        self.cache: dict[tuple[CargoKind, float | None], npt.NDArray[np.float64]] = {}
        self._lock = threading.RLock()

    def mass_t(self, cargo: Cargo) -> float:
        """Tonnes of payload: the given mass (checked against a box's maximum gross mass) or
        the cargo spec's payload."""
        if cargo.tonnes is not None:
            spec = self._network.cargo.get(str(cargo.kind)) if cargo.is_container else None
            if spec is not None and cargo.tonnes + spec.tare_t > MAX_GROSS_T:
                raise InputError(
                    f"Invalid cargo {cargo!s}: {cargo.tonnes:g} t of payload plus the "
                    f"{spec.tare_t:g} t box exceeds the {MAX_GROSS_T} t maximum gross mass of "
                    "a container (ISO 668)", field="cargo")
            return cargo.tonnes
        spec = self._network.cargo.get(str(cargo.kind))
        if spec is None:
            raise DataError(f"No cargo spec for {cargo.kind!s} in cargo.csv")
        return spec.payload_t

    def teu(self, cargo: Cargo) -> float:
        """Twenty-foot equivalents the cargo counts as (bulk: by the mass of a TEU's payload)."""
        if cargo.kind is CargoKind.BULK:
            spec = self._network.cargo.get(str(CargoKind.CONTAINER_20))
            payload = spec.payload_t if spec else 10.0
            return self.mass_t(cargo) / payload
        spec = self._network.cargo.get(str(cargo.kind))
        return spec.teu if spec else (2.0 if cargo.kind is CargoKind.CONTAINER_40 else 1.0)

    def _unit_cost(self, per_teu: float | None, per_feu: float | None, per_t: float | None,
                   cargo: Cargo) -> float | None:
        """Cost for this cargo from rates per TEU, per FEU and per tonne (None: not carried)."""
        if cargo.kind is CargoKind.CONTAINER_20:
            return per_teu
        if cargo.kind is CargoKind.CONTAINER_40:
            if per_feu is not None:
                return per_feu
            return None if per_teu is None else 2 * per_teu
        return None if per_t is None else per_t * self.mass_t(cargo)

    def weights(self, cargo: Cargo) -> npt.NDArray[np.float64]:
        """Edge weights (time h, cost USD, CO2e kg, distance km) for ``cargo``; inf: not carried."""
        key = (cargo.kind, cargo.tonnes)
        with self._lock:
            cached = self.cache.get(key)
        if cached is not None:
            return cached
        net = self._network
        graph = self._graph
        mass = self.mass_t(cargo)
        teu = self.teu(cargo)
        per_mode: dict[str, tuple[float, float, float]] = {}
        for mode in Mode:
            params = net.modes.get(mode)
            factor = net.emission_factors.get(mode)
            if params is None or factor is None:
                per_mode[str(mode)] = (np.inf, np.inf, np.inf)
                continue
            rate = self._unit_cost(params.cost_usd_per_teu_km, params.cost_usd_per_feu_km,
                                   params.cost_usd_per_t_km, cargo)
            per_mode[str(mode)] = (
                params.speed_kmh,
                np.inf if rate is None else rate,
                mass * factor.g_co2e_per_t_km_wtw / 1000.0,
            )
        per_transfer: list[tuple[float, float, float]] = []
        for kind in TRANSFER_KINDS:
            tp = net.transfers.get(kind)
            if tp is None:
                per_transfer.append((np.inf, np.inf, np.inf))
                continue
            cost = self._unit_cost(tp.cost_usd_per_teu, tp.cost_usd_per_feu, tp.cost_usd_per_t,
                                   cargo)
            per_transfer.append((tp.duration_h, np.inf if cost is None else cost,
                                 tp.co2e_kg_per_t * mass))
        w = np.zeros((len(graph.tail), 4))
        links = net.links
        for e in range(len(graph.tail)):
            li = int(graph.edge_link[e])
            if li < 0:
                w[e, :3] = per_transfer[int(graph.edge_transfer[e])]
                continue
            link = links[li]
            speed, rate, co2_per_km = per_mode[str(link.mode)]
            dist = link.distance_km
            hours = link.duration_h if link.duration_h is not None else dist / speed
            cost = rate * dist
            if link.crossing and link.crossing in net.crossings:
                crossing = net.crossings[link.crossing]
                hours += crossing.dwell_h
                cost += crossing.fee_usd_per_teu * teu
            w[e] = (hours, cost, co2_per_km * dist, dist)
        frozen(w)
        with self._lock:
            if len(self.cache) >= self._cache_size:
                self.cache.pop(next(iter(self.cache)))
            self.cache[key] = w
        return w

