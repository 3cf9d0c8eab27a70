"""Results of a run, as numpy arrays (and a pandas DataFrame on request).

A plain value module: it imports nothing of the package, so simulation.py can build a Result
without an import circle (stacksim.run lives in simulation.py).
"""

from __future__ import annotations

import json
from typing import Dict, Iterable, List, Optional

import numpy as np


class Result:
    """The recorded time series and the summary of one finished simulation.

    A plain value (numpy arrays, dicts): it pickles, so sweep workers send it back as is.
    `variant` holds the edits of a sweep variant ({} outside sweeps).
    """

    def __init__(self, sim=None, summary: Optional[dict] = None, columns: Optional[Iterable[str]] = None):
        self.variant: dict = {}
        if sim is None:
            self._columns: List[str] = []
            self.t_s: np.ndarray = np.zeros(0)
            self._data: Dict[str, np.ndarray] = {}
            self.summary: dict = dict(summary or {})
            return
        wanted = list(sim.columns) if columns is None else list(columns)
        self._columns = wanted
        self.t_s = sim.t_s
        self._data = {c: sim.series(c) for c in wanted}
        self.summary = summary if summary is not None else json.loads(sim.finish())

    @classmethod
    def from_arrays(cls, t_s, data: Dict[str, np.ndarray], summary: Optional[dict] = None) -> "Result":
        r = cls(None, summary)
        r.t_s = np.asarray(t_s, dtype=float)
        r._columns = list(data)
        r._data = {k: np.asarray(v, dtype=float) for k, v in data.items()}
        return r

    @classmethod
    def from_hdf5(cls, path) -> "Result":
        """The time series of a run's `timeseries.h5` (written with `run.hdf5: true`), with the
        `summary.json` beside it when there is one (requires h5py; docs/outputs.md)."""
        import pathlib

        import h5py

        path = pathlib.Path(path)
        with h5py.File(path, "r") as f:
            names = list(f["columns"].asstr()[:])
            values = f["timeseries"][:]
        summary_path = path.with_name("summary.json")
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
        return cls.from_arrays(values[:, 0], {c: values[:, k] for k, c in enumerate(names) if k > 0}, summary)

    @classmethod
    def from_csv(cls, path) -> "Result":
        """The time series of a run's `timeseries.csv`, with the `summary.json` beside it when
        there is one. An empty field (a value that does not exist yet, docs/outputs.md) is NaN;
        the numbers are the same doubles as in the file (shortest round-trip text)."""
        import io
        import pathlib

        path = pathlib.Path(path)
        with open(path, encoding="utf-8") as f:
            names = f.readline().rstrip("\r\n").split(",")
            body = f.read()
        # numpy's loadtxt refuses empty fields: spell them "nan" (twice for ",,," runs).
        body = body.replace(",,", ",nan,").replace(",,", ",nan,").replace(",\n", ",nan\n")
        values = np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2).reshape(-1, len(names))
        summary_path = path.with_name("summary.json")
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else None
        return cls.from_arrays(values[:, 0], {c: values[:, k] for k, c in enumerate(names) if k > 0}, summary)

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

    def __getitem__(self, column: str) -> np.ndarray:
        return self.series(column)

    def to_dataframe(self):
        """All signals as a pandas DataFrame indexed by t_s (requires pandas)."""
        import pandas as pd

        return pd.DataFrame(self._data, index=pd.Index(self.t_s, name="t_s"))

