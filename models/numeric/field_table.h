// Field tables: each configuration struct declares its parameters once.
//
// A field table lists the members of a configuration struct that a parameter file sets: the key
// (the member's name), the member, the unit, the allowed range and what it means. The same table
// drives
//   - reading a section of a parameter file (unknown keys refused, each value range-checked and
//     recorded with its source for `stacksim describe`),
//   - the list of parameters the Python module returns (stacksim.parameter_fields()),
//   - the test that every key of models/params/*.yaml has exactly one row.
// Values and their sources live in the parameter files; the table holds no value.
//
// Adding a parameter: a struct member, its row in the struct's table, its entry in the YAML file
// (docs/architecture.md, "Adding a parameter").
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "numeric/param_file.h"

namespace stacksim::num {

// One parameter as the outside world sees it: for `stacksim describe`, Python and tests.
struct field_info {
    std::string key;         // full path in the parameter file, e.g. "bms.limits.ccl_a"
    std::string unit;        // SI unit as in the key's suffix, "1" for a ratio, "count", "flag" (0/1), "choice"
    std::string range;       // allowed values, e.g. "[0, 10000]" or "[ccl_taper_start_v, 5]"
    std::string description; // what it means
};

// One row of a field table for struct S.
template <class S>
struct field {
    // A reader for entries that are not one number (tables, choices, lists of levels): reads
    // `parent.<key>` into `s` and records it.
    using custom_reader = void (*)(const param_node& parent, const char* key, S& s);
    // A number kept inside a member of S (e.g. wiring_params::cables.resistivity_ohm_m).
    using nested_number = double& (*)(S& s);
    using target_type = std::variant<double S::*, unsigned S::*, std::size_t S::*, bool S::*, std::uint8_t S::*,
                                     std::vector<double> S::*, custom_reader, nested_number>;

    const char* key;     // the member's name and the key in the parameter file
    target_type target;  // the member (or a custom reader)
    const char* unit;
    double min, max;     // range of the value (of each element of a list); custom readers: for documentation
    const char* description;
    double S::*min_from = nullptr; // the lower bound is this (earlier) member's value instead of `min`
    double S::*max_from = nullptr; // the upper bound is this (earlier) member's value instead of `max`
    double offset = 0.0;           // added to the file's number before it is stored (a key in degC, a member in K)
};

template <class S>
using field_table = std::vector<field<S>>;

namespace detail {
inline std::string number_text(double x) {
    std::ostringstream os;
    os << x;
    return os.str();
}
} // namespace detail

// The keys of one or more tables (for param_node::allow_only).
template <class S>
void append_keys(std::vector<std::string>& out, const field_table<S>& table) {
    for (const auto& f : table)
        out.push_back(f.key);
}

// The keys of `table` after `before`, for param_node::allow_only (in the order an unknown-key
// message lists them).
template <class S>
std::vector<std::string> keys_of(const field_table<S>& table, std::vector<std::string> before = {}) {
    append_keys(before, table);
    return before;
}

// Reads every row of `table` from the map `n` into `s`, in table order. Each number is a sourced
// parameter {value: X, source: "..."} (param_node::param: range-checked and recorded). Unknown keys
// are the caller's to refuse (allow_only over the keys of every table of the section), so a section
// can hold the members of several structs.
template <class S>
void read_fields(const param_node& n, const field_table<S>& table, S& s) {
    for (const auto& f : table) {
        const double lo = f.min_from ? s.*(f.min_from) : f.min;
        const double hi = f.max_from ? s.*(f.max_from) : f.max;
        std::visit(
            [&](auto target) {
                using T = decltype(target);
                if constexpr (std::is_same_v<T, typename field<S>::custom_reader>) {
                    target(n, f.key, s);
                } else if constexpr (std::is_same_v<T, typename field<S>::nested_number>) {
                    const double v = n.param(f.key, lo, hi);
                    target(s) = f.offset != 0.0 ? v + f.offset : v;
                } else if constexpr (std::is_same_v<T, std::vector<double> S::*>) {
                    const param_node t = n.sourced(f.key);
                    t.allow_only({"value", "source"});
                    s.*target = t.at("value").as_numbers(lo, hi, 2);
                    t.record(t.path(), "[" + std::to_string((s.*target).size()) + " values]",
                             t.at("source").as_string());
                } else {
                    const double v = n.param(f.key, lo, hi);
                    using M = std::remove_reference_t<decltype(s.*target)>;
                    if constexpr (std::is_same_v<M, double>)
                        s.*target = f.offset != 0.0 ? v + f.offset : v;
                    else if constexpr (std::is_same_v<M, bool>)
                        s.*target = v != 0.0;
                    else
                        s.*target = static_cast<M>(v);
                }
            },
            f.target);
    }
}

// Adds the rows of `table` below `prefix` (e.g. "bms.limits") to `out`.
template <class S>
void describe_fields(std::vector<field_info>& out, const std::string& prefix, const field_table<S>& table) {
    for (const auto& f : table) {
        auto name_of = [&](double S::*m) {
            for (const auto& g : table)
                if (const auto* p = std::get_if<double S::*>(&g.target); p && *p == m)
                    return std::string(g.key);
            return std::string("?");
        };
        std::string range = "[" + (f.min_from ? name_of(f.min_from) : detail::number_text(f.min)) + ", " +
                            (f.max_from ? name_of(f.max_from) : detail::number_text(f.max)) + "]";
        if (std::holds_alternative<bool S::*>(f.target))
            range = "0 or 1";
        out.push_back({prefix.empty() ? f.key : prefix + "." + f.key, f.unit, range, f.description});
    }
}

} // namespace stacksim::num
