// Parameter and scenario files: YAML with positions, key paths and sources.
//
// Every error thrown while reading a file names the file, the line, the key path and what was
// expected, e.g.
//   models/params/lfp_cell_100ah.yaml:12: key 'cell.r0_ohm.value': expected a number in
//   [1e-06, 1], got -3
//
// Parameters carry their source:   r0_ohm: {value: 0.00035, source: "assumed"}
// param_node::param() reads such an entry, refuses it without a non-empty source, and records
// (path, value, source) so `stacksim describe` can list every parameter that was used.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "numeric/input_file.h"

namespace stacksim::num {

// Bad input in a file: file, 1-based line (0 if unknown), key path and a message.
class input_error : public std::runtime_error {
public:
    input_error(std::string file, int line, std::string key, const std::string& message);
    const std::string& file() const { return m_file; }
    int line() const { return m_line; }
    const std::string& key() const { return m_key; }
    const std::string& message() const { return m_message; } // what was expected, without the location

private:
    std::string m_file;
    int m_line;
    std::string m_key;
    std::string m_message;
};

// One parameter as read: for documentation (`describe`) and summaries.
struct param_record {
    std::string path;   // e.g. "cell.r0_ohm"
    std::string value;  // as written in the file
    std::string source; // e.g. "[src] EVE LF105 spec" or "assumed"
};

// A position in a YAML document that knows its file and key path.
class param_node {
public:
    // Parse a file of at most limit.bytes (input_file.h); throws input_error (file missing or too
    // large, YAML syntax error or a duplicate key, each with its line).
    static param_node load_file(const std::string& path, const size_limit& limit = input_limits{}.yaml());
    // Parse text (name is used in messages, e.g. "<python dict>"), checked as a file.
    static param_node load_string(const std::string& text, const std::string& name,
                                  const size_limit& limit = input_limits{}.yaml());

    param_node(YAML::Node node, std::string file, std::string path,
               std::shared_ptr<std::vector<param_record>> records);

    const std::string& file() const { return m_file; }
    const std::string& path() const { return m_path; }
    int line() const; // 1-based, 0 if unknown
    const YAML::Node& yaml() const { return m_node; }

    bool is_map() const { return m_node.IsMap(); }
    bool is_sequence() const { return m_node.IsSequence(); }
    bool is_scalar() const { return m_node.IsScalar(); }
    bool has(const std::string& key) const;

    // A required child; throws "missing key" at this node's line.
    param_node at(const std::string& key) const;
    std::optional<param_node> find(const std::string& key) const;
    // Sequence elements.
    std::size_t size() const;
    param_node operator[](std::size_t i) const;
    // Map keys in file order.
    std::vector<std::string> keys() const;

    // Refuse keys not in `allowed` ("unknown key 'x', expected one of: a, b").
    void allow_only(const std::vector<std::string>& allowed) const;

    // Scalars of this node, checked.
    double as_number(double min, double max) const;
    long long as_integer(long long min, long long max) const;
    bool as_bool() const;
    std::string as_string() const;
    std::string as_choice(const std::vector<std::string>& choices) const;
    std::vector<double> as_numbers(double min, double max, std::size_t min_size = 1) const;
    // A sequence of numbers that must strictly increase (table axes).
    std::vector<double> as_axis(double min, double max, std::size_t min_size = 2) const;

    // Convenience: child scalar with a default when the key is absent.
    double number(const std::string& key, double min, double max) const { return at(key).as_number(min, max); }
    double number_or(const std::string& key, double fallback, double min, double max) const;

    // A sourced parameter `key: {value: X, source: "..."}` (X a number in [min, max]); recorded.
    double param(const std::string& key, double min, double max) const;
    // A sourced table `key: {<axis/value keys>..., source: "..."}`: returns the map node after
    // checking the source; the caller reads the arrays.
    param_node sourced(const std::string& key) const;

    [[noreturn]] void fail(const std::string& expected) const;

    const std::vector<param_record>& records() const { return *m_records; }
    void record(const std::string& path, const std::string& value, const std::string& source) const;

private:
    YAML::Node m_node;
    std::string m_file;
    std::string m_path;
    std::shared_ptr<std::vector<param_record>> m_records;
};

// Refuses a map anywhere in `node` that has the same key twice: input_error at the second
// occurrence (file, its line, key path below `path`), naming the line of the first. YAML wants
// each key once per map; yaml-cpp keeps both and `node[key]` finds the first, while editors and
// PyYAML keep the last, so a duplicate would silently mean different things to different tools.
// Every document stacksim reads passes here (load_string, --set values).
// with_lines = false for text that has no line in a file (a --set value).
void refuse_duplicate_keys(const YAML::Node& node, const std::string& file, const std::string& path = "",
                           bool with_lines = true);

// True if `key` is `path` or lies below it ("a.b" is within "a", "a[2]" too; "ab" is not).
inline bool key_within(const std::string& key, const std::string& path) {
    return key == path || key.rfind(path + ".", 0) == 0 || key.rfind(path + "[", 0) == 0;
}

// The YAML tag put on values given on the command line (--set): they have no line in a file.
inline constexpr const char* set_tag = "!stacksim-set";

// An override of one entry of a parameter file, as a scenario's `parameters:` section or
// `--set parameters.<file>.<path>=value` gives it (docs/scenarios.md, "parameters").
struct param_override {
    std::vector<std::string> keys; // path inside the parameter file, e.g. {"bms", "limits", "ccl_a"}
    YAML::Node value;              // the new value: a scalar, a list, or {value: ..., source: ...}
    std::string file;              // where the override was written (for messages)
    int line = 0;
    std::string key_path;          // its key path there, e.g. "parameters.module.bms.limits.ccl_a"
    std::string target() const;    // keys joined with '.'
};

// Collects the overrides below `section` (e.g. the scenario's `parameters.module`). Nested maps and
// dotted keys are equivalent ("bms: {limits: {ccl_a: 40}}" == "bms.limits.ccl_a: 40"); a leaf is a
// scalar, a list, or a map with a `value` key. An entry overridden twice in the file (in two
// spellings, or one override inside another) is refused at the second; an override from --set
// replaces the file's override of the same entry.
std::string join_keys(const std::vector<std::string>& keys); // "a.b.c"

std::vector<param_override> collect_overrides(const param_node& section);

// Applies overrides to a loaded parameter file (in place). Each must name an existing entry
// (input_error at the override otherwise). A sourced entry {value, source} gets the new value and
// the source "override at <file>:<line>; file value <old>: <old source>" unless the override
// gives its own source, so `stacksim describe` and summaries show where every value came from.
void apply_overrides(const param_node& root, const std::vector<param_override>& overrides);

// Runs `read` (which reads the overridden file); an input_error inside an overridden entry is
// re-reported at the override's file, line and key path, with what was expected.
template <class Read>
auto read_with_overrides(const std::vector<param_override>& overrides, Read read) -> decltype(read()) {
    try {
        return read();
    } catch (const input_error& e) {
        for (const auto& o : overrides) {
            const std::string t = o.target();
            if (key_within(e.key(), t))
                throw input_error(o.file, o.line, o.key_path,
                                  e.message() + " (overrides '" + t + "' of " + e.file() + ")");
        }
        throw;
    }
}

} // namespace stacksim::num
