// The master's stack logic: polls every sub over the RS485 chain, aggregates the stack's limits
// and state from the modules present, and sends them to the inverter over CAN once per cycle.
//
// Poll cycle (every `poll_period_s`): for each sub in chain order, 0x42 (analog values) then 0x92
// (charge/discharge management), each with a response timeout and retries. A sub that misses
// `lost_after_misses` cycles in a row is marked lost (event) and excluded from the aggregate
// until it answers again (event). CAN cycle (every `can_period_s`): the configured message set,
// built from one snapshot of the aggregate, frames spaced `can_spacing_s` apart (0 = all queued
// at once; the bus then sends them back to back in ID order).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <systemc>

#include "battery/bms.h"
#include "common/event_sink.h"
#include "protocol/pylon_can.h"
#include "protocol/pylon_rs485.h"
#include "tlm/can_socket.h"

namespace stacksim::models {

struct stack_master_config {
    std::vector<std::uint8_t> sub_addresses;   // chain order
    double poll_period_s = 1.0;
    double response_timeout_s = 0.5;
    unsigned retries = 1;
    unsigned lost_after_misses = 3;
    double can_period_s = 1.0;
    double can_spacing_s = 0.0;
    double can_first_s = 1.0;                  // first CAN cycle (after the first poll cycle)
    double heartbeat_timeout_s = 60.0;         // no 0x305 for this long -> event
    std::vector<double> max_ccl_a_by_count;    // stack cap by number of modules present (index = count)
    std::vector<double> max_dcl_a_by_count;
    proto::can_message_set messages = proto::pylon_v12_set();
};

// The stack as the master knows it, and what it sends.
struct stack_aggregate {
    unsigned modules_present = 0;
    double cvl_v = 0, dvl_v = 0, ccl_a = 0, dcl_a = 0;
    double soc_pct = 0, soh_pct = 0;
    double voltage_v = 0, current_a = 0, temp_c = 0;
    bool charge_enable = false, discharge_enable = false;
};

class stack_master : public sc_core::sc_module, public bus::can_host {
public:
    stack_master(const sc_core::sc_module_name& name, const stack_master_config& cfg, bms& own, event_sink& events);

    const stack_aggregate& aggregate() const { return m_agg; }
    // What the master knows of sub i (chain order); time_s < 0 until its first answer.
    const module_report& sub(std::size_t i) const { return m_subs.at(i).report; }
    bool sub_lost(std::size_t i) const { return m_subs.at(i).lost; }
    std::uint64_t rs485_rejected() const { return m_rejected; }
    double last_heartbeat_s() const { return m_last_heartbeat_s; }

    void can_receive(const proto::can_frame& frame) override;
    std::string can_node_name() const override { return name(); }

private:
    struct sub_state {
        std::uint8_t address;
        module_report report;
        unsigned misses = 0;
        bool lost = false;
        bool answered_this_cycle = false;
    };
    void poll_loop();
    void can_loop();
    bool transact(sub_state& s, std::uint8_t cid2);
    void on_rs485(const bus::rs485_frame& frame, const proto::rs485_decoded& decoded);
    void update_aggregate();

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
    double m_last_heartbeat_s = 0.0;
    bool m_heartbeat_lost = false;
};

} // namespace stacksim::models
