#include "sim/trace_cycle_probe.h"

#include <optional>

#include "perf/perf_registry.h"

namespace stacksim::sim {

namespace {

// sc_simcontext::add_trace_file / remove_trace_file are private: an explicit instantiation may
// name them (C++17 [temp.explicit]/14), and the friend function it defines hands the pointer out.
using trace_file_fn = void (sc_core::sc_simcontext::*)(sc_core::sc_trace_file*);
struct add_tag {};
struct remove_tag {};
trace_file_fn member(add_tag);
trace_file_fn member(remove_tag);
template <typename Tag, trace_file_fn M>
struct expose {
    friend trace_file_fn member(Tag) { return M; }
};
template struct expose<add_tag, &sc_core::sc_simcontext::add_trace_file>;
template struct expose<remove_tag, &sc_core::sc_simcontext::remove_trace_file>;

void add(sc_core::sc_trace_file* f) { (sc_core::sc_get_curr_simcontext()->*member(add_tag{}))(f); }
void remove(sc_core::sc_trace_file* f) { (sc_core::sc_get_curr_simcontext()->*member(remove_tag{}))(f); }

} // namespace

struct trace_cycle_probe::shared_state {
    bool active = true;
    bool timing_vcd = false;                // two probes around a VCD file
    std::optional<perf::scope> open;        // the VCD's scope, between the two probes' cycles
};

trace_cycle_probe::pair trace_cycle_probe::install(sc_core::sc_trace_file* vcd) {
    auto s = std::make_shared<shared_state>();
    pair p;
    p.first.reset(new trace_cycle_probe(s));
    if (vcd) {
        s->timing_vcd = true;
        p.second.reset(new trace_cycle_probe(s));
        // Whatever the order the kernel cycles its list in, the VCD sits between the probes.
        remove(vcd);
        add(p.first.get());
        add(vcd);
        add(p.second.get());
    } else {
        add(p.first.get());
    }
    return p;
}

void trace_cycle_probe::uninstall(pair& p) {
    if (p.first) {
        p.first->m_state->open.reset();
        p.first->m_state->active = false;
    }
}

void trace_cycle_probe::cycle(bool delta_cycle) {
    shared_state& s = *m_state;
    if (!s.active || delta_cycle)
        return;
    if (!s.timing_vcd) {
        perf::count(perf::counter::time_points);
        return;
    }
    if (s.open) {
        s.open.reset(); // the second probe: the VCD's cycle is done
    } else {
        perf::count(perf::counter::time_points);
        s.open.emplace(perf::layer::out_vcd);
    }
}

} // namespace stacksim::sim
