#include "numeric/param_file.h"

#include <cmath>
#include <map>
#include <sstream>
#include <unordered_map>

namespace stacksim::num {

namespace {

std::string location(const std::string& file, int line) {
    if (line > 0)
        return file + ":" + std::to_string(line);
    return file;
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) {
        if (!out.empty())
            out += ", ";
        out += s;
    }
    return out;
}

std::string describe(const YAML::Node& n) {
    if (!n.IsDefined() || n.IsNull())
        return "nothing";
    if (n.IsScalar())
        return "'" + n.Scalar() + "'";
    if (n.IsSequence())
        return "a list";
    return "a map";
}

std::string fmt_range(double min, double max) {
    std::ostringstream os;
    os << "[" << min << ", " << max << "]";
    return os.str();
}

} // namespace

input_error::input_error(std::string file, int line, std::string key, const std::string& message)
    : std::runtime_error(location(file, line) + (key.empty() ? std::string() : ": key '" + key + "'") +
                         ": " + message),
      m_file(std::move(file)),
      m_line(line),
      m_key(std::move(key)),
      m_message(message) {}

param_node param_node::load_file(const std::string& path, const size_limit& limit) {
    return load_string(read_text_file(path, limit), path, limit);
}

param_node param_node::load_string(const std::string& text, const std::string& name, const size_limit& limit) {
    if (text.size() > limit.bytes)
        throw_too_large(name, text.size(), limit);
    YAML::Node root;
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw input_error(name, e.mark.is_null() ? 0 : e.mark.line + 1, "", "YAML syntax error: " + e.msg);
    }
    refuse_duplicate_keys(root, name);
    return param_node(root, name, "", std::make_shared<std::vector<param_record>>());
}

namespace {

int line_of(const YAML::Node& n) {
    const YAML::Mark m = n.Mark();
    return m.is_null() ? 0 : m.line + 1;
}

// Walks every map and sequence once. An alias is the node of its anchor (yaml-cpp shares it), so
// nodes already walked are skipped: a document of nested aliases ("billion laughs") costs its
// size, not its expansion.
class duplicate_key_walker {
public:
    duplicate_key_walker(const std::string& file, bool with_lines) : m_file(file), m_with_lines(with_lines) {}

    void walk(const YAML::Node& n, const std::string& path) {
        if (!(n.IsMap() || n.IsSequence()) || seen(n))
            return;
        if (n.IsSequence()) {
            std::size_t i = 0;
            for (const auto& child : n)
                walk(child, path + "[" + std::to_string(i++) + "]");
            return;
        }
        std::unordered_map<std::string, int> first_line;
        for (const auto& kv : n) {
            if (!kv.first.IsScalar()) // a complex key: no name to compare (and no stacksim key is one)
                continue;
            const std::string& key = kv.first.Scalar();
            const std::string key_path = path.empty() ? key : path + "." + key;
            const int line = m_with_lines ? line_of(kv.first) : 0;
            const auto [it, inserted] = first_line.emplace(key, line);
            if (!inserted)
                throw input_error(m_file, line, key_path,
                                  "duplicate key" +
                                      (it->second > 0 ? " (first at line " + std::to_string(it->second) + ")"
                                                      : std::string()) +
                                      "; a YAML map takes each key once (editors keep the last value, older "
                                      "stacksim the first): remove one");
            walk(kv.second, key_path);
        }
    }

private:
    bool seen(const YAML::Node& n) {
        const YAML::Mark m = n.Mark();
        if (m.is_null())
            return false; // built in memory (--set), not read: small, walk it
        auto& at_pos = m_seen[m.pos];
        for (const auto& s : at_pos)
            if (s.is(n))
                return true;
        at_pos.push_back(n);
        return false;
    }

    const std::string& m_file;
    bool m_with_lines;
    std::map<int, std::vector<YAML::Node>> m_seen; // walked containers by their position in the text
};

} // namespace

void refuse_duplicate_keys(const YAML::Node& node, const std::string& file, const std::string& path, bool with_lines) {
    duplicate_key_walker(file, with_lines).walk(node, path);
}

param_node::param_node(YAML::Node node, std::string file, std::string path,
                       std::shared_ptr<std::vector<param_record>> records)
    : m_node(std::move(node)), m_file(std::move(file)), m_path(std::move(path)), m_records(std::move(records)) {}

int param_node::line() const {
    if (!m_node.IsDefined())
        return 0;
    const YAML::Mark m = m_node.Mark();
    return m.is_null() ? 0 : m.line + 1;
}

bool param_node::has(const std::string& key) const {
    return m_node.IsMap() && m_node[key].IsDefined();
}

param_node param_node::at(const std::string& key) const {
    if (!m_node.IsMap())
        fail("a map containing '" + key + "', got " + describe(m_node));
    YAML::Node child = m_node[key];
    const std::string child_path = m_path.empty() ? key : m_path + "." + key;
    if (!child.IsDefined())
        throw input_error(m_file, line(), child_path, "missing required key");
    return param_node(child, m_file, child_path, m_records);
}

std::optional<param_node> param_node::find(const std::string& key) const {
    if (!has(key))
        return std::nullopt;
    return at(key);
}

std::size_t param_node::size() const {
    if (!m_node.IsSequence())
        fail("a list, got " + describe(m_node));
    return m_node.size();
}

param_node param_node::operator[](std::size_t i) const {
    if (!m_node.IsSequence() || i >= m_node.size())
        fail("a list with at least " + std::to_string(i + 1) + " elements");
    return param_node(m_node[i], m_file, m_path + "[" + std::to_string(i) + "]", m_records);
}

std::vector<std::string> param_node::keys() const {
    if (!m_node.IsMap())
        fail("a map, got " + describe(m_node));
    std::vector<std::string> out;
    for (const auto& kv : m_node)
        out.push_back(kv.first.as<std::string>());
    return out;
}

void param_node::allow_only(const std::vector<std::string>& allowed) const {
    if (!m_node.IsMap())
        fail("a map, got " + describe(m_node));
    for (const auto& kv : m_node) {
        const std::string key = kv.first.as<std::string>();
        bool ok = false;
        for (const auto& a : allowed)
            ok = ok || a == key;
        if (!ok) {
            const YAML::Mark m = kv.first.Mark();
            throw input_error(m_file, m.is_null() ? line() : m.line + 1, m_path.empty() ? key : m_path + "." + key,
                              "unknown key, expected one of: " + join(allowed));
        }
    }
}

void param_node::fail(const std::string& expected) const {
    throw input_error(m_file, line(), m_path, "expected " + expected);
}

double param_node::as_number(double min, double max) const {
    if (!m_node.IsScalar())
        fail("a number in " + fmt_range(min, max) + ", got " + describe(m_node));
    double v = 0.0;
    try {
        v = m_node.as<double>();
    } catch (const YAML::Exception&) {
        fail("a number in " + fmt_range(min, max) + ", got " + describe(m_node));
    }
    if (!std::isfinite(v) || v < min || v > max)
        fail("a number in " + fmt_range(min, max) + ", got " + m_node.Scalar());
    return v;
}

long long param_node::as_integer(long long min, long long max) const {
    const std::string expected = "an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    if (!m_node.IsScalar())
        fail(expected + ", got " + describe(m_node));
    long long v = 0;
    try {
        v = m_node.as<long long>();
    } catch (const YAML::Exception&) {
        fail(expected + ", got " + describe(m_node));
    }
    if (v < min || v > max)
        fail(expected + ", got " + m_node.Scalar());
    return v;
}

bool param_node::as_bool() const {
    if (!m_node.IsScalar())
        fail("true or false, got " + describe(m_node));
    try {
        return m_node.as<bool>();
    } catch (const YAML::Exception&) {
        fail("true or false, got " + describe(m_node));
    }
}

std::string param_node::as_string() const {
    if (!m_node.IsScalar())
        fail("a string, got " + describe(m_node));
    return m_node.Scalar();
}

std::string param_node::as_choice(const std::vector<std::string>& choices) const {
    if (!m_node.IsScalar())
        fail("one of: " + join(choices) + ", got " + describe(m_node));
    const std::string v = m_node.Scalar();
    for (const auto& c : choices)
        if (c == v)
            return v;
    fail("one of: " + join(choices) + ", got '" + v + "'");
}

std::vector<double> param_node::as_numbers(double min, double max, std::size_t min_size) const {
    if (!m_node.IsSequence() || m_node.size() < min_size)
        fail("a list of at least " + std::to_string(min_size) + " numbers in " + fmt_range(min, max) + ", got " +
             describe(m_node));
    std::vector<double> out;
    out.reserve(m_node.size());
    for (std::size_t i = 0; i < m_node.size(); ++i)
        out.push_back((*this)[i].as_number(min, max));
    return out;
}

std::vector<double> param_node::as_axis(double min, double max, std::size_t min_size) const {
    std::vector<double> out = as_numbers(min, max, min_size);
    for (std::size_t i = 1; i < out.size(); ++i)
        if (!(out[i] > out[i - 1]))
            (*this)[i].fail("a strictly increasing axis (value " + std::to_string(out[i]) +
                            " does not exceed the previous " + std::to_string(out[i - 1]) + ")");
    return out;
}

double param_node::number_or(const std::string& key, double fallback, double min, double max) const {
    if (!has(key))
        return fallback;
    return at(key).as_number(min, max);
}

param_node param_node::sourced(const std::string& key) const {
    param_node n = at(key);
    if (!n.is_map())
        n.fail("a map with 'value' (or table keys) and 'source'");
    if (!n.has("source"))
        throw input_error(m_file, n.line(), n.path() + ".source",
                          "missing required key: every parameter needs a source (a citation or \"assumed\")");
    const std::string src = n.at("source").as_string();
    if (src.empty())
        n.at("source").fail("a non-empty source (a citation or \"assumed\")");
    return n;
}

double param_node::param(const std::string& key, double min, double max) const {
    param_node n = sourced(key);
    n.allow_only({"value", "source", "note"});
    const double v = n.at("value").as_number(min, max);
    record(n.path(), n.at("value").as_string(), n.at("source").as_string());
    return v;
}

void param_node::record(const std::string& path, const std::string& value, const std::string& source) const {
    m_records->push_back({path, value, source});
}

// ---------------------------------------------------------------- overrides

std::string param_override::target() const { return join_keys(keys); }

namespace {

void collect(const param_node& n, std::vector<std::string> prefix, std::vector<param_override>& out) {
    for (const auto& key : n.keys()) {
        const param_node child = n.at(key);
        std::vector<std::string> keys = prefix;
        std::stringstream ss(key);
        for (std::string k; std::getline(ss, k, '.');) {
            if (k.empty())
                throw input_error(n.file(), child.line(), child.path(), "a dotted parameter path without empty parts");
            keys.push_back(k);
        }
        const bool leaf = !child.is_map() || child.has("value");
        if (leaf && child.yaml().Tag() == set_tag)
            out.push_back({keys, child.yaml(), n.file() + " (--set " + child.path() + ")", 0, child.path()});
        else if (leaf)
            out.push_back({keys, child.yaml(), n.file(), child.line(), child.path()});
        else
            collect(child, keys, out);
    }
}

} // namespace

std::string join_keys(const std::vector<std::string>& keys) {
    std::string out;
    for (const auto& k : keys)
        out += (out.empty() ? "" : ".") + k;
    return out;
}

std::vector<param_override> collect_overrides(const param_node& section) {
    std::vector<param_override> all;
    if (section.yaml().IsNull())
        return all;
    if (!section.is_map())
        section.fail("a map of parameter paths to values, e.g. {bms.limits.ccl_a: 40}");
    collect(section, {}, all);
    // One entry overridden twice: the same target in two spellings (dotted and nested), or one
    // override inside another. In the file that is a mistake (which one was meant?); from --set it
    // is the command line overriding the file, and the --set one wins wherever it was collected.
    auto from_set = [](const param_override& o) { return o.value.Tag() == set_tag; };
    std::vector<param_override> out;
    for (const auto& o : all) {
        const std::string t = o.target();
        bool replaced_by_set = false;
        for (const auto& p : all) {
            const std::string u = p.target();
            if (&p == &o || !(key_within(t, u) || key_within(u, t)))
                continue;
            if (from_set(p) && !from_set(o))
                replaced_by_set = true;
            else if (!from_set(p) && !from_set(o) && &p < &o)
                throw input_error(o.file, o.line, o.key_path,
                                  "'" + t + "' is overridden twice (also at line " + std::to_string(p.line) +
                                      "); give each entry once");
        }
        if (!replaced_by_set)
            out.push_back(o);
    }
    return out;
}

void apply_overrides(const param_node& root, const std::vector<param_override>& overrides) {
    for (const auto& o : overrides) {
        YAML::Node at = root.yaml();
        std::string walked;
        for (const auto& k : o.keys) {
            if (!at.IsMap() || !at[k].IsDefined())
                throw input_error(o.file, o.line, o.key_path,
                                  "a parameter of " + root.file() + " (see `stacksim describe`): it has no '" +
                                      (walked.empty() ? k : walked + "." + k) + "'");
            walked += (walked.empty() ? "" : ".") + k;
            at.reset(at[k]);
        }
        const std::string where = o.file + (o.line > 0 ? ":" + std::to_string(o.line) : "");
        if (at.IsMap() && at["value"].IsDefined()) {
            const YAML::Node old_value = at["value"];
            const std::string old_text = old_value.IsScalar() ? old_value.Scalar() : std::string("[...]");
            const std::string old_source = at["source"].IsDefined() && at["source"].IsScalar() ? at["source"].Scalar() : "";
            if (o.value.IsMap()) {
                for (const auto& kv : o.value)
                    at[kv.first.as<std::string>()] = kv.second;
                if (!o.value["source"].IsDefined())
                    at["source"] = "override at " + where + "; file value " + old_text + ": " + old_source;
            } else {
                at["value"] = o.value;
                at["source"] = "override at " + where + "; file value " + old_text + ": " + old_source;
            }
        } else {
            if (at.IsMap() && !o.value.IsMap())
                throw input_error(o.file, o.line, o.key_path,
                                  "a map like the entry '" + o.target() + "' of " + root.file() +
                                      " (it is a table; override one of its keys)");
            at = o.value;
        }
    }
}

} // namespace stacksim::num
