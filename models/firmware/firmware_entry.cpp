#include "firmware/firmware_entry.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

#include <dlfcn.h>

#include "firmware/firmware_error.h"

namespace stacksim::fw {

stacksim_fw_api load_firmware_api(void* handle, const std::string& path) {
    void* sym = dlsym(handle, STACKSIM_FW_ENTRY_NAME);
    if (!sym)
        throw firmware_load_error(path + ": no entry point " STACKSIM_FW_ENTRY_NAME "() (is it a stacksim firmware?)");
    stacksim_fw_entry_fn entry = nullptr;
    std::memcpy(&entry, &sym, sizeof entry); // object pointer -> function pointer (POSIX dlsym)
    const stacksim_fw_api* api = entry(STACKSIM_FW_ABI_VERSION);
    if (!api)
        throw firmware_load_error(path + ": " STACKSIM_FW_ENTRY_NAME "() refused this host (ABI " +
                                  std::to_string(STACKSIM_FW_ABI_MAJOR) + "." + std::to_string(STACKSIM_FW_ABI_MINOR) +
                                  ")");
    if (STACKSIM_FW_ABI_MAJOR_OF(api->abi_version) != STACKSIM_FW_ABI_MAJOR)
        throw firmware_load_error(path + ": built for ABI major version " +
                                  std::to_string(STACKSIM_FW_ABI_MAJOR_OF(api->abi_version)) + ", this host has " +
                                  std::to_string(STACKSIM_FW_ABI_MAJOR));
    if (api->size < offsetof(stacksim_fw_api, name) + sizeof api->name)
        throw firmware_load_error(path + ": stacksim_fw_api.size " + std::to_string(api->size) + " is too small");
    stacksim_fw_api copy{};
    std::memcpy(&copy, api, std::min<std::size_t>(api->size, sizeof copy));
    copy.size = sizeof copy;
    return copy;
}

} // namespace stacksim::fw
