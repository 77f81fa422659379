"""gunicorn.conf.py's worker hooks, called as gunicorn calls them."""

from __future__ import annotations

import gc
import runpy
from pathlib import Path
from types import SimpleNamespace

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


def test_a_worker_freezes_the_loaded_app_out_of_the_collector() -> None:
    """Once a worker has loaded the app, its objects (about 250,000: the modules, SQLAlchemy's
    mappers, Babel's data) are moved out of the cyclic collector's sight, so an oldest-
    generation collection under load scans only what requests made: each full collection had
    cost 150-180 ms of CPU, with the GIL held, at 100,000 communities."""
    settings = runpy.run_path(str(CONF))
    gc.unfreeze()
    try:
        settings["post_worker_init"](SimpleNamespace(log=None))
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
