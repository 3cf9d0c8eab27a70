// The master's stack logic: polls every sub over the RS485 chain and aggregates the stack's
// limits and state from the modules present (can_link sends them to the inverter).
//
// Poll cycle (every `poll_period_s`): for each sub in chain order, 0x42 (analog values), 0x92
// (charge/discharge management) and, with poll_alarms, 0x44 (alarm info), each with a response
// timeout and retries. A sub that misses
// `lost_after_misses` cycles in a row is marked lost (event) and excluded from the aggregate
// until it answers again (event). A sub waiting to join is admitted on open-circuit voltages
// (stack_master_config::join_window_v and the rest rule below).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "battery/bms.h"
#include "common/event_sink.h"
#include "protocol/pylon_can.h"
#include "protocol/pylon_rs485.h"

namespace stacksim::models {

struct stack_master_config {
    std::vector<std::uint8_t> sub_addresses;   // chain order
    double poll_period_s = 1.0;
    double response_timeout_s = 0.5;
    unsigned retries = 1;
    unsigned lost_after_misses = 3;
    // Stack caps by number of modules present (index = count, 0..number of modules; empty = no
    // cap). A count the table does not reach throws std::out_of_range: scenario loading refuses
    // such a stack (docs/models/bms.md, "Stack limits").
    std::vector<double> max_ccl_a_by_count;
    std::vector<double> max_dcl_a_by_count;
    // Joining: a sub joins (the master sends it bms::cid2_join) only when its open-circuit
    // voltage (the sum of its cells: its switch is open) is within join_window_v of the master's
    // open-circuit voltage; otherwise it stays open (sub_join_refused says why). The master knows
    // its own open-circuit voltage only from its cells at rest: |I| < join_rest_current_a for
    // join_rest_time_s (a module starts at rest). Its last rest value stays valid while less than
    // join_max_ah_since_rest has flowed since; beyond that the decision waits for the bus to rest
    // (sub_join_deferred).
    double join_window_v = 1.5;
    double join_rest_current_a = 1.0;
    double join_rest_time_s = 600.0;
    double join_max_ah_since_rest = 0.5;
    // Also poll each sub's alarm info (0x44) every cycle: its protections (cell / module voltage,
    // current, temperature) reach the 0x359 / 0x35A conditions the master sends.
    bool poll_alarms = true;
};

// The stack as the master knows it, and what it sends.
struct stack_aggregate {
    double time_s = -1.0;           // when the master computed it (each CAN cycle); < 0: never yet
    unsigned modules_present = 0;   // present, joined and healthy: counted in the limits
    unsigned modules_protected = 0; // present but in protection
    bool cluster_stop = false;      // more than cluster_max_protected in protection: CCL = DCL = 0
    double cvl_v = 0, dvl_v = 0, ccl_a = 0, dcl_a = 0;
    double soc_pct = 0, soh_pct = 0;
    double voltage_v = 0, current_a = 0, temp_c = 0;
    bool charge_enable = false, discharge_enable = false;
    // First start ([4K4-family] U18): while any module considered (the master's own, joined and
    // not lost subs) has not yet been charged to 100 % (its 0x92 full-charge request, b3), the
    // stack is held: DCL = 0, discharge disabled, full-charge request on 0x35C; charge allowed.
    bool first_start_hold = false;
    bool full_charge_request = false;
    unsigned modules_uncalibrated = 0;
    // Conditions for 0x359 (Pylontech) / 0x35A (SMA): protection (alarm level) and alarm
    // (warning level), OR-ed over the modules present; sent as is by can_link.
    proto::battery_conditions protection, alarm;
};

class stack_master : public sc_core::sc_module {
public:
    stack_master(const sc_core::sc_module_name& name, const stack_master_config& cfg, bms& own, event_sink& events);

    const stack_aggregate& aggregate() const { return m_agg; }
    // Recompute the aggregate from the latest own measurement and sub reports.
    void update_aggregate();
    // What the master knows of sub i (chain order); time_s < 0 until its first answer.
    const module_report& sub(std::size_t i) const { return m_subs.at(i).report; }
    bool sub_lost(std::size_t i) const { return m_subs.at(i).lost; }
    bool sub_joined(std::size_t i) const { return m_subs.at(i).joined; }
    std::size_t n_subs() const { return m_subs.size(); }
    std::uint64_t rs485_rejected() const { return m_rejected; }

private:
    struct sub_state {
        std::uint8_t address;
        module_report report;
        unsigned misses = 0;
        bool lost = false;
        bool answered_this_cycle = false;
        bool joined = false;
        bool refusal_reported = false;
        bool deferral_reported = false;
    };
    void admit(sub_state& s);
    void track_own_rest();
    void poll_loop();
    bool transact(sub_state& s, std::uint8_t cid2, const std::vector<std::uint8_t>& info);
    void on_rs485(const bus::rs485_frame& frame, const proto::rs485_decoded& decoded);
    void update_first_start(stack_aggregate& a, const std::vector<std::uint8_t>& uncalibrated);

    stack_master_config m_cfg;
    bms& m_own;
    event_sink& m_events;
    std::vector<sub_state> m_subs;
    stack_aggregate m_agg;
    // outstanding request
    std::uint8_t m_wait_adr = 0;
    std::uint8_t m_wait_cid2 = 0;
    bool m_got_answer = false;
    sc_core::sc_event m_answer_ev;
    std::uint64_t m_rejected = 0;
    // The master's own open-circuit voltage for the join rule (track_own_rest): time at rest,
    // the cell sum at the last rest, and the charge (Ah, both directions) since.
    double m_rest_s = 0.0;
    double m_last_own_s = -1.0;
    bool m_ocv_known = false;
    double m_ocv_v = 0.0;
    double m_ah_since_rest = 0.0;
    // First-start hold: when it started and which addresses were uncalibrated at the last update.
    double m_hold_since_s = 0.0;
    std::vector<std::uint8_t> m_uncalibrated;
};

} // namespace stacksim::models
