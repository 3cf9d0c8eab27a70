"""Report: tools/report.py turns a results folder into report.md with PNG plots;
no NaN in any plotted series, limits drawn against the signals, expectations when present."""

import importlib.util
import json
import shutil
import subprocess

import numpy as np
import pytest

from conftest import ROOT, run_cli

REPORT = ROOT / "tools" / "report.py"


def load_report_module():
    spec = importlib.util.spec_from_file_location("stacksim_report", REPORT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def short_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report_run")
    # 30 s discharge at 3 kW, then charging at 2.5 kW: both limits matter.
    run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet", "--set", "run.duration_s=120",
            "--set", "inverter.battery_power_w.points=[[0, 0], [5, -3000], [35, 0], [40, 2500]]")
    return out


def test_report_files_exist_and_plots_have_no_nan(short_run, tmp_path):
    proc = subprocess.run(["/usr/bin/python3", str(REPORT), str(short_run), "--out", str(tmp_path)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    md = (tmp_path / "report.md").read_text()
    pngs = sorted(p.name for p in tmp_path.glob("report_*.png"))
    assert pngs == ["report_bus_load.png", "report_currents.png", "report_soc.png", "report_temperatures.png",
                    "report_voltage.png"]
    for name in pngs:
        assert f"]({name})" in md
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert (tmp_path / name).stat().st_size > 10_000
    assert "## Expectations" in md and "states no expectations" in md


def test_plotted_series_are_finite_and_limits_bound_the_signals(short_run, tmp_path):
    r = load_report_module().build_report(short_run, tmp_path)
    plotted = r["plotted"]
    for key in ["stack.voltage_v", "stack.cvl_v", "inverter.battery_current_a", "stack.ccl_a", "-stack.dcl_a",
                "stack.m0.current_a", "stack.m1.current_a", "stack.m2.current_a", "stack.soc_pct",
                "stack.m0.cell_max_temp_c", "can.load_pct", "rs485.hop0.load_pct"]:
        assert key in plotted, key
    ts = np.genfromtxt(short_run / "timeseries.csv", delimiter=",", names=True, deletechars="")
    n = len(ts["t_s"])
    # Finite, except a value missing before the master's first CAN cycle (a gap: docs/outputs.md,
    # "Missing values"), i.e. leading rows before t = 2 s only.
    for key, y in plotted.items():
        finite = np.isfinite(y)
        assert y.size > 0 and finite.any() and not np.isinf(y).any(), key
        first = int(np.argmax(finite))
        assert finite[first:].all() and (first == 0 or (y.size == n and ts["t_s"][first - 1] < 2.0)), key
    # an empty CSV field is read as NaN (not 0): the reported SoC before the first CAN frame
    assert np.isnan(plotted["stack.soc_pct"][0]) and np.isnan(ts["stack.soc_pct"][0])
    assert plotted["stack.voltage_v"].size == n
    # The limits drawn are the recorded ones, and the signals stay within them once the
    # master has sent its first limits (t >= 2 s): V <= CVL, -DCL <= I <= CCL.
    after = ts["t_s"] >= 2.0
    v, cvl = plotted["stack.voltage_v"][after], plotted["stack.cvl_v"][after]
    i, ccl, dcl = (plotted["inverter.battery_current_a"][after], plotted["stack.ccl_a"][after],
                   -plotted["-stack.dcl_a"][after])
    assert np.all(v < cvl)
    assert np.all(i <= ccl + 1e-9) and np.all(i >= -dcl - 1e-9)
    assert np.any(i > 10) and np.any(i < -10)  # both directions were exercised
    # The CAN load plotted (nominal bits, no stuffing) is below the exact average with stuffing
    # and above 80 % of it (stuffing adds at most ~20 % on these frames).
    exact = json.loads((short_run / "summary.json").read_text())["can"]["bus_load"] * 100.0
    nominal = float(np.mean(plotted["can.load_pct"]))
    assert 0.8 * exact < nominal <= exact * 1.0001


def test_expectations_in_the_report(short_run, tmp_path):
    res = tmp_path / "res"
    shutil.copytree(short_run, res)
    s = json.loads((res / "summary.json").read_text())
    s["expectations"] = [
        {"name": "no cell above 3.65 V", "passed": True, "message": ""},
        {"name": "module 2 share within 5 %", "passed": False, "t_s": 42.0,
         "message": "module 2 share 7.1 % at t = 42 s"},
    ]
    (res / "summary.json").write_text(json.dumps(s))
    load_report_module().build_report(res)
    md = (res / "report.md").read_text()
    assert "2 expectations, 1 failed." in md
    assert "| no cell above 3.65 V | pass |" in md
    assert "module 2 share 7.1 % at t = 42 s" in md and "**FAIL**" in md


def test_fast_aging_run_gets_an_aging_section(tmp_path):
    # A year at rest in two 1-hour windows (tests/python/test_fast_aging.py): the report plots the
    # cells' capacity against their age and lists each module's fade from summary.json.
    scenario = tmp_path / "rest.yaml"
    scenario.write_text("""\
name: rest_year
run: {duration_s: 7200, step_s: 1, record_every: 60, record_cells: false, vcd: false, bus_logs: false}
aging: {window_s: 3600, span_days: 365}
stack: {modules: 2, initial_soc_pct: 50, initial_temp_c: 25}
inverter: {battery_power_w: 0}
""")
    out = tmp_path / "out"
    run_cli("run", scenario, "--out", out, "--quiet")
    r = load_report_module().build_report(out)
    text = r["report"].read_text()
    assert "report_aging.png" in text and (out / "report_aging.png").exists()
    summary = json.loads((out / "summary.json").read_text())
    cap = summary["aging"]["modules"][0]["capacity_pct"]
    assert f"m0: capacity {cap:.3f} %" in text
    assert "the cells are 365.0 days old at the end" in text
    # The plotted capacity ends at the summary's value, the age at a year.
    np.testing.assert_allclose(r["plotted"]["stack.m0.capacity_pct"][-1], cap, rtol=1e-12)
    assert "bus logs off" not in text  # said on the plot, not in the text


def build_and_keep_figures(mod, results, out, monkeypatch):
    """build_report with every figure kept (name -> matplotlib Figure) instead of closed."""
    figures = {}
    real_save = mod.Plotter.save

    def keep(self, fig, name, title):
        figures[name] = fig
        monkeypatch.setattr(mod.plt, "close", lambda f=None: None)
        real_save(self, fig, name, title)

    monkeypatch.setattr(mod.Plotter, "save", keep)
    r = mod.build_report(results, out)
    return r, figures


def style(line):
    return (matplotlib_colors_to_hex(line.get_color()), line.get_linestyle(), line.get_marker())


def matplotlib_colors_to_hex(c):
    import matplotlib.colors
    return matplotlib.colors.to_hex(c)


def test_module_currents_are_scaled_by_the_currents_and_distinguishable(short_run, tmp_path, monkeypatch):
    # The module currents (~20 A here) get a panel scaled to them; the stack's CCL/DCL (150 / 250 A)
    # are drawn against the stack current on another axes, and each module has its own colour and
    # line style, so three nearly equal traces can still be told apart.
    mod = load_report_module()
    r, figs = build_and_keep_figures(mod, short_run, tmp_path, monkeypatch)
    ts = np.genfromtxt(short_run / "timeseries.csv", delimiter=",", names=True, deletechars="")
    fig = figs["currents"]
    def draws(line, column):
        y = np.asarray(line.get_ydata(), dtype=float)
        return y.shape == ts[column].shape and np.array_equal(y, ts[column])

    # The axes that draw the recorded module currents themselves.
    module_axes = [ax for ax in fig.axes if any(draws(ln, "stack.m0.current_a") for ln in ax.get_lines())]
    assert len(module_axes) == 1
    ax = module_axes[0]
    mlines = [next(ln for ln in ax.get_lines() if draws(ln, f"stack.m{m}.current_a")) for m in range(3)]
    assert not any("CCL" in ln.get_label() or "DCL" in ln.get_label() for ln in ax.get_lines())
    currents = np.concatenate([ts[f"stack.m{m}.current_a"] for m in range(3)])
    lo, hi = ax.get_ylim()
    assert lo <= currents.min() and hi >= currents.max()
    assert hi - lo <= 1.3 * (currents.max() - currents.min()) + 2.0, (lo, hi)
    # Colour and line style both differ between modules.
    assert len({matplotlib_colors_to_hex(ln.get_color()) for ln in mlines}) == 3
    assert len({ln.get_linestyle() for ln in mlines}) == 3
    # The limits are still drawn, against the stack (inverter port) current, in the same figure.
    lim_axes = [a for a in fig.axes if any("CCL" in ln.get_label() for ln in a.get_lines())]
    assert len(lim_axes) == 1 and lim_axes[0] is not ax
    labels = [ln.get_label() for ln in lim_axes[0].get_lines()]
    assert any("DCL" in lab for lab in labels) and any("inverter port" in lab for lab in labels)
    # In every figure, no two labelled traces of one axes look alike.
    for name, f in figs.items():
        for a in f.axes:
            styles = [style(ln) for ln in a.get_lines() if not ln.get_label().startswith("_")]
            assert len(styles) == len(set(styles)), (name, [ln.get_label() for ln in a.get_lines()])
            assert a.get_ylabel(), (name, "every panel says what it shows and in which unit")


def test_temperature_plot_says_when_cell_temperatures_were_not_recorded(tmp_path, monkeypatch):
    # Without run.record_cells the results hold no cell temperature; a plot of the cables alone
    # titled "Temperatures" would read as the battery's temperature.
    out = tmp_path / "run"
    run_cli("run", ROOT / "scenarios" / "default.yaml", "--out", out, "--quiet", "--set", "run.duration_s=30",
            "--set", "run.record_cells=false")
    mod = load_report_module()
    _, figs = build_and_keep_figures(mod, out, tmp_path / "rep", monkeypatch)
    texts = [t.get_text() for a in figs["temperatures"].axes for t in a.texts]
    assert any("cell temperatures not recorded" in t and "record_cells" in t for t in texts), texts
