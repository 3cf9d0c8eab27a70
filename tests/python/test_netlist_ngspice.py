"""`stacksim netlist` checked by an outside solver: ngspice (Debian package, `ngspice -b`) solves
every exported netlist, and each current the netlist states for a device (`* I(<device>) = ...`)
must equal ngspice's current of that device to 1e-6 relative or 1e-9 A absolute.

Every scenario of the library (and a 16-module stack) at a few instants: early (start-up, joins,
first CAN frames), in the middle and at the end (capped at an hour, so a long scenario stays
quick; the netlist command runs the simulation up to --at). The instants are off the 0.1 s grid
where it matters and on it elsewhere, so the snapshot is taken both right after a grid step and
after an input changed between steps.

ngspice solves once in double precision without iterative refinement: with node voltages ~53 V
one ulp is 7e-15 V, which across a 10 uOhm contact is 7e-10 A, so a single solve breaks its own
KCL by up to ~7e-9 A (seen on branches carrying ~0 A), whether currents are derived as (Va - Vb)/R
(`@r[i]`) or read from 0 V sense sources (MNA unknowns, still tied to 53 V potentials);
`.options pivrel=1` brings it to ~2e-9 A, and KLU is not built into Debian's ngspice-39. So the
test refines ngspice's solution once, as a solver with iterative refinement would: in its own copy
of the netlist (the exported netlist is left as it is) every device's current is an MNA unknown
(a 0 V sense source in series), every resistor has a series source; the residual of ngspice's
first solution (each device equation and KCL at each node) is computed exactly from the printed
doubles (17 digits) and the netlist's values, ngspice solves the same network driven by that
residual (tiny node voltages, so no 53 V ulp), and the correction is added. The refined currents
meet KCL to ~1e-14 A; the comparison is the strict rule above, and both residuals (single solve
and refined) are printed."""

import csv
import pathlib
import re
import shutil
import subprocess
from fractions import Fraction as F

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


def sense_copy(devs: dict, sources: dict, injections: dict):
    """The test's copy of the netlist for ngspice (the exported netlist stays as it is): each
    device gets a 0 V sense source `vsense_<d>` from its first node to a split node `sense_<d>`,
    so its current is an MNA unknown of ngspice's solve, and each resistor a series source
    `vseries_<d>` (between `series_<d>` and its second node). `sources` replaces the value of any
    of these sources and of V and I devices (key: device name, or `sense_<d>`), so that the same
    network solves a refinement step; `injections` adds a current source from ground into a node."""
    lines = ["* stacksim netlist, sense-split copy for ngspice"]
    for name, (kind, a, b, value) in devs.items():
        lines.append(f"vsense_{name} {a} sense_{name} DC {sources.get('sense_' + name, 0.0)!r}")
        if kind == "r":
            lines.append(f"{name} sense_{name} series_{name} {value!r}")
            lines.append(f"vseries_{name} series_{name} {b} DC {sources.get(name, 0.0)!r}")
        else:
            lines.append(f"{name} sense_{name} {b} DC {sources.get(name, value)!r}")
    for node, amps in injections.items():
        lines.append(f"iinject_{node} 0 {node} DC {amps!r}")
    return "\n".join(lines) + "\n.op\n"


def ngspice_op(circuit: str, devs: dict, nodes: list, workdir: pathlib.Path):
    """Run `ngspice -b` on the circuit with a .control block printing every sense current and
    node voltage with 17 digits (exact doubles); returns ({device: A}, {node: V})."""
    assert NGSPICE, "ngspice (Debian package ngspice) is needed by this test"
    prints = [f"i(vsense_{name})" for name in devs] + [f"v({node})" for node in nodes]
    control = ".control\nset numdgt=17\nop\n" + "".join(f"print {p}\n" for p in prints) + ".endc\n"
    cir = workdir / "check.cir"
    cir.write_text(circuit + control + ".end\n")
    proc = subprocess.run([NGSPICE, "-b", str(cir)], capture_output=True, text=True, timeout=NGSPICE_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    values = {}
    for line in proc.stdout.splitlines():
        m = PRINTED.match(line)
        if m:
            values[m.group(1).lower()] = float(m.group(2))
    missing = [p for p in prints if p not in values]
    assert not missing, f"ngspice printed no {missing[:5]}:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
    volts = {node: values[f"v({node})"] for node in nodes}
    volts["0"] = 0.0
    return {name: values[f"i(vsense_{name})"] for name in devs}, volts


def kcl_residual_a(devs: dict, amps: dict):
    """Largest sum of device currents at a node (ground included): how far the currents are from
    a solution of the network."""
    residual = {}
    for name, (kind, a, b, value) in devs.items():
        residual[a] = residual.get(a, 0.0) + amps[name]
        residual[b] = residual.get(b, 0.0) - amps[name]
    return max(abs(r) for r in residual.values())


def ngspice_solution(devs: dict, workdir: pathlib.Path):
    """ngspice's currents of the netlist, refined once: ngspice solves the sense-split copy;
    the residual of that solution (every device equation and KCL at every node) is computed
    exactly (fractions of the printed doubles and of the netlist's values); ngspice solves the
    same network driven by that residual, and its correction is added. Returns ({device: A}
    refined, KCL residual of the single solve in A)."""
    nodes = sorted(({d[1] for d in devs.values()} | {d[2] for d in devs.values()}) - {"0"})
    inner = [f"sense_{name}" for name in devs]
    clash = set(inner + [f"series_{name}" for name in devs]) & set(nodes)
    assert not clash, f"the sense copy's node names clash with the netlist's: {sorted(clash)[:5]}"
    nodes += inner
    amps, volts = ngspice_op(sense_copy(devs, {}, {}), devs, nodes, workdir)
    sources, kcl = {}, {}
    for name, (kind, a, b, value) in devs.items():
        i, v_a, v_s, v_b = F(amps[name]), F(volts[a]), F(volts[f"sense_{name}"]), F(volts[b])
        sources["sense_" + name] = float(v_s - v_a)  # sense: v_a - v_s = 0
        if kind == "r":
            sources[name] = float(v_b - v_s + F(value) * i)  # v_s - v_b = R i
        elif kind == "v":
            sources[name] = float(v_b - v_s + F(value))  # v_s - v_b = E
        else:
            sources[name] = float(F(value) - i)  # i = I
        kcl[a] = kcl.get(a, F(0)) - i
        kcl[b] = kcl.get(b, F(0)) + i
    injections = {node: float(r) for node, r in kcl.items() if node != "0"}
    correction, _ = ngspice_op(sense_copy(devs, sources, injections), devs, nodes, workdir)
    refined = {name: float(F(amps[name]) + F(correction[name])) for name in devs}
    return refined, kcl_residual_a(devs, amps)


def check_netlist(scenario, at, tmp_path, sets=()):
    out = tmp_path / "net.cir"
    name_map = tmp_path / "net_map.csv"
    args = ["netlist", scenario, "--at", at, "--out", out, "--map", name_map]
    for s in sets:
        args += ["--set", s]
    run_cli(*args)
    text = out.read_text()
    assert text.rstrip().endswith(".op\n.end"), f"{scenario.name}: the netlist does not end with .op / .end"
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
    theirs, single_solve_residual_a = ngspice_solution(devs, tmp_path)
    ngspice_residual_a = kcl_residual_a(devs, theirs)
    worst_rel = 0.0
    worst_abs = 0.0
    bad = []
    for name, ours in expected.items():
        diff = abs(ours - theirs[name])
        worst_abs = max(worst_abs, diff)
        if diff > ABS_A and diff > REL * abs(theirs[name]):
            bad.append(f"{name}: netlist {ours!r} A, ngspice {theirs[name]!r} A")
        if abs(theirs[name]) > 1e-3:
            worst_rel = max(worst_rel, diff / abs(theirs[name]))
    assert not bad, f"{scenario.name} at {at} s: {len(bad)} of {len(expected)} branch currents differ:\n" + \
        "\n".join(bad[:10])
    print(f"[ngspice] {scenario.name} at {at} s: {len(expected)} currents, max relative difference {worst_rel:.2g} "
          f"(currents above 1 mA), max absolute {worst_abs:.2g} A; ngspice's KCL residual {ngspice_residual_a:.2g} A "
          f"refined ({single_solve_residual_a:.2g} A single solve)")
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
