"""Parameter sweeps: many variants of one scenario, in parallel processes or on a Dask cluster.

Each variant runs in a process of its own (a fresh interpreter: 'spawn', never fork after
SystemC), with its own SystemC kernel, so a variant's result is the same as running it alone.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Union

from .results import Result
from .scenario import Scenario

Variations = Union[Dict[str, Sequence[Any]], Iterable[Dict[str, Any]]]


def expand(variations: Variations) -> List[Dict[str, Any]]:
    """The list of variants: a dict {path: [values]} is the full grid (cartesian product, the
    last path varying fastest); a list of dicts {path: value} is taken as it is."""
    if isinstance(variations, dict):
        keys = list(variations)
        for k in keys:
            if isinstance(variations[k], (str, bytes)) or not hasattr(variations[k], "__iter__"):
                raise ValueError(f"sweep: the values of '{k}' must be a list")
        return [dict(zip(keys, combo)) for combo in itertools.product(*(list(variations[k]) for k in keys))]
    return [dict(v) for v in variations]


def variant_scenario(base: Scenario, edits: Dict[str, Any]) -> Scenario:
    sc = base.copy()
    sc.update(edits)
    return sc


def run_variant(base: Scenario, edits: Dict[str, Any], columns: Optional[List[str]] = None) -> Result:
    """Run one variant to its end (in this process) and return its Result."""
    from .simulation import Simulation

    sim = Simulation(variant_scenario(base, edits))
    sim.run()
    r = Result(sim, sim.summary, columns)
    r.variant = dict(edits)
    return r


def _is_client(obj: Any) -> bool:
    return hasattr(obj, "submit") and hasattr(obj, "gather") and hasattr(obj, "map")


class SweepResult(list):
    """The Results of a sweep, in the order of its variants (a list of Result)."""

    @property
    def variants(self) -> List[Dict[str, Any]]:
        return [r.variant for r in self]

    def table(self, metrics: Optional[Dict[str, Callable[[Result], float]]] = None):
        """One row per variant: its edits and scalar metrics (default: network loss, port
        energy, largest module-current imbalance). A pandas DataFrame."""
        import numpy as np
        import pandas as pd

        if metrics is None:
            metrics = {
                "network_loss_wh": lambda r: r.summary["network"]["energy_lost_wh"],
                "port_energy_wh": lambda r: r.summary["energy_wh"]["port"],
                "max_imbalance_pct": lambda r: float(np.max(r.series("stack.imbalance_pct")))
                if "stack.imbalance_pct" in r.columns else float("nan"),
            }
        rows = []
        for r in self:
            row = dict(r.variant)
            row.update({name: f(r) for name, f in metrics.items()})
            rows.append(row)
        return pd.DataFrame(rows)


def sweep(base: Union[Scenario, str, os.PathLike], variations: Variations, workers: Any = None,
          client: Any = None, columns: Optional[List[str]] = None) -> SweepResult:
    """Run every variant of `base` and return their Results (in variant order).

    variations: {dotted path: [values]} (full grid) or [{dotted path: value}, ...].
    workers: number of parallel processes (default: os.cpu_count()); 1 runs them one after the
      other, each still in a fresh process. A dask.distributed Client (as `client=` or as
      `workers=`) runs the variants as tasks on that cluster instead.
    columns: recorded signals to keep in each Result (default: all).
    """
    if not isinstance(base, Scenario):
        base = Scenario.from_yaml(base)
    if client is None and _is_client(workers):
        client, workers = workers, None
    todo = expand(variations)
    # Validate every variant here, before any process starts: a bad edit fails fast, in the
    # caller, with the loader's message.
    for edits in todo:
        variant_scenario(base, edits).validate()
    if client is not None:
        futures = client.map(run_variant, [base] * len(todo), todo, [columns] * len(todo), pure=False)
        return SweepResult(client.gather(futures))
    n = int(workers) if workers is not None else (os.cpu_count() or 1)
    if n < 1:
        raise ValueError("sweep: workers must be >= 1")
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=n, mp_context=ctx, max_tasks_per_child=1) as pool:
        futures = [pool.submit(run_variant, base, edits, columns) for edits in todo]
        return SweepResult(f.result() for f in futures)
