// One simulation run: a fresh SystemC kernel, the elaborated system, its recorder (recorder.h),
// the event dispatch (event_dispatch.h), fast aging, the output files, and at the end the
// expectations and the summary (run_summary.h). Time is driven from outside (CLI or Python) with run_until()/run_for(); between calls
// the caller may read state and change inputs.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <systemc>

#include "common/event_sink.h"
#include "sim/command_queue.h"
#include "sim/control_port.h"
#include "sim/event_dispatch.h"
#include "sim/output_files.h"
#include "sim/recorder.h"
#include "sim/run_profile.h"
#include "sim/scenario.h"
#include "sim/wallclock.h"

namespace stacksim::sim {

// Thrown by run_until() when the interrupt check (set_interrupt_check) asked to stop. The run
// stands at the boundary of a slice: consistent, every output written so far complete; it may go
// on with run_until() or end with finish().
// A module's BMS failed and ended the run (a firmware crashed, aborted or hung): what() is the
// message naming the module, the simulated time, the callback and the last host call.
struct bms_failure : std::runtime_error {
    explicit bms_failure(const std::string& message);
};

struct interrupted : std::runtime_error {
    explicit interrupted(double t_s);
    double time_s;
};

class simulation : public models::event_sink {
public:
    // out_dir empty: no output files. keep_series: keep every recorded column in memory for
    // series() (Python); otherwise only the columns the expectations read are kept and the rows
    // go to the files as they come, so memory does not grow with the run's duration.
    simulation(scenario sc, const std::string& out_dir, bool keep_series = false);
    ~simulation() override;
    simulation(const simulation&) = delete;
    simulation& operator=(const simulation&) = delete;

    const scenario& config() const { return m_sc; }
    system& top() { return *m_top; }

    double time_s() const;
    // Advance to t_s. Time only moves forward: t_s must be finite, not before time_s() (within
    // half the kernel's resolution) and not beyond max_time_s(); else std::invalid_argument, the
    // simulation untouched. run_for(dt_s): dt_s finite and >= 0, the same.
    void run_until(double t_s);
    void run_for(double dt_s);
    // The largest simulated time the SystemC kernel can hold (its resolution x 2^64, 1 ps: ~213 days).
    static double max_time_s();
    // While set, run_until() advances in slices of at most 1 s of simulated time and calls
    // `check` between slices whenever period_s of wall time has passed since the last call; when
    // it returns true, run_until() throws `interrupted` (Python: Ctrl-C while the GIL is released).
    // An empty function removes it (the default; the advance is then not sliced).
    void set_interrupt_check(std::function<bool()> check, double period_s = 0.05);
    // To the scenario's duration, in chunks; `progress(sim_s, wall_s)` after each chunk.
    // Returns false if stopped early by request_stop().
    bool run(const std::function<void(double, double)>& progress = {});
    // Async-signal-safe (only sets a flag): the run stops at the next slice; in wall-clock mode
    // within one pacing sleep piece (50 ms).
    void request_stop() { m_stop.store(true); }
    // Wall-clock mode (run.realtime > 0): the pacer; null in batch runs.
    wallclock* pacer() { return m_pacer.get(); }

    // Wall-clock mode, in the background (Python's Simulation(..., realtime=True)): run() on a
    // thread of its own. While it runs, every other call must go through call(); wait_background()
    // joins it (rethrowing what run() threw); stop_background() requests a stop and joins.
    void start_background();
    bool background_running() const { return m_background.joinable() && !m_background_done.load(); }
    bool in_background() const { return m_background.joinable(); }
    void wait_background();
    void stop_background();
    // Run `fn` on the simulation thread: through the command queue at the simulated instant of
    // this call while the run goes on in the background, else here and now.
    nlohmann::ordered_json call(const std::function<nlohmann::ordered_json()>& fn);
    // The present state (state_snapshot.h), through call().
    nlohmann::ordered_json state();
    // Wall-clock mode with run.control: the control port's bound TCP port (-1 otherwise).
    int control_port_number() const { return m_control ? m_control->port() : -1; }

    // Inject an event while the run is paused (Python, between run_until calls): one scenario
    // event as YAML/JSON text, `{action: ..., ...}`, validated like the scenario's own (messages
    // name `origin`); without t_s it applies now, with a later t_s at that instant.
    void inject(const std::string& event_yaml, const std::string& origin = "<injected event>");

    // Writes summary.json (if writing files) and returns the summary. Idempotent.
    nlohmann::json finish();

    // run --profile (run_profile.h, docs/performance.md): account this thread's time by layer from
    // now on; finish() ends the accounting and adds the result to the summary as "profile" (only
    // then: a run without it writes the same summary as ever). profile(): that result, null before.
    void enable_profile();
    const nlohmann::ordered_json& profile() const { return m_profile_result; }

    // Recorded time series, in memory with keep_series (else times_s() holds the times only if
    // an expectation reads a column, and series() throws std::logic_error for a column not kept).
    const std::vector<std::string>& columns() const { return m_rec->columns(); }
    const std::vector<double>& times_s() const { return m_rec->times_s(); }
    // Values of column c at every recorded time.
    std::vector<double> series(const std::string& column) const { return m_rec->series(column); }
    std::size_t column_index(const std::string& column) const { return m_rec->column_index(column); } // throws if unknown

    void event(const std::string& source, const std::string& kind, const nlohmann::json& details) override;
    void event_at(double t_s, const std::string& source, const std::string& kind, const nlohmann::json& details) override;
    std::size_t event_count() const { return m_events; }

    // The scenario's expectations, evaluated by finish() (empty before). The run failed
    // its expectations if any result has passed == false (CLI exit code 3).
    const std::vector<expectation_result>& expectation_results() const { return m_results; }
    bool expectations_passed() const;
    const std::vector<recorded_event>& event_log() const { return m_event_log; }

private:
    void advance_to(double t_s);      // run the kernel to exactly t_s, with everything due then
    void settle_now();                // run everything due at the present instant
    void write_events(double before_s); // events.jsonl: the logged events of instants before before_s
    bool bms_failed() const;
    void check_bms_failure();         // throws bms_failure once a module's firmware has failed
    void aging_jump();                // fast aging: the cells age aging.jump_s at a window's end
    double jumped_s() const;          // fast aging: life added by the jumps so far
    void jump_contacts();             // maintenance: the contacts' part of a jump, with inspections in it
    // maintenance: re-torque every contact now (life_s: the stack's life, default now), log it.
    void inspect_contacts(double life_s = std::numeric_limits<double>::quiet_NaN());
    nlohmann::ordered_json control(const control_request& r); // a control port request, on the simulation thread

    scenario m_sc;
    std::unique_ptr<output_files> m_out;
    std::unique_ptr<system> m_top;
    std::unique_ptr<event_dispatch> m_dispatch;
    std::unique_ptr<recorder> m_rec;
    // Host inputs before the pacer that serves them: members are destroyed in reverse order.
    std::unique_ptr<control_port> m_control;
    command_queue m_commands;
    std::unique_ptr<wallclock> m_pacer;
    std::thread m_background;
    std::atomic<bool> m_background_done{false};
    std::exception_ptr m_background_error;
    std::size_t m_events = 0;
    std::atomic<bool> m_stop{false};
    std::function<bool()> m_interrupt_check;
    double m_interrupt_period_s = 0.05;
    std::chrono::steady_clock::time_point m_last_interrupt_check;
    std::chrono::steady_clock::time_point m_wall_start;
    double m_wall_s = 0.0;
    bool m_finished = false;
    nlohmann::json m_summary;
    std::vector<recorded_event> m_event_log;    // every event, in memory, for the expectations
    std::size_t m_events_written = 0;           // of m_event_log, in events.jsonl
    std::size_t m_next_event = 0;               // next of m_sc.events to apply
    std::size_t m_jumps_done = 0;               // fast aging: windows closed so far
    static constexpr double never_s = std::numeric_limits<double>::infinity();
    double m_next_inspection_life_s = never_s;  // maintenance: the next inspection's life time
    std::size_t m_inspections_done = 0;
    std::vector<expectation_result> m_results;
    run_profile m_profile;
    nlohmann::ordered_json m_profile_result;
};

} // namespace stacksim::sim
