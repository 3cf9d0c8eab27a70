// A firmware instance that failed: it crashed (a signal), exited, hung (the watchdog on wall time
// expired), broke the RPC protocol, or could not be loaded. `what()` says what happened in words
// ("crashed (SIGSEGV)", "hung (no return within 2 s of wall time)"); the SystemC module adds the
// module, the simulated time, the callback and the last host call. SystemC-free.
#pragma once

#include <stdexcept>
#include <string>

namespace stacksim::fw {

class firmware_error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The library could not be loaded or refused the host (bad path, no entry point, ABI major
// mismatch, entry returned NULL): bad input rather than a failure during the run.
class firmware_load_error : public firmware_error {
public:
    using firmware_error::firmware_error;
};

} // namespace stacksim::fw
