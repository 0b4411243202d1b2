"""Errors show the bad value they refuse, so that a user can find it."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from longjiang.errors import InputError
from longjiang.flows.vdf import BPR, Conical
from longjiang.ledger.parties import check_nonce, format_request_date, request_statement
from longjiang.stats.analysis import cagr_percent

ONE = np.array([1.0, 1.0])


def test_volume_delay_parameters_name_the_link_and_its_value() -> None:
    with pytest.raises(InputError, match=r"free_flow_time must be >= 0 \(link 1: -2\.0\)"):
        BPR(np.array([1.0, -2.0]), ONE, np.array([0.15, 0.15]), np.array([4.0, 4.0]))
    with pytest.raises(InputError, match=r"b and power must be >= 0 \(link 0: b -1\.0, power 4"):
        BPR(ONE, ONE, np.array([-1.0, 0.15]), np.array([4.0, 4.0]))
    with pytest.raises(InputError, match=r"conical capacity must be > 0 \(link 1: 0\.0\)"):
        Conical(ONE, np.array([1.0, 0.0]), np.array([4.0, 4.0]))
    with pytest.raises(InputError, match=r"conical alpha must be > 1 \(link 0: 0\.5\)"):
        Conical(ONE, ONE, np.array([0.5, 4.0]))


def test_signed_request_parts_show_what_was_sent() -> None:
    with pytest.raises(InputError, match=r"got 'short'$"):
        check_nonce("short")
    with pytest.raises(InputError, match=r"got 'x{79}$"):  # cut, never echoed whole
        check_nonce("x" * 5000)
    with pytest.raises(InputError, match=r"timezone-aware, got 2026-03-02T01:00:00$"):
        format_request_date(dt.datetime(2026, 3, 2, 1))
    nonce = "n" * 20
    digest = "sha-256=:" + "A" * 43 + "=:"
    with pytest.raises(InputError, match=r"malformed request date '2026\\n'"):
        request_statement("shipper-cn", "GET", "/api/ledger/events", "2026\n", nonce, digest)
    with pytest.raises(InputError, match=r"32 bytes>:, got 'md5=:abc:'"):
        request_statement("shipper-cn", "GET", "/api/ledger/events", "2026-03-02T01:00:00Z",
                          nonce, "md5=:abc:")


def test_growth_rates_show_the_values() -> None:
    with pytest.raises(InputError, match=r"CAGR needs positive values, got -1\.0 and 2\.0"):
        cagr_percent(-1.0, 2.0, 3)
