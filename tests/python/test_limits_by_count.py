"""The master's stack current caps by number of modules (module_4k4pro.yaml
master.max_ccl_a_by_count / max_dcl_a_by_count, docs/models/bms.md "Stack limits").

The 4K4 PRO's own tables (manual sections 9-13) are not public (weco-stack.md §2). The analogue is
the 5K3 "MAX CURRENT WITH BUS BAR" table, one-cluster column (weco-stack.md §2.3, [5K3] U6):
2..5 batteries -> 189 / 252 / 294 / 367.5 A. Beyond 5 the file extends it by a stated, assumed
rule: the column's per-battery figure at 4 and 5 batteries (294 / 4 = 367.5 / 5 = 73.5 A) times
the count, never above 800 A, the largest current anywhere in the 5K3 table. One module: 100 A
(assumed, 1 C). These expectations are written here from that rule, not read from the file.

Every stack size the scenario format allows (1..16) must get its own entry, checked on CAN
(0x351 decoded with python-can and struct, protocols.md §1.3: CCL bytes 2-3, DCL bytes 4-5, s16
0.1 A); a table too short for the stack is a load error (exit 2, file, line, key, range)."""

import struct

import can  # Debian python3-can
import numpy as np
import pytest
import yaml

from conftest import ROOT, run_cli
from test_default_scenario import read_timeseries

PARAMS_FILE = ROOT / "models" / "params" / "module_4k4pro.yaml"
PARAMS = yaml.safe_load(PARAMS_FILE.read_text())
MODULE_CCL_A = PARAMS["bms"]["limits"]["ccl_a"]["value"]  # per module, no taper at 25 degC, 60 % SoC
MODULE_DCL_A = PARAMS["bms"]["limits"]["dcl_a"]["value"]

FIVE_K3_ONE_CLUSTER_A = {2: 189.0, 3: 252.0, 4: 294.0, 5: 367.5}  # weco-stack.md §2.3
PER_MODULE_A = 73.5
CEILING_A = 800.0


def rule_a(n):
    if n == 1:
        return 100.0
    if n in FIVE_K3_ONE_CLUSTER_A:
        return FIVE_K3_ONE_CLUSTER_A[n]
    return min(PER_MODULE_A * n, CEILING_A)


def test_rule_anchors_match_the_5k3_table():
    assert 294.0 / 4 == 367.5 / 5 == PER_MODULE_A
    assert max(rule_a(n) for n in range(1, 17)) == CEILING_A


@pytest.mark.parametrize("key", ["max_ccl_a_by_count", "max_dcl_a_by_count"])
def test_the_table_covers_every_stack_size_by_the_stated_rule(key):
    entry = PARAMS["master"][key]
    table = entry["value"]
    assert len(table) == 17, "index = number of modules, 0..16 (stack.modules allows 1..16)"
    assert table[0] == 0
    for n in range(1, 17):
        assert table[n] == pytest.approx(rule_a(n), abs=1e-9), n
    src = entry["source"]
    assert "[5K3] U6" in src and "6-16" in src and "assumed" in src and "73.5" in src and "800" in src


def scenario_text(n, extra=""):
    return f"""\
name: limits_{n}_modules
run: {{duration_s: 30, step_s: 0.1, record_every: 10, record_cells: false, vcd: false}}
stack: {{modules: {n}, initial_soc_pct: 60, initial_temp_c: 25,
        cell_params: {ROOT / "models" / "params" / "lfp_cell_100ah.yaml"}, module_params: {PARAMS_FILE}}}
inverter: {{battery_power_w: 0}}
{extra}"""


@pytest.mark.parametrize("n", [6, 9, 12, 16])
def test_limits_on_can_are_the_table_value_for_the_count(tmp_path, n):
    sc = tmp_path / f"limits_{n}.yaml"
    sc.write_text(scenario_text(n))
    out = tmp_path / "out"
    run_cli("run", sc, "--out", out, "--quiet")
    cols = read_timeseries(out / "timeseries.csv")
    t = cols["t_s"]
    present = cols["stack.modules_present"]
    assert present[-1] == n
    t_all = float(t[np.argmax(present == n)])  # every module reported to the master
    f351 = [m for m in can.CanutilsLogReader(str(out / "can.log"))
            if m.arbitration_id == 0x351 and m.timestamp > t_all + 1.0]
    assert len(f351) >= 3
    want_ccl, want_dcl = min(n * MODULE_CCL_A, rule_a(n)), min(n * MODULE_DCL_A, rule_a(n))
    for m in f351:
        _, ccl, dcl, _ = struct.unpack("<HhhH", bytes(m.data))
        assert (ccl * 0.1, dcl * 0.1) == (pytest.approx(want_ccl, abs=0.05), pytest.approx(want_dcl, abs=0.05)), \
            (n, m.timestamp)


def test_a_stack_larger_than_the_table_is_a_load_error(tmp_path):
    # The table overridden to cover 1..5 modules only; a 6-module stack must not borrow the
    # 5-module cap.
    sc = tmp_path / "too_large.yaml"
    sc.write_text(scenario_text(6, """\
parameters:
  module:
    master.max_dcl_a_by_count: [0, 100, 189, 252, 294, 367.5]
"""))
    out = tmp_path / "out"
    proc = run_cli("run", sc, "--out", out, "--quiet", check=False)
    assert proc.returncode == 2, proc.stderr
    err = proc.stderr
    assert f"{sc}:3: key 'stack.modules'" in err, err
    assert "[1, 5]" in err and "got 6" in err and "master.max_dcl_a_by_count" in err, err
    assert not out.exists() or not any(out.iterdir())  # no partial output
    # `validate` says the same.
    proc = run_cli("validate", sc, check=False)
    assert proc.returncode == 2 and "key 'stack.modules'" in proc.stderr, proc.stderr


def test_more_than_sixteen_modules_is_refused(tmp_path):
    sc = tmp_path / "seventeen.yaml"
    sc.write_text(scenario_text(17))
    proc = run_cli("validate", sc, check=False)
    assert proc.returncode == 2
    assert f"{sc}:3: key 'stack.modules': expected an integer in [1, 16], got 17" in proc.stderr, proc.stderr
