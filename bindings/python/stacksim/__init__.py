"""stacksim: hardware-accurate simulation of stacked 48 V LiFePO4 battery modules.

Quick use::

    import stacksim
    r = stacksim.run("scenarios/default.yaml")
    r.series("stack.m0.current_a")      # numpy array, one value per recorded step
    r.t_s                               # recorded times (s)
    r.to_dataframe()                    # pandas DataFrame (if pandas is installed)

Stepping from Python::

    sim = stacksim.Simulation("scenarios/default.yaml")
    sim.run_for(10.0)                   # advance 10 simulated seconds
    sim.set_inverter_power_w(-2000.0)   # change the inverter set-point (+ = charging)
    sim.run_until(60.0)

Sign convention everywhere: positive current and power charge the battery.
"""

from ._core import InputError, Simulation  # noqa: F401
from .results import Result, run  # noqa: F401
from . import cell  # noqa: F401

__all__ = ["InputError", "Simulation", "Result", "run", "cell"]
