"""Scenarios as Python objects: load from a file or a dict, edit, hand to Simulation."""

from __future__ import annotations

import copy
import json
import math
import os
from typing import Any, Dict, Iterable, List, Optional, Tuple

# Maps whose keys are element names that contain dots (cable and contact names, e.g.
# "cable.pos.m2_m3", "contact.m2.pos.m1"): a dotted edit path below them is
# <map>.<element name>.<field>, the element name being everything between.
_NAMED_MAPS = ("wiring.cables", "wiring.contacts")


# Default size limits, MB (the CLI's --max-input-mb / --max-profile-mb; numeric/input_file.h).
MAX_INPUT_MB = 8
MAX_PROFILE_MB = 512


def _read_limited(path: str, max_mb: float) -> str:
    """A text file of at most max_mb MB; reads at most one byte more, so /dev/zero or a FIFO stops."""
    from . import _core

    limit = math.ceil(max_mb * 1024 * 1024)
    with open(path, "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:
        size = os.stat(path).st_size if os.path.isfile(path) else 0
        what = f"{size} bytes, more" if size else "more"
        mib = 1024 * 1024
        shown = f"{limit // mib} MB" if limit % mib == 0 else f"{limit} bytes"
        raise _core.InputError(f"{path}: {what} than the limit of {shown} for scenario and parameter files "
                               f"(YAML); raise it with max_input_mb= (CLI: --max-input-mb)")
    return data.decode("utf-8")


def _plain(value: Any) -> Any:
    """numpy scalars and arrays as Python numbers and lists (json.dumps' `default`); anything
    else is refused as json.dumps would."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy is a dependency of the package
        np = None
    if np is not None and isinstance(value, np.generic):
        return value.item()
    if np is not None and isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"a scenario value must be a number, string, bool, list or dict (numpy scalars "
                    f"and arrays too), got {type(value).__name__} {value!r}")


def _nonfinite_yaml(x: float) -> str:
    """YAML's spelling of a non-finite float (JSON has none; its NaN and Infinity are YAML strings)."""
    return ".nan" if x != x else (".inf" if x > 0 else "-.inf")


def _json(value: Any, indent: Optional[int] = None, level: int = 0) -> str:
    """Python values as YAML text in JSON's style (JSON is YAML), except that NaN and the
    infinities are written as YAML's .nan, .inf and -.inf: JSON's NaN and Infinity would read
    back as strings. numpy scalars and arrays are taken as numbers and lists."""
    if type(value).__module__ == "numpy":
        value = _plain(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _nonfinite_yaml(value)
    if isinstance(value, (dict, list, tuple)):
        pairs = value.items() if isinstance(value, dict) else None
        parts = [json.dumps(k if isinstance(k, str) else json.dumps(k)) + ": " + _json(v, indent, level + 1)
                 for k, v in pairs] if pairs is not None else [_json(v, indent, level + 1) for v in value]
        o, c = ("{", "}") if pairs is not None else ("[", "]")
        if not parts:
            return o + c
        if indent is None:
            return o + ", ".join(parts) + c
        pad = "\n" + " " * (indent * (level + 1))
        return o + ",".join(pad + x for x in parts) + "\n" + " " * (indent * level) + c
    return json.dumps(value, default=_plain)


def _yaml_value(value: Any) -> str:
    """A Python value as YAML text for a `--set` override."""
    return _json(value)


yaml_text = _yaml_value  # for the other modules of the package (injected events)


def overrides_arg(set_arg: Any) -> List[str]:
    """`set=` as a list of "dotted.path=value" strings: one string is one override (not its
    characters); a list or tuple of strings as it is; anything else a TypeError."""
    if set_arg is None:
        return []
    if isinstance(set_arg, str):
        return [set_arg]
    if isinstance(set_arg, (list, tuple)) and all(isinstance(x, str) for x in set_arg):
        return list(set_arg)
    raise TypeError(f"set: expected a 'dotted.path=value' string or a list of them, got {set_arg!r}")


class Scenario:
    """A scenario (docs/scenarios.md): its YAML text, where it came from, and edits.

    Edits are applied by the C++ loader exactly as the command line's `--set path=value`
    overrides, so validation and error messages are the same as for `stacksim run`.
    A Scenario is a small picklable value: it travels to sweep workers as is.
    """

    def __init__(self, text: str, file: str = "", edits: Optional[Iterable[Tuple[str, Any]]] = None,
                 seed: Optional[int] = None, max_input_mb: float = MAX_INPUT_MB,
                 max_profile_mb: float = MAX_PROFILE_MB):
        self._text = text
        self._file = file
        self._edits: List[Tuple[str, Any]] = list(edits or [])
        self._seed = seed
        self._limits = {"max_input_mb": max_input_mb, "max_profile_mb": max_profile_mb}

    # --- construction ---
    @classmethod
    def from_yaml(cls, path, max_input_mb: float = MAX_INPUT_MB, max_profile_mb: float = MAX_PROFILE_MB) -> "Scenario":
        """Load a scenario file: a path, or a library name such as "default" or "cold_morning"
        (stacksim.scenario_path). Relative file references resolve beside it, as on the CLI.

        max_input_mb / max_profile_mb: the largest YAML file (this one, the parameter files) and
        CSV profile read, in MB, as the CLI's --max-input-mb / --max-profile-mb; a larger file (or
        an endless stream) raises InputError naming the file and the limit.
        """
        from .locate import scenario_path

        p = scenario_path(path)
        return cls(_read_limited(p, max_input_mb), p, max_input_mb=max_input_mb, max_profile_mb=max_profile_mb)

    @classmethod
    def from_dict(cls, d: Dict[str, Any], base_dir: Optional[str] = None) -> "Scenario":
        """A scenario from a dict with the same structure as the YAML file (numpy scalars and
        arrays are taken as numbers and lists).

        base_dir: where relative file references (CSV profiles) resolve (default: the
        repository, as for YAML text).
        """
        text = _json(d, indent=1)  # JSON is YAML
        name = os.path.join(os.path.abspath(base_dir), "<dict>") if base_dir else "<dict>"
        return cls(text, name)

    def copy(self) -> "Scenario":
        return Scenario(self._text, self._file, list(self._edits), self._seed, **self._limits)

    # --- edits ---
    def set(self, path: str, value: Any) -> "Scenario":
        """Set one value at a dotted path, e.g. `set("run.duration_s", 60)` or
        `set("wiring.cables.cable.pos.m2_m3.cross_section_mm2", 16)`. Returns self (chainable).
        Nothing is checked here; the scenario is validated when a Simulation is made from it."""
        if not path or "=" in path:
            raise ValueError(f"invalid scenario path '{path}'")
        self._edits.append((path, value))
        return self

    def update(self, edits: Dict[str, Any]) -> "Scenario":
        """Several `set`s at once: {dotted path: value}."""
        for k, v in edits.items():
            self.set(k, v)
        return self

    @property
    def seed(self) -> Optional[int]:
        return self._seed

    @seed.setter
    def seed(self, value: Optional[int]) -> None:
        """None (the file's seed) or an integer in the scenario key's range (0 .. 2**53 - 1)."""
        from . import _core

        self._seed = _core.check_seed(value)

    @property
    def file(self) -> str:
        return self._file

    @property
    def edits(self) -> List[Tuple[str, Any]]:
        return list(self._edits)

    @property
    def text(self) -> str:
        return self._text

    # --- for the C++ loader ---
    def overrides(self) -> List[str]:
        """The edits as `--set path=value` strings. Edits below wiring.cables / wiring.contacts
        (element names contain dots) become one override of the whole map, merged with the
        file's own entries."""
        plain: Dict[str, str] = {}  # by path: a path set again replaces its earlier edit
        named: Dict[str, Dict[str, Dict[str, Any]]] = {}
        for path, value in self._edits:
            prefix = next((m for m in _NAMED_MAPS if path.startswith(m + ".")), None)
            if prefix is None:
                plain.pop(path, None)
                plain[path] = f"{path}={_yaml_value(value)}"
                continue
            rest = path[len(prefix) + 1:]
            element, dot, field = rest.rpartition(".")
            if not dot or not element:
                # A whole element at once: wiring.cables.<name> = {...}
                element, field = rest, None
            if prefix not in named:
                named[prefix] = copy.deepcopy(self._file_map(prefix))
            entries = named[prefix]
            if field is None:
                entries[element] = value
            else:
                entry = entries.setdefault(element, {})
                if not isinstance(entry, dict):
                    entry = entries[element] = {}
                entry[field] = value
        out = list(plain.values())
        for prefix, entries in named.items():
            out.append(f"{prefix}={_json(entries)}")
        return out

    def _file_map(self, dotted: str) -> Dict[str, Any]:
        node: Any = self._parsed()
        for k in dotted.split("."):
            node = node.get(k) if isinstance(node, dict) else None
        return dict(node) if isinstance(node, dict) else {}

    def _parsed(self) -> Dict[str, Any]:
        import yaml

        d = yaml.safe_load(self._text)
        return d if isinstance(d, dict) else {}

    def to_dict(self) -> Dict[str, Any]:
        """The scenario as a dict with the edits applied (as the loader will see it)."""
        import yaml

        d = self._parsed()
        for o in self.overrides():
            path, _, text = o.partition("=")
            keys = path.split(".")
            node = d
            for k in keys[:-1]:
                if not isinstance(node.get(k), dict):
                    node[k] = {}
                node = node[k]
            node[keys[-1]] = yaml.safe_load(text)
        return d

    def core_args(self) -> Dict[str, Any]:
        """Keyword arguments of stacksim._core.Simulation for this scenario."""
        if self._file and os.path.isfile(self._file) and not self._file.endswith("<dict>"):
            with open(self._file, "rb") as f:
                same = f.read(len(self._text.encode("utf-8")) + 1) == self._text.encode("utf-8")
        else:
            same = False
        return {"path": self._file,
                "yaml_text": "" if same else self._text,
                "set": self.overrides(),
                "seed": self._seed,
                **self._limits}

    def validate(self) -> None:
        """Load and elaborate without running; raises InputError (a ValueError) if invalid."""
        from . import _core

        sim = _core.Simulation(**self.core_args())
        # Take a few electrical steps before the simulation is dropped: finishing (in its
        # destructor) a simulation that never stepped reads per-branch extremes that do not
        # exist yet (reported to the lead; remove once simulation::finish() guards it).
        sim.run_until(min(1.0, sim.duration_s))
        del sim

    def __repr__(self) -> str:
        return f"Scenario({self._file or '<text>'!r}, edits={self._edits!r}, seed={self._seed!r})"

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Scenario) and (self._text, self._file, self._edits, self._seed)
                == (other._text, other._file, other._edits, other._seed))
