"""Optional HDF5 time series (docs/outputs.md#timeseriesh5): with `run.hdf5: true`, timeseries.h5
holds exactly the rows of timeseries.csv. Checked here against the CSV, parsed independently with
Python's float(), and against the scenario file read with PyYAML."""

import csv
import json
import os
import subprocess
import sys
import time

import h5py
import numpy as np
import yaml

import stacksim
from conftest import ROOT, interrupt_run, run_cli

DEFAULT = ROOT / "scenarios" / "default.yaml"


def read_csv(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], np.array([[float(x) if x else np.nan for x in r] for r in rows[1:]], dtype=np.float64)


def read_h5(path):
    with h5py.File(path, "r") as f:
        ds = f["timeseries"]
        return {
            "columns": list(f["columns"].asstr()[:]),
            "values": ds[:],
            "attrs": dict(ds.attrs),
            "dtype": ds.dtype,
            "chunks": ds.chunks,
            "maxshape": ds.maxshape,
            "compression": ds.compression,
            "shuffle": ds.shuffle,
        }


def assert_same_rows(csv_path, h5_path):
    header, values = read_csv(csv_path)
    h5 = read_h5(h5_path)
    assert h5["columns"] == header
    assert h5["values"].shape == values.shape
    # The same doubles, bit for bit (np.array_equal alone would let -0.0 pass for 0.0); an empty
    # CSV field (a value that does not exist yet) is NaN in the file.
    assert np.array_equal(h5["values"], values, equal_nan=True)
    assert np.array_equal(h5["values"].view(np.uint64), values.view(np.uint64))
    return header, values, h5


def test_short_default_run_matches_the_csv(tmp_path):
    out = tmp_path / "out"
    # 300 s at one row per second: one full chunk of 256 rows and a partial one at the end.
    run_cli("run", DEFAULT, "--out", out, "--quiet", "--seed", "7",
            "--set", "run.duration_s=300", "--set", "run.hdf5=true")
    header, values, h5 = assert_same_rows(out / "timeseries.csv", out / "timeseries.h5")
    assert values.shape[0] == 301 and header[0] == "t_s"
    assert np.array_equal(values[:, 0], np.arange(301.0))

    summary = json.loads((out / "summary.json").read_text())
    assert summary["rows"] == 301
    scenario = yaml.safe_load(DEFAULT.read_text())
    attrs = h5["attrs"]
    assert set(attrs) == {"scenario", "seed", "stacksim_version", "step_s", "record_every"}
    assert attrs["scenario"] == scenario["name"] == "default"
    assert attrs["seed"] == 7 and attrs["seed"].dtype == np.uint64   # the --seed override
    assert attrs["stacksim_version"] == summary["stacksim_version"]
    assert attrs["step_s"] == scenario["run"]["step_s"] == 0.1
    assert attrs["record_every"] == scenario["run"]["record_every"] == 10

    # Layout: float64, chunked 256 rows x every column, extendible along rows, shuffle + deflate
    # (Debian's HDF5 has both filters).
    width = len(header)
    assert h5["dtype"] == np.dtype("<f8")
    assert h5["chunks"] == (256, width)
    assert h5["maxshape"] == (None, width)
    assert h5["compression"] == "gzip" and h5["shuffle"] is True

    # The Python loader gives the same series.
    r = stacksim.Result.from_hdf5(out / "timeseries.h5")
    assert r.columns == header[1:]
    assert np.array_equal(r.t_s, values[:, 0])
    assert np.array_equal(r.series("stack.m1.current_a"), values[:, header.index("stack.m1.current_a")])
    assert r.summary["seed"] == 7


def test_same_scenario_and_seed_give_identical_bytes(tmp_path):
    files = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        run_cli("run", DEFAULT, "--out", out, "--quiet", "--set", "run.duration_s=120", "--set", "run.hdf5=true")
        files.append((out / "timeseries.h5").read_bytes())
        if k == 0:
            time.sleep(1.1)   # a stored timestamp (seconds) would differ between the runs
    assert len(files[0]) > 0 and files[0] == files[1]


def test_sigint_leaves_a_valid_file_with_every_row(tmp_path):
    out = tmp_path / "out"
    # About 4 kB a row: wait for several hundred rows, so at least one whole chunk of 256 rows
    # has been written before the stop and a partial one is pending.
    returncode, stderr = interrupt_run(out, ["--set", "run.hdf5=true"], once_csv_bytes=1_600_000)
    assert returncode == 130, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["completed"] is False
    _, values, _ = assert_same_rows(out / "timeseries.csv", out / "timeseries.h5")
    assert values.shape[0] == summary["rows"] > 256


def test_python_finish_leaves_a_complete_closed_file(tmp_path):
    # From Python the simulation object outlives the run: once it is finished, another process
    # (HDF5's default file locking on) reads every row, the partial last chunk included.
    out = tmp_path / "py"
    sim = stacksim.Simulation(DEFAULT, set=["run.duration_s=100", "run.hdf5=true"], out=out)
    sim.run()
    r = sim.result()
    assert len(r.t_s) == 101
    reader = ("import sys, h5py; f = h5py.File(sys.argv[1], 'r'); "
              "print(f['timeseries'].shape[0], f['timeseries'][-1, 0])")
    proc = subprocess.run([sys.executable, "-c", reader, str(out / "timeseries.h5")],
                          capture_output=True, text=True, env=dict(os.environ, HDF5_USE_FILE_LOCKING="TRUE"))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["101", "100.0"]
    assert_same_rows(out / "timeseries.csv", out / "timeseries.h5")
    del sim


def test_no_h5_file_without_run_hdf5(default_run, tmp_path):
    # The default scenario does not set run.hdf5 (default false).
    assert "hdf5" not in yaml.safe_load(DEFAULT.read_text())["run"]
    assert (default_run / "timeseries.csv").is_file()
    assert not list(default_run.glob("*.h5"))
    out = tmp_path / "off"
    run_cli("run", DEFAULT, "--out", out, "--quiet", "--set", "run.duration_s=10", "--set", "run.hdf5=false")
    assert (out / "timeseries.csv").is_file()
    assert not list(out.glob("*.h5"))


def test_run_hdf5_must_be_a_bool(tmp_path):
    out = tmp_path / "bad"
    proc = run_cli("run", DEFAULT, "--out", out, "--quiet", "--set", "run.hdf5=maybe", check=False)
    assert proc.returncode == 2, proc.stderr
    assert "run.hdf5" in proc.stderr
    assert not out.exists()
