// The output contract (docs/outputs.md): timeseries.csv, can.log, rs485.log, events.jsonl,
// summary.json in one directory. Lines are written as they happen into line_file buffers that
// reach the disk in whole lines (line_file.h): every file on disk ends at a line boundary at any
// instant, and the buffers are written out at the end of the run (also when interrupted), when
// the caller takes control back (flush()), and at every row in wall-clock runs.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/hdf5_writer.h"
#include "sim/line_file.h"

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
    // run.hdf5: also write the rows to timeseries.h5 (hdf5_writer.h); `columns` without "t_s",
    // as for timeseries_header(). Call before the first row.
    void timeseries_hdf5(const std::vector<std::string>& columns, const hdf5_writer::metadata& meta);
    // A NaN value (one that does not exist yet) is an empty field in timeseries.csv and NaN in
    // timeseries.h5.
    void timeseries_row(double t_s, const std::vector<double>& values);
    void can_frame(double eof_s, std::uint32_t id, bool extended, bool rtr, const std::uint8_t* data, unsigned dlc);
    // One line of rs485.log: a frame as it crossed segment `hop` (docs/outputs.md).
    void rs485_frame(double start_s, double end_s, std::size_t hop, const std::string& sender,
                     const std::string& frame_chars, bool garbled);
    // One line of events.jsonl; details_json is the details object's JSON text.
    void event(double t_s, const std::string& source, const std::string& kind, const std::string& details_json);
    void summary(const nlohmann::json& j);
    // After every recorded row: writes the text files' pending lines out if a buffer holds a
    // large piece (line_file::boundary), or every time when `live` (wall-clock runs).
    void row_boundary(bool live);
    // Writes the text files' pending lines out. timeseries.h5 keeps up to one chunk of rows in
    // memory and writes them a chunk at a time.
    void flush();
    // The run is over (also when interrupted): flush(), and write timeseries.h5's buffered rows
    // and close it, so it is complete and unlocked while the simulation object lives on.
    void end_of_run();

private:
    std::string m_dir;
    line_file m_ts;
    line_file m_can;
    line_file m_rs485;
    line_file m_events;
    std::unique_ptr<hdf5_writer> m_h5;
    // Lines being formatted, reused: no allocation per row or frame.
    std::vector<char> m_row_text; // timeseries.csv
    std::string m_line;           // rs485.log
    std::string m_chars_escaped_from, m_chars_escaped; // a frame's characters and their text there
};

// Shortest decimal text that reads back as the same double ("%.17g" trimmed), deterministic.
std::string format_double(double v);

} // namespace stacksim::sim
