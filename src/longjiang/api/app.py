"""The FastAPI application: ``create_app()`` loads the corridor once and mounts the routers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI

from longjiang import __version__
from longjiang.api import flows, ledger, network, routing, stats
from longjiang.api.deps import Corridor
from longjiang.api.problems import install_problem_handlers
from longjiang.config import Settings
from longjiang.network.load import load_network
from longjiang.routing.planner import Planner

__all__ = ["create_app"]


def create_app(corridor_path: Path | None = None,
               today: Callable[[], dt.date] = dt.date.today) -> FastAPI:
    """Build the app over the dataset at ``corridor_path`` (default: the shipped corridor)."""
    app = FastAPI(title="Longjiang Corridor", version=__version__,
                  description="Freight along the China–Russia border corridor of Heilongjiang: "
                              "network, routing, flows, ledger and statistics.")
    net = load_network(corridor_path or Settings.from_env().corridor_path)
    app.state.corridor = Corridor(network=net, planner=Planner(net), today=today)
    install_problem_handlers(app)
    app.include_router(network.router)
    app.include_router(routing.router)
    app.include_router(stats.router)
    app.include_router(ledger.router)
    app.include_router(flows.router)
    return app
