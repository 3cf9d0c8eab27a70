"""A parameter is declared once: the field tables (models/battery/module_params.cpp, one per
configuration struct) and the module parameter file name the same parameters, each once.

- every entry of models/params/module_4k4pro.yaml (a map with a `source`) belongs to exactly one row
  of the field tables (a row covers its key and, for a multi-level entry such as a protection
  channel, the entries below it), and every row has an entry in the file;
- every entry appears exactly once in `stacksim describe` of the default scenario;
- every row says its unit, range and meaning.
"""

import collections

import yaml

import stacksim
from conftest import ROOT, run_cli

MODULE_FILE = ROOT / "models" / "params" / "module_4k4pro.yaml"


def entries(node, prefix=""):
    """Key paths of the sourced entries ({value..., source}) of a parameter file."""
    out = []
    for key, child in node.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(child, dict) and "source" in child:
            out.append(path)
        elif isinstance(child, dict):
            out += entries(child, path)
        else:
            raise AssertionError(f"{path}: a parameter without a source")
    return out


def within(entry, key):
    return entry == key or entry.startswith(key + ".")


def test_every_module_file_entry_has_exactly_one_field_row_and_every_row_an_entry():
    rows = [f["key"] for f in stacksim.parameter_fields()]
    assert [k for k, n in collections.Counter(rows).items() if n > 1] == []  # each key in one table, once
    file_entries = entries(yaml.safe_load(MODULE_FILE.read_text()))
    for e in file_entries:
        owners = [k for k in rows if within(e, k)]
        assert len(owners) == 1, f"{e}: field rows {owners}"
    for k in rows:
        assert any(within(e, k) for e in file_entries), f"field row {k} has no entry in {MODULE_FILE.name}"


def test_every_module_file_entry_appears_once_in_describe():
    lines = run_cli("describe", ROOT / "scenarios" / "default.yaml").stdout.splitlines()
    described = collections.Counter(line.split(None, 1)[0] for line in lines)
    for e in entries(yaml.safe_load(MODULE_FILE.read_text())):
        assert described[e] == 1, f"{e} appears {described[e]} times in `stacksim describe`"


def test_every_field_row_has_unit_range_and_description():
    for f in stacksim.parameter_fields():
        assert f["unit"] and f["range"] and f["description"], f
