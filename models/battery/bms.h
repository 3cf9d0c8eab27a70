// The BMS of one battery module.
//
// Measures through its AFE (TLM initiator, register map of afe.h) every `measure_period_s`,
// counts charge for SoC, protects its cells (threshold + delay + recovery hysteresis, then
// opens the module switch through the AFE's driver register; module OV/UV on the sum of the
// cells; repeated over-current trips latch a lock-out), computes the module's charge
// voltage and current limits, and answers RS485 requests addressed to it (Pylontech-style
// ASCII-hex frames: 0x42 analog values, 0x44 alarms, 0x47 system parameters, 0x4F protocol
// version, 0x51 manufacturer info, 0x92 charge/discharge management, 0x93 serial number; the
// join command 0x99 on a sub) -- the master's polls, or a host's on the chain (rs485_bridge).
// The master's BMS additionally runs a stack_master (stack_master.h), which sees every frame the
// master hears; the master's node answers requests to its own address like a sub's does.
// A node has one transceiver: its answers and the master's polls go out one after the other.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include "battery/afe.h"
#include "battery/bms_config.h"
#include "common/event_sink.h"
#include "common/shared_instants.h"
#include "protocol/pylon_rs485.h"
#include "tlm/rs485_socket.h"

namespace stacksim::models {

// The module's state as its BMS knows it (also what 0x42 / 0x92 carry for this module).
struct module_report {
    std::uint8_t address = 0;
    std::vector<double> cell_v;
    std::vector<double> temp_k;  // NTC sensors
    double voltage_v = 0.0;      // module terminals (behind the switch: the bus, or 0 V when it is dead)
    double stack_v = 0.0;        // the module's own stack: the sum of its cell readings (switch side
                                 // of the cells, independent of the switch); module OV/UV judge this
    double current_a = 0.0;      // + = charging
    double soc = 0.0;            // 0..1
    double soh = 1.0;
    double capacity_ah = 0.0;
    double remaining_ah = 0.0;
    double cvl_v = 0.0, dvl_v = 0.0, ccl_a = 0.0, dcl_a = 0.0;
    bool charge_enable = false, discharge_enable = false;
    bool switch_closed = false;
    bool protection = false;     // any isolating protection active
    bool master_lost = false;    // sub: the master has been silent for master_timeout_s
    bool joined = true;          // sub: admitted by the master (start-up sequencing)
    bool powered = true;
    bool locked_out = false;     // over-current lock-out: isolated until a manual reset or timeout
    bool calibrated = true;      // false from a first start until the first full-charge detection
                                 // (the master: from the sub's 0x92 full-charge request, b3)
    std::uint32_t protection_bits = 0; // see bms::flag()
    std::uint32_t warning_bits = 0;    // same layout, warning level
    std::uint32_t sensor_faults = 0;   // faulty sensors counted at the last measurement
    std::uint32_t balance_mask = 0;    // bleed switches on (bit k = cell k)
    std::uint32_t cycles = 0;
    double time_s = -1.0;        // measurement time; < 0: never measured
};

class bms : public sc_core::sc_module, public bus::rs485_host {
public:
    // protection_bits / warning_bits: bit k = prot_channel k; bit 12 = short circuit (AFE).
    static constexpr std::uint32_t flag(prot_channel c) { return 1u << static_cast<unsigned>(c); }
    static constexpr std::uint32_t prot_short_circuit = 1u << 12;
    // Bit 13: over-current lock-out (protection_config::oc_lockout_*); while it is set the
    // over-current bits that caused it stay set too.
    static constexpr std::uint32_t prot_lockout = 1u << 13;
    // Protections that only refuse charge (CCL = 0) instead of isolating the module.
    static constexpr std::uint32_t charge_only_mask =
        (1u << static_cast<unsigned>(prot_channel::charge_ot)) | (1u << static_cast<unsigned>(prot_channel::charge_ut));

    tlm_utils::simple_initiator_socket<bms> afe_out;

    // instants: where the measurement cycle's wake-ups come from when several modules share
    // their instants (shared_instants.h); nullptr: the BMS's own timeouts.
    bms(const sc_core::sc_module_name& name, const bms_config& cfg, const afe_config& afe_cfg, event_sink& events,
        shared_instants* instants = nullptr);

    const bms_config& config() const { return m_cfg; }
    bool is_master() const { return m_cfg.address == m_cfg.master_address; }
    const module_report& report() const { return m_report; }

    // Ask the BMS to close (true) or open (false) its switch (start-up / shutdown sequencing).
    void request_switch(bool closed);
    // Switch the BMS (the module's electronics) off or on. Off: the switch opens, no
    // measurements, nothing sent or answered on RS485 (and so no CAN on the master).
    void set_powered(bool on);
    bool powered() const { return m_powered; }
    // The RUN button, released after press_s (5K3 manual, weco-stack.md §4.5): a press of
    // run_off_press_s or longer switches the module off; of run_on_press_s or longer on, and is
    // the manual reset that clears an over-current lock-out (at the next measurement; without a
    // lock-out that changes nothing); shorter is ignored (the short press, forced charge from
    // under-voltage, is not modelled). Returns the effect: "off", "on" or "ignored".
    static constexpr double run_on_press_s = 2.0;
    static constexpr double run_off_press_s = 5.0;
    const char* run_button(double press_s = run_on_press_s);
    const sc_core::sc_event& power_event() const { return m_power_ev; }
    // Manufacturer-specific RS485 command (CID2) the master sends to admit a sub at start-up:
    // INFO = [address, 1 = join / 0 = stay open].
    static constexpr std::uint8_t cid2_join = proto::cid2::join;

    // AFE register traffic: transactions issued and the bus time the AFE annotated on them (the
    // BMS does not wait it: it fits in the measurement period, docs/models/afe.md).
    std::uint64_t afe_transactions() const { return m_afe_transactions; }
    sc_core::sc_time afe_bus_time() const { return m_afe_bus_time; }

    // RS485 statistics.
    std::uint64_t rs485_rejected() const { return m_rs485_rejected; }
    std::uint64_t rs485_answered() const { return m_rs485_answered; }

    // On the master, every frame it hears goes to this hook with its decoding (stack_master).
    std::function<void(const bus::rs485_frame&, const proto::rs485_decoded&)> master_rx;
    // On the master: the subs as it last heard them (stack_master), for the whole-stack 0x42
    // (ADR = master, INFO 0xFF): the master's block first, then one per sub it has heard and not lost.
    std::function<std::vector<proto::analog_info>()> subs_analog;
    // On the master: the stack's charge/discharge management (stack_master), for the whole-stack
    // 0x92 (ADR = master, INFO 0xFF) an RS485 inverter polls: the limits the master sends on CAN.
    std::function<proto::management_info()> stack_management;
    // Drive a frame through this module's transceiver, once it has finished what it is sending
    // (waits: call from a thread); returns when the line is released.
    sc_core::sc_time send_rs485(const std::string& chars);
    // The serial number this module answers in 0x93 (16 ASCII characters; assumed, from the
    // address: STACKSIM-4K4-NNN with NNN the address in decimal).
    std::string serial_number() const;
    // Notified after every measurement (the data in report() is fresh).
    const sc_core::sc_event& measured_event() const { return m_measured; }

    void rs485_receive(const bus::rs485_frame& frame) override;
    // The module's name (m0, m1, ...): what a logic analyser on the chain would label it.
    std::string rs485_node_name() const override {
        return get_parent_object() ? get_parent_object()->basename() : basename();
    }

private:
    // The measurement cycle, a method in two phases (no thread switch per phase): at the cycle's
    // start it starts the AFE's conversion, after conversion_time_s it reads the results and
    // measures, and the next cycle starts measure_period_s after this one started. Unpowered, it
    // waits for power.
    void measure_step();
    void wake_at(const sc_core::sc_time& t); // measure_step's next run, at absolute time t
    void measure();
    void protect(double dt_s);
    void update_level(std::size_t ch, bool warning, double value, double dt_s);
    void compute_limits();
    void balance();
    void recalibrate(double dt_s, double dq_ah);
    void set_soc(double soc, const char* reason);
    double soc_ceiling() const; // highest SoC the BMS reports (0..1): 1, or capped while uncalibrated
    void answer_step(); // a method: sends the due answers (m_answers)
    proto::analog_info to_analog() const;
    proto::alarm_info to_alarm() const;
    proto::management_info to_management() const;
    proto::manufacturer_info to_manufacturer() const;
    proto::system_parameters to_system_parameters() const;
    // The answer to a request that ended here at request_end, after response_latency_s.
    void queue_answer(std::uint8_t rtn, const std::vector<std::uint8_t>& info, const sc_core::sc_time& request_end);
    void wait_transceiver_free();
    void afe_access(tlm::tlm_command cmd, std::uint32_t addr, std::uint32_t* data, std::size_t words);
    void read_results();
    std::uint32_t result(std::uint32_t addr) const { return m_results[(addr - results_first) / 4]; }
    std::uint32_t afe_read(std::uint32_t addr);
    void afe_write(std::uint32_t addr, std::uint32_t value);
    void drive_switch(bool closed);

    // A measurement reads the AFE's register file from STATUS to the last NTC in one burst:
    // status, open-wire and fault flags, the cells, module voltage, current, the latched
    // short-circuit current and the NTCs.
    static constexpr std::uint32_t results_first = afe::REG_STATUS;
    static constexpr std::size_t results_words_max = (afe::REG_NTC0 - results_first) / 4 + afe::max_cells;

    bms_config m_cfg;
    afe_config m_afe_cfg;
    tlm::tlm_generic_payload m_tx;  // reused for every AFE access
    std::array<std::uint32_t, results_words_max> m_results{};
    std::size_t m_results_words = 0;
    // Each NTC's last counts and their temperature (a pure function of the counts; a reading
    // mostly repeats between measurements). Counts above any ADC's range: none yet.
    std::array<std::uint32_t, afe::max_cells> m_ntc_counts_seen;
    std::array<double, afe::max_cells> m_ntc_temp_k_seen{};
    std::uint64_t m_afe_transactions = 0;
    sc_core::sc_time m_afe_bus_time;
    event_sink& m_events;
    module_report m_report;
    bool m_switch_wanted = true;
    bool m_powered = true;
    double m_last_master_s = 0.0;
    sc_core::sc_event m_power_ev;
    bool m_switch_state = false;       // main switch commanded closed
    bool m_precharging = false;        // precharge path commanded closed, main still open
    double m_precharge_since_s = 0.0;
    // protection timers per channel and level: time the set (or, when active, the clear)
    // condition has held (s)
    std::array<std::array<double, 2>, n_prot_channels> m_prot_timer_s{};
    double m_sc_time_s = 0.0; // time since the short-circuit trip
    // Over-current lock-out: times of the recent over-current trips (within the window), when the
    // lock-out was set, which over-current bits caused it, and a pending manual reset.
    std::vector<double> m_oc_trips_s;
    double m_lockout_since_s = 0.0;
    std::uint32_t m_lockout_cause = 0;
    const char* m_reset_request = nullptr; // "run_button" / "power_cycle" until the next measurement
    void clear_lockout_if_due();
    void lock_out_if_due(std::uint32_t prot_before);
    double m_rest_s = 0.0, m_full_s = 0.0, m_ah_since_full = 0.0;
    bool m_rest_done = false, m_full_done = false, m_have_full = false;
    double m_soc_ah = 0.0;
    double m_throughput_ah = 0.0;
    double m_last_t_s = -1.0;
    std::uint64_t m_rs485_rejected = 0;
    std::uint64_t m_rs485_answered = 0;
    sc_core::sc_event m_measured;
    bool m_converting = false;        // measure_step: between a conversion's start and its results
    sc_core::sc_time m_cycle_start;   // of the present measurement cycle
    sc_core::sc_time m_period, m_conversion; // measure_period_s, the AFE's conversion_time_s
    shared_instants* m_instants;             // nullptr: own timeouts
    sc_core::sc_event m_answer_ev;
    std::vector<std::pair<sc_core::sc_time, std::string>> m_answers; // queued responses
    std::string m_answer_chars; // the answer taken from the queue, until it is on the line
    bool m_answer_taken = false;
    sc_core::sc_time m_tx_free;        // this node's transceiver is released (its last frame's end)
};

} // namespace stacksim::models
