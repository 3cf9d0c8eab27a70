#include "firmware/inprocess_firmware.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include <dlfcn.h>
#include <unistd.h>

#include "firmware/firmware_entry.h"
#include "firmware/firmware_error.h"
#include "firmware/host_table.h"

namespace stacksim::fw {

struct inprocess_firmware::in_firmware {
    explicit in_firmware(inprocess_firmware& f) : fw(f) { fw.arm(); }
    ~in_firmware() { fw.disarm(); }
    in_firmware(const in_firmware&) = delete;
    in_firmware& operator=(const in_firmware&) = delete;
    inprocess_firmware& fw;
};

inprocess_firmware::inprocess_firmware(const std::string& path, firmware_host& host, firmware_options options)
    : m_host(host), m_options(std::move(options)) {
    m_handle = dlmopen(LM_ID_NEWLM, path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!m_handle)
        throw firmware_load_error(path + ": " + dlerror());
    try {
        m_api = load_firmware_api(m_handle, path);
    } catch (...) {
        dlclose(m_handle);
        throw;
    }
    m_name = m_api.name ? m_api.name : path;
    m_table = make_host_table(static_cast<firmware_host&>(*this));
    m_watchdog = std::thread([this] { watch(); });
}

inprocess_firmware::~inprocess_firmware() {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_quit = true;
    }
    m_cv.notify_all();
    if (m_watchdog.joinable())
        m_watchdog.join();
    dlclose(m_handle);
}

void inprocess_firmware::arm() { m_epoch.fetch_add(1, std::memory_order_relaxed); }
void inprocess_firmware::disarm() { m_epoch.fetch_add(1, std::memory_order_relaxed); }

// A tenth of the watchdog time, at most 50 ms: a hang is reported within watchdog_s + two periods
// (an armed epoch is timed from the first sample that sees it).
std::chrono::steady_clock::duration inprocess_firmware::watch_period() const {
    const double s = std::min(0.05, m_options.watchdog_s / 10.0);
    return std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(s));
}

void inprocess_firmware::watch() {
    using clock = std::chrono::steady_clock;
    const auto limit = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(m_options.watchdog_s));
    std::uint64_t seen = 0; // the armed epoch being timed (0: none)
    clock::time_point since;
    std::unique_lock<std::mutex> lock(m_mutex);
    for (;;) {
        if (m_cv.wait_for(lock, watch_period(), [this] { return m_quit; }))
            return;
        const std::uint64_t e = m_epoch.load(std::memory_order_relaxed);
        if (e % 2 == 0) { // not in firmware code
            seen = 0;
            continue;
        }
        if (e != seen) { // a new stretch of firmware code
            seen = e;
            since = clock::now();
            continue;
        }
        if (clock::now() - since >= limit) {
            char what[160];
            std::snprintf(what, sizeof what,
                          "hung (no return within %g s of wall time; in-process mode cannot stop it, the run ends here)",
                          m_options.watchdog_s);
            const std::string message = m_options.where ? m_options.where(what) : m_name + " " + what;
            std::fprintf(stderr, "stacksim: %s\n", message.c_str());
            std::fflush(stderr);
            _exit(1);
        }
    }
}

void inprocess_firmware::power_on() {
    in_firmware guard(*this);
    if (m_api.on_power_on)
        m_api.on_power_on(&m_table);
}
void inprocess_firmware::power_off() {
    in_firmware guard(*this);
    if (m_api.on_power_off)
        m_api.on_power_off();
}
void inprocess_firmware::timer(unsigned id) {
    in_firmware guard(*this);
    if (m_api.on_timer)
        m_api.on_timer(id);
}
void inprocess_firmware::uart_rx(unsigned port, const std::string& chars, const std::vector<std::uint64_t>& t_ns) {
    in_firmware guard(*this);
    if (m_api.on_uart_rx)
        for (std::size_t i = 0; i < chars.size() && i < t_ns.size(); ++i)
            m_api.on_uart_rx(port, static_cast<std::uint8_t>(chars[i]), t_ns[i]);
}
void inprocess_firmware::can_rx(const stacksim_fw_can_frame& frame, std::uint64_t t_ns) {
    in_firmware guard(*this);
    if (m_api.on_can_rx)
        m_api.on_can_rx(&frame, t_ns);
}
void inprocess_firmware::gpio(unsigned pin, int level) {
    in_firmware guard(*this);
    if (m_api.on_gpio)
        m_api.on_gpio(pin, level);
}

// Host calls: the watchdog pauses while the host works (an I2C transfer runs the simulation).
struct inprocess_firmware::in_host {
    explicit in_host(inprocess_firmware& f) : fw(f) { fw.disarm(); }
    ~in_host() { fw.arm(); }
    in_host(const in_host&) = delete;
    in_host& operator=(const in_host&) = delete;
    inprocess_firmware& fw;
};

std::uint64_t inprocess_firmware::now_ns() { return m_host.now_ns(); } // no simulation runs: not paused
int inprocess_firmware::i2c_write(std::uint8_t addr7, const std::uint8_t* data, std::size_t len) {
    in_host h(*this);
    return m_host.i2c_write(addr7, data, len);
}
int inprocess_firmware::i2c_read(std::uint8_t addr7, std::uint8_t* data, std::size_t len) {
    in_host h(*this);
    return m_host.i2c_read(addr7, data, len);
}
int inprocess_firmware::i2c_write_read(std::uint8_t addr7, const std::uint8_t* wdata, std::size_t wlen,
                                       std::uint8_t* rdata, std::size_t rlen) {
    in_host h(*this);
    return m_host.i2c_write_read(addr7, wdata, wlen, rdata, rlen);
}
int inprocess_firmware::uart_write(unsigned port, const std::uint8_t* data, std::size_t len) {
    in_host h(*this);
    return m_host.uart_write(port, data, len);
}
int inprocess_firmware::can_send(const stacksim_fw_can_frame& frame) {
    in_host h(*this);
    return m_host.can_send(frame);
}
int inprocess_firmware::gpio_write(unsigned pin, int level) {
    in_host h(*this);
    return m_host.gpio_write(pin, level);
}
int inprocess_firmware::gpio_read(unsigned pin) { return m_host.gpio_read(pin); }
int inprocess_firmware::timer_start(unsigned id, std::uint64_t delay_ns, std::uint64_t period_ns) {
    return m_host.timer_start(id, delay_ns, period_ns);
}
int inprocess_firmware::timer_stop(unsigned id) { return m_host.timer_stop(id); }
std::size_t inprocess_firmware::nv_size() { return m_host.nv_size(); }
int inprocess_firmware::nv_read(std::size_t offset, void* data, std::size_t len) {
    return m_host.nv_read(offset, data, len);
}
int inprocess_firmware::nv_write(std::size_t offset, const void* data, std::size_t len) {
    in_host h(*this);
    return m_host.nv_write(offset, data, len);
}
const char* inprocess_firmware::config(const char* key) { return m_host.config(key); }
void inprocess_firmware::log(int level, const char* component, const char* kind, const char* message) {
    in_host h(*this);
    m_host.log(level, component, kind, message);
}
void inprocess_firmware::publish_module(const stacksim_fw_module_status& status) { m_host.publish_module(status); }
void inprocess_firmware::publish_stack(const stacksim_fw_stack_status& status) { m_host.publish_stack(status); }

} // namespace stacksim::fw
