// The recorder of one run: the time-series columns (docs/outputs.md), sampled from the elaborated
// system at the end of every run.record_every-th grid instant (system::on_row) and written to the
// output files as they come; the extremes the
// summary reports (hottest branch, largest KCL residual); and the VCD waveforms of the
// stack-, module- and inverter-level columns.
// In memory it keeps only the columns it is asked to keep (keep()): the ones the scenario's
// expectations read, or all of them for an API that returns the series. Rows are not otherwise
// held, so a run's memory does not grow with its duration.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <systemc>

#include "numeric/stack_plant.h"
#include "sim/output_files.h"
#include "sim/scenario.h"
#include "sim/vcd_writer.h"

namespace stacksim::sim {

class system;

// Mean over module m's cells of a per-cell array (SoH, resistance factor).
double module_mean(const num::stack_plant& plant, const Eigen::ArrayXd& per_cell, std::size_t m);

class recorder {
public:
    // The columns of `top` as `run` asks for them (record_cells). Nothing is written until
    // attach(); the system must outlive the recorder.
    recorder(system& top, const run_config& run);
    ~recorder(); // a VCD still open ends at its last row
    recorder(const recorder&) = delete;
    recorder& operator=(const recorder&) = delete;

    // Rows from now on also go to `out` (the header first); may be null (in memory only).
    void attach(output_files* out);
    // Live (wall-clock runs): the files are written out at every row, for readers that follow
    // them; otherwise in large pieces (line_file.h) and at flush_files().
    void set_live(bool live) { m_live = live; }
    // Writes every output's pending lines out (the caller takes control back).
    void flush_files();
    // waveforms.vcd in out_dir (vcd_writer.h), written at every recorded row; close_vcd() ends
    // it at the present time (idempotent).
    void open_vcd(const std::string& out_dir);
    void close_vcd();

    // Every grid step: the extremes (of the plant, which every observer at t sees alike).
    void step();
    // One row of every column, now: at the end of the instant (system::on_row) every
    // run.record_every grid steps, and after an aging jump.
    void record_row();

    // Keep the values of column c in memory where keep[c] (one flag per column, OR-ed with
    // earlier calls); the times are kept once any column is. Before the first row (else throws
    // std::logic_error).
    void keep(const std::vector<bool>& keep);
    void keep_all() { keep(std::vector<bool>(m_columns.size(), true)); }
    bool kept(std::size_t c) const { return m_keep[c]; }

    const std::vector<std::string>& columns() const { return m_columns; }
    std::size_t rows() const { return m_rows; } // recorded so far
    // Times of the kept rows (empty while no column is kept).
    const std::vector<double>& times_s() const { return m_times; }
    // Per column: its kept values, an empty vector for a column not kept.
    const std::vector<std::vector<double>>& data() const { return m_data; }
    std::size_t column_index(const std::string& column) const; // throws if unknown
    // Values of a kept column; throws std::logic_error for a column not kept in memory.
    std::vector<double> series(const std::string& column) const;
    // Highest temperature of every branch so far (cables, then contacts; from the initial state).
    const std::vector<double>& max_branch_temp_k() const { return m_max_branch_temp_k; }
    double max_kcl_a() const { return m_max_kcl_a; }

private:
    void add(std::string name, std::function<double()> get);
    // A block of consecutive columns that one call fills (a module's cells: three columns each).
    void add_block(std::vector<std::string> names, std::function<void(double*)> fill);
    void add_stack_columns(system& top);
    void add_module_columns(system& top);
    void add_network_columns(system& top);

    system& m_top;
    run_config m_run;
    output_files* m_out = nullptr;
    bool m_live = false;
    std::unique_ptr<vcd_writer> m_vcd;
    std::vector<std::size_t> m_vcd_columns; // the columns in the VCD
    std::vector<double> m_vcd_values;       // scratch: their values at a row
    std::vector<std::string> m_columns;
    struct single_column {
        std::size_t column;
        std::function<double()> get;
    };
    struct column_block {
        std::size_t first;
        std::function<void(double*)> fill; // writes its columns' values from m_row[first] on
    };
    std::vector<single_column> m_singles;
    std::vector<column_block> m_blocks;
    std::vector<bool> m_keep;                // per column
    std::vector<std::size_t> m_kept;         // the kept columns' indices
    std::size_t m_rows = 0;
    std::vector<double> m_times;             // of the rows, once any column is kept
    std::vector<std::vector<double>> m_data; // per column (empty if not kept)
    std::vector<double> m_row;               // scratch (and what the VCD traces)
    std::vector<double> m_max_branch_temp_k; // per cable, then per contact
    double m_max_kcl_a = 0.0;
};

} // namespace stacksim::sim
