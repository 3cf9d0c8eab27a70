"""Results of a run, as numpy arrays (and a pandas DataFrame on request)."""

from __future__ import annotations

import json
from typing import Dict, Iterable, List, Optional

import numpy as np

from ._core import Simulation


class Result:
    """The recorded time series and the summary of one finished simulation."""

    def __init__(self, sim: Simulation, summary: dict):
        self._columns: List[str] = list(sim.columns)
        self.t_s: np.ndarray = sim.t_s
        self._data: Dict[str, np.ndarray] = {c: sim.series(c) for c in self._columns}
        self.summary: dict = summary

    @property
    def columns(self) -> List[str]:
        """Names of the recorded signals, `<instance path>.<quantity>_<unit>`."""
        return list(self._columns)

    def series(self, column: str) -> np.ndarray:
        """Values of one recorded signal at every recorded time."""
        try:
            return self._data[column]
        except KeyError:
            raise KeyError(f"no recorded signal '{column}'") from None

    def to_dataframe(self):
        """All signals as a pandas DataFrame indexed by t_s (requires pandas)."""
        import pandas as pd

        return pd.DataFrame(self._data, index=pd.Index(self.t_s, name="t_s"))


def run(scenario: str, out: Optional[str] = None, seed: Optional[int] = None,
        set: Optional[Iterable[str]] = None) -> Result:
    """Run a scenario file to its end and return its results.

    out: directory for the output files (None: keep everything in memory).
    seed: override the scenario's seed. set: "dotted.path=value" overrides, as `--set`.
    """
    sim = Simulation(path=str(scenario), set=list(set or []), seed=seed, out=out or "")
    sim.run()
    summary = json.loads(sim.finish())
    return Result(sim, summary)
