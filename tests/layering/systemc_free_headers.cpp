// The headers the scenario reader, tools and bindings read configurations through, compiled
// without SystemC: neither the SystemC target nor the models library is linked (CMakeLists.txt),
// and since Debian installs SystemC in /usr/include, its version macros are checked as well.
// tests/python/test_layering.py says which include chain reached it when this fails.
#include "battery/afe_config.h"
#include "battery/battery_module_config.h"
#include "battery/bms_config.h"
#include "battery/can_link_config.h"
#include "battery/module_params.h"
#include "battery/stack_master_config.h"
#include "inverter/inverter_config.h"
#include "sim/scenario.h"
#include "stack/stack_config.h"
#include "tlm/rs485_chain_config.h"

#if defined(SYSTEMC_VERSION) || defined(SC_VERSION_MAJOR) || defined(TLM_VERSION_MAJOR)
#error "a scenario or configuration header includes SystemC"
#endif

namespace stacksim::layering {

// Each configuration is a complete type here.
static_assert(sizeof(sim::scenario) > 0 && sizeof(models::stack_config) > 0 && sizeof(models::inverter_config) > 0);

} // namespace stacksim::layering
