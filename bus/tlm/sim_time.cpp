#include "tlm/sim_time.h"

namespace stacksim::bus {
sc_core::sc_time from_ps(std::uint64_t ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }
double to_s(const sc_core::sc_time& t) {
    // value() counts resolution units; dividing by the units in one second is exact for whole
    // seconds (to_seconds() multiplies by the resolution, 30 s -> 30.000000000000004).
    // The resolution is fixed once the first time is made, so one second's count is constant.
    static const double units_per_s = static_cast<double>(sc_core::sc_time(1.0, sc_core::SC_SEC).value());
    return static_cast<double>(t.value()) / units_per_s;
}
} // namespace stacksim::bus
