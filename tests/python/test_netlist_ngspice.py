"""`stacksim netlist` checked by an outside solver: ngspice (Debian package, `ngspice -b`) solves
every exported netlist, and each current the netlist states for a device (`* I(<device>) = ...`)
must equal ngspice's current of that device to 1e-6 relative or 1e-9 A absolute.

Every scenario of the library (and a 16-module stack) at a few instants: early (start-up, joins,
first CAN frames), in the middle and at the end (capped at an hour, so a long scenario stays
quick; the netlist command runs the simulation up to --at). The instants are off the 0.1 s grid
where it matters and on it elsewhere, so the snapshot is taken both right after a grid step and
after an input changed between steps.

ngspice solves in double precision without iterative refinement; with 10 uOhm contacts next to
20 Ohm precharge resistors its node voltages carry ~1e-12 V of error, and the currents it derives
violate its own KCL by up to ~2e-9 A (seen on branches that carry exactly 0 A). Differences below
ngspice's own error say nothing, so the absolute tolerance is the larger of 1e-9 A and twice the
largest KCL residual of ngspice's solution (the sum of its device currents at each node);
relative 1e-6 is unchanged."""

import csv
import pathlib
import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT, run_cli

NGSPICE = shutil.which("ngspice")
LIBRARY = sorted((ROOT / "scenarios" / "library").glob("*.yaml"))
REL, ABS_A = 1e-6, 1e-9
NGSPICE_TIMEOUT_S = 60

EXPECTED = re.compile(r"^\* I\((\S+)\) = (\S+)$")
PRINTED = re.compile(r"^\s*(\S+)\s*=\s*([-+0-9.eE]+)\s*$")


def instants(scenario: pathlib.Path):
    duration = float(yaml.safe_load(scenario.read_text())["run"]["duration_s"])
    end = min(duration, 3600.0)
    return sorted({round(min(2.35, end), 3), round(end / 2, 1), end})


def devices(text: str):
    """The netlist's device lines: name -> (type letter, node a, node b, value)."""
    out = {}
    for line in text.splitlines():
        s = line.split(";")[0].strip()
        if not s or s.startswith("*") or s.startswith("."):
            continue
        f = s.lower().split()
        out[f[0]] = (f[0][0], f[1], f[2], float(f[-1]))
    return out


def ngspice_solution(text: str, devs: dict, workdir: pathlib.Path):
    """Run ngspice -b on the netlist with a .control block printing every device's current;
    returns {device: A}."""
    assert NGSPICE, "ngspice (Debian package ngspice) is needed by this test"
    probe = {"r": "@{}[i]", "v": "i({})", "i": "@{}[current]"}
    prints = [probe[d[0]].format(name) for name, d in devs.items()]
    control = ".control\nset numdgt=15\nop\n" + "".join(f"print {p}\n" for p in prints) + ".endc\n"
    pos = text.rfind(".end")
    assert pos >= 0, "the netlist has no .end"
    cir = workdir / "check.cir"
    cir.write_text(text[:pos] + control + text[pos:])
    proc = subprocess.run([NGSPICE, "-b", str(cir)], capture_output=True, text=True, timeout=NGSPICE_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    values = {}
    for line in proc.stdout.splitlines():
        m = PRINTED.match(line)
        if m:
            values[m.group(1).lower()] = float(m.group(2))
    missing = [p for p in prints if p not in values]
    assert not missing, f"ngspice printed no {missing[:5]}:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    return {name: values[probe[d[0]].format(name)] for name, d in devs.items()}


def check_netlist(scenario, at, tmp_path, sets=()):
    out = tmp_path / "net.cir"
    name_map = tmp_path / "net_map.csv"
    args = ["netlist", scenario, "--at", at, "--out", out, "--map", name_map]
    for s in sets:
        args += ["--set", s]
    run_cli(*args)
    text = out.read_text()
    devs = devices(text)
    expected = {}
    for line in text.splitlines():
        m = EXPECTED.match(line)
        if m:
            expected[m.group(1)] = float(m.group(2))
    # Every device has its expected current, under its own name.
    assert set(expected) == set(devs), (
        f"{scenario.name} at {at} s: expected currents name no device: {sorted(set(expected) - set(devs))[:5]}; "
        f"devices without one: {sorted(set(devs) - set(expected))[:5]}")
    # The name map names every device once, with the stacksim element it belongs to.
    with name_map.open() as f:
        rows = list(csv.DictReader(f))
    mapped = [r["spice_name"] for r in rows if r["what"] in ("device", "series_r", "tie")]
    assert sorted(mapped) == sorted(devs), f"{scenario.name}: the name map and the devices differ"
    theirs = ngspice_solution(text, devs, tmp_path)
    residual = {}
    for name, (kind, a, b, value) in devs.items():
        residual[a] = residual.get(a, 0.0) + theirs[name]
        residual[b] = residual.get(b, 0.0) - theirs[name]
    ngspice_error_a = max(abs(r) for r in residual.values())
    tol = max(ABS_A, 2 * ngspice_error_a)
    worst = 0.0
    bad = []
    floor_used = 0
    for name, ours in expected.items():
        diff = abs(ours - theirs[name])
        if diff > tol and diff > REL * abs(theirs[name]):
            bad.append(f"{name}: netlist {ours!r} A, ngspice {theirs[name]!r} A (tolerance {tol:.2g} A)")
        if diff > ABS_A and diff > REL * abs(theirs[name]):
            floor_used += 1
        if abs(theirs[name]) > 1e-3:
            worst = max(worst, diff / abs(theirs[name]))
    assert not bad, f"{scenario.name} at {at} s: {len(bad)} of {len(expected)} branch currents differ:\n" + \
        "\n".join(bad[:10])
    print(f"[ngspice] {scenario.name} at {at} s: {len(expected)} currents, max relative difference {worst:.2g} "
          f"(currents above 1 mA); {floor_used} within ngspice's own error only ({ngspice_error_a:.2g} A)")
    return rows


@pytest.mark.parametrize("scenario", LIBRARY, ids=lambda p: p.stem)
def test_library_netlists_solve_to_their_own_currents_in_ngspice(scenario, tmp_path):
    for at in instants(scenario):
        check_netlist(scenario, at, tmp_path)


@pytest.mark.parametrize("at", [5.05, 300, 1210])
def test_sixteen_module_netlist_solves_to_its_own_currents_in_ngspice(at, tmp_path):
    # Warm cables (R(T) changes every step): the resistances must be those the currents were
    # solved with.
    check_netlist(ROOT / "scenarios" / "default.yaml", at, tmp_path, sets=["stack.modules=16"])


@pytest.mark.parametrize("name", ["busbar", "same_side"])
def test_other_topologies_solve_to_their_own_currents_in_ngspice(name, tmp_path):
    # The library is wired in loops; the bus bar (star) and same-side wirings of the cable-loss
    # study, under load.
    check_netlist(ROOT / "scenarios" / "cable_loss" / f"{name}.yaml", 600.05, tmp_path)


def test_name_map_pairs_stacksim_names_with_devices(tmp_path):
    rows = check_netlist(ROOT / "scenarios" / "default.yaml", 10, tmp_path)
    by_name = {}
    for r in rows:
        by_name.setdefault(r["stacksim_name"], []).append((r["what"], r["spice_name"]))
    assert ("device", "vm0_cells") in by_name["m0.cells"]
    assert ("series_r", "rm0_cells_r") in by_name["m0.cells"]
    assert ("device", "iinverter_port") in by_name["inverter.port"]
    assert ("node", "0") in by_name["inv.neg"]
    assert ("node", "inv_pos") in by_name["inv.pos"]
