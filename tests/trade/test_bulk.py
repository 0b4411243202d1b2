"""Building many orders: the cyclic collector off while they are built, and what was built
handed to its oldest generation afterwards (so no young collection walks it all again)."""

from __future__ import annotations

import gc

from longjiang.trade.spec import bulk


def _in(generation: int, thing: object) -> bool:
    return any(o is thing for o in gc.get_objects(generation))


def test_what_is_built_in_bulk_goes_to_the_oldest_generation() -> None:
    assert gc.isenabled()
    with bulk():
        assert not gc.isenabled()
        built = [[i] for i in range(3)]  # tracked containers
        assert _in(0, built)
    assert gc.isenabled()
    assert not _in(0, built) and not _in(1, built) and _in(2, built)
    # the collector stays off after the block when it was off before it
    gc.disable()
    try:
        with bulk():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    # and what was built is still freed when nothing holds it (reference counting)
    del built
