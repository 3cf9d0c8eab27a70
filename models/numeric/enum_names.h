// Names of an enum's values as they are written in YAML, logs and outputs: one table per enum,
// read by to_string, by parsing and by the list of choices a YAML key accepts, so that a new
// value is named in one place.
//
//     inline const enum_names<colour, 2> colour_names{"colour", {{{colour::red, "red"}, {colour::blue, "blue"}}}};
//     colour_names.name(colour::red) == "red";  colour_names.parse("blue") == colour::blue;
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace stacksim::num {

template <typename E, std::size_t N>
struct enum_names {
    const char* what; // what the values are ("conductor class"), for the parse error
    std::array<std::pair<E, const char*>, N> entries;

    // The value's name; "?" for a value outside the table.
    const char* name(E value) const {
        for (const auto& [v, n] : entries)
            if (v == value)
                return n;
        return "?";
    }

    // Every name, in table order (param_node::as_choice takes this list).
    std::vector<std::string> choices() const {
        std::vector<std::string> out;
        for (const auto& entry : entries)
            out.emplace_back(entry.second);
        return out;
    }

    // The value named s; std::invalid_argument "unknown <what> '<s>', expected one of: a, b" otherwise.
    E parse(const std::string& s) const {
        for (const auto& [v, n] : entries)
            if (s == n)
                return v;
        std::string list;
        for (const auto& entry : entries)
            list += (list.empty() ? "" : ", ") + std::string(entry.second);
        throw std::invalid_argument("unknown " + std::string(what) + " '" + s + "', expected one of: " + list);
    }
};

} // namespace stacksim::num
