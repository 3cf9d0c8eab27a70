#include "sim/vcd_writer.h"

#include <charconv>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "numeric/number_text.h"

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

void print(std::string& out, const scope& s, const std::string& name) {
    out += "$scope module " + name + " $end\n";
    for (const auto& [var, id] : s.vars)
        out += "$var real    1  " + id + "  " + var + "       $end\n";
    for (const auto& [sub, child] : s.scopes)
        print(out, *child, sub);
    out += "$upscope $end\n";
}

// "r%.16g id\n" (num::write_general_text is printf's %.16g).
void append_value(std::string& out, double v, const std::string& id) {
    char buf[num::general_text_max];
    out += 'r';
    out.append(buf, num::write_general_text(buf, v, 16));
    out += ' ';
    out += id;
    out += '\n';
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

} // namespace

vcd_writer::vcd_writer(const std::string& path, const std::string& version, const std::vector<std::string>& names)
    : m_file(path) {
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
    std::string header = "$date\n     simulated by stacksim (wall-clock date omitted for reproducible output)\n$end\n\n"
                         "$version\n " + version + "\n$end\n\n$timescale\n     1 ps\n$end\n\n";
    print(header, top, "SystemC");
    header += "$enddefinitions  $end\n\n$comment\nAll initial values are dumped below at time 0 sec = 0 timescale "
              "units.\n$end\n\n";
    m_file.write(header);
    m_last.assign(names.size(), 0.0);
}

vcd_writer::~vcd_writer() = default;

void vcd_writer::sample(std::uint64_t time_ps, const std::vector<double>& values) {
    if (!m_file.is_open())
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
    m_file.write(m_text);
}

void vcd_writer::row_boundary(bool live) {
    if (live)
        m_file.flush();
    else
        m_file.boundary();
}

void vcd_writer::flush() { m_file.flush(); }

void vcd_writer::close(std::uint64_t end_ps) {
    if (!m_file.is_open())
        return;
    if (end_ps > m_last_time_ps)
        m_file.write("\n#" + std::to_string(end_ps) + "\n");
    m_file.close();
}

} // namespace stacksim::sim
