#include "sim/output_files.h"

#include "numeric/number_text.h"

#include <cinttypes>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::sim {

std::string format_double(double v) { return num::shortest_text(v, 9); }

output_files::output_files(const std::string& dir) : m_dir(dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(dir + ": cannot create output directory: " + ec.message());
    m_ts = open("timeseries.csv");
    m_can = open("can.log");
    m_rs485 = open("rs485.log");
    m_events = open("events.jsonl");
}

output_files::~output_files() {
    for (std::FILE* f : {m_ts, m_can, m_rs485, m_events})
        if (f)
            std::fclose(f);
}

std::FILE* output_files::open(const std::string& name) {
    const std::string path = m_dir + "/" + name;
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (!f)
        throw std::runtime_error(path + ": cannot open for writing");
    return f;
}

void output_files::timeseries_header(const std::vector<std::string>& columns) {
    std::fputs("t_s", m_ts);
    for (const auto& c : columns) {
        std::fputc(',', m_ts);
        std::fputs(c.c_str(), m_ts);
    }
    std::fputc('\n', m_ts);
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
    std::fputs(format_double(t_s).c_str(), m_ts);
    for (double v : values) {
        std::fputc(',', m_ts);
        if (!std::isnan(v)) // NaN: the value does not exist yet, an empty field
            std::fputs(format_double(v).c_str(), m_ts);
    }
    std::fputc('\n', m_ts);
}

void output_files::can_frame(double eof_s, std::uint32_t id, bool extended, bool rtr, const std::uint8_t* data,
                             unsigned dlc) {
    const perf::scope perf_scope(perf::layer::out_can_log);
    // candump -L: "(seconds.micro) can0 ID#DATA"; 3 hex digits for 11-bit IDs, 8 for 29-bit.
    const double us = std::round(eof_s * 1e6);
    const auto whole = static_cast<std::uint64_t>(us / 1e6);
    const auto frac = static_cast<std::uint64_t>(us - static_cast<double>(whole) * 1e6);
    std::fprintf(m_can, "(%010" PRIu64 ".%06" PRIu64 ") can0 ", whole, frac);
    if (extended)
        std::fprintf(m_can, "%08X#", id);
    else
        std::fprintf(m_can, "%03X#", id);
    if (rtr)
        std::fputc('R', m_can);
    else
        for (unsigned i = 0; i < dlc; ++i)
            std::fprintf(m_can, "%02X", data[i]);
    std::fputc('\n', m_can);
}

void output_files::rs485_frame(double start_s, double end_s, const std::string& segment, const std::string& sender,
                               const std::string& frame_chars, const std::string& flags) {
    const perf::scope perf_scope(perf::layer::out_rs485_log);
    perf::count(perf::counter::rs485_hops);
    std::string shown;
    for (char c : frame_chars) {
        if (c == '\r')
            continue; // the closing CR is left out
        if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7E) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
            shown += hex;
        } else {
            shown += c;
        }
    }
    std::fprintf(m_rs485, "%.9f %.9f %s %s %s", start_s, end_s, segment.c_str(), sender.c_str(), shown.c_str());
    if (!flags.empty())
        std::fprintf(m_rs485, " %s", flags.c_str());
    std::fputc('\n', m_rs485);
}

void output_files::event(double t_s, const std::string& source, const std::string& kind,
                         const nlohmann::json& details) {
    const perf::scope perf_scope(perf::layer::out_events);
    perf::count(perf::counter::events);
    nlohmann::ordered_json j;
    j["t_s"] = t_s;
    j["source"] = source;
    j["kind"] = kind;
    j["details"] = details;
    const std::string line = j.dump();
    std::fputs(line.c_str(), m_events);
    std::fputc('\n', m_events);
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

void output_files::normalise_vcd_date(const std::string& name) {
    const perf::scope perf_scope(perf::layer::out_vcd);
    const std::string path = m_dir + "/" + name;
    std::FILE* in = std::fopen(path.c_str(), "rb");
    if (!in)
        return;
    std::string text;
    char buf[1 << 16];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, in)) > 0;)
        text.append(buf, n);
    std::fclose(in);
    const auto begin = text.find("$date");
    const auto end = text.find("$end", begin);
    if (begin != 0 || end == std::string::npos)
        return;
    text.replace(begin, end - begin, "$date\n     simulated by stacksim (wall-clock date omitted for reproducible output)\n");
    const std::string tmp = path + ".tmp";
    std::FILE* out = std::fopen(tmp.c_str(), "wb");
    if (!out)
        return;
    std::fwrite(text.data(), 1, text.size(), out);
    std::fclose(out);
    std::filesystem::rename(tmp, path);
}

void output_files::flush() {
    const perf::scope perf_scope(perf::layer::out_timeseries);
    for (std::FILE* f : {m_ts, m_can, m_rs485, m_events})
        std::fflush(f);
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
