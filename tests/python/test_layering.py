"""The layers of docs/architecture.md, checked on the sources' #include lines.

Every project include ("numeric/cell_params.h", "tlm/rs485_chain.h", ...) is resolved as the
build resolves it (models/, bus/ and base/ are the include roots) and followed, so a header that
reaches SystemC through another header counts as including it:

- base/ includes no project header at all;
- the numeric core (models/numeric/), the wire protocols (bus/protocol/) and the host I/O
  contracts (bus/host/) never reach SystemC or TLM;
- no model includes the runner (models/sim/): only models/sim/ itself does;
- models/sim/scenario.h and the configuration headers (every *_config.h, module_params.h) are
  SystemC-free, so the scenario reader, tools and bindings can use them without a kernel.

A positive control (stack.h does reach SystemC) keeps the walker honest.
"""

import re

import pytest

from conftest import ROOT

INCLUDE_ROOTS = [ROOT / "models", ROOT / "bus", ROOT / "base"]
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)
SYSTEMC = re.compile(r"^(systemc(\.h)?|tlm(\.h)?|tlm_utils/.*|sysc/.*|tlm_core/.*)$")
SOURCES = sorted(p for root in INCLUDE_ROOTS for p in root.rglob("*") if p.suffix in (".h", ".cpp"))


def resolve(including, name):
    """The project file a quoted include names, or None (a system header)."""
    for base in [including.parent, *INCLUDE_ROOTS]:
        p = base / name
        if p.is_file():
            return p.resolve()
    return None


def closure(path):
    """(project files reached, system headers reached) from path, path included."""
    seen, system, todo = set(), set(), [path.resolve()]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        for kind, name in INCLUDE.findall(p.read_text(errors="replace")):
            target = resolve(p, name) if kind == '"' else None
            if target is None:
                system.add(name)
            else:
                todo.append(target)
    return seen, system


def systemc_path(path):
    """One include chain from path to a SystemC header, or None."""
    parents, todo = {path.resolve(): None}, [path.resolve()]
    while todo:
        p = todo.pop(0)
        for kind, name in INCLUDE.findall(p.read_text(errors="replace")):
            if kind == "<" and SYSTEMC.match(name):
                chain, q = [f"<{name}>"], p
                while q is not None:
                    chain.append(str(q.relative_to(ROOT)))
                    q = parents[q]
                return " <- ".join(chain)
            target = resolve(p, name) if kind == '"' else None
            if target is not None and target not in parents:
                parents[target] = p
                todo.append(target)
    return None


def rel(p):
    return str(p.relative_to(ROOT))


def test_the_sources_are_found():
    names = {rel(p) for p in SOURCES}
    assert {"models/sim/scenario.h", "models/numeric/cell_params.h", "bus/protocol/pylon_can.cpp"} <= names
    assert len(SOURCES) > 100


def test_the_perf_registry_stands_in_base():
    """base/perf/perf_registry.h holds the timers and counters of `run --profile`, used by every
    layer from the numeric core and the bus protocols up: base/ is the one place all may include."""
    reg = ROOT / "base" / "perf" / "perf_registry.h"
    assert reg in SOURCES
    users = {rel(p) for p in SOURCES if reg.resolve() in closure(p)[0] and p != reg}
    assert {"models/numeric/stack_plant.cpp", "bus/protocol/pylon_can.cpp", "bus/tlm/can_bus.cpp",
            "models/battery/afe.cpp", "models/sim/output_files.cpp"} <= users, sorted(users)


def test_the_walker_finds_systemc_where_it_is():
    chain = systemc_path(ROOT / "models" / "stack" / "stack.h")
    assert chain and chain.startswith("<systemc>"), chain
    _, system = closure(ROOT / "models" / "battery" / "bms.cpp")
    assert "systemc" in system


SYSTEMC_FREE_FOLDERS = ["base", "models/numeric", "bus/protocol", "bus/host"]


def test_base_stands_below_everything():
    files = [p for p in SOURCES if rel(p).startswith("base/")]
    assert files
    for p in files:
        seen, _ = closure(p)
        assert seen == {p.resolve()}, (rel(p), sorted(map(rel, seen)))


@pytest.mark.parametrize("folder", SYSTEMC_FREE_FOLDERS)
def test_lower_layers_never_reach_systemc(folder):
    files = [p for p in SOURCES if rel(p).startswith(folder + "/")]
    assert files, folder
    reached = [c for c in map(systemc_path, files) if c]
    assert not reached, reached


def test_no_model_includes_the_runner():
    sim = (ROOT / "models" / "sim").resolve()
    offenders = []
    for p in SOURCES:
        if rel(p).startswith("models/sim/"):
            continue
        seen, _ = closure(p)
        offenders += [f"{rel(p)} reaches {rel(q)}" for q in seen if sim in q.parents]
    assert not offenders, offenders


CONFIG_HEADERS = sorted({p for p in SOURCES if p.name.endswith("_config.h")} |
                        {ROOT / "models" / "sim" / "scenario.h", ROOT / "models" / "battery" / "module_params.h"})


@pytest.mark.parametrize("header", CONFIG_HEADERS, ids=[rel(p) for p in CONFIG_HEADERS])
def test_scenario_and_configuration_headers_are_systemc_free(header):
    assert systemc_path(header) is None, systemc_path(header)


def test_the_configuration_headers_are_found():
    names = {p.name for p in CONFIG_HEADERS}
    assert {"scenario.h", "stack_config.h", "inverter_config.h", "battery_module_config.h", "afe_config.h",
            "bms_config.h", "stack_master_config.h", "can_link_config.h", "rs485_chain_config.h"} <= names


def fw_host_sources():
    """The sources of the SystemC-free firmware host library, as models/CMakeLists.txt lists them."""
    text = (ROOT / "models" / "CMakeLists.txt").read_text()
    block = re.search(r"add_library\(stacksim_fw_host STATIC(.*?)\)", text, re.S)
    assert block, "stacksim_fw_host is declared in models/CMakeLists.txt"
    cpps = [ROOT / "models" / s for s in block.group(1).split()]
    return cpps + [p.with_suffix(".h") for p in cpps if p.with_suffix(".h").is_file()]


# The firmware host's loading, RPC and child process, and the BQ76952's command interface, are
# plain C++ (the fuzz harnesses build them without a kernel); firmware_bms and bq76952 are the
# SystemC sides.
SYSTEMC_FREE_FILES = fw_host_sources() + [ROOT / "models" / "firmware" / "stacksim_fw.h",
                                          ROOT / "models" / "battery" / "bq76952_registers.cpp",
                                          ROOT / "models" / "battery" / "bq76952_trm.h"]


@pytest.mark.parametrize("path", SYSTEMC_FREE_FILES, ids=[rel(p) for p in SYSTEMC_FREE_FILES])
def test_firmware_host_and_chip_logic_never_reach_systemc(path):
    assert path.is_file(), rel(path)
    assert systemc_path(path) is None, systemc_path(path)
