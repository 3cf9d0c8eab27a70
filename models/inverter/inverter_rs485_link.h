// The RS485 side of an inverter that talks Pylontech LV RS485 to the battery instead of CAN
// (inverter protocol pylontech_rs485): a node on the stack's RS485 chain at the master's free
// port A (the lead position, as an RS485 bridge at `link`: rs485_chain.h, docs/cosim.md), on the
// link cable (buses.rs485_link_length_m), with the chain's character timing (9600 8N1 by default).
//
// Every rs485.poll_period_s of its profile it asks the master (ADR master_address) for the whole
// stack's charge/discharge management, 0x92 with INFO 0xFF (CVL, DVL, CCL, DCL, enable bits: the
// limits the master also sends on CAN), and every rs485.status_every polls for the whole-stack
// analog values, 0x42 with INFO 0xFF (SoC, voltage, current). Each request waits for an answer
// for response_timeout_s and is retried `retries` times. The line is shared with the master's own
// polls, and RS485 has no carrier sense: before it talks the link waits until no request it heard
// is still unanswered and the line has been quiet (no frame heard) for quiet_s, longer than one
// request at 9600 baud, so a master request that follows an answer is heard before it would
// start. A collision garbles both frames (nobody answers): counted, and retried -- after the
// other node's retry (a response timeout + quiet_s after the collision, unless a clean frame comes
// first), so that two pollers with the same timeout do not collide again and again.
//
// Every frame it hears goes through the project's decoder (proto::decode_frame and the INFO
// decoders): garbled, malformed or unexpected frames are counted (rs485_rejected) and logged once
// per kind as events, never acted on. Decoded limits go to the inverter (on_limits / on_status).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <systemc>

#include "common/event_sink.h"
#include "inverter/inverter.h"
#include "inverter/inverter_profile.h"
#include "protocol/pylon_rs485.h"
#include "tlm/rs485_socket.h"

namespace stacksim::models {

class inverter_rs485_link : public sc_core::sc_module, public bus::rs485_host {
public:
    inverter_rs485_link(const sc_core::sc_module_name& name, const inverter_profile& profile,
                        std::uint8_t master_address, event_sink& events);

    // Where the decoded answers go (the inverter's on_rs485_limits / on_rs485_status).
    std::function<void(const inverter_limits&, bool force_charge_1, bool force_charge_2, bool full_charge)> on_limits;
    std::function<void(double soc_pct, double voltage_v, double current_a)> on_status;

    std::uint64_t requests() const { return m_requests; }
    std::uint64_t answers() const { return m_answers; }
    std::uint64_t timeouts() const { return m_timeouts; }
    std::uint64_t rs485_rejected() const { return m_rejected; }

    void rs485_receive(const bus::rs485_frame& frame) override;
    std::string rs485_node_name() const override { return name(); }

private:
    void poll_loop();
    bool transact(std::uint8_t cid2);
    void wait_quiet();
    void reject(double t_s, const char* kind, const std::string& detail); // t_s: when it happened (>= now)

    inverter_profile m_profile;
    std::uint8_t m_master;
    event_sink& m_events;
    // Line state as heard.
    double m_last_end_s = -1.0;       // end of the last frame heard
    double m_request_end_s = -1.0;    // end of another node's request still unanswered (< 0: none)
    double m_garbled_end_s = -1.0;    // end of a collision not yet followed by a clean frame
    sc_core::sc_event m_heard_ev;
    // The outstanding request.
    std::uint8_t m_wait_cid2 = 0;
    bool m_got = false;
    proto::pylon_frame m_answer;
    sc_core::sc_event m_answer_ev;
    std::uint64_t m_requests = 0, m_answers = 0, m_timeouts = 0, m_rejected = 0;
    std::vector<std::string> m_reported; // kinds of rejection already logged
};

} // namespace stacksim::models
