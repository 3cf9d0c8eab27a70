#include "sim/output_files.h"

#include "numeric/number_text.h"

#include <charconv>
#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::sim {

namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";
constexpr int format_digits = 9; // at least %.9g's notation (num::shortest_text)

} // namespace

std::string format_double(double v) { return num::shortest_text(v, format_digits); }

namespace {

// The directory exists before the first file is opened in it.
const std::string& created_dir(const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(dir + ": cannot create output directory: " + ec.message());
    return dir;
}

} // namespace

output_files::output_files(const std::string& dir)
    : m_dir(created_dir(dir)),
      m_ts(m_dir + "/timeseries.csv"),
      m_can(m_dir + "/can.log"),
      m_rs485(m_dir + "/rs485.log"),
      m_events(m_dir + "/events.jsonl") {}

output_files::~output_files() = default;

void output_files::timeseries_header(const std::vector<std::string>& columns) {
    std::string line = "t_s";
    for (const auto& c : columns) {
        line += ',';
        line += c;
    }
    line += '\n';
    m_ts.write(line);
}

void output_files::timeseries_hdf5(const std::vector<std::string>& columns, const hdf5_writer::metadata& meta) {
    std::vector<std::string> header{"t_s"};
    header.insert(header.end(), columns.begin(), columns.end());
    m_h5 = std::make_unique<hdf5_writer>(m_dir + "/timeseries.h5", header, meta);
}

void output_files::timeseries_row(double t_s, const std::vector<double>& values) {
    const perf::scope perf_scope(perf::layer::out_timeseries);
    perf::count(perf::counter::timeseries_rows);
    if (m_h5)
        m_h5->row(t_s, values);
    // The whole line in one reused buffer, one write: no allocation per number.
    const std::size_t most = (values.size() + 1) * (num::shortest_text_max + 1) + 1;
    if (m_row_text.size() < most)
        m_row_text.resize(most);
    char* out = num::write_shortest_text(m_row_text.data(), t_s, format_digits);
    for (double v : values) {
        *out++ = ',';
        if (!std::isnan(v)) // NaN: the value does not exist yet, an empty field
            out = num::write_shortest_text(out, v, format_digits);
    }
    *out++ = '\n';
    m_ts.write(m_row_text.data(), static_cast<std::size_t>(out - m_row_text.data()));
}

void output_files::can_frame(double eof_s, std::uint32_t id, bool extended, bool rtr, const std::uint8_t* data,
                             unsigned dlc) {
    const perf::scope perf_scope(perf::layer::out_can_log);
    // candump -L: "(seconds.micro) can0 ID#DATA"; 3 hex digits for 11-bit IDs, 8 for 29-bit.
    // Formatted into one buffer, one write.
    const double us = std::round(eof_s * 1e6);
    const auto whole = static_cast<std::uint64_t>(us / 1e6);
    const auto frac = static_cast<std::uint64_t>(us - static_cast<double>(whole) * 1e6);
    char line[96];
    int n = std::snprintf(line, sizeof line, "(%010" PRIu64 ".%06" PRIu64 ") can0 ", whole, frac);
    char* out = line + n;
    for (int shift = extended ? 28 : 8; shift >= 0; shift -= 4)
        *out++ = hex_digits[(id >> shift) & 0xF];
    *out++ = '#';
    if (rtr)
        *out++ = 'R';
    else
        for (unsigned i = 0; i < dlc && i < 8; ++i) {
            *out++ = hex_digits[data[i] >> 4];
            *out++ = hex_digits[data[i] & 0xF];
        }
    *out++ = '\n';
    m_can.write(line, static_cast<std::size_t>(out - line));
}

void output_files::rs485_frame(double start_s, double end_s, std::size_t hop, const std::string& sender,
                               const std::string& frame_chars, bool garbled) {
    const perf::scope perf_scope(perf::layer::out_rs485_log);
    perf::count(perf::counter::rs485_hops);
    // Printable runs in one append each; CR (the closing one) is left out, any other character
    // outside '!' .. '~' is written as \xHH. A frame is logged once per hop with the same
    // characters: the text of the last one is kept.
    if (frame_chars != m_chars_escaped_from) {
        m_chars_escaped_from = frame_chars;
        std::string& text = m_chars_escaped;
        text.clear();
        const char* c = frame_chars.data();
        const char* const end = c + frame_chars.size();
        while (c < end) {
            const char* run = c;
            while (c < end && static_cast<unsigned char>(*c) >= 0x21 && static_cast<unsigned char>(*c) <= 0x7E)
                ++c;
            text.append(run, static_cast<std::size_t>(c - run));
            if (c == end)
                break;
            const auto u = static_cast<unsigned char>(*c++);
            if (u != '\r') {
                const char hex[4] = {'\\', 'x', hex_digits[u >> 4], hex_digits[u & 0xF]};
                text.append(hex, 4);
            }
        }
    }
    // "start end hopN sender chars[ garbled]" written into one reused buffer, one write.
    static constexpr char garbled_text[] = " garbled";
    const std::size_t most = 2 * num::fixed9_text_max + 32 + sender.size() + m_chars_escaped.size() + sizeof garbled_text;
    if (m_line.size() < most)
        m_line.resize(most);
    char* const begin = m_line.data();
    char* out = num::write_fixed9_text(begin, start_s);
    *out++ = ' ';
    out = num::write_fixed9_text(out, end_s);
    std::memcpy(out, " hop", 4);
    out = std::to_chars(out + 4, out + 24, hop).ptr;
    *out++ = ' ';
    std::memcpy(out, sender.data(), sender.size());
    out += sender.size();
    *out++ = ' ';
    std::memcpy(out, m_chars_escaped.data(), m_chars_escaped.size());
    out += m_chars_escaped.size();
    if (garbled) {
        std::memcpy(out, garbled_text, sizeof garbled_text - 1);
        out += sizeof garbled_text - 1;
    }
    *out++ = '\n';
    m_rs485.write(begin, static_cast<std::size_t>(out - begin));
}

void output_files::event(double t_s, const std::string& source, const std::string& kind,
                         const std::string& details_json) {
    const perf::scope perf_scope(perf::layer::out_events);
    perf::count(perf::counter::events);
    nlohmann::ordered_json j;
    j["t_s"] = t_s;
    j["source"] = source;
    j["kind"] = kind;
    // {"t_s":…,"source":…,"kind":…,"details":{…}}: the compact dump with the details object last.
    std::string line = j.dump();
    line.pop_back(); // '}'
    line += ",\"details\":";
    line += details_json;
    line += "}\n";
    m_events.write(line);
}

void output_files::summary(const nlohmann::json& j) {
    const std::string path = m_dir + "/summary.json";
    const std::string tmp = path + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f)
        throw std::runtime_error(path + ": cannot open for writing");
    const std::string text = j.dump(2);
    std::fputs(text.c_str(), f);
    std::fputc('\n', f);
    std::fclose(f);
    std::filesystem::rename(tmp, path); // never a half-written summary
}

void output_files::row_boundary(bool live) {
    if (live) {
        flush();
        return;
    }
    for (line_file* f : {&m_ts, &m_can, &m_rs485, &m_events})
        f->boundary();
}

void output_files::flush() {
    const perf::scope perf_scope(perf::layer::out_timeseries);
    for (line_file* f : {&m_ts, &m_can, &m_rs485, &m_events})
        f->flush();
}

void output_files::end_of_run() {
    const perf::scope perf_scope(perf::layer::out_timeseries);
    flush();
    if (m_h5) {
        m_h5->flush(); // throws if HDF5 cannot write; the destructor would swallow it
        m_h5.reset();
    }
}

} // namespace stacksim::sim
