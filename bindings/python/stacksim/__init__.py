"""stacksim: hardware-accurate simulation of stacked 48 V LiFePO4 battery modules.

Quick use::

    import stacksim
    r = stacksim.run("default")         # a library name, or any scenario file path
    r.series("stack.m0.current_a")      # numpy array, one value per recorded step
    r.t_s                               # recorded times (s)
    r.to_dataframe()                    # pandas DataFrame (if pandas is installed)

Scenarios and stepping from Python::

    sc = stacksim.Scenario.from_yaml("scenarios/cable_loss/manual_cables.yaml")
    sc.set("wiring.cables.cable.pos.m2_m3.cross_section_mm2", 16).set("run.duration_s", 120)
    sim = stacksim.Simulation(sc)
    sim.run_for(10.0)                   # advance 10 simulated seconds
    sim.state()                         # time, stack voltage, currents
    sim.set_inverter_power_w(-2000.0)   # change the inverter set-point (+ = charging)
    sim.run_until(60.0)
    r = sim.result()

Sweeps (parallel processes, or a dask.distributed Client)::

    rs = stacksim.sweep(sc, {"wiring.cables.cable.pos.m2_m3.length_m": [1, 2, 4]}, workers=2)

Sign convention everywhere: positive current and power charge the battery.
Which build is imported: stacksim.build_info() (also stacksim.__file__, stacksim.__version__).
See docs/python.md.
"""

from ._core import InputError, parameter_fields  # noqa: F401
from .locate import build_info, scenario_path, scenarios_dir, source_dir, version  # noqa: F401
from .scenario import Scenario  # noqa: F401
from .simulation import Simulation, run  # noqa: F401
from .results import Result  # noqa: F401
from .sweeps import SweepResult, expand, run_variant, sweep  # noqa: F401
from . import cell  # noqa: F401

__version__ = version()

__all__ = ["InputError", "parameter_fields", "build_info", "scenario_path", "scenarios_dir", "source_dir", "version", "Scenario", "Simulation", "Result", "SweepResult", "run", "run_variant", "expand", "sweep", "cell"]
