// A module's BMS when it is the user's firmware (docs/firmware.md): the microcontroller around a
// firmware library loaded through the C ABI (stacksim_fw.h), wired as the module wires it.
//
//   I2C controller  i2c_out (TLM-2.0 generic payload, i2c_socket.h) -> the BQ76952's i2c_in;
//                   each transfer waits for its wire time (the target's delay), so the firmware's
//                   now_ns() has advanced by the transfer's duration when the call returns.
//   RS485 UART      a node on the chain (rs485_host). Received: every character of a frame, in
//                   order, each stamped with the end of its own stop bit at this module
//                   (rs485_frame::char_start(i + 1)); the chain hands over whole frames at their
//                   end, so the callbacks run then. Garbled frames (collision, noise) are dropped
//                   and counted, as a UART's framing errors. Sent: what the firmware writes within
//                   one instant goes out as one transmission once the transceiver is free.
//   CAN             the master only: a node on the bus (firmware_can_node); received frames are
//                   stamped with their end (now, at can_receive).
//   GPIO            CONTACTOR and PRECHARGE drive the plant through the plant_switch_gate (the
//                   switch closes only while CONTACTOR and the AFE's FETs both say so); LEDs are
//                   kept. Inputs: RUN button (run_button() pulses it) and the AFE's ALERT pin
//                   (connect_alert()); each edge calls on_gpio.
//   timers          16, one-shot or periodic, ns resolution: one SC_METHOD on one event set to
//                   the earliest due timer.
//   NV              nv_size bytes, erased 0xFF, in a file per module (firmware_config::nv_file),
//                   written through on every nv_write; it outlives power cycles and runs.
//
// One SC_THREAD calls the firmware, one callback at a time in the order their causes happened
// (an interrupt that comes while the firmware waits on I2C is served after the callback
// returns). Power: power-off calls on_power_off, then the outputs drop (switch open, LEDs off) and
// the instance is unloaded; power-on loads a fresh instance (RAM lost, NV kept) and calls
// on_power_on. The run's end calls on_power_off (end_of_run()), unless it falls inside a callback
// (waiting on a bus transfer that would end later): then the firmware is frozen there and not called again.
//
// Failures: when the firmware crashes, aborts, hangs (the watchdog) or breaks the protocol, the
// module logs firmware_failure, keeps the message (failure()) and stops the simulation
// (sc_stop); the runner then ends the run with that message and exit status 1.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "battery/battery_module_config.h"
#include "battery/module_bms_view.h"
#include "common/event_sink.h"
#include "firmware/firmware_can_node.h"
#include "firmware/firmware_host.h"
#include "firmware/firmware_instance.h"
#include "firmware/plant_switch_gate.h"
#include "tlm/i2c_socket.h"
#include "tlm/rs485_arrivals.h"
#include "tlm/rs485_socket.h"

namespace stacksim::models {

class firmware_bms : public sc_core::sc_module,
                     public bus::rs485_host,
                     public module_bms_view,
                     private fw::firmware_host {
public:
    tlm_utils::simple_initiator_socket<firmware_bms> i2c_out;

    // `cells`: the module's cells; the BQ76952 binds to afe_plant() instead (the gate). Loads the
    // firmware now (std::invalid_argument naming the library when it cannot be loaded).
    firmware_bms(const sc_core::sc_module_name& name, const battery_module_config& cfg, module_plant_if& cells,
                 event_sink& events);
    ~firmware_bms() override;

    bool is_master() const { return m_is_master; }
    module_plant_if& afe_plant() { return m_gate; }
    const plant_switch_gate& gate() const { return m_gate; }
    // The AFE's ALERT pin: `ev` fires when it may have changed, `asserted` reads it.
    void connect_alert(const sc_core::sc_event& ev, std::function<bool()> asserted);
    // The AFE's current_changed() (the stack calls it when the module currents change).
    void on_current_changed(std::function<void()> f) { m_current_changed = std::move(f); }

    // Statistics.
    std::uint64_t callbacks() const { return m_callbacks; }
    std::uint64_t host_calls() const { return m_host_calls; }
    std::uint64_t i2c_transfers() const { return m_i2c_transfers; }
    std::uint64_t uart_rx_chars() const { return m_uart_rx_chars; }
    std::uint64_t uart_framing_errors() const { return m_uart_framing_errors; }
    int output(unsigned pin) const { return pin < m_out.size() ? m_out[pin] : -1; }

    // module_bms_view
    const module_report& report() const override { return m_report; }
    bool reported(report_group g) const override;
    const stack_aggregate* aggregate() const override { return m_is_master ? &m_agg : nullptr; }
    bool aggregated(aggregate_group g) const override;
    std::optional<bool> heartbeat_lost() const override { return std::nullopt; }
    const proto::battery_can_state* can_state() const override { return nullptr; }
    bus::rs485_initiator_socket& rs485_port() override { return rs485; }
    bus::can_initiator_socket* can_port() override { return m_can ? &m_can->can_tx : nullptr; }
    std::string can_node_name() const override { return m_can ? m_can->can_node_name() : std::string(); }
    void set_powered(bool on) override;
    std::string run_button(double press_s) override;
    void current_changed() override {
        if (m_current_changed)
            m_current_changed();
    }
    void end_of_run() override;
    const std::string* failure() const override { return m_failure.empty() ? nullptr : &m_failure; }

    // rs485_host
    void rs485_receive(const bus::rs485_frame& frame) override;
    std::string rs485_node_name() const override;

private:
    struct pending {
        enum kind_t { power_on, power_off, timer, uart, can, gpio } kind = power_on;
        unsigned a = 0; // timer id, port, pin
        int level = 0;
        std::uint64_t t_ns = 0;               // can: the end of the frame
        std::string chars;                    // uart: one frame's characters
        std::vector<std::uint64_t> char_t_ns; // uart: the end of each one's stop bit
        stacksim_fw_can_frame frame{};
    };
    struct timer_slot {
        bool active = false;
        sc_core::sc_time due, period;
    };

    void load();
    void push(const pending& p);
    void dispatch_loop();
    void deliver(const pending& p);
    void fail(const std::string& what, const std::string& during);
    std::string describe(const pending& p) const;
    std::string where(const std::string& what) const;
    std::string module_label() const;
    void timer_method();
    void reschedule_timers();
    void tx_loop();
    void run_release();
    void alert_changed();
    void outputs_off();
    void log_event(const std::string& component, const std::string& kind, const nlohmann::json& details);
    int i2c_transfer(tlm::tlm_command cmd, std::uint8_t addr7, std::uint8_t* data, std::size_t len, bool stop);
    void nv_load();

    // firmware_host
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
    std::size_t nv_size() override { return m_nv.size(); }
    int nv_read(std::size_t offset, void* data, std::size_t len) override;
    int nv_write(std::size_t offset, const void* data, std::size_t len) override;
    const char* config(const char* key) override;
    void log(int level, const char* component, const char* kind, const char* message) override;
    void publish_module(const stacksim_fw_module_status& status) override;
    void publish_stack(const stacksim_fw_stack_status& status) override;

    firmware_config m_cfg;
    bool m_is_master;
    event_sink& m_events;
    plant_switch_gate m_gate;
    std::unique_ptr<firmware_can_node> m_can;
    std::unique_ptr<fw::firmware_instance> m_fw;
    std::string m_fw_name;
    module_report m_report;
    std::uint32_t m_ms_valid = 0;
    stack_aggregate m_agg;
    std::uint32_t m_ss_valid = 0;

    bool m_powered = true;
    bool m_in_thread = false;       // inside the dispatcher: host calls may wait
    std::string m_during;           // the callback running now (for failure messages)
    const char* m_last_call = "none";
    std::string m_failure;
    std::deque<pending> m_queue;
    sc_core::sc_event m_work_ev;

    std::array<timer_slot, STACKSIM_FW_TIMER_COUNT> m_timers{};
    sc_core::sc_event m_timer_ev;

    std::array<int, STACKSIM_FW_GPIO_OUT_COUNT> m_out{};
    int m_run_pin = 0, m_alert_pin = 0;
    std::function<bool()> m_alert_level;
    sc_core::sc_event m_run_release_ev;
    std::function<void()> m_current_changed;

    std::string m_tx_chars;
    sc_core::sc_event m_tx_ev;
    sc_core::sc_time m_tx_free;

    bus::i2c_extension m_i2c_ext;
    std::vector<std::uint8_t> m_nv;

    std::uint64_t m_callbacks = 0, m_host_calls = 0, m_i2c_transfers = 0;
    std::uint64_t m_uart_rx_chars = 0, m_uart_framing_errors = 0, m_rpc_malformed = 0;

    // A frame reaches the firmware at its end here, never before: the firmware may read its clock
    // in on_uart_rx.
    void uart_heard(const bus::rs485_frame& frame);
    bus::rs485_arrivals m_rx_arrivals{"rx_arrivals", [this](const bus::rs485_frame& f) { uart_heard(f); }};
};

} // namespace stacksim::models
