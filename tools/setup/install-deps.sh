#!/usr/bin/env bash
# Install every Debian 12 package stacksim needs to build, run and test.
# Idempotent: when everything is present it installs nothing and does not touch the network.
# Must run as root on a fresh machine (or with sudo available).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake pkg-config ninja-build
  # required C++ libraries
  libsystemc-dev libeigen3-dev libgtest-dev libgmock-dev googletest libbenchmark-dev
  # chosen libraries: YAML parser (scenarios, parameter sets), CLI parser, formatting, JSON output
  libyaml-cpp-dev libcli11-dev libfmt-dev nlohmann-json3-dev
  # optional HDF5 time series (run.hdf5: timeseries.h5): HDF5 C library; h5py reads it in the tests
  libhdf5-dev
  # Python bindings and tests: Debian's /usr/bin/python3 only (PyPI is unreachable)
  pybind11-dev python3-dev python3-numpy python3-pytest python3-yaml
  python3-can python3-pandas python3-matplotlib python3-distributed python3-h5py
  # pytest-xdist: tools/check.sh runs the Python tests in one worker per core
  python3-pytest-xdist
  # JSON Schema (draft 2020-12) validator: tests/python/test_scenario_schema.py checks docs/scenario.schema.json
  python3-jsonschema
  # independent circuit solver used by the network tests
  ngspice
  # fuzzing (tools/fuzz.sh): clang with libFuzzer; the libFuzzer, ASan and UBSan runtimes are in
  # libclang-rt-14-dev, which clang-14 only recommends (and recommends are not installed here)
  clang-14 libclang-rt-14-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
