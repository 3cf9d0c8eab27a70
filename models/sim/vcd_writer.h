// waveforms.vcd (docs/outputs.md), written as the rows come: real-valued variables named by
// dotted paths (the dots as scope hierarchy, under a top scope "SystemC" as SystemC's own
// writer names it), timescale 1 ps. sample() writes a row's values: all of them at the first
// row ($dumpvars), afterwards only those that changed since they were last written, under the
// row's time stamp. A value that stays NaN (missing) is not written again. Nothing is
// rewritten at the end; the file reaches the disk in whole lines (line_file.h), so an
// interrupted run leaves a file GTKWave reads.
// The layout (header, identifiers "aaaaa", "aaaab", ... in the order of `names`, "r%.16g id"
// value lines, a blank line before each "#time") is that of SystemC 2.3.4's VCD writer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/line_file.h"

namespace stacksim::sim {

class vcd_writer {
public:
    // Creates `path` and writes the header; `version` is the $version text. Throws
    // std::runtime_error if the file cannot be opened.
    vcd_writer(const std::string& path, const std::string& version, const std::vector<std::string>& names);
    ~vcd_writer();
    vcd_writer(const vcd_writer&) = delete;
    vcd_writer& operator=(const vcd_writer&) = delete;

    // One row at time_ps (not before the previous one): values[k] of names[k].
    void sample(std::uint64_t time_ps, const std::vector<double>& values);
    // After each row: write the pending lines out if a large piece is pending, or when `live`.
    void row_boundary(bool live);
    void flush();
    // The run ended at end_ps: a last time stamp (if later than the last row), then the file is
    // closed. Idempotent.
    void close(std::uint64_t end_ps);

private:
    line_file m_file;
    std::vector<std::string> m_ids;
    std::vector<double> m_last; // last written values
    bool m_dumped = false;
    std::uint64_t m_last_time_ps = 0;
    std::string m_text; // a row being formatted (reused)
};

} // namespace stacksim::sim
