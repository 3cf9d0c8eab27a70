"""`stacksim sweep`: every combination runs in its own process, the same as alone."""

import csv

from conftest import ROOT, run_cli

SCENARIO = ROOT / "scenarios" / "default.yaml"
COMMON = ["--set", "run.duration_s=30"]


def test_sweep_runs_every_combination_like_single_runs(tmp_path):
    out = tmp_path / "sweep"
    run_cli("sweep", SCENARIO, "--vary", "stack.initial_soc_pct=40,60", "--vary", "wiring.topology=loop,same_side",
            *COMMON, "--out", out, "--jobs", "2")
    with open(out / "sweep.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [(r["stack.initial_soc_pct"], r["wiring.topology"]) for r in rows] == [
        ("40", "loop"), ("40", "same_side"), ("60", "loop"), ("60", "same_side")]
    assert all(r["exit_code"] == "0" for r in rows)
    # the last variant, run alone, gives the same bytes
    alone = tmp_path / "alone"
    run_cli("run", SCENARIO, *COMMON, "--set", "stack.initial_soc_pct=60", "--set", "wiring.topology=same_side",
            "--out", alone, "--quiet")
    for name in ["timeseries.csv", "can.log", "rs485.log", "events.jsonl", "waveforms.vcd"]:
        assert (out / "v003" / name).read_bytes() == (alone / name).read_bytes(), name
    # and the variants differ where they should: the initial SoC
    assert float(rows[0]["true_soc_pct"]) < 45 < float(rows[2]["true_soc_pct"])


def test_a_bad_variant_stops_the_sweep_before_anything_runs(tmp_path):
    out = tmp_path / "sweep"
    proc = run_cli("sweep", SCENARIO, "--vary", "stack.modules=2,40", "--out", out, check=False)
    assert proc.returncode == 2
    assert "stack.modules" in proc.stderr and "expected an integer in [1, 16]" in proc.stderr
    assert not out.exists()
