"""Every indexed accessor of the Python API (Simulation methods and stacksim._core functions)
refuses -1, n and 10**6 with an IndexError naming the valid range, and accepts 0 and n - 1.

The accessors are found by introspection (pybind11 signatures in the docstrings): every `int`
parameter is an index unless it is listed in COUNTS, so an accessor added later is walked too.
The walk runs in a child process: a missing check that crashes is reported by name."""

import json
import os
import re
import subprocess
import sys
import textwrap

import yaml

from conftest import BUILD, ROOT

# int parameters that are counts, not indices (a negative count is a TypeError from the binding).
COUNTS = {"n_frames"}


def expected_sizes(module_count):
    """n for each index parameter, from the reference data, not from the binding: modules of the
    scenario; RS485 hops between neighbours (m0-m1, ...); cells in series per module and NTCs
    (one per cells_per_ntc cells) from the module's parameter file."""
    p = yaml.safe_load((ROOT / "models" / "params" / "module_4k4pro.yaml").read_text())
    cells = p["module"]["cells_in_series"]["value"]
    per_ntc = p["afe"]["cells_per_ntc"]["value"]
    return {"module": module_count, "hop": module_count - 1, "cell": cells, "sensor": -(-cells // per_ntc)}


WALKER = textwrap.dedent(r'''
    import inspect, json, re, sys
    import stacksim
    from stacksim import _core

    SIG = re.compile(r"^(\w+)\((.*)\) ->", re.M)

    def params(doc):
        m = SIG.search(doc or "")
        if not m:
            return None
        out = []
        for p in filter(None, (x.strip() for x in m.group(2).split(","))):
            name, _, rest = p.partition(":")
            out.append((name.strip(), rest.split("=")[0].strip()))
        return out

    def callables():
        for name, f in sorted(vars(_core).items()):
            if callable(f) and not isinstance(f, type) and params(f.__doc__):
                yield name, f, False
        for name, f in sorted(vars(_core.Simulation).items()):
            if not name.startswith("_") and callable(f) and params(f.__doc__):
                yield "Simulation." + name, f, True

    found = []
    for name, f, method in callables():
        ps = params(f.__doc__)
        if method:
            ps = ps[1:]                      # self
        found.append([name, ps])
    print(json.dumps({"found": found}), flush=True)

    values = {"bool": False, "float": 0.0, "str": "x"}
    counts = set(json.loads(sys.argv[1]))
    for name, ps in found:
        idx = [k for k, (p, t) in enumerate(ps) if t == "int" and p not in counts]
        for k in idx:
            for bad in json.loads(sys.argv[2])[ps[k][0]] if ps[k][0] in json.loads(sys.argv[2]) else [None]:
                sim = stacksim.Simulation("scenarios/default.yaml")
                sim.run_until(1.0)
                args = []
                for j, (p, t) in enumerate(ps):
                    if p == "sim":
                        args.append(sim)
                    elif j == k:
                        args.append(bad)
                    elif t == "int":
                        args.append(0)
                    else:
                        args.append(values.get(t, None))
                target = getattr(sim, name.split(".")[1]) if name.startswith("Simulation.") else getattr(_core, name)
                print(json.dumps({"call": name, "param": ps[k][0], "value": bad, "start": True}), flush=True)
                try:
                    target(*args)
                    res = {"ok": True}
                except Exception as e:
                    res = {"error": type(e).__name__, "message": str(e)}
                res.update({"call": name, "param": ps[k][0], "value": bad})
                print(json.dumps(res), flush=True)
                del sim
''')


def test_every_indexed_accessor_checks_its_index():
    sizes = expected_sizes(3)   # scenarios/default.yaml: three modules
    probes = {p: [-1, n, 10**6, 0, n - 1] for p, n in sizes.items()}
    env = dict(os.environ, PYTHONPATH=str(BUILD / "python"), SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1")
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", WALKER, json.dumps(sorted(COUNTS)),
                           json.dumps(probes)], capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=600)
    lines = [json.loads(x) for x in proc.stdout.splitlines() if x.startswith("{")]
    assert lines and "found" in lines[0], proc.stderr
    found = dict((n, p) for n, p in lines[0]["found"])
    # The walk found the accessors this test was written against (and possibly more).
    for must in ["Simulation.module_current_a", "Simulation.fuse_damage", "Simulation.fuse_blown", "bms_state",
                 "bms_set_powered", "afe_set_open_wire", "afe_set_ntc_stuck", "afe_set_ntc_drift",
                 "rs485_set_hop_cut"]:
        assert must in found, sorted(found)
    indexed = {(n, p) for n, ps in found.items() for p, t in ps if t == "int" and p not in COUNTS}
    unknown = {p for _, p in indexed} - set(sizes)
    assert not unknown, f"index parameters without an expected size in this test: {unknown}"

    results = [x for x in lines[1:] if "start" not in x]
    started = [x for x in lines[1:] if "start" in x]
    if proc.returncode != 0:
        raise AssertionError(f"the walk crashed at {started[-1] if started else '?'}:\n{proc.stderr[-2000:]}")
    assert len(results) == 5 * len(indexed), (len(results), len(indexed))
    failures = []
    for r in results:
        n = sizes[r["param"]]
        if r["value"] in (0, n - 1):
            if "error" in r:
                failures.append(f"{r['call']}({r['param']}={r['value']}) refused a valid index: {r}")
            continue
        if r.get("error") != "IndexError":
            failures.append(f"{r['call']}({r['param']}={r['value']}): expected IndexError, got {r}")
        elif f"0..{n - 1}" not in r["message"] or r["param"] not in r["message"]:
            failures.append(f"{r['call']}({r['param']}={r['value']}): message must name '{r['param']}' and "
                            f"the range 0..{n - 1}: {r['message']!r}")
    assert not failures, "\n".join(failures)
