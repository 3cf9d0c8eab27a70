#include "sim/vcd_writer.h"

#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace stacksim::sim {

namespace {

// SystemC's identifiers: 5 lower-case letters counting in base 26 from "aaaaa".
std::string vcd_id(std::size_t n) {
    std::string id(5, 'a');
    for (std::size_t k = 5; k-- > 0 && n > 0; n /= 26)
        id[k] = static_cast<char>('a' + n % 26);
    return id;
}

// A scope: its variables in the order traced, then its sub-scopes in name order.
struct scope {
    std::vector<std::pair<std::string, std::string>> vars; // name, id
    std::map<std::string, std::unique_ptr<scope>> scopes;
};

void print(std::FILE* f, const scope& s, const std::string& name) {
    std::fprintf(f, "$scope module %s $end\n", name.c_str());
    for (const auto& [var, id] : s.vars)
        std::fprintf(f, "$var real    1  %s  %s       $end\n", id.c_str(), var.c_str());
    for (const auto& [sub, child] : s.scopes)
        print(f, *child, sub);
    std::fputs("$upscope $end\n", f);
}

// "r%.16g id\n" (to_chars with a precision is printf's %.16g).
void append_value(std::string& out, double v, const std::string& id) {
    char buf[40];
    out += 'r';
    out.append(buf, std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general, 16).ptr);
    out += ' ';
    out += id;
    out += '\n';
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

} // namespace

vcd_writer::vcd_writer(const std::string& path, const std::string& version, const std::vector<std::string>& names) {
    m_file = std::fopen(path.c_str(), "w");
    if (!m_file)
        throw std::runtime_error(path + ": cannot open for writing");
    scope top;
    for (std::size_t k = 0; k < names.size(); ++k) {
        m_ids.push_back(vcd_id(k));
        std::stringstream parts(names[k]);
        std::string part, next;
        std::getline(parts, part, '.');
        scope* s = &top;
        while (std::getline(parts, next, '.')) {
            auto& child = s->scopes[part];
            if (!child)
                child = std::make_unique<scope>();
            s = child.get();
            part = next;
        }
        s->vars.emplace_back(part, m_ids.back());
    }
    // The wall-clock date SystemC would write is left out: the same run gives the same bytes.
    std::fprintf(m_file,
                 "$date\n     simulated by stacksim (wall-clock date omitted for reproducible output)\n$end\n\n"
                 "$version\n %s\n$end\n\n$timescale\n     1 ps\n$end\n\n",
                 version.c_str());
    print(m_file, top, "SystemC");
    std::fputs("$enddefinitions  $end\n\n$comment\nAll initial values are dumped below at time 0 sec = 0 timescale "
               "units.\n$end\n\n",
               m_file);
    m_last.assign(names.size(), 0.0);
}

vcd_writer::~vcd_writer() {
    if (m_file)
        std::fclose(m_file);
}

void vcd_writer::sample(std::uint64_t time_ps, const std::vector<double>& values) {
    if (!m_file)
        return;
    m_text.clear();
    if (!m_dumped) {
        m_text += "$dumpvars\n";
        for (std::size_t k = 0; k < m_ids.size(); ++k)
            append_value(m_text, values[k], m_ids[k]);
        m_text += "$end\n";
        m_dumped = true;
        m_last = values;
    } else {
        for (std::size_t k = 0; k < m_ids.size(); ++k) {
            if (same(values[k], m_last[k]))
                continue;
            if (m_text.empty()) {
                char stamp[32];
                m_text += "\n#";
                m_text.append(stamp, std::to_chars(stamp, stamp + sizeof stamp, time_ps).ptr);
                m_text += '\n';
            }
            append_value(m_text, values[k], m_ids[k]);
            m_last[k] = values[k];
        }
    }
    if (!m_text.empty())
        m_last_time_ps = time_ps;
    std::fwrite(m_text.data(), 1, m_text.size(), m_file);
}

void vcd_writer::flush() {
    if (m_file)
        std::fflush(m_file);
}

void vcd_writer::close(std::uint64_t end_ps) {
    if (!m_file)
        return;
    if (end_ps > m_last_time_ps)
        std::fprintf(m_file, "\n#%llu\n", static_cast<unsigned long long>(end_ps));
    std::fclose(m_file);
    m_file = nullptr;
}

} // namespace stacksim::sim
