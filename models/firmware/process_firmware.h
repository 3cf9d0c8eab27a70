// Process mode (the default): the firmware runs in a child process of its own, forked at load
// time and talking to stacksim over a socketpair(SOCK_SEQPACKET) (fw_rpc.h). The child dlopen()s
// the library itself, so each instance has its own globals, and a crash, an abort or a hang ends
// only the child: stacksim notices the closed socket (waitpid names the signal or exit status)
// or the watchdog (wall time the child keeps the call without a message, host calls not
// counted; it then kills the child with SIGKILL) and throws firmware_error.
//
// The child ignores SIGINT/SIGTERM (stacksim ends it; Ctrl-C reaches the whole process group)
// and dies with its parent (PR_SET_PDEATHSIG). It closes every descriptor but its socket and
// stdin/stdout/stderr (a firmware's printf shows on stacksim's terminal). SystemC-free.
#pragma once

#include <cstdint>
#include <string>

#include <sys/types.h>

#include "firmware/firmware_host.h"
#include "firmware/firmware_instance.h"
#include "firmware/firmware_options.h"
#include "firmware/fw_rpc.h"

namespace stacksim::fw {

class process_firmware : public firmware_instance {
public:
    // Forks the child and waits for it to load the library (firmware_load_error: could not).
    process_firmware(const std::string& path, firmware_host& host, firmware_options options);
    ~process_firmware() override; // asks the child to quit, reaps it (SIGKILL if it does not)
    process_firmware(const process_firmware&) = delete;
    process_firmware& operator=(const process_firmware&) = delete;

    const std::string& name() const override { return m_name; }
    void power_on() override;
    void power_off() override;
    void timer(unsigned id) override;
    void uart_rx(unsigned port, const std::string& chars, const std::vector<std::uint64_t>& t_ns) override;
    void can_rx(const stacksim_fw_can_frame& frame, std::uint64_t t_ns) override;
    void gpio(unsigned pin, int level) override;

    pid_t pid() const { return m_pid; }
    std::uint64_t malformed() const { return m_malformed; }

private:
    void call(rpc::kind k, std::vector<std::uint64_t> args = {}, std::vector<std::string> blobs = {});
    void send(const rpc::message& m);
    rpc::message receive(double& budget_s);
    void serve(const rpc::message& m);
    [[noreturn]] void dead(const std::string& why);
    std::string exit_reason();

    firmware_host& m_host;
    firmware_options m_options;
    pid_t m_pid = -1;
    int m_fd = -1;
    std::string m_name;
    std::string m_dead; // why the child is gone (empty while it lives)
    std::uint64_t m_malformed = 0;
    std::string m_buffer;
};

} // namespace stacksim::fw
