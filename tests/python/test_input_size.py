"""Input size: every file stacksim reads (scenario, parameter files, CSV profiles) is read up to a
limit, so a huge or endless input (/dev/zero, a FIFO) is refused quickly with a message naming the
file, the limit and the option that raises it; large profiles come from CSV files, read line by
line into compact arrays (docs/scenarios.md, "Profiles")."""

import math
import os
import subprocess
import threading

import pytest

from conftest import CLI, ROOT, run_cli

BASE = (ROOT / "scenarios" / "default.yaml").read_text()
INLINE = "    interpolation: step\n    points: [[0, 0], [5, -3000], [1205, 0], [1505, 2500], [3005, 0]]\n"
assert INLINE in BASE


def cli(*args, timeout=120):
    env = dict(os.environ, SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    return subprocess.run([str(CLI), *map(str, args)], capture_output=True, text=True, env=env, timeout=timeout)


# --------------------------------------------------------------------------------------------
# Size limits

def test_dev_zero_is_refused_at_the_limit():
    # /dev/zero has no size to stat: the read itself must stop at the limit (bounded by timeout).
    proc = cli("validate", "/dev/zero", timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "/dev/zero" in proc.stderr and "--max-input-mb" in proc.stderr, proc.stderr
    assert "more than the limit of 8 MB" in proc.stderr, proc.stderr


def test_a_fifo_is_read_only_up_to_the_limit(tmp_path):
    fifo = tmp_path / "endless.yaml"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer():
        chunk = b"# " + b"x" * 65533 + b"\n"
        try:
            with open(fifo, "wb") as f:
                while not stop.is_set():
                    f.write(chunk)
        except (BrokenPipeError, OSError):
            pass

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        proc = cli("validate", fifo, "--max-input-mb", "2", timeout=60)
    finally:
        stop.set()
    t.join(timeout=10)
    assert proc.returncode == 2, proc.stderr
    assert f"{fifo}: more than the limit of 2 MB" in proc.stderr, proc.stderr


def test_a_large_scenario_file_names_its_size_and_the_option(tmp_path):
    path = tmp_path / "big.yaml"
    padding = ("# " + "p" * 1021 + "\n") * (9 * 1024)  # 9 MiB of comments
    path.write_text(BASE + padding)
    size = path.stat().st_size
    out = tmp_path / "out"
    proc = cli("run", path, "--out", out, "--quiet")
    assert proc.returncode == 2, proc.stderr
    assert f"{path}: {size} bytes, more than the limit of 8 MB" in proc.stderr, proc.stderr
    assert "--max-input-mb" in proc.stderr
    assert not out.exists()
    assert cli("validate", path, "--max-input-mb", "10").returncode == 0


def test_a_large_parameter_file_is_refused_too(tmp_path):
    params = tmp_path / "cell.yaml"
    params.write_text((ROOT / "models" / "params" / "lfp_cell_100ah.yaml").read_text() + "#" * (3 << 20) + "\n")
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("modules: 3", f"modules: 3\n  cell_params: {params}", 1))
    proc = cli("validate", path, "--max-input-mb", "2")
    assert proc.returncode == 2, proc.stderr
    assert f"{params}: {params.stat().st_size} bytes, more than the limit of 2 MB" in proc.stderr, proc.stderr


# --------------------------------------------------------------------------------------------
# CSV profiles

def points(n=400, dt=0.37):
    """Awkward decimals on purpose: every value round-trips through repr()."""
    return [(i * dt, -3000.0 * math.sin(i / 7.0) + i / 3.0) for i in range(n)]


def write_csv(path, pts, header="t_s,battery_power_w", extra=""):
    with open(path, "w") as f:
        f.write(extra + header + "\n")
        for t, v in pts:
            f.write(f"{t!r},{v!r}\n")


def scenario_with(profile_yaml, duration_s=60):
    text = BASE.replace(INLINE, profile_yaml, 1)
    return text.replace("duration_s: 3600", f"duration_s: {duration_s}", 1)


OUTPUT_FILES = ["timeseries.csv", "events.jsonl", "can.log", "rs485.log"]


def test_a_csv_profile_runs_byte_for_byte_as_the_same_inline_points(tmp_path):
    pts = points()
    inline = "    interpolation: linear\n    points: [" + ", ".join(f"[{t!r}, {v!r}]" for t, v in pts) + "]\n"
    (tmp_path / "profiles").mkdir()
    write_csv(tmp_path / "profiles" / "p.csv", pts, header="# measured 2026-11-02\nt_s, battery_power_w ,other",
              extra="")
    # an extra third column, spaces around names, a comment line: all allowed
    text = (tmp_path / "profiles" / "p.csv").read_text().splitlines()
    rows = text[:2] + [r + ",7" for r in text[2:]]
    (tmp_path / "profiles" / "p.csv").write_text("\n".join(rows) + "\n")
    a, b = tmp_path / "inline.yaml", tmp_path / "csv.yaml"
    a.write_text(scenario_with(inline))
    b.write_text(scenario_with("    interpolation: linear\n    csv: profiles/p.csv\n    column: battery_power_w\n"))
    run_cli("run", a, "--out", tmp_path / "oa", "--quiet")
    run_cli("run", b, "--out", tmp_path / "ob", "--quiet")
    for f in OUTPUT_FILES:
        assert (tmp_path / "oa" / f).read_bytes() == (tmp_path / "ob" / f).read_bytes(), f


def test_the_time_column_can_be_named_and_a_period_applies(tmp_path):
    pts = [(0.0, -1000.0), (10.0, 1000.0), (20.0, -500.0)]
    write_csv(tmp_path / "p.csv", pts, header="time,battery_power_w")
    a, b = tmp_path / "inline.yaml", tmp_path / "csv.yaml"
    a.write_text(scenario_with("    interpolation: step\n    period_s: 25\n    points: [[0, -1000], [10, 1000], [20, -500]]\n"))
    b.write_text(scenario_with("    interpolation: step\n    period_s: 25\n    csv: p.csv\n    time_column: time\n"
                               "    column: battery_power_w\n"))
    run_cli("run", a, "--out", tmp_path / "oa", "--quiet")
    run_cli("run", b, "--out", tmp_path / "ob", "--quiet")
    assert (tmp_path / "oa" / "timeseries.csv").read_bytes() == (tmp_path / "ob" / "timeseries.csv").read_bytes()


BAD_CSV = [
    # (id, CSV text, line, expected words)
    ("no_such_column", "t_s,power\n0,1\n", 1, "no column 'battery_power_w' (columns: t_s, power)"),
    ("no_time_column", "time,battery_power_w\n0,1\n", 1, "no column 't_s' (columns: time, battery_power_w)"),
    ("not_a_number", "t_s,battery_power_w\n0,0\n5,abc\n", 3, "column 'battery_power_w': expected a number in [-1e+06, 1e+06], got 'abc'"),
    ("empty_field", "t_s,battery_power_w\n0,0\n5,\n", 3, "column 'battery_power_w': expected a number in [-1e+06, 1e+06], got ''"),
    ("trailing_garbage", "t_s,battery_power_w\n0,0\n5,12x\n", 3, "column 'battery_power_w': expected a number in [-1e+06, 1e+06], got '12x'"),
    ("out_of_range", "t_s,battery_power_w\n0,0\n5,2e6\n", 3, "column 'battery_power_w': expected a number in [-1e+06, 1e+06], got '2e6'"),
    ("nan_value", "t_s,battery_power_w\n0,nan\n", 2, "column 'battery_power_w': expected a number in [-1e+06, 1e+06], got 'nan'"),
    ("too_few_fields", "t_s,battery_power_w\n0,0\n7\n", 3, "expected 2 fields, got 1"),
    ("time_goes_back", "t_s,battery_power_w\n0,0\n5,1\n3,2\n", 4, "column 't_s': expected a time after the previous row's 5 s, got '3'"),
    ("negative_time", "t_s,battery_power_w\n-1,0\n", 2, "column 't_s': expected a number in [0, inf], got '-1'"),
    ("header_only", "t_s,battery_power_w\n", 1, "expected at least one data row"),
    ("empty_file", "", 0, "expected a header line"),
]


@pytest.mark.parametrize("case_id,csv_text,line,expected", BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_malformed_csv_is_refused_with_its_file_and_line(tmp_path, case_id, csv_text, line, expected):
    csv = tmp_path / "p.csv"
    csv.write_text(csv_text)
    path = tmp_path / "s.yaml"
    path.write_text(scenario_with("    interpolation: step\n    csv: p.csv\n    column: battery_power_w\n"))
    out = tmp_path / "out"
    proc = cli("run", path, "--out", out, "--quiet")
    assert proc.returncode == 2, proc.stderr
    where = f"{csv}:{line}: " if line else f"{csv}: "
    assert where + expected in proc.stderr, proc.stderr
    assert "inverter.battery_power_w" in proc.stderr, proc.stderr  # which profile it was
    assert not out.exists()


def test_a_missing_csv_file_is_refused_at_the_scenario_key(tmp_path):
    path = tmp_path / "s.yaml"
    text = scenario_with("    csv: nowhere.csv\n    column: battery_power_w\n")
    path.write_text(text)
    proc = cli("validate", path)
    assert proc.returncode == 2, proc.stderr
    line = next(i + 1 for i, l in enumerate(text.splitlines()) if "csv: nowhere.csv" in l)
    assert f"{path}:{line}: key 'inverter.battery_power_w.csv'" in proc.stderr, proc.stderr
    assert "'nowhere.csv' does not exist" in proc.stderr


def test_points_and_csv_together_are_refused(tmp_path):
    write_csv(tmp_path / "p.csv", [(0.0, 1.0)])
    path = tmp_path / "s.yaml"
    path.write_text(scenario_with("    points: [[0, 0]]\n    csv: p.csv\n    column: battery_power_w\n"))
    proc = cli("validate", path)
    assert proc.returncode == 2, proc.stderr
    assert "key 'inverter.battery_power_w.points': unknown key, expected one of: csv, column, time_column, " \
           "interpolation, period_s" in proc.stderr, proc.stderr


def test_a_large_csv_profile_is_refused_above_its_own_limit(tmp_path):
    write_csv(tmp_path / "p.csv", points(n=150_000, dt=0.01))
    csv = tmp_path / "p.csv"
    path = tmp_path / "s.yaml"
    path.write_text(scenario_with("    csv: p.csv\n    column: battery_power_w\n", duration_s=10))
    proc = cli("validate", path, "--max-profile-mb", "1")
    assert proc.returncode == 2, proc.stderr
    assert f"{csv}: {csv.stat().st_size} bytes, more than the limit of 1 MB" in proc.stderr, proc.stderr
    assert "--max-profile-mb" in proc.stderr
    assert cli("validate", path, "--max-profile-mb", "8").returncode == 0


def test_an_endless_csv_line_is_refused(tmp_path):
    csv = tmp_path / "p.csv"
    csv.write_text("t_s,battery_power_w\n0," + "1" * (2 << 20) + "\n")
    path = tmp_path / "s.yaml"
    path.write_text(scenario_with("    csv: p.csv\n    column: battery_power_w\n", duration_s=10))
    proc = cli("validate", path)
    assert proc.returncode == 2, proc.stderr
    assert f"{csv}:2: line longer than" in proc.stderr, proc.stderr


# --------------------------------------------------------------------------------------------
# Python: the same limits, as keywords of the loader

def test_python_from_yaml_is_bounded_and_raisable(tmp_path):
    import stacksim

    with pytest.raises(stacksim.InputError, match=r"/dev/zero: more than the limit of 1 MB.*max_input_mb"):
        stacksim.Scenario.from_yaml("/dev/zero", max_input_mb=1)
    big = tmp_path / "big.yaml"
    big.write_text(BASE.replace("duration_s: 3600", "duration_s: 2", 1) + ("#" * 1023 + "\n") * (9 * 1024))
    with pytest.raises(stacksim.InputError, match="more than the limit of 8 MB"):
        stacksim.Scenario.from_yaml(big)
    sc = stacksim.Scenario.from_yaml(big, max_input_mb=16)
    sc.validate()  # the C++ loader gets the raised limit too


def test_python_csv_profile_limit(tmp_path):
    import stacksim

    write_csv(tmp_path / "p.csv", points(n=150_000, dt=0.01))
    path = tmp_path / "s.yaml"
    path.write_text(scenario_with("    csv: p.csv\n    column: battery_power_w\n", duration_s=2))
    with pytest.raises(stacksim.InputError, match="more than the limit of 1 MB.*max_profile_mb"):
        stacksim.Simulation(stacksim.Scenario.from_yaml(path, max_profile_mb=1))
    sim = stacksim.Simulation(stacksim.Scenario.from_yaml(path))
    sim.run_until(1.0)
