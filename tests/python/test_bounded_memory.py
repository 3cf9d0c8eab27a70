"""A run's memory does not grow with its duration: the rows go to the files as they come
(docs/outputs.md, "Memory"), the command line keeps no column in memory that no expectation
reads."""

import os
import subprocess

import numpy as np
import pytest

from conftest import CLI, ROOT


def peak_rss_bytes(out, duration_s):
    """Peak resident size of one `stacksim run` (its own rusage from wait4, not the test's)."""
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    # One module with its cells recorded at every step: many columns and rows per simulated second.
    proc = subprocess.Popen([str(CLI), "run", str(ROOT / "scenarios" / "default.yaml"), "--out", str(out), "--quiet",
                             "--set", "stack.modules=1", "--set", "run.record_every=1",
                             "--set", f"run.duration_s={duration_s}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    finally:
        proc.returncode = 0  # reaped by wait4
    assert os.waitstatus_to_exitcode(status) == 0, proc.stderr.read().decode()
    return usage.ru_maxrss * 1024  # Linux: KiB


def test_peak_memory_does_not_grow_with_duration(tmp_path):
    short_s, long_s = 1200, 7200
    short = peak_rss_bytes(tmp_path / "short", short_s)
    long = peak_rss_bytes(tmp_path / "long", long_s)
    with open(tmp_path / "long" / "timeseries.csv") as f:
        columns = len(f.readline().split(","))
        rows_long = sum(1 for _ in f)
    # What keeping every row in memory would add between the two runs: 8 bytes per value of
    # every extra row (before this bound held, the long run's peak grew by at least that).
    rows_short = rows_long * short_s // long_s
    kept_growth = (rows_long - rows_short) * columns * 8
    assert kept_growth > 30e6, "the runs are too short to tell bounded memory from kept rows"
    # Bounded memory: the difference is allocator noise, far below a tenth of the kept rows.
    assert long - short < 0.1 * kept_growth, (short, long, kept_growth)


def test_python_keeps_series_only_when_asked(tmp_path):
    import stacksim

    scenario = ROOT / "scenarios" / "library" / "oc_limit_1_modules.yaml"
    kept = stacksim.Simulation(str(scenario))
    kept.run()
    bounded = stacksim.Simulation(str(scenario), out=tmp_path, keep_series=False)
    bounded.run()
    # Without the series in memory the expectations (which read stack.dcl_a and
    # inverter.battery_current_a) are judged the same, from the columns they read.
    assert bounded.summary["expectations"] == kept.summary["expectations"]
    assert bounded.summary["rows"] == kept.summary["rows"] == len(kept.t_s) > 0
    with pytest.raises(RuntimeError, match="keep_series"):
        bounded.series("stack.voltage_v")
    # The rows went to the file: the same values as the series kept in memory.
    csv = stacksim.Result.from_csv(tmp_path / "timeseries.csv")
    np.testing.assert_array_equal(csv.t_s, kept.t_s)
    np.testing.assert_array_equal(csv.series("stack.voltage_v"), kept.series("stack.voltage_v"))


def test_python_default_with_files_is_bounded_and_result_reads_them_back(tmp_path):
    # The default keeps the series in memory only without `out`; with `out`, series() is not
    # available while the run goes on and result() gives exactly the in-memory run's arrays.
    import stacksim

    scenario = ROOT / "scenarios" / "library" / "oc_limit_1_modules.yaml"
    in_memory = stacksim.Simulation(str(scenario))
    in_memory.run()
    with_files = stacksim.Simulation(str(scenario), out=tmp_path / "out")
    with_files.run()
    with pytest.raises(RuntimeError, match="keep_series"):
        with_files.series("stack.voltage_v")
    a, b = in_memory.result(), with_files.result()
    assert a.columns == b.columns and len(a.columns) > 10
    np.testing.assert_array_equal(a.t_s, b.t_s)
    for c in a.columns:
        np.testing.assert_array_equal(a.series(c), b.series(c), err_msg=c)
    assert b.summary["expectations"] == a.summary["expectations"]
    # Asked for, the series are kept with files too.
    asked = stacksim.Simulation(str(scenario), out=tmp_path / "asked", keep_series=True)
    asked.run()
    np.testing.assert_array_equal(asked.series("stack.voltage_v"), a.series("stack.voltage_v"))
