"""docs/scenario.schema.json describes the scenario format as the parser accepts it.

- the schema is a valid JSON Schema (draft 2020-12) and every scenario under scenarios/ satisfies it;
- every malformed scenario of the parser's own tests (test_bad_scenarios.CASES, test_expectations.BAD,
  test_parameter_overrides.BAD) is refused by the schema too, except the listed cases it cannot
  express (which it must then accept, so the list stays honest);
- schema and parser agree on key names: two scenarios that use every object of the schema get a
  `bogus_key` added to each map in turn; both refuse it, and the parser's "expected one of" list is
  the schema's list of keys for that map. Conversely each key the schema lists is set to its
  `default` / `examples` value in turn: the schema and `stacksim validate` reach the same verdict,
  and every listed key is accepted by both at least once;
- the per-`stack.modules` bounds (module names and indices, RS485 hops, explicit module elements)
  agree with the rule "index < modules" and with the CLI.

The scenarios are read as YAML 1.2 (as yaml-cpp and editors' YAML language servers do): only
true/false are booleans (PyYAML's YAML 1.1 would turn the key `on:` into True) and 1e6 is a number.
"""

import copy
import json
import re
import textwrap

import pytest
import yaml
from jsonschema import Draft202012Validator

import test_bad_scenarios
import test_expectations
import test_parameter_overrides
from conftest import BUILD, ROOT, run_cli

SCHEMA = json.loads((ROOT / "docs" / "scenario.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 core booleans and floats."""


Yaml12Loader.yaml_implicit_resolvers = {
    k: [r for r in v if r[0] not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:float")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                   list("tTfF"))
Yaml12Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."))


def load(text):
    return yaml.load(text, Loader=Yaml12Loader)


def schema_accepts(text_or_doc):
    """False when the YAML does not load or the schema refuses it."""
    if isinstance(text_or_doc, str):
        try:
            doc = load(text_or_doc)
        except yaml.YAMLError:
            return False
    else:
        doc = text_or_doc
    return VALIDATOR.is_valid(doc)


def cli_validate(tmp_path, doc, name="s.yaml"):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(doc, sort_keys=False))
    return run_cli("validate", p, check=False)


def test_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"


SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))


def test_the_scenario_library_is_found():
    assert len(SCENARIOS) >= 20 and ROOT / "scenarios" / "default.yaml" in SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=[str(p.relative_to(ROOT / "scenarios")) for p in SCENARIOS])
def test_every_scenario_satisfies_the_schema(path):
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(load(path.read_text()))]
    assert not errors, errors


# --------------------------------------------------------------------------------------------
# The parser tests' malformed scenarios

# What the schema cannot express; stacksim validate checks it. Each must be ACCEPTED by the schema
# (the test fails when the schema learns to refuse one: then remove it here).
NOT_EXPRESSIBLE = {
    # test_bad_scenarios.CASES, by id
    ("bad_scenarios", "missing_cell_file"): "a file must exist",
    ("bad_scenarios", "profile_time_goes_back"): "profile times strictly increasing",
    ("bad_scenarios", "unknown_cable_name"): "a cable name must exist in the built wiring",
    ("bad_scenarios", "firmware_missing_library"): "a file must exist",
    ("bad_scenarios", "firmware_config_for_builtin"): "config only with a firmware library (path not builtin)",
    ("bad_scenarios", "firmware_not_a_library"): "the file must be a loadable firmware library",
    ("bad_scenarios", "max_step_not_a_multiple"): "a whole multiple of run.step_s (a bound from another key)",
    ("bad_scenarios", "max_step_below_step"): "at least run.step_s (a bound from another key)",
    # test_expectations.BAD, by (key path, expected message)
    ("expectations", "expectations[0]", "'stack.nothing' matches none"): "a column pattern must match a recorded column",
    ("expectations", "expectations[0]", "matches none"): "a column pattern must match a recorded column",
    ("expectations", "events[0].t_s", "[1e-09, 60]"): "t_s <= run.duration_s (a bound from another key)",
    ("expectations", "events[0].contact", "a contact of the stack's wiring"): "a contact name must exist in the built wiring",
    ("expectations", "events[0].cable", "a cable of the stack's wiring"): "a cable name must exist in the built wiring",
    ("expectations", "events[0].cross_section_mm2", "not in the IEC 60228 class5 table"):
        "the size must be in the IEC table of the cable's class (the class comes from the built wiring)",
    ("expectations", "expectations[0].until_s", "expected a number"): "until_s >= from_s (a bound from another key)",
    # test_parameter_overrides.BAD, by id: a parameter override is checked against the parameter
    # file the scenario names (stack.module_params / cell_params may be any file), not by the schema
    ("parameter_overrides", "unknown_parameter"): "the entry must exist in the parameter file",
    ("parameter_overrides", "out_of_range"): "the parameter file's range for that entry",
    ("parameter_overrides", "wrong_type"): "the parameter file's type for that entry",
    ("parameter_overrides", "table_replaced_by_number"): "the parameter file's structure",
}
# Not listed, since refused: the YAML syntax error of test_bad_scenarios (the YAML loader refuses it,
# as an editor does, before the schema is consulted).


def bad_cases():
    for case_id, text, _key, _expected in test_bad_scenarios.CASES:
        yield ("bad_scenarios", case_id), text
    for extra, key, expected in test_expectations.BAD:
        yield ("expectations", key, expected), test_expectations.BASE + textwrap.dedent(extra)
    for case_id, extra, _key, _expected in test_parameter_overrides.BAD:
        yield ("parameter_overrides", case_id), test_parameter_overrides.BASE + extra


BAD = list(bad_cases())


def test_the_not_expressible_list_names_existing_cases():
    ids = [c[0] for c in BAD]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    assert set(NOT_EXPRESSIBLE) <= set(ids)
    assert len(BAD) >= 55  # the three tables (22 + 28 + 6 cases when written)


@pytest.mark.parametrize("case,text", BAD, ids=["/".join(c[0]) for c in BAD])
def test_malformed_scenarios_are_refused_by_the_schema_too(case, text):
    if case in NOT_EXPRESSIBLE:
        assert schema_accepts(text), f"the schema now refuses {case}: remove it from NOT_EXPRESSIBLE"
    else:
        assert not schema_accepts(text)


# --------------------------------------------------------------------------------------------
# Key names and values: the schema against `stacksim validate`

# Scenarios that together use every object of the schema (all valid).
FULL = [textwrap.dedent("""\
    name: every_key_profile_loop
    description: every key of the battery-power form
    seed: 7
    run: {duration_s: 120, step_s: 0.1, max_step_s: 0.5, record_every: 10, record_cells: true, vcd: false, bus_logs: false, hdf5: false}
    stack:
      modules: 3
      cell_params: models/params/lfp_cell_100ah.yaml
      module_params: models/params/module_4k4pro.yaml
      initial_soc_pct: 60
      initial_temp_c: 25
      module: {m1: {initial_soc_pct: 55, initial_temp_c: 20, bms_soc_pct: 60}}
      first_start: false
      firmware:
        default: builtin
        m0: {path: "@FW_PROBE@", config: {greeting: hi, period_ms: 100}}
        isolation: process
        watchdog_s: 2
        i2c_hz: 400000
        nv_dir: nv
    wiring:
      topology: loop
      port: current
      inter_module_cable: {length_m: 1, cross_section_mm2: 35, class: class5}
      inverter_cable: {length_m: 2}
      busbar_cable: {length_m: 1}
      cables: {cable.pos.m0_m1: {length_m: 1.5}}
      contacts: {contact.m1.pos.m0: {torque_nm: 10, loosening_time_s: 0}}
    inverter:
      profile: well_behaved
      protocol: pylontech
      battery_power_w: {interpolation: step, points: [[0, 0], [5, -2000]], period_s: 100}
      grid_import_limit_w: 6000
      grid_export_limit_w: 5000
      efficiency: {power_w: [0, 5000], efficiency: [0.95, 0.97], source: "assumed: test"}
      control_period_s: 0.1
      heartbeat_period_s: 1
      battery_timeout_s: 60
      cv_gain_a_per_v: 20
      battery_side: {message_set: pylontech_v12, manufacturer: WECO, heartbeat_timeout_s: 10, heartbeat_reaction: event,
                     identification: cyclic}
    environment:
      ambient_c: {points: [[0, 20], [60, 25]], interpolation: linear}
    buses: {rs485_baud: 9600, can_bitrate_bps: 500000}
    events:
      - {t_s: 10, action: contact_torque, contact: contact.m1.pos.m0, torque_nm: 5}
      - {t_s: 11, action: contact_loosening, contact: contact.m1.pos.m0, loosening_time_s: 3600}
      - {t_s: 12, action: rs485_hop_cut, hop: 1, cut: true}
      - {t_s: 13, action: rs485_noise, frames: 2}
      - {t_s: 14, action: can_errors, frames: 2}
      - {t_s: 15, action: can_drop, frames: 2}
      - {t_s: 16, action: can_node, node: battery, online: true}
      - {t_s: 17, action: open_wire, module: 2, cell: 15, open: false}
      - {t_s: 18, action: ntc_stuck, module: 1, sensor: 3, stuck: false}
      - {t_s: 19, action: ntc_drift, module: 1, sensor: 0, k_per_s: 0.01}
      - {t_s: 20, action: module_power, module: 2, on: true}
      - {t_s: 21, action: inverter_power_w, value: 1500}
      - {t_s: 22, action: cell_short, module: 0, cell: 3, r_ohm: 100, on: true}
      - {t_s: 23, action: run_button, module: 2, press_s: 1}
      - {t_s: 24, action: cable_change, cable: cable.pos.m0_m1, length_m: 2, cross_section_mm2: 35}
      - {t_s: 25, action: switch_welded, module: 1, on: true}
      - {t_s: 26, action: bus_short, r_ohm: 10, on: true}
    expectations:
      - {name: max, max: stack.voltage_v, at_most: 100, from_s: 0, until_s: 120, while: {column: stack.dcl_a, at_least: 0}}
      - {name: min, min: stack.voltage_v, at_least: 0}
      - name: reaches
        reaches: {column: stack.voltage_v, at_least: 0}
        before: {column: stack.voltage_v, at_most: -1}
        while: {column: stack.voltage_v, at_most: 1000}
      - {name: share, share: {module: 2, within_pct: 1000, min_current_a: 1}, while: {column: stack.voltage_v, at_least: 0}}
      - {name: event, event: {source: "*", kind: "*", contains: "", count: 1}}
      - {name: no_event, no_event: {source: nobody, kind: nothing, contains: x}}
    parameters:
      module: {bms.limits.ccl_a: {value: 40, source: "test"}}
      cell: {module_thermal: {case_to_ambient_w_per_k: 7.5}}
      wiring: {defaults.terminal_torque_nm: 12}
      inverter: {limits.charge_rule: honour}
    aging: {window_s: 60, span_days: 1}
    maintenance: {inspect_every_days: 90, retorque_nm: {terminal: 14, busbar: 40}, found_loose_below_pct: 80,
                  resistance_limit_pct: 1000}
    """), textwrap.dedent("""\
    name: every_key_site_explicit
    stack: {modules: 2, first_start: true}
    run: {duration_s: 60, realtime: true, behind_warn_s: 0.1, control: "tcp:127.0.0.1:0"}
    can: {bridge: "socketcand:127.0.0.1:0", external: inverter}
    wiring:
      topology: explicit
      port: power
      elements:
        - {kind: inverter, name: inverter.port, a: inv.pos, b: inv.neg}
        - {kind: module, name: m0, a: m0.pos, b: m0.neg}
        - {kind: module, name: m1, a: m1.pos, b: m1.neg}
        - {kind: contact, name: contact.m0.pos, a: m0.pos, b: lug0, torque_nm: 14, location: terminal, loosening_time_s: 0}
        - {kind: cable, name: cable.pos.inv_m0, a: lug0, b: inv.pos, length_m: 2, cross_section_mm2: 35, class: class5}
        - {kind: resistor, name: link.pos, a: m0.pos, b: m1.pos, r_ohm: 0.001}
        - {kind: resistor, name: link.neg, a: m0.neg, b: m1.neg, r_ohm: 0.001}
        - {kind: switch, name: tie, a: m1.neg, b: inv.neg, r_ohm: 0.0001, closed: true}
    inverter:
      protocol: sma
      pv_w: {points: [[0, 0], [30, 3000]]}
      load_w: {csv: scenarios/profiles/example_day.csv, column: load_w}
      tou_charge_w: 0
      request_charge_w: 0
      grid_import_limit_w: 6000
    environment:
      ambient_c: {csv: scenarios/profiles/example_day.csv, column: ambient_c, time_column: t_s, interpolation: step}
    events:
      - {t_s: 5, action: inverter_power_w, value: profile}
      - {t_s: 6, action: cell_short, module: 1, cell: 0, on: false}
      - {t_s: 7, action: can_node, node: inverter, online: false}
      - {t_s: 8, action: bus_short, on: false}
    """), textwrap.dedent("""\
    name: every_key_csv_profile
    description: the CSV form of the battery-power profile (the site and ambient forms are above)
    run: {duration_s: 60}
    stack: {modules: 2}
    inverter:
      battery_power_w: {csv: scenarios/profiles/example_day.csv, column: battery_power_w, interpolation: linear}
    """), textwrap.dedent("""\
    name: every_key_wallclock
    description: the host sides of the buses, in wall-clock mode (validate opens them on free loopback ports)
    run: {duration_s: 60, realtime: 1}
    stack: {modules: 2}
    inverter: {battery_power_w: 0}
    can: {bridge: "socketcand:0", external: none}
    rs485: {bridge: "tcp:0@link"}
    """), textwrap.dedent("""\
    name: every_key_rs485_inverter
    description: an inverter profile by path, speaking Pylontech LV RS485 to the master
    run: {duration_s: 60}
    stack: {modules: 3}
    inverter: {profile: models/params/inverters/deye_lv.yaml, protocol: pylontech_rs485, battery_power_w: 0}
    """)]
# A firmware library that exists (the probe the firmware tests build): validate loads it.
FULL = [text.replace("@FW_PROBE@", str(BUILD / "tests" / "firmware" / "fw_probe.so")) for text in FULL]

# Maps whose keys are names, not a fixed list: stack.module (m0, m1, ...: the parser refuses a
# name outside the stack, not an "unknown key"), wiring.cables / wiring.contacts (names that must
# exist in the built wiring), a firmware's config entries (its own keys) and everything under
# parameters.<file> (paths of the parameter file).
NAME_KEYED = [("stack", "module"), ("wiring", "cables"), ("wiring", "contacts"),
              ("stack", "firmware", "m0", "config")]


def maps(node, path=()):
    """(path, map) for every map of a scenario that the parser guards with a fixed key list."""
    if isinstance(node, dict):
        if path not in NAME_KEYED:
            yield path, node
        if path == ("parameters",):
            return  # below: parameter paths and values, checked against the parameter files
        for k, v in node.items():
            yield from maps(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from maps(v, path + (i,))


def at(doc, path):
    for k in path:
        doc = doc[k]
    return doc


def dotted(path):
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else ("." if out else "") + k
    return out


def all_errors(errors):
    for e in errors:
        yield e
        yield from all_errors(e.context or [])


def schema_object_for(doc, path):
    """The schema object (with `properties` and additionalProperties: false) that applies to the
    map at path: the one refusing a bogus key there while accepting the map as it is."""
    mutated = copy.deepcopy(doc)
    at(mutated, path)["bogus_key"] = 1
    node = at(doc, path)
    found = []
    for e in all_errors(VALIDATOR.iter_errors(mutated)):
        if e.validator == "additionalProperties" and list(e.absolute_path) == list(path) and \
                VALIDATOR.evolve(schema=e.schema).is_valid(node):
            if all(e.schema is not f for f in found):
                found.append(e.schema)
    return mutated, found


def resolve(sub):
    while "$ref" in sub:
        sub = at(SCHEMA, sub["$ref"].lstrip("#/").split("/"))
    return sub


def sample_value(prop):
    """A value for a schema property from its own default / examples / const / enum, if it has one."""
    for s in (prop, resolve(prop)):
        if "default" in s:
            return True, s["default"]
        if "examples" in s:
            return True, s["examples"][0]
        if "const" in s:
            return True, s["const"]
        if "enum" in s:
            return True, s["enum"][0]
    s = resolve(prop)
    if s.get("type") in ("number", "integer") and "minimum" in s and "maximum" in s:
        return True, min(max(0, s["minimum"]), s["maximum"])
    if s.get("type") == "boolean":
        return True, False
    return False, None


def closed_objects(node, out):
    """Every object schema in the schema file that lists its keys and refuses others."""
    if isinstance(node, dict):
        if node.get("additionalProperties") is False and "properties" in node:
            out.append(node)
        for v in node.values():
            closed_objects(v, out)
    elif isinstance(node, list):
        for v in node:
            closed_objects(v, out)
    return out


# Sample values the schema accepts and stacksim validate refuses, for a reason the schema cannot
# express (path in the full scenarios: words of the parser's message).
CROSS_KEY_SAMPLES = {
    # points [[0, 0], [5, -3000], [1205, 0]] with period_s: 100: the period must cover the points
    "inverter.battery_power_w.points": "expected a period of at least the last point's time",
    # window_s 86400 with run.duration_s 120: the window must lie within [step_s, duration_s] and divide it
    "aging.window_s": "expected a number in [0.1, 120]",
    # max_step_s 0.001 with run.step_s 0.1: at least step_s, a whole multiple of it
    "run.max_step_s": "expected a number in [0.1, 3600]",
    # names that must exist in the built wiring (here an explicit netlist without them)
    "wiring.cables": "matches no cable",
    "wiring.contacts": "matches no contact",
    # a second element named m0: names must be unique
    "wiring.elements[2].name": "already exists",
}

EXPECTATION_KINDS = SCHEMA["$defs"]["expectation"]["oneOf"]


def test_full_scenarios_are_valid_for_both(tmp_path):
    for i, text in enumerate(FULL):
        doc = load(text)
        assert VALIDATOR.is_valid(doc), [e.message for e in VALIDATOR.iter_errors(doc)]
        proc = cli_validate(tmp_path, doc, f"full{i}.yaml")
        assert proc.returncode == 0, proc.stderr


def test_schema_and_parser_agree_on_every_key(tmp_path):
    reached = []          # schema objects met in the full scenarios
    accepted = set()      # (id(schema object), key) accepted by both
    offered = set()       # (id(schema object), key) that have a sample value
    disagreements = []
    n_bogus = n_samples = 0
    for i, text in enumerate(FULL):
        doc = load(text)
        for path, node in maps(doc):
            mutated, objects = schema_object_for(doc, path)
            assert len(objects) == 1, (dotted(path), len(objects))
            obj = objects[0]
            reached.append(obj)
            keys = list(obj["properties"])
            # 1. a key the schema does not list: both refuse it, and the parser's list is the schema's
            assert not VALIDATOR.is_valid(mutated), dotted(path)
            proc = cli_validate(tmp_path, mutated, f"bogus{i}.yaml")
            n_bogus += 1
            assert proc.returncode == 2, proc.stderr
            key = dotted(path + ("bogus_key",))
            m = re.search(re.escape(f"key '{key}': unknown key, expected one of: ") + r"(.*)$", proc.stderr, re.M)
            assert m, (key, proc.stderr)
            parser_keys = sorted(m.group(1).split(", "))
            if any(obj is b for b in EXPECTATION_KINDS):
                # the parser allows the keys of every kind, then refuses those foreign to the kind
                assert parser_keys == sorted({k for b in EXPECTATION_KINDS for k in b["properties"]})
            else:
                assert parser_keys == sorted(keys), dotted(path)
            # 2. every listed key set to its sample value: the same verdict from both
            for k in keys:
                if k in node:
                    accepted.add((id(obj), k))
                has, value = sample_value(obj["properties"][k])
                if not has:
                    continue
                offered.add((id(obj), k))
                if k in node and node[k] == value:
                    continue
                sample = copy.deepcopy(doc)
                at(sample, path)[k] = value
                schema_ok = VALIDATOR.is_valid(sample)
                proc = cli_validate(tmp_path, sample, f"sample{i}.yaml")
                n_samples += 1
                assert proc.returncode in (0, 2), proc.stderr
                if schema_ok != (proc.returncode == 0):
                    disagreements.append((dotted(path + (k,)), value, schema_ok, proc.stderr.strip()))
                elif schema_ok:
                    accepted.add((id(obj), k))
    # the schema accepts, the parser refuses: only the cross-key checks the schema cannot express
    assert all(schema_ok for _, _, schema_ok, _ in disagreements), disagreements
    assert {d[0] for d in disagreements} == set(CROSS_KEY_SAMPLES), "\n".join(map(repr, disagreements))
    for path, _, _, message in disagreements:
        assert CROSS_KEY_SAMPLES[path] in message, (path, message)
    # the two scenarios reach every closed object of the schema ...
    missed = [o.get("title", o.get("description")) for o in closed_objects(SCHEMA, [])
              if all(o is not r for r in reached)]
    assert not missed, missed
    # ... and every key the schema lists is accepted by both at least once
    never = [(o.get("title", o.get("description")), k) for o in closed_objects(SCHEMA, []) for k in o["properties"]
             if (id(o), k) not in accepted]
    assert not never, never
    assert n_bogus >= 50 and n_samples >= 100, (n_bogus, n_samples)


def per_module_count_cases():
    """(modules, mutation, valid by the rule 'module index < modules, hop index < modules - 1')."""
    for n in range(1, 17):
        for m in (n - 1, n):
            yield n, {"stack": {"module": {f"m{m}": {"initial_soc_pct": 40}}}}, m < n
            yield n, {"events": [{"t_s": 1, "action": "open_wire", "module": m, "cell": 0}]}, m < n
            yield n, {"expectations": [{"name": "s", "share": {"module": m, "within_pct": 5}}]}, m < n
        for h in (n - 2, n - 1):
            if h >= 0:
                yield n, {"events": [{"t_s": 1, "action": "rs485_hop_cut", "hop": h}]}, h < n - 1


def test_module_bounds_follow_stack_modules(tmp_path):
    cases = list(per_module_count_cases())
    for n, mutation, valid in cases:
        doc = {"name": "n", "run": {"duration_s": 10}, "stack": {"modules": n}, "inverter": {"battery_power_w": 0}}
        for k, v in mutation.items():
            doc[k] = {**doc[k], **v} if isinstance(v, dict) else v
        assert VALIDATOR.is_valid(doc) == valid, (n, mutation)
        proc = cli_validate(tmp_path, doc)
        assert proc.returncode == (0 if valid else 2), (n, mutation, proc.stderr)
    assert len(cases) == 16 * 6 + 15 * 2 + 1


def test_explicit_netlist_needs_one_module_element_per_module_and_one_inverter(tmp_path):
    doc = load(FULL[1])
    elements = doc["wiring"]["elements"]
    extra_module = {"kind": "module", "name": "m2", "a": "m0.pos", "b": "m0.neg"}
    extra_inverter = {"kind": "inverter", "name": "inverter2", "a": "inv.pos", "b": "inv.neg"}
    for changed in ([e for e in elements if e["name"] != "m1"], elements + [extra_module],
                    [e for e in elements if e["kind"] != "inverter"], elements + [extra_inverter]):
        bad = copy.deepcopy(doc)
        bad["wiring"]["elements"] = changed
        assert not VALIDATOR.is_valid(bad)
        assert cli_validate(tmp_path, bad).returncode == 2


def bounds(s):
    """(value, inside) pairs at and just beyond a numeric schema's minimum and maximum."""
    integer = s.get("type") == "integer"
    for key, sign in (("minimum", -1), ("maximum", 1)):
        if key in s:
            b = s[key]
            step = 1 if integer else max(abs(b) * 1e-6, 1e-12)
            yield b, True
            yield b + sign * step, False


# Bounds the schema cannot place exactly, as they come from another key (path in the full scenarios:
# words of the parser's message). The schema accepts these values, stacksim validate refuses them.
CROSS_KEY_BOUNDS = {
    "run.duration_s": "expected a number in",         # events' t_s and aging.window_s must fit in it
    "aging.window_s": "expected a number in",         # within [run.step_s, run.duration_s], dividing it
    "run.step_s": "expected a number in",             # run.max_step_s must be at least step_s
    "run.max_step_s": "expected a number in",         # >= run.step_s, a whole multiple of it
    "events[*].t_s": "expected a number in [1e-09",   # <= run.duration_s
    "expectations[*].from_s": "expected a number in",  # until_s >= from_s
    "inverter.battery_power_w.period_s": "expected a period of at least the last point's time",
    # from the module parameter file, which this scenario names (stack.module_params): the schema
    # bounds cell and NTC indices by the default file's 16 cells and 4 NTCs only without one
    "events[*].cell": "expected an integer in [0, 15]",
    "events[*].sensor": "expected an integer in [0, 3]",
    # an AFE fault (open_wire, ntc_*) at m0, which runs a firmware (its BQ76952 has no such faults)
    "events[*].module": "a module with the builtin BMS",
    # a size of the IEC 60228 table of the cable's conductor class (class ideal takes any)
    "events[*].cross_section_mm2": "is not in the IEC 60228 class5 table",
    "wiring.inter_module_cable.cross_section_mm2": "is not in the IEC 60228 class5 table",
    "wiring.elements[*].cross_section_mm2": "is not in the IEC 60228 class5 table",
}


def test_schema_and_parser_agree_on_every_range(tmp_path):
    disagreements = []
    seen = set()
    n = 0
    for i, text in enumerate(FULL):
        doc = load(text)
        for path, node in maps(doc):
            _, (obj,) = schema_object_for(doc, path)
            for k, prop in obj["properties"].items():
                s = {**resolve(prop), **{x: y for x, y in prop.items() if x != "$ref"}}
                if s.get("type") not in ("number", "integer") or k not in node:
                    continue
                for value, inside in bounds(s):
                    sample = copy.deepcopy(doc)
                    at(sample, path)[k] = value
                    schema_ok = VALIDATOR.is_valid(sample)
                    if not inside:
                        assert not schema_ok, (dotted(path + (k,)), value)
                    proc = cli_validate(tmp_path, sample, f"range{i}.yaml")
                    n += 1
                    seen.add((id(obj), k))
                    if schema_ok != (proc.returncode == 0):
                        where = re.sub(r"\[\d+\]", "[*]", dotted(path + (k,)))
                        disagreements.append((where, value, schema_ok, proc.stderr.strip()))
    assert all(schema_ok for _, _, schema_ok, _ in disagreements), disagreements
    assert {d[0] for d in disagreements} == set(CROSS_KEY_BOUNDS), "\n".join(map(repr, disagreements))
    for where, _, _, message in disagreements:
        assert CROSS_KEY_BOUNDS[where] in message, (where, message)
    assert n >= 200, n
