#include "sim/trace_cycle_probe.h"

#include "perf/perf_registry.h"

namespace stacksim::sim {

namespace {

// sc_simcontext::add_trace_file is private: an explicit instantiation may
// name them (C++17 [temp.explicit]/14), and the friend function it defines hands the pointer out.
using trace_file_fn = void (sc_core::sc_simcontext::*)(sc_core::sc_trace_file*);
struct add_tag {};
trace_file_fn member(add_tag);
template <typename Tag, trace_file_fn M>
struct expose {
    friend trace_file_fn member(Tag) { return M; }
};
template struct expose<add_tag, &sc_core::sc_simcontext::add_trace_file>;

void add(sc_core::sc_trace_file* f) { (sc_core::sc_get_curr_simcontext()->*member(add_tag{}))(f); }

} // namespace

std::unique_ptr<trace_cycle_probe> trace_cycle_probe::install() {
    std::unique_ptr<trace_cycle_probe> p(new trace_cycle_probe());
    add(p.get());
    return p;
}

void trace_cycle_probe::cycle(bool delta_cycle) {
    if (m_active && !delta_cycle)
        perf::count(perf::counter::time_points);
}

} // namespace stacksim::sim
