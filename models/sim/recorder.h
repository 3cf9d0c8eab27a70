// The recorder of one run: the time-series columns (docs/outputs.md), sampled from the elaborated
// system after every grid step, kept in memory and written to the output files; the extremes the
// summary reports (hottest branch, largest KCL residual); and the VCD waveforms of the
// stack-, module- and inverter-level columns.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <systemc>

#include "numeric/stack_plant.h"
#include "sim/output_files.h"
#include "sim/scenario.h"

namespace stacksim::sim {

class system;

// Mean over module m's cells of a per-cell array (SoH, resistance factor).
double module_mean(const num::stack_plant& plant, const Eigen::ArrayXd& per_cell, std::size_t m);

class recorder {
public:
    // The columns of `top` as `run` asks for them (record_cells). Nothing is written until
    // attach(); the system must outlive the recorder.
    recorder(system& top, const run_config& run);
    ~recorder(); // a VCD still open stays unfinished: close_vcd() runs the kernel
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;

    // Rows from now on also go to `out` (the header first); may be null (in memory only).
    void attach(output_files* out);
    // waveforms.vcd in out_dir, traced at every recorded row; close_vcd() ends it (idempotent).
    void open_vcd(const std::string& out_dir);
    void close_vcd();
    sc_core::sc_trace_file* vcd() const { return m_vcd; } // null when none is open

    // Every grid step: the extremes; a row every run.record_every steps.
    void step();
    // One row of every column, now.
    void record_row();

    const std::vector<std::string>& columns() const { return m_columns; }
    const std::vector<double>& times_s() const { return m_times; }
    const std::vector<std::vector<double>>& data() const { return m_data; } // per column
    std::size_t column_index(const std::string& column) const;             // throws if unknown
    std::vector<double> series(const std::string& column) const;
    // Highest temperature of every branch so far (cables, then contacts; from the initial state).
    const std::vector<double>& max_branch_temp_k() const { return m_max_branch_temp_k; }
    double max_kcl_a() const { return m_max_kcl_a; }

private:
    void add(std::string name, std::function<double()> get);
    void add_stack_columns(system& top);
    void add_module_columns(system& top);
    void add_network_columns(system& top);

    system& m_top;
    run_config m_run;
    output_files* m_out = nullptr;
    sc_core::sc_trace_file* m_vcd = nullptr;
    std::vector<std::string> m_columns;
    std::vector<std::function<double()>> m_getters;
    std::vector<double> m_times;
    std::vector<std::vector<double>> m_data; // per column
    std::vector<double> m_row;               // scratch (and what the VCD traces)
    unsigned m_step_count = 0;
    std::vector<double> m_max_branch_temp_k; // per cable, then per contact
    double m_max_kcl_a = 0.0;
};

} // namespace stacksim::sim
