"""A parameter is declared once: the field tables (one per configuration struct, in
models/battery/module_params.cpp, models/numeric/cell_params.cpp and models/numeric/wiring_params.cpp)
and the parameter files name the same parameters, each once.

For each of the four kinds of file (module_4k4pro.yaml, lfp_cell_100ah.yaml, wiring_default.yaml and
every inverter behaviour profile in models/params/inverters/):
- every entry of the file (a map with a `source`) belongs to exactly one row of that file's field
  tables (a row covers its key and, for a multi-level entry such as a protection channel, the
  entries below it), and every row has an entry in the file;
- every entry appears exactly once in `stacksim describe` of the default scenario (the default
  inverter profile's under "inverter.");
- every row says its unit, range and meaning.
"""

import collections

import pytest
import yaml

import stacksim
from conftest import ROOT, run_cli

PARAMS = ROOT / "models" / "params"
FILES = {"module": PARAMS / "module_4k4pro.yaml", "cell": PARAMS / "lfp_cell_100ah.yaml",
         "wiring": PARAMS / "wiring_default.yaml", "inverter": PARAMS / "inverters" / "well_behaved.yaml"}
PROFILES = sorted((PARAMS / "inverters").glob("*.yaml"))
# How `stacksim describe` names a file's entries.
DESCRIBE_PREFIX = {"inverter": "inverter."}
# Keys of a file that are not parameters (no value with a source): the cell set's name, and the
# name of the aging model its aging constants belong to (a choice the reader checks).
NOT_PARAMETERS = {"cell": {"description", "aging.model"}}


def entries(node, file, prefix=""):
    """Key paths of the sourced entries ({value..., source}) of a parameter file."""
    out = []
    for key, child in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if path in NOT_PARAMETERS.get(file, ()):
            continue
        if isinstance(child, dict) and "source" in child:
            out.append(path)
        elif isinstance(child, dict):
            out += entries(child, file, path)
        else:
            raise AssertionError(f"{path}: a parameter without a source")
    return out


def file_entries(file):
    return entries(yaml.safe_load(FILES[file].read_text()), file)


def within(entry, key):
    return entry == key or entry.startswith(key + ".")


def test_parameter_fields_cover_the_four_files():
    assert {f["file"] for f in stacksim.parameter_fields()} == set(FILES)


@pytest.mark.parametrize("file", sorted(FILES))
def test_every_file_entry_has_exactly_one_field_row_and_every_row_an_entry(file):
    rows = [f["key"] for f in stacksim.parameter_fields() if f["file"] == file]
    assert rows
    assert [k for k, n in collections.Counter(rows).items() if n > 1] == []  # each key in one table, once
    found = file_entries(file)
    for e in found:
        owners = [k for k in rows if within(e, k)]
        assert len(owners) == 1, f"{e}: field rows {owners}"
    for k in rows:
        assert any(within(e, k) for e in found), f"field row {k} has no entry in {FILES[file].name}"


@pytest.mark.parametrize("file", sorted(FILES))
def test_every_file_entry_appears_once_in_describe(file):
    lines = run_cli("describe", ROOT / "scenarios" / "default.yaml").stdout.splitlines()
    described = collections.Counter(line.split(None, 1)[0] for line in lines)
    for e in file_entries(file):
        e = DESCRIBE_PREFIX.get(file, "") + e
        assert described[e] == 1, f"{e} appears {described[e]} times in `stacksim describe`"


def test_the_five_profiles_ship_and_each_has_every_entry_of_the_default():
    assert {p.stem for p in PROFILES} >= {"deye_lv", "solis_lv", "sma_sbs", "victron_dvcc", "well_behaved"}
    default = file_entries("inverter")
    rows = [f["key"] for f in stacksim.parameter_fields() if f["file"] == "inverter"]
    for p in PROFILES:
        found = entries(yaml.safe_load(p.read_text()), "inverter")
        assert found == default, p.name  # the same entries, in the same order
        for e in found:
            assert len([k for k in rows if within(e, k)]) == 1, f"{p.name}: {e}"


def test_every_field_row_has_unit_range_and_description():
    for f in stacksim.parameter_fields():
        assert f["unit"] and f["range"] and f["description"], f
