// Calling a loaded firmware library's entry point (STACKSIM_FW_ENTRY_NAME) and checking what it
// returns: the symbol exists, the table is non-NULL, its ABI major version is the host's, its
// size covers the fields up to `name`. Used by both loading backends. SystemC-free.
#pragma once

#include <string>

#include "firmware/stacksim_fw.h"

namespace stacksim::fw {

// The callbacks of the library opened as `handle` (dlopen/dlmopen), copied as far as the
// firmware's `size` reaches (later fields NULL). Throws firmware_load_error naming `path`.
stacksim_fw_api load_firmware_api(void* handle, const std::string& path);

} // namespace stacksim::fw
