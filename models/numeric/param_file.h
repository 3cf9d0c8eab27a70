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

namespace stacksim::num {

// Bad input in a file: file, 1-based line (0 if unknown), key path and a message.
class input_error : public std::runtime_error {
public:
    input_error(std::string file, int line, std::string key, const std::string& message);
    const std::string& file() const { return m_file; }
    int line() const { return m_line; }
    const std::string& key() const { return m_key; }

private:
    std::string m_file;
    int m_line;
    std::string m_key;
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
    // Parse a file; throws input_error (file missing or YAML syntax error with its line).
    static param_node load_file(const std::string& path);
    // Parse text (name is used in messages, e.g. "<python dict>").
    static param_node load_string(const std::string& text, const std::string& name);

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

} // namespace stacksim::num
