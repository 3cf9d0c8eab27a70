// The firmware's child process in process mode (process_firmware.h): loads the library with
// dlopen(), sends hello (or load_failed), then serves stacksim's calls until quit or EOF. Its
// host table is an RPC proxy: each host call is a host_call message answered by a reply (log and
// publish_* are sent without waiting); now_ns() is answered locally from the latest now_ns
// stacksim sent. A malformed message from stacksim is reported on stderr, counted and ignored.
// SystemC-free.
#pragma once

#include <string>

namespace stacksim::fw {

[[noreturn]] void run_firmware_child(int fd, const std::string& path);

} // namespace stacksim::fw
