#include "numeric/csv_series.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iomanip>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>

#include "numeric/param_file.h"

namespace stacksim::num {

namespace {

std::string number_text(double v) {
    std::ostringstream os;
    os << std::setprecision(17) << v;
    return os.str();
}

std::string range_text(double min, double max) {
    std::ostringstream os;
    os << "[" << min << ", " << max << "]";
    return os.str();
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

// Splits a line at commas into trimmed fields (views into `line`).
void split(std::string_view line, std::vector<std::string_view>& fields) {
    fields.clear();
    std::size_t start = 0;
    for (;;) {
        const std::size_t comma = line.find(',', start);
        fields.push_back(trim(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos)
            return;
        start = comma + 1;
    }
}

// Lines of a stream, at most spec.limit bytes in all and spec.max_line_bytes per line.
class line_reader {
public:
    line_reader(std::istream& in, const std::string& name, const csv_series_spec& spec)
        : m_in(in), m_name(name), m_spec(spec) {}

    // The next line without its end (LF or CRLF); false at the end of the stream.
    bool next(std::string& line) {
        line.clear();
        bool any = false;
        for (;;) {
            if (m_pos == m_len && !fill())
                break;
            any = true;
            const char* begin = m_buf + m_pos;
            const void* nl = std::memchr(begin, '\n', m_len - m_pos);
            const std::size_t n = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - begin) : m_len - m_pos;
            if (line.size() + n > m_spec.max_line_bytes)
                throw input_error(m_name, static_cast<int>(m_line + 1), "",
                                  "line longer than " + std::to_string(m_spec.max_line_bytes) + " bytes" + suffix());
            line.append(begin, n);
            m_pos += n;
            if (nl) {
                ++m_pos;
                break;
            }
        }
        if (!any)
            return false;
        ++m_line;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        return true;
    }
    std::size_t line_number() const { return m_line; }
    std::string suffix() const { return m_spec.context.empty() ? std::string() : " (" + m_spec.context + ")"; }

private:
    bool fill() {
        if (!m_in)
            return false;
        m_in.read(m_buf, sizeof m_buf);
        m_len = static_cast<std::size_t>(m_in.gcount());
        m_pos = 0;
        m_total += m_len;
        if (m_total > m_spec.limit.bytes)
            throw_too_large(m_name, 0, m_spec.limit); // a stream without end stops here
        if (m_in.bad())
            throw input_error(m_name, 0, "", "read error" + suffix());
        return m_len > 0;
    }

    std::istream& m_in;
    const std::string& m_name;
    const csv_series_spec& m_spec;
    char m_buf[1 << 16];
    std::size_t m_pos = 0, m_len = 0, m_line = 0;
    std::uint64_t m_total = 0;
};

} // namespace

csv_series read_csv_series(std::istream& in, const std::string& name, const csv_series_spec& spec,
                           std::size_t rows_hint) {
    auto reader = std::make_unique<line_reader>(in, name, spec); // 64 KiB buffer: not on the stack
    const std::string sfx = reader->suffix();
    std::string line;
    std::vector<std::string_view> fields;
    auto fail = [&](const std::string& what) -> void {
        throw input_error(name, static_cast<int>(reader->line_number()), "", what + sfx);
    };
    auto is_skipped = [](std::string_view l) {
        l = trim(l);
        return l.empty() || l.front() == '#';
    };

    // Header.
    bool header = false;
    while (reader->next(line)) {
        if (reader->line_number() == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0)
            line.erase(0, 3);
        if (!is_skipped(line)) {
            header = true;
            break;
        }
    }
    if (!header)
        fail("expected a header line with the columns '" + spec.time_column + "' and '" + spec.value_column + "'");
    split(line, fields);
    std::size_t t_col = fields.size(), v_col = fields.size();
    std::string names;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        std::string_view f = fields[i];
        if (f.size() >= 2 && f.front() == '"' && f.back() == '"')
            f = f.substr(1, f.size() - 2);
        names += (i ? ", " : "") + std::string(f);
        for (auto [want, col] : {std::pair<const std::string*, std::size_t*>{&spec.time_column, &t_col},
                                 {&spec.value_column, &v_col}}) {
            if (f == *want) {
                if (*col != fields.size())
                    fail("column '" + *want + "' appears twice in the header");
                *col = i;
            }
        }
    }
    for (auto [want, col] : {std::pair<const std::string*, std::size_t>{&spec.time_column, t_col}, {&spec.value_column, v_col}})
        if (col == fields.size())
            fail("no column '" + *want + "' (columns: " + names + ")");
    if (t_col == v_col)
        fail("the time and value columns must differ ('" + spec.time_column + "')");
    const std::size_t n_fields = fields.size();
    const std::size_t header_line = reader->line_number();

    // Rows: straight into the result arrays, reserved for rows_hint rows (no copies while growing).
    csv_series out;
    std::vector<double>& t_s = out.t_s;
    std::vector<double>& value = out.value;
    t_s.reserve(rows_hint);
    value.reserve(rows_hint);
    auto number = [&](std::string_view f, const std::string& column, double min, double max) {
        std::string_view digits = f;
        if (!digits.empty() && digits.front() == '+')
            digits.remove_prefix(1);
        double v = 0.0;
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (digits.empty() || r.ec != std::errc() || r.ptr != digits.data() + digits.size() || !std::isfinite(v) ||
            v < min || v > max)
            fail("column '" + column + "': expected a number in " + range_text(min, max) + ", got '" + std::string(f) + "'");
        return v;
    };
    while (reader->next(line)) {
        if (is_skipped(line))
            continue;
        split(line, fields);
        if (fields.size() != n_fields)
            fail("expected " + std::to_string(n_fields) + " fields, got " + std::to_string(fields.size()) +
                 " (as many as the header line " + std::to_string(header_line) + " names)");
        const double t = number(fields[t_col], spec.time_column, spec.time_min, spec.time_max);
        if (!t_s.empty() && !(t > t_s.back()))
            fail("column '" + spec.time_column + "': expected a time after the previous row's " + number_text(t_s.back()) +
                 " s, got '" + std::string(fields[t_col]) + "'");
        const double v = number(fields[v_col], spec.value_column, spec.value_min, spec.value_max);
        t_s.push_back(t);
        value.push_back(v);
    }
    if (t_s.empty())
        throw input_error(name, static_cast<int>(header_line), "", "expected at least one data row after the header" + sfx);
    return out;
}

csv_series read_csv_series_file(const std::string& path, const csv_series_spec& spec) {
    bool regular = false;
    std::ifstream in = open_input_file(path, spec.limit, "a CSV file", regular);
    // A regular file is read twice: first to count its lines (an upper bound of the rows), so the
    // arrays are allocated once at their final size (16 bytes per row, no growth copies).
    std::size_t lines = 0;
    if (regular) {
        std::vector<char> buf(1 << 16);
        while (in) {
            in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
            const char* p = buf.data();
            const char* const end = p + in.gcount();
            while ((p = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p))))) {
                ++lines;
                ++p;
            }
        }
        in.clear();
        in.seekg(0);
    }
    return read_csv_series(in, path, spec, lines + 1);
}

} // namespace stacksim::num
