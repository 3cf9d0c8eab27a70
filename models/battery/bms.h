// The BMS of one battery module.
//
// Measures through its AFE (TLM initiator, register map of afe.h) every `measure_period_s`,
// counts charge for SoC, protects its cells (threshold + delay + recovery hysteresis, then
// opens the module switch through the AFE's driver register), computes the module's charge
// voltage and current limits, and answers the master's RS485 polls (Pylontech-style ASCII-hex
// frames: 0x42 analog values, 0x44 alarms, 0x92 charge/discharge management, 0x47, 0x4F, 0x51).
// The master's BMS additionally runs a stack_master (stack_master.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "battery/afe.h"
#include "common/event_sink.h"
#include "protocol/pylon_rs485.h"
#include "tlm/rs485_socket.h"

namespace stacksim::models {

struct protection_config {
    double cell_ov_v = 3.65, cell_ov_recover_v = 3.40, cell_ov_delay_s = 1.0;
    double cell_uv_v = 2.50, cell_uv_recover_v = 2.90, cell_uv_delay_s = 1.0;
    double charge_oc_a = 60.0, discharge_oc_a = 110.0, oc_delay_s = 1.0, oc_recover_s = 30.0;
};

struct limit_config {
    double cvl_cell_v = 3.55;       // charge voltage limit per cell
    double dvl_cell_v = 2.90;       // discharge voltage limit per cell (0x351 bytes 6-7)
    double ccl_a = 50.0;            // nominal charge current limit
    double dcl_a = 100.0;           // nominal discharge current limit
    double ccl_taper_start_v = 3.45, ccl_taper_end_v = 3.60;  // max cell voltage band where CCL -> 0
    double dcl_taper_start_v = 3.00, dcl_taper_end_v = 2.80;  // min cell voltage band where DCL -> 0
};

struct bms_config {
    std::uint8_t address = 2;          // RS485 address (DIP switch); the master has master_address
    std::uint8_t master_address = 2;
    double measure_period_s = 0.1;
    double capacity_ah = 100.0;        // nominal, for coulomb counting and 0x42
    double initial_soc = 0.5;          // the BMS's stored SoC at start (0..1)
    double response_latency_s = 0.02;  // RS485 request end -> response start
    protection_config protection;
    limit_config limits;
    std::uint8_t protocol_version = 0x20;
};

// The module's state as its BMS knows it (also what 0x42 / 0x92 carry for this module).
struct module_report {
    std::uint8_t address = 0;
    std::vector<double> cell_v;
    std::vector<double> temp_k;  // NTC sensors
    double voltage_v = 0.0;      // module terminals
    double current_a = 0.0;      // + = charging
    double soc = 0.0;            // 0..1
    double soh = 1.0;
    double capacity_ah = 0.0;
    double remaining_ah = 0.0;
    double cvl_v = 0.0, dvl_v = 0.0, ccl_a = 0.0, dcl_a = 0.0;
    bool charge_enable = false, discharge_enable = false;
    bool switch_closed = false;
    bool protection = false;     // any protection active
    std::uint32_t protection_bits = 0; // see bms::prot_* flags
    std::uint32_t cycles = 0;
    double time_s = -1.0;        // measurement time; < 0: never measured
};

class bms : public sc_core::sc_module, public bus::rs485_host {
public:
    enum prot_flag : std::uint32_t {
        prot_cell_ov = 1u << 0,
        prot_cell_uv = 1u << 1,
        prot_charge_oc = 1u << 2,
        prot_discharge_oc = 1u << 3,
    };

    tlm_utils::simple_initiator_socket<bms> afe_out;

    bms(const sc_core::sc_module_name& name, const bms_config& cfg, const afe_config& afe_cfg, event_sink& events);

    const bms_config& config() const { return m_cfg; }
    bool is_master() const { return m_cfg.address == m_cfg.master_address; }
    const module_report& report() const { return m_report; }

    // Ask the BMS to close (true) or open (false) its switch (start-up / shutdown sequencing).
    void request_switch(bool closed);

    // RS485 statistics.
    std::uint64_t rs485_rejected() const { return m_rs485_rejected; }
    std::uint64_t rs485_answered() const { return m_rs485_answered; }

    // On the master, every frame it hears goes to this hook with its decoding (stack_master).
    std::function<void(const bus::rs485_frame&, const proto::rs485_decoded&)> master_rx;
    // Drive a frame through this module's transceiver; returns when the line is released.
    sc_core::sc_time send_rs485(const std::string& chars);
    // Notified after every measurement (the data in report() is fresh).
    const sc_core::sc_event& measured_event() const { return m_measured; }

    void rs485_receive(const bus::rs485_frame& frame) override;
    // The module's name (m0, m1, ...): what a logic analyser on the chain would label it.
    std::string rs485_node_name() const override { return get_parent_object()->basename(); }

private:
    void measure_loop();
    void measure();
    void protect(double dt_s);
    void compute_limits();
    void answer_loop();
    proto::analog_info to_analog() const;
    proto::alarm_info to_alarm() const;
    proto::management_info to_management() const;
    proto::manufacturer_info to_manufacturer() const;
    std::uint32_t afe_read(std::uint32_t addr);
    void afe_write(std::uint32_t addr, std::uint32_t value);
    void drive_switch(bool closed);

    bms_config m_cfg;
    afe_config m_afe_cfg;
    event_sink& m_events;
    module_report m_report;
    bool m_switch_wanted = true;
    bool m_switch_state = false;
    // protection timers: time the condition has been present (s)
    double m_ov_time_s = 0, m_uv_time_s = 0, m_coc_time_s = 0, m_doc_time_s = 0, m_oc_clear_time_s = 0;
    double m_soc_ah = 0.0;
    double m_throughput_ah = 0.0;
    double m_last_t_s = -1.0;
    std::uint64_t m_rs485_rejected = 0;
    std::uint64_t m_rs485_answered = 0;
    sc_core::sc_event m_measured;
    sc_core::sc_event m_answer_ev;
    std::vector<std::pair<sc_core::sc_time, std::string>> m_answers; // queued responses
};

} // namespace stacksim::models
