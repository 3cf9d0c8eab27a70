"""Single cells without a stack: fit parameters, study one cell."""

from __future__ import annotations

from typing import Dict, Optional

import numpy as np

from . import _core


def simulate(parameter_set: Optional[str], t_s, current_a, ambient_c: float = 25.0,
             dt_s: Optional[float] = None, initial_soc: float = 1.0,
             initial_hysteresis: float = 1.0) -> Dict[str, np.ndarray]:
    """Simulate one cell with the stack's own cell core.

    parameter_set: path of a cell parameter YAML file (None: the default LFP cell).
    t_s, current_a: the current profile (A, + = charging), piecewise constant from each t_s.
    initial_soc: 0..1; initial_hysteresis: -1 (discharge branch) .. +1 (charge branch).
    Returns numpy arrays aligned with the input, one entry per t_s: t_s, current_a, voltage_v,
    ocv_v, hysteresis_v, soc, temp_c, heat_w. Entry k is the instant t_s[k] with current_a[k]
    flowing (the returned current_a is the input): the states are those reached at t_s[k], the
    terminal voltage and heat rate those with current_a[k] switched on, so a current step at
    sample k moves voltage_v by R0 * dI at sample k (docs/models/cell.md, "Standalone cell").
    """
    t = np.asarray(t_s, dtype=float)
    i = np.asarray(current_a, dtype=float)
    if t.shape != i.shape or t.ndim != 1:
        raise ValueError("t_s and current_a must be 1-D arrays of the same length")
    step = float(dt_s) if dt_s is not None else float(np.min(np.diff(t))) if t.size > 1 else 1.0
    return _core.simulate_cell(str(parameter_set or ""), t.tolist(), i.tolist(), float(ambient_c), step,
                               float(initial_soc), float(initial_hysteresis))
