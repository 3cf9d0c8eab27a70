"""NaN and the infinities in scenarios made from Python values are YAML's .nan / .inf / -.inf
(JSON's NaN and Infinity read back as strings)."""

import math

import pytest
import yaml

from conftest import ROOT

import stacksim

DEFAULT = ROOT / "scenarios" / "default.yaml"


# --- NaN and infinities from Python values are YAML's .nan / .inf / -.inf ---

@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_from_dict_non_finite_numbers_are_yaml_values(value):
    d = yaml.safe_load(DEFAULT.read_text())
    d["run"]["duration_s"] = value
    text = stacksim.Scenario.from_dict(d).text
    got = yaml.safe_load(text)["run"]["duration_s"]  # PyYAML: the YAML 1.1 meaning of the text
    assert (math.isnan(got) if math.isnan(value) else got == value), text[:200]
    # duration_s must be finite: the scenario reader refuses it by key, not as unreadable YAML.
    with pytest.raises(Exception, match="duration_s"):
        stacksim.Scenario.from_dict(d).validate()


def test_from_dict_non_finite_numbers_in_lists_and_numpy_scalars():
    import numpy as np
    text = stacksim.Scenario.from_dict({"a": [np.float64("nan"), float("inf"), np.float32("-inf"), 1.5],
                                        "s": "NaN"}).text
    got = yaml.safe_load(text)
    assert math.isnan(got["a"][0]) and got["a"][1:] == [math.inf, -math.inf, 1.5]
    assert got["s"] == "NaN"  # a string stays a string
