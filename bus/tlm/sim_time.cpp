#include "tlm/sim_time.h"

namespace stacksim::bus {
sc_core::sc_time from_ps(std::uint64_t ps) { return sc_core::sc_time(static_cast<double>(ps), sc_core::SC_PS); }
double to_s(const sc_core::sc_time& t) { return t.to_seconds(); }
} // namespace stacksim::bus
