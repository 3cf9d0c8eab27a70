// Small helpers shared by the binding files.
#pragma once

#include <algorithm>
#include <vector>

#include <pybind11/numpy.h>

namespace stacksim::py_bind {

// A numpy array holding a copy of v.
inline pybind11::array_t<double> to_numpy(const std::vector<double>& v) {
    pybind11::array_t<double> a(static_cast<pybind11::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

} // namespace stacksim::py_bind
