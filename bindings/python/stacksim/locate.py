"""Where things are: the scenario library of the checkout this build came from, scenario names
resolved from any working directory, and which build of stacksim is imported."""

from __future__ import annotations

import os
from typing import Dict, List

from . import _core


def version() -> str:
    """stacksim's version (the same as `stacksim --version`)."""
    return _core.version()


def source_dir() -> str:
    """The repository this build was configured from."""
    return _core.source_dir()


def scenarios_dir() -> str:
    """The scenario library of that repository (absolute): default.yaml, library/, cable_loss/."""
    return os.path.join(source_dir(), "scenarios")


def _candidates(name: str) -> List[str]:
    found = [name]
    for base in (scenarios_dir(), os.path.join(scenarios_dir(), "library"), source_dir()):
        found += [os.path.join(base, name), os.path.join(base, name + ".yaml")]
    return found


def scenario_path(name) -> str:
    """The scenario file `name` stands for, as an absolute path. In this order: a file at `name`
    (absolute, or relative to the working directory); then `name` or `name`.yaml in
    scenarios_dir(), in scenarios_dir()/library and in the repository root. So "default",
    "cold_morning", "cable_loss/manual_cables" and "scenarios/default.yaml" work from anywhere.
    FileNotFoundError names every place looked at."""
    name = os.fspath(name)
    # What the caller named is taken as it is if it exists at all (a device or a FIFO too: the
    # reader's size limit then judges it); library names only ever match regular files.
    if name and os.path.exists(name) and not os.path.isdir(name):
        return os.path.abspath(name)
    tried = list(dict.fromkeys(_candidates(name))) if name else []
    for p in tried:
        if os.path.isfile(p):
            return os.path.abspath(p)
    raise FileNotFoundError(f"no scenario '{name}': looked for " + ", ".join(tried) +
                            f" (library names are listed under {scenarios_dir()})")


def build_info() -> Dict[str, str]:
    """Which stacksim this is: version, the package directory imported (a build's python/stacksim),
    the compiled core and the repository it was built from. Several checkouts on one machine:
    this tells which one `import stacksim` found (see README.md, "Python")."""
    here = os.path.dirname(os.path.abspath(__file__))
    return {"version": version(), "package_dir": here, "core": os.path.abspath(_core.__file__),
            "source_dir": source_dir()}
