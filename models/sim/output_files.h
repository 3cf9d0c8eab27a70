// The output contract (docs/outputs.md): timeseries.csv, can.log, rs485.log, events.jsonl,
// summary.json in one directory. Lines are written as they happen and flushed at each record
// row, so an interrupted run leaves complete, parseable files.
#pragma once

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace stacksim::sim {

class output_files {
public:
    // Creates `dir` (and parents); throws std::runtime_error if it cannot.
    explicit output_files(const std::string& dir);
    ~output_files();
    output_files(const output_files&) = delete;
    output_files& operator=(const output_files&) = delete;

    const std::string& dir() const { return m_dir; }

    void timeseries_header(const std::vector<std::string>& columns);
    void timeseries_row(double t_s, const std::vector<double>& values);
    void can_frame(double eof_s, std::uint32_t id, bool extended, bool rtr, const std::uint8_t* data, unsigned dlc);
    void rs485_frame(double start_s, double end_s, const std::string& segment, const std::string& sender,
                     const std::string& frame_chars, const std::string& flags);
    void event(double t_s, const std::string& source, const std::string& kind, const nlohmann::json& details);
    void summary(const nlohmann::json& j);
    // SystemC stamps a VCD file with the wall-clock date; replace it so the same scenario and
    // seed give the same bytes.
    void normalise_vcd_date(const std::string& name);
    void flush();

private:
    std::FILE* open(const std::string& name);
    std::string m_dir;
    std::FILE* m_ts = nullptr;
    std::FILE* m_can = nullptr;
    std::FILE* m_rs485 = nullptr;
    std::FILE* m_events = nullptr;
};

// Shortest decimal text that reads back as the same double ("%.17g" trimmed), deterministic.
std::string format_double(double v);

} // namespace stacksim::sim
