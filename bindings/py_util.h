// Small helpers shared by the binding files.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

namespace stacksim::py_bind {

// A numpy array holding a copy of v.
inline pybind11::array_t<double> to_numpy(const std::vector<double>& v) {
    pybind11::array_t<double> a(static_cast<pybind11::ssize_t>(v.size()));
    std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

// An index argument as Python gave it (any int, numpy integer or object with __index__; any
// size, any sign). Every indexed accessor takes one and reads it only through checked(), so a
// wrong index is an IndexError naming the valid range, never a crash or a wrap-around.
struct index_arg {
    pybind11::object value;
};

// The index as a position in [0, n), or IndexError "<what> index <i> out of range: valid 0..n-1
// (n <what>s)"; `what` names the parameter (module, cell, sensor, hop).
inline std::size_t checked(const index_arg& index, std::size_t n, const char* what) {
    namespace py = pybind11;
    PyObject* as_int = PyNumber_Index(index.value.ptr());
    if (!as_int)
        throw py::error_already_set();
    const py::int_ i(py::reinterpret_steal<py::object>(as_int));
    const bool in_range = n > 0 && i >= py::int_(0) && i < py::int_(n);
    if (!in_range) {
        const std::string range = n > 0 ? "valid 0.." + std::to_string(n - 1) : "there is none";
        throw py::index_error(std::string(what) + " index " + py::repr(i).cast<std::string>() + " out of range: " +
                              range + " (" + std::to_string(n) + " " + what + (n == 1 ? "" : "s") + ")");
    }
    return i.cast<std::size_t>();
}

} // namespace stacksim::py_bind

namespace pybind11::detail {

// index_arg accepts whatever operator.index() accepts (not float, str or None: TypeError as for
// any other argument); shown as `int` in signatures.
template <> struct type_caster<stacksim::py_bind::index_arg> {
    PYBIND11_TYPE_CASTER(stacksim::py_bind::index_arg, const_name("int"));
    bool load(handle src, bool) {
        if (!src || !PyIndex_Check(src.ptr()))
            return false;
        value.value = reinterpret_borrow<object>(src);
        return true;
    }
    static handle cast(const stacksim::py_bind::index_arg& v, return_value_policy, handle) { return v.value.inc_ref(); }
};

} // namespace pybind11::detail
