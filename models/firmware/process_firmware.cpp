#include "firmware/process_firmware.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <utility>
#include <vector>

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "firmware/firmware_child.h"
#include "firmware/firmware_error.h"

namespace stacksim::fw {

namespace {

std::string signal_name(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(sig);
}

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}

// The least wall time the child may take to start and load the firmware (see the constructor).
constexpr double load_allowance_s = 10.0;

// A u64 argument as an unsigned int / size_t, or nothing when out of range.
bool fits_uint(std::uint64_t v) { return v <= UINT_MAX; }

} // namespace

process_firmware::process_firmware(const std::string& path, firmware_host& host, firmware_options options)
    : m_host(host), m_options(std::move(options)) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        throw firmware_load_error(path + ": socketpair: " + std::strerror(errno));
    std::fflush(nullptr); // the child must not repeat buffered output
    const pid_t pid = fork();
    if (pid < 0) {
        const int e = errno;
        ::close(sv[0]);
        ::close(sv[1]);
        throw firmware_load_error(path + ": fork: " + std::strerror(e));
    }
    if (pid == 0) {
        ::close(sv[0]);
        run_firmware_child(sv[1], path);
    }
    ::close(sv[1]);
    m_pid = pid;
    m_fd = sv[0];
    m_buffer.resize(rpc::max_message + 1);
    // Loading is the child starting and the dynamic loader opening the firmware (its static
    // constructors the only firmware code in it): it gets at least load_allowance_s, since a busy
    // machine can take longer than a short watchdog to start a process.
    double budget_s = std::max(m_options.watchdog_s, load_allowance_s);
    rpc::message m;
    try {
        m = receive(budget_s);
    } catch (const firmware_error& e) {
        throw firmware_load_error(path + ": the firmware process " + e.what() + " while loading");
    }
    if (m.kind == rpc::kind::load_failed)
        throw firmware_load_error(m.blobs.at(0));
    if (m.kind != rpc::kind::hello)
        throw firmware_load_error(path + ": the firmware process did not say hello");
    m_name = m.blobs.at(0);
}

process_firmware::~process_firmware() {
    if (m_pid > 0) {
        if (m_dead.empty()) {
            rpc::message q;
            q.kind = rpc::kind::quit;
            const std::string bytes = rpc::encode(q);
            (void)::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            // A well-behaved child exits at once; give it a moment, then kill it.
            for (int i = 0; i < 100; ++i) {
                if (waitpid(m_pid, nullptr, WNOHANG) == m_pid) {
                    m_pid = -1;
                    break;
                }
                usleep(1000);
            }
        }
        if (m_pid > 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
        }
    }
    if (m_fd >= 0)
        ::close(m_fd);
}

void process_firmware::send(const rpc::message& m) {
    const std::string bytes = rpc::encode(m);
    if (::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
        dead(exit_reason());
}

std::string process_firmware::exit_reason() {
    int status = 0;
    if (m_pid <= 0)
        return "is gone";
    if (waitpid(m_pid, &status, 0) != m_pid)
        return "is gone";
    m_pid = -1;
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return (sig == SIGABRT ? "aborted (" : "crashed (") + signal_name(sig) + ")";
    }
    if (WIFEXITED(status))
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    return "ended";
}

void process_firmware::dead(const std::string& why) {
    m_dead = why;
    throw firmware_error(why);
}

rpc::message process_firmware::receive(double& budget_s) {
    using clock = std::chrono::steady_clock;
    const double limit_s = budget_s; // for the message
    for (;;) {
        if (!m_dead.empty())
            throw firmware_error(m_dead);
        const auto t0 = clock::now();
        pollfd p{m_fd, POLLIN, 0};
        const int ms = budget_s <= 0 ? 0 : static_cast<int>(budget_s * 1000.0) + 1;
        const int r = poll(&p, 1, ms);
        budget_s -= std::chrono::duration<double>(clock::now() - t0).count();
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0) {
            kill(m_pid, SIGKILL);
            waitpid(m_pid, nullptr, 0);
            m_pid = -1;
            dead("hung (no return within " + seconds_text(limit_s) + " s of wall time)");
        }
        const ssize_t n = ::recv(m_fd, m_buffer.data(), m_buffer.size(), MSG_TRUNC);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            dead(exit_reason());
        rpc::decoded d;
        if (static_cast<std::size_t>(n) > rpc::max_message)
            d.error = "message of " + std::to_string(n) + " bytes, longer than any valid one";
        else
            d = rpc::decode(reinterpret_cast<const std::uint8_t*>(m_buffer.data()), static_cast<std::size_t>(n));
        if (!d.msg) {
            ++m_malformed;
            if (m_options.notice)
                m_options.notice("malformed message from the firmware process: " + d.error);
            continue;
        }
        return std::move(*d.msg);
    }
}

void process_firmware::call(rpc::kind k, std::vector<std::uint64_t> args, std::vector<std::string> blobs) {
    if (!m_dead.empty())
        throw firmware_error(m_dead);
    rpc::message m;
    m.kind = k;
    m.now_ns = m_host.now_ns();
    m.args = std::move(args);
    m.blobs = std::move(blobs);
    send(m);
    for (;;) {
        double budget_s = m_options.watchdog_s; // from the call or the last reply to the next message
        const rpc::message in = receive(budget_s);
        if (in.kind == rpc::kind::done)
            return;
        if (in.kind != rpc::kind::host_call) {
            ++m_malformed;
            if (m_options.notice)
                m_options.notice("unexpected message kind " + std::to_string(static_cast<int>(in.kind)) +
                                 " from the firmware process during a call");
            continue;
        }
        serve(in);
    }
}

// One host call of the child: run it here, answer with the result (and the data read) and the
// simulated time after it.
void process_firmware::serve(const rpc::message& m) {
    using rpc::fn;
    const auto& a = m.args;
    std::int64_t result = STACKSIM_FW_ERR_ARG;
    std::vector<std::string> out;
    auto bytes = [](const std::string& s) { return reinterpret_cast<const std::uint8_t*>(s.data()); };
    switch (m.fn) {
    case fn::i2c_write:
        if (a[0] <= 0x7F)
            result = m_host.i2c_write(static_cast<std::uint8_t>(a[0]), bytes(m.blobs[0]), m.blobs[0].size());
        break;
    case fn::i2c_read:
        if (a[0] <= 0x7F && a[1] <= rpc::max_blob) {
            std::string data(static_cast<std::size_t>(a[1]), '\0');
            result = m_host.i2c_read(static_cast<std::uint8_t>(a[0]), reinterpret_cast<std::uint8_t*>(data.data()),
                                     data.size());
            out.push_back(std::move(data));
        }
        break;
    case fn::i2c_write_read:
        if (a[0] <= 0x7F && a[1] <= rpc::max_blob) {
            std::string data(static_cast<std::size_t>(a[1]), '\0');
            result = m_host.i2c_write_read(static_cast<std::uint8_t>(a[0]), bytes(m.blobs[0]), m.blobs[0].size(),
                                           reinterpret_cast<std::uint8_t*>(data.data()), data.size());
            out.push_back(std::move(data));
        }
        break;
    case fn::uart_write:
        if (fits_uint(a[0]))
            result = m_host.uart_write(static_cast<unsigned>(a[0]), bytes(m.blobs[0]), m.blobs[0].size());
        break;
    case fn::can_send:
        if (a[0] <= 0x1FFFFFFF && a[1] <= 1 && a[2] <= 1 && a[3] <= 8 && m.blobs[0].size() <= 8) {
            stacksim_fw_can_frame f{};
            f.id = static_cast<std::uint32_t>(a[0]);
            f.extended = static_cast<std::uint8_t>(a[1]);
            f.rtr = static_cast<std::uint8_t>(a[2]);
            f.dlc = static_cast<std::uint8_t>(a[3]);
            std::memcpy(f.data, m.blobs[0].data(), m.blobs[0].size());
            result = m_host.can_send(f);
        }
        break;
    case fn::gpio_write:
        if (fits_uint(a[0]))
            result = m_host.gpio_write(static_cast<unsigned>(a[0]), a[1] != 0);
        break;
    case fn::gpio_read:
        if (fits_uint(a[0]))
            result = m_host.gpio_read(static_cast<unsigned>(a[0]));
        break;
    case fn::timer_start:
        if (fits_uint(a[0]))
            result = m_host.timer_start(static_cast<unsigned>(a[0]), a[1], a[2]);
        break;
    case fn::timer_stop:
        if (fits_uint(a[0]))
            result = m_host.timer_stop(static_cast<unsigned>(a[0]));
        break;
    case fn::nv_size: result = static_cast<std::int64_t>(m_host.nv_size()); break;
    case fn::nv_read:
        if (a[1] <= rpc::max_blob && a[0] <= SIZE_MAX) {
            std::string data(static_cast<std::size_t>(a[1]), '\0');
            result = m_host.nv_read(static_cast<std::size_t>(a[0]), data.data(), data.size());
            out.push_back(std::move(data));
        }
        break;
    case fn::nv_write:
        if (a[0] <= SIZE_MAX)
            result = m_host.nv_write(static_cast<std::size_t>(a[0]), m.blobs[0].data(), m.blobs[0].size());
        break;
    case fn::config: {
        const char* v = m_host.config(m.blobs[0].c_str());
        result = v ? 1 : 0;
        if (v)
            out.emplace_back(v);
        break;
    }
    case fn::log:
        m_host.log(static_cast<int>(static_cast<std::int64_t>(a[0])), a[1] ? m.blobs[0].c_str() : nullptr,
                   m.blobs[1].c_str(), m.blobs[2].c_str());
        return;
    case fn::publish_module: {
        stacksim_fw_module_status s{};
        s.size = sizeof s;
        s.valid = static_cast<std::uint32_t>(a[0]);
        s.soc_pct = rpc::double_of(a[1]);
        s.soh_pct = rpc::double_of(a[2]);
        s.cvl_v = rpc::double_of(a[3]);
        s.dvl_v = rpc::double_of(a[4]);
        s.ccl_a = rpc::double_of(a[5]);
        s.dcl_a = rpc::double_of(a[6]);
        s.protection_bits = static_cast<std::uint32_t>(a[7]);
        s.warning_bits = static_cast<std::uint32_t>(a[8]);
        s.balance_mask = static_cast<std::uint32_t>(a[9]);
        s.charge_enable = static_cast<std::uint8_t>(a[10] != 0);
        s.discharge_enable = static_cast<std::uint8_t>(a[11] != 0);
        m_host.publish_module(s);
        return;
    }
    case fn::publish_stack: {
        stacksim_fw_stack_status s{};
        s.size = sizeof s;
        s.valid = static_cast<std::uint32_t>(a[0]);
        s.modules_present = static_cast<std::uint32_t>(a[1]);
        s.soc_pct = rpc::double_of(a[2]);
        s.soh_pct = rpc::double_of(a[3]);
        s.cvl_v = rpc::double_of(a[4]);
        s.dvl_v = rpc::double_of(a[5]);
        s.ccl_a = rpc::double_of(a[6]);
        s.dcl_a = rpc::double_of(a[7]);
        s.voltage_v = rpc::double_of(a[8]);
        s.current_a = rpc::double_of(a[9]);
        m_host.publish_stack(s);
        return;
    }
    case fn::none:
    case fn::count: break;
    }
    rpc::message r;
    r.kind = rpc::kind::reply;
    r.now_ns = m_host.now_ns();
    r.args.push_back(static_cast<std::uint64_t>(result));
    r.blobs = std::move(out);
    send(r);
}

void process_firmware::power_on() { call(rpc::kind::call_power_on); }
void process_firmware::power_off() { call(rpc::kind::call_power_off); }
void process_firmware::timer(unsigned id) { call(rpc::kind::call_timer, {id}); }
void process_firmware::uart_rx(unsigned port, const std::string& chars, const std::vector<std::uint64_t>& t_ns) {
    std::string times;
    times.reserve(8 * t_ns.size());
    for (const std::uint64_t t : t_ns)
        for (int b = 0; b < 8; ++b)
            times.push_back(static_cast<char>((t >> (8 * b)) & 0xFF));
    call(rpc::kind::call_uart_rx, {port}, {chars, times});
}
void process_firmware::can_rx(const stacksim_fw_can_frame& f, std::uint64_t t_ns) {
    const std::size_t n = f.dlc <= 8 ? f.dlc : 8;
    call(rpc::kind::call_can_rx, {f.id, f.extended, f.rtr, f.dlc, t_ns},
         {std::string(reinterpret_cast<const char*>(f.data), n)});
}
void process_firmware::gpio(unsigned pin, int level) {
    call(rpc::kind::call_gpio, {pin, static_cast<std::uint64_t>(static_cast<std::int64_t>(level))});
}

} // namespace stacksim::fw
