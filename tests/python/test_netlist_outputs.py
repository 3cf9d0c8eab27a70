"""Output paths of the netlist command: --out and --map are written both or neither; a path that
cannot be written is bad input found before anything exists."""

import os

from conftest import ROOT, run_cli

DEFAULT = ROOT / "scenarios" / "default.yaml"


# --- netlist --out / --map: bad paths leave no partial output ---

def test_netlist_unwritable_map_leaves_no_netlist(tmp_path):
    net = tmp_path / "net.cir"
    p = run_cli("netlist", DEFAULT, "--at", "1", "--out", net, "--map", "/nonexistent/dir/map.csv", check=False)
    assert p.returncode == 2, p.stderr
    assert "/nonexistent/dir/map.csv" in p.stderr
    assert not net.exists()
    assert os.listdir(tmp_path) == []  # no temporaries left behind either


def test_netlist_unwritable_out_leaves_no_map(tmp_path):
    m = tmp_path / "map.csv"
    p = run_cli("netlist", DEFAULT, "--at", "1", "--out", "/nonexistent/dir/net.cir", "--map", m, check=False)
    assert p.returncode == 2, p.stderr
    assert "/nonexistent/dir/net.cir" in p.stderr
    assert os.listdir(tmp_path) == []


def test_netlist_writes_both_files_when_both_paths_are_good(tmp_path):
    run_cli("netlist", DEFAULT, "--at", "1", "--out", tmp_path / "net.cir", "--map", tmp_path / "map.csv")
    assert sorted(os.listdir(tmp_path)) == ["map.csv", "net.cir"]
    assert (tmp_path / "net.cir").read_text().rstrip().lower().endswith(".end")
    assert (tmp_path / "map.csv").read_text().startswith("what,stacksim_name,spice_name")
