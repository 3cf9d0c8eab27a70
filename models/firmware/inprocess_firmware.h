// In-process mode (isolation: inprocess): the library is loaded with dlmopen(LM_ID_NEWLM), in a
// link-map namespace of its own per instance, so each instance still has its own globals, and
// its callbacks are plain function calls (no process switch: the fast mode).
//
// No crash isolation: a firmware that dereferences NULL or aborts takes stacksim down with it
// (the process dies by the signal; the time series rows written so far are whole, summary.json
// is not written). A hang is caught by a watchdog thread (wall time within one callback, host
// calls not counted), which prints the message (options.where) and ends the process with exit
// status 1, as the firmware cannot be stopped from outside. glibc offers 16 namespaces, so at
// most 15 in-process instances exist at once (a power cycle replaces its instance).
// SystemC-free.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "firmware/firmware_host.h"
#include "firmware/firmware_instance.h"
#include "firmware/firmware_options.h"

namespace stacksim::fw {

class inprocess_firmware : public firmware_instance, private firmware_host {
public:
    inprocess_firmware(const std::string& path, firmware_host& host, firmware_options options);
    ~inprocess_firmware() override;
    inprocess_firmware(const inprocess_firmware&) = delete;
    inprocess_firmware& operator=(const inprocess_firmware&) = delete;

    const std::string& name() const override { return m_name; }
    void power_on() override;
    void power_off() override;
    void timer(unsigned id) override;
    void uart_rx(unsigned port, const std::string& chars, const std::vector<std::uint64_t>& t_ns) override;
    void can_rx(const stacksim_fw_can_frame& frame, std::uint64_t t_ns) override;
    void gpio(unsigned pin, int level) override;

private:
    // The watchdog runs while firmware code runs: armed on entering a callback and on returning
    // from a host call, disarmed on leaving a callback and on entering a host call. Arming and
    // disarming only count an atomic epoch (odd = armed), no lock and no wake-up: the watchdog
    // thread samples it every watch_period() and fires when one odd epoch has lasted watchdog_s.
    void arm();
    void disarm();
    void watch();
    std::chrono::steady_clock::duration watch_period() const;
    struct in_firmware; // RAII: armed for the scope of a callback
    struct in_host;     // RAII: disarmed for the scope of a host call

    // firmware_host: forwards to m_host with the watchdog disarmed.
    std::uint64_t now_ns() override;
    int i2c_write(std::uint8_t addr7, const std::uint8_t* data, std::size_t len) override;
    int i2c_read(std::uint8_t addr7, std::uint8_t* data, std::size_t len) override;
    int i2c_write_read(std::uint8_t addr7, const std::uint8_t* wdata, std::size_t wlen, std::uint8_t* rdata,
                       std::size_t rlen) override;
    int uart_write(unsigned port, const std::uint8_t* data, std::size_t len) override;
    int can_send(const stacksim_fw_can_frame& frame) override;
    int gpio_write(unsigned pin, int level) override;
    int gpio_read(unsigned pin) override;
    int timer_start(unsigned id, std::uint64_t delay_ns, std::uint64_t period_ns) override;
    int timer_stop(unsigned id) override;
    std::size_t nv_size() override;
    int nv_read(std::size_t offset, void* data, std::size_t len) override;
    int nv_write(std::size_t offset, const void* data, std::size_t len) override;
    const char* config(const char* key) override;
    void log(int level, const char* component, const char* kind, const char* message) override;
    void publish_module(const stacksim_fw_module_status& status) override;
    void publish_stack(const stacksim_fw_stack_status& status) override;

    firmware_host& m_host;
    firmware_options m_options;
    void* m_handle = nullptr;
    stacksim_fw_api m_api{};
    stacksim_fw_host m_table{};
    std::string m_name;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::atomic<std::uint64_t> m_epoch{0};
    bool m_quit = false; // under m_mutex
    std::thread m_watchdog;
};

} // namespace stacksim::fw
