"""`import stacksim` from anywhere: the README's one-liner works from any directory, library
scenarios are found by name, the package says which build it is, and tools/install_pth.sh
(called by tools/build.sh) never silently points /usr/bin/python3 at another checkout's build."""

import os
import pathlib
import re
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT

import stacksim

PTH_SCRIPT = ROOT / "tools" / "install_pth.sh"


def _env(**extra):
    return dict(os.environ, PYTHONPATH=str(BUILD / "python"), SYSTEMC_DISABLE_COPYRIGHT_MESSAGE="1", **extra)


def test_readme_one_liner_works_from_another_directory(tmp_path):
    readme = (ROOT / "README.md").read_text()
    lines = [x for x in readme.splitlines() if x.startswith('/usr/bin/python3 -c "import stacksim')]
    assert len(lines) == 1, lines
    p = subprocess.run(lines[0], shell=True, cwd=str(tmp_path), env=_env(), capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    numbers = re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", p.stdout)
    assert len(numbers) >= 5, p.stdout


def test_library_scenarios_resolve_by_name_from_any_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    d = pathlib.Path(stacksim.scenarios_dir())
    assert d.is_absolute() and d == ROOT / "scenarios"
    assert stacksim.scenario_path("default") == str(ROOT / "scenarios" / "default.yaml")
    assert stacksim.scenario_path("cold_morning") == str(ROOT / "scenarios" / "library" / "cold_morning.yaml")
    assert stacksim.scenario_path("cable_loss/manual_cables") == str(ROOT / "scenarios" / "cable_loss" /
                                                                     "manual_cables.yaml")
    assert stacksim.scenario_path("scenarios/default.yaml") == str(ROOT / "scenarios" / "default.yaml")
    # A file in the working directory comes first.
    (tmp_path / "default.yaml").write_text((ROOT / "scenarios" / "default.yaml").read_text())
    assert stacksim.scenario_path("default.yaml") == str(tmp_path / "default.yaml")
    with pytest.raises(FileNotFoundError, match=r"no_such_scenario.*scenarios"):
        stacksim.scenario_path("no_such_scenario")
    r = stacksim.run("default", set=["run.duration_s=2"])
    assert r.summary["scenario"] == "default" and r.t_s[-1] == pytest.approx(2.0)
    assert stacksim.Scenario.from_yaml("cold_morning").file == str(ROOT / "scenarios" / "library" /
                                                                     "cold_morning.yaml")
    assert stacksim.Simulation("default").duration_s > 0


def test_the_package_says_which_build_it_is():
    info = stacksim.build_info()
    assert pathlib.Path(info["package_dir"]) == BUILD / "python" / "stacksim"
    assert pathlib.Path(info["source_dir"]) == ROOT
    assert info["version"] == stacksim.__version__ == stacksim.version()
    cli = subprocess.run([str(BUILD / "tools" / "cli" / "stacksim"), "--version"], capture_output=True, text=True)
    assert stacksim.__version__ in cli.stdout
    assert pathlib.Path(stacksim.__file__).parent == BUILD / "python" / "stacksim"


def _pth(site, build, **env):
    e = dict(os.environ, STACKSIM_SITE_DIR=str(site), **env)
    return subprocess.run([str(PTH_SCRIPT), str(build)], capture_output=True, text=True, env=e, timeout=60)


def _fake_build(path):
    (path / "stacksim").mkdir(parents=True)
    (path / "stacksim" / "__init__.py").write_text("")
    return path


def test_pth_is_written_on_a_fresh_machine(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    mine = _fake_build(tmp_path / "a" / "python")
    p = _pth(site, mine)
    assert p.returncode == 0, p.stderr
    assert (site / "stacksim.pth").read_text().strip() == str(mine)
    assert str(site / "stacksim.pth") in p.stdout + p.stderr
    # Again: nothing to change, nothing to say beyond one line.
    p = _pth(site, mine)
    assert p.returncode == 0 and (site / "stacksim.pth").read_text().strip() == str(mine)


def test_pth_of_another_existing_build_is_left_alone_and_said_loudly(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    other = _fake_build(tmp_path / "other" / "python")
    mine = _fake_build(tmp_path / "mine" / "python")
    (site / "stacksim.pth").write_text(f"{other}\n")
    p = _pth(site, mine)
    assert p.returncode == 0, p.stderr
    assert (site / "stacksim.pth").read_text().strip() == str(other)
    assert str(other) in p.stderr and f"PYTHONPATH={mine}" in p.stderr and "STACKSIM_PTH=force" in p.stderr
    # Asked for: switched, and said so with the old and the new target.
    p = _pth(site, mine, STACKSIM_PTH="force")
    assert (site / "stacksim.pth").read_text().strip() == str(mine)
    assert str(other) in p.stderr and str(mine) in p.stderr
    # Never: untouched.
    (site / "stacksim.pth").write_text(f"{other}\n")
    _pth(site, mine, STACKSIM_PTH="never")
    assert (site / "stacksim.pth").read_text().strip() == str(other)


def test_stale_pth_is_replaced_and_said_loudly(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    mine = _fake_build(tmp_path / "mine" / "python")
    gone = tmp_path / "deleted" / "python"
    (site / "stacksim.pth").write_text(f"{gone}\n")
    p = _pth(site, mine)
    assert p.returncode == 0, p.stderr
    assert (site / "stacksim.pth").read_text().strip() == str(mine)
    assert str(gone) in p.stderr and str(mine) in p.stderr


def test_build_sh_uses_install_pth():
    text = (ROOT / "tools" / "build.sh").read_text()
    assert "install_pth.sh" in text and "> \"$pth\"" not in text
