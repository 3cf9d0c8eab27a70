// A marker in the SystemC kernel's list of trace files, for `run --profile`: the kernel cycles
// every trace file once per simulated instant it runs, so the probe counts those instants (the
// profile's time_points counter). SystemC 2.3.4 has no public count of time points, and its
// simulation-phase callbacks are compiled out of Debian's library.
//
// The probe traces nothing and writes nothing; the simulation's results are unchanged. SystemC
// 2.3 offers no public way to register a trace file (add/remove are the kernel's own), so
// install() reaches them through an explicit template instantiation (the one standard way to
// name a private member without modifying SystemC).
#pragma once

#include <memory>
#include <string>

#include <systemc>

namespace stacksim::sim {

class trace_cycle_probe : public sc_core::sc_trace_file {
public:
    // Registers a probe with the kernel; it counts until uninstall() and lives as long as the
    // kernel may cycle it (the returned pointer's owner must outlive the kernel's last cycle).
    static std::unique_ptr<trace_cycle_probe> install();
    // Counting on or off (the kernel keeps cycling the probe, which then does nothing).
    void set_active(bool on) { m_active = on; }

    ~trace_cycle_probe() override = default;

#define STACKSIM_PROBE_TRACE_A(tp) \
    void trace(const tp&, const std::string&) override {}
#define STACKSIM_PROBE_TRACE_B(tp) \
    void trace(const tp&, const std::string&, int) override {}
    STACKSIM_PROBE_TRACE_A(sc_core::sc_event)
    STACKSIM_PROBE_TRACE_A(sc_core::sc_time)
    STACKSIM_PROBE_TRACE_A(bool)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_bit)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_logic)
    STACKSIM_PROBE_TRACE_B(unsigned char)
    STACKSIM_PROBE_TRACE_B(unsigned short)
    STACKSIM_PROBE_TRACE_B(unsigned int)
    STACKSIM_PROBE_TRACE_B(unsigned long)
    STACKSIM_PROBE_TRACE_B(char)
    STACKSIM_PROBE_TRACE_B(short)
    STACKSIM_PROBE_TRACE_B(int)
    STACKSIM_PROBE_TRACE_B(long)
    STACKSIM_PROBE_TRACE_B(sc_dt::int64)
    STACKSIM_PROBE_TRACE_B(sc_dt::uint64)
    STACKSIM_PROBE_TRACE_A(float)
    STACKSIM_PROBE_TRACE_A(double)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_int_base)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_uint_base)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_signed)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_unsigned)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_fxval)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_fxval_fast)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_fxnum)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_fxnum_fast)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_bv_base)
    STACKSIM_PROBE_TRACE_A(sc_dt::sc_lv_base)
#undef STACKSIM_PROBE_TRACE_A
#undef STACKSIM_PROBE_TRACE_B
    void trace(const unsigned int&, const std::string&, const char**) override {}
    void write_comment(const std::string&) override {}
    void set_time_unit(double, sc_core::sc_time_unit) override {}

protected:
    void cycle(bool delta_cycle) override;

private:
    trace_cycle_probe() = default;
    bool m_active = true;
};

} // namespace stacksim::sim
