// The C host table (stacksim_fw_host) of a firmware_host: one trampoline per entry, ctx = the
// firmware_host. The in-process mode hands it to the firmware directly; the firmware's child
// process builds it over its RPC proxy. SystemC-free.
#pragma once

#include "firmware/firmware_host.h"
#include "firmware/stacksim_fw.h"

namespace stacksim::fw {

// The table refers to `host`, which must outlive it.
stacksim_fw_host make_host_table(firmware_host& host);

} // namespace stacksim::fw
