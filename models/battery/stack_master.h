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
#include "battery/stack_master_config.h"
#include "common/event_sink.h"
#include "protocol/pylon_can.h"
#include "protocol/pylon_rs485.h"

namespace stacksim::models {

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
