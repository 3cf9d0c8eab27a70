// Cheap built-in time and event accounting for `stacksim run --profile` (docs/performance.md).
//
// Always compiled in, enabled at run time: while disabled, a scoped timer or a counter costs one
// test of a thread-local flag. While enabled, a timer costs two steady_clock reads (~20-25 ns
// each through the vDSO) at its entry and exit.
//
// Attribution is exclusive ("self time"): the registry keeps a stack of open scopes; the time
// between two clock reads goes to the scope on top, so a layer entered from inside another
// (the BMS reading the AFE, the plant calling the network solve) is charged to the inner one and
// the shares of all layers plus `outside` add up to the measured span exactly. `outside` is the
// time in no scope: during a run, the SystemC kernel and the glue between the timed layers.
//
// The registry is per thread (thread_local): the simulation thread accounts for its own run,
// parallel sweep variants do not race. A timed scope must not span a SystemC wait(): the
// instrumented entry points are plain function calls that return before any other process runs
// (a scope closed out of order pops back to its own depth and is counted in `unbalanced`).
//
// Header-only and dependency-free (base/ includes no project header), so every layer may use it:
// the numeric core, the bus protocols, the models and the runner.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace stacksim::perf {

// Where time goes. `outside` must stay first (the bottom of the stack).
enum class layer : std::uint8_t {
    outside,        // no timed scope open: the SystemC kernel and untimed glue
    plant,          // stack_plant glue (bleed currents, heat books, fuses) around the three below
    cells,          // cell_array: linearisation and the electrical/ageing step
    network,        // stack_network: the nodal solve and the wiring's own advance
    thermal,        // module_thermal / branch_thermal steps
    afe_bms,        // AFE register access and conversion, the BMS measurement cycle
    rs485,          // the RS485 chain, the Pylontech RS485 protocol
    can,            // the CAN bus, the CAN links, the Pylontech CAN protocol
    inverter,       // the inverter's control step
    out_timeseries, // recorder rows (reading the columns) and timeseries.csv / .h5
    out_vcd,        // waveforms.vcd: a row's changed values, and closing
    out_can_log,    // can.log lines
    out_rs485_log,  // rs485.log lines
    out_events,     // events.jsonl lines
    count
};

enum class counter : std::uint8_t {
    plant_steps,      // stack_plant::step calls: grid steps and the partial steps of off-grid syncs
    grid_steps,       // steps of the plant's fixed grid (run.step_s)
    time_points,      // simulated instants the kernel advanced to (trace cycles)
    can_frames,       // frames on the simulated CAN bus
    rs485_frames,     // frames sent on the RS485 chain (one per sender, not per hop)
    rs485_hops,       // frame deliveries per chain segment (rs485.log lines)
    afe_transactions, // AFE register transactions (TLM b_transport)
    timeseries_rows,  // recorded rows
    events,           // events.jsonl lines
    count
};

constexpr std::size_t n_layers = static_cast<std::size_t>(layer::count);
constexpr std::size_t n_counters = static_cast<std::size_t>(counter::count);

// Stable names, used in the report and in summary.json's "profile" key.
inline const char* name(layer l) {
    constexpr const char* names[n_layers] = {"outside",        "plant",          "cells",         "network",
                                             "thermal",        "afe_bms",        "rs485",         "can",
                                             "inverter",       "out_timeseries", "out_vcd",       "out_can_log",
                                             "out_rs485_log",  "out_events"};
    return names[static_cast<std::size_t>(l)];
}
inline const char* name(counter c) {
    constexpr const char* names[n_counters] = {"plant_steps",  "grid_steps",       "time_points",     "can_frames",
                                               "rs485_frames", "rs485_hops",       "afe_transactions", "timeseries_rows",
                                               "events"};
    return names[static_cast<std::size_t>(c)];
}

// The accumulated figures of one thread.
struct registry {
    static constexpr std::size_t max_depth = 32;

    bool enabled = false;
    std::size_t depth = 0;              // stack[depth] is the open scope (stack[0] = outside)
    layer stack[max_depth] = {};
    std::int64_t last_ns = 0;           // the clock at the last attribution
    std::int64_t self_ns[n_layers] = {};
    std::uint64_t calls[n_layers] = {}; // scopes entered
    std::uint64_t counters[n_counters] = {};
    std::uint64_t unbalanced = 0;       // scopes closed out of order, or nested beyond max_depth

    static std::int64_t now_ns() {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    // Charge the time since the last attribution to the scope on top.
    void attribute(std::int64_t t_ns) {
        self_ns[static_cast<std::size_t>(stack[depth])] += t_ns - last_ns;
        last_ns = t_ns;
    }
    // Zero everything and start accounting now (`outside` open).
    void start() {
        *this = registry{};
        enabled = true;
        last_ns = now_ns();
    }
    // Stop accounting: the time since the last attribution goes to the open scope.
    void stop() {
        if (!enabled)
            return;
        attribute(now_ns());
        enabled = false;
    }
    std::int64_t total_ns() const {
        std::int64_t t = 0;
        for (std::int64_t v : self_ns)
            t += v;
        return t;
    }
};

inline registry& the_registry() {
    static thread_local registry r;
    return r;
}

// Adds n to a counter while the registry is enabled.
inline void count(counter c, std::uint64_t n = 1) {
    registry& r = the_registry();
    if (r.enabled)
        r.counters[static_cast<std::size_t>(c)] += n;
}

// Opens a layer's scope for its lifetime: `perf::scope timed(perf::layer::cells);`.
class scope {
public:
    explicit scope(layer l) noexcept {
        registry& r = the_registry();
        if (!r.enabled)
            return;
        r.attribute(registry::now_ns());
        if (r.depth + 1 >= registry::max_depth) {
            ++r.unbalanced;
            return;
        }
        r.stack[++r.depth] = l;
        ++r.calls[static_cast<std::size_t>(l)];
        m_depth = r.depth;
    }
    ~scope() {
        if (m_depth == 0)
            return;
        registry& r = the_registry();
        if (!r.enabled)
            return; // stopped (and restarted) inside the scope: nothing of ours is open
        r.attribute(registry::now_ns());
        if (r.depth != m_depth)
            ++r.unbalanced;
        r.depth = m_depth - 1;
    }
    scope(const scope&) = delete;
    scope& operator=(const scope&) = delete;

private:
    std::size_t m_depth = 0; // 0: not opened (disabled)
};

} // namespace stacksim::perf
