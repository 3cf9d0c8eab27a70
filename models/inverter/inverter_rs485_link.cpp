#include "inverter/inverter_rs485_link.h"

#include <algorithm>
#include <cmath>

#include "tlm/sim_time.h"

namespace stacksim::models {

namespace {
constexpr std::uint8_t whole_stack = 0xFF; // command value: the whole stack (protocols.md §2.1)
}

inverter_rs485_link::inverter_rs485_link(const sc_core::sc_module_name& name, const inverter_profile& profile,
                                         std::uint8_t master_address, event_sink& events)
    : sc_core::sc_module(name), bus::rs485_host("rs485"), m_profile(profile), m_master(master_address), m_events(events) {
    SC_HAS_PROCESS(inverter_rs485_link);
    SC_THREAD(poll_loop);
}

void inverter_rs485_link::reject(double t_s, const char* kind, const std::string& detail) {
    ++m_rejected;
    if (std::find(m_reported.begin(), m_reported.end(), kind) != m_reported.end())
        return; // logged once per kind; the count goes on
    m_reported.emplace_back(kind);
    m_events.event_at(t_s, name(), "rs485_rejected", {{"kind", kind}, {"detail", detail}});
}

void inverter_rs485_link::rs485_receive(const bus::rs485_frame& frame) {
    const double end_s = frame.end.to_seconds(); // its end here: this node's timing counts from it
    m_last_end_s = end_s;
    m_heard_ev.notify(sc_core::SC_ZERO_TIME);
    if (frame.garbled) {
        // A collision (perhaps with our own request) or line noise: nobody acts on it.
        if (m_wait_cid2 != 0)
            reject(bus::to_s(frame.end), "garbled", "a frame overlapped another while an answer was awaited");
        else
            ++m_rejected;
        m_request_end_s = -1.0; // whatever it was, nobody answers a garbled request
        m_garbled_end_s = end_s;
        return;
    }
    m_garbled_end_s = -1.0; // a clean frame: whoever collided has spoken again
    const proto::rs485_decoded d = proto::decode_frame_memo(frame.chars);
    if (!d.ok) {
        reject(bus::to_s(frame.end), "malformed", d.error);
        return;
    }
    if (!proto::is_return_code(d.frame.cid2)) {
        m_request_end_s = end_s; // another node's request: its answer is due, the line stays taken
        return;
    }
    m_request_end_s = -1.0;
    if (m_wait_cid2 == 0 || m_got || d.frame.adr != m_master)
        return; // an answer to the master's own polls (a sub's), or not for us
    m_got = true;
    m_answer = d.frame;
    m_answer_ev.notify(frame.end - sc_core::sc_time_stamp());
}

void inverter_rs485_link::wait_quiet() {
    // Talk only when no request heard is awaiting its answer and nothing has been heard for quiet_s.
    const double quiet_s = m_profile.rs485_quiet_s;
    for (;;) {
        const double now_s = sc_core::sc_time_stamp().to_seconds();
        double free_s = m_last_end_s < 0 ? now_s : m_last_end_s + quiet_s;
        if (m_request_end_s >= 0) // unanswered: wait for its answer, at most a response timeout
            free_s = std::max(free_s, m_request_end_s + m_profile.rs485_response_timeout_s);
        // After a collision the other node retries after its response timeout: let it go first
        // (both retrying at their timeouts would collide again, cycle after cycle).
        if (m_garbled_end_s >= 0)
            free_s = std::max(free_s, m_garbled_end_s + m_profile.rs485_response_timeout_s + quiet_s);
        if (free_s <= now_s + 1e-12)
            return;
        sc_core::wait(sc_core::sc_time(free_s - now_s, sc_core::SC_SEC), m_heard_ev);
    }
}

bool inverter_rs485_link::transact(std::uint8_t cid2) {
    for (unsigned attempt = 0; attempt <= m_profile.rs485_retries; ++attempt) {
        wait_quiet();
        m_wait_cid2 = cid2;
        m_got = false;
        ++m_requests;
        const sc_core::sc_time released = rs485_send(proto::encode_request(0x20, m_master, cid2, {whole_stack}));
        const sc_core::sc_time deadline =
            released + sc_core::sc_time(m_profile.rs485_response_timeout_s, sc_core::SC_SEC);
        while (!m_got && sc_core::sc_time_stamp() < deadline)
            sc_core::wait(deadline - sc_core::sc_time_stamp(), m_answer_ev);
        m_wait_cid2 = 0;
        if (!m_got) {
            ++m_timeouts;
            continue;
        }
        if (m_answer.cid2 != static_cast<std::uint8_t>(proto::rtn::normal)) {
            reject(bus::to_s(sc_core::sc_time_stamp()), "rtn", "answer with RTN " + std::to_string(m_answer.cid2) + " to CID2 " + std::to_string(cid2));
            continue;
        }
        ++m_answers;
        if (cid2 == proto::cid2::management) {
            proto::management_info m;
            if (!proto::decode_management_info(m_answer.info, m)) {
                reject(bus::to_s(sc_core::sc_time_stamp()), "info", "0x92 answer INFO not decodable");
                continue;
            }
            inverter_limits l;
            l.valid = true;
            l.cvl_v = m.charge_voltage_limit_v;
            l.dvl_v = m.discharge_voltage_limit_v;
            l.ccl_a = m.max_charge_current_a;
            l.dcl_a = -m.max_discharge_current_a; // negative on the wire
            l.charge_enable = m.charge_enable;
            l.discharge_enable = m.discharge_enable;
            if (on_limits)
                on_limits(l, m.force_charge_1, m.force_charge_2, m.full_charge_request);
        } else {
            std::vector<proto::analog_info> modules;
            if (!proto::decode_system_analog_info(m_answer.info, modules) || modules.empty()) {
                reject(bus::to_s(sc_core::sc_time_stamp()), "info", "0x42 whole-stack answer INFO not decodable");
                continue;
            }
            double remaining = 0, total = 0, current = 0, voltage = 0;
            for (const auto& a : modules) {
                remaining += a.remaining_ah;
                total += a.total_ah;
                current += a.current_a;
                voltage = std::max(voltage, a.voltage_v);
            }
            if (on_status)
                on_status(total > 0 ? 100.0 * remaining / total : 0.0, voltage, current);
        }
        return true;
    }
    return false;
}

void inverter_rs485_link::poll_loop() {
    const sc_core::sc_time period(m_profile.rs485_poll_period_s, sc_core::SC_SEC);
    sc_core::wait(period); // the first poll after one period, as the master's first CAN cycle
    for (std::uint64_t n = 0;; ++n) {
        const sc_core::sc_time start = sc_core::sc_time_stamp();
        transact(proto::cid2::management);
        if (m_profile.rs485_status_every > 0 && n % m_profile.rs485_status_every == 0)
            transact(proto::cid2::analog);
        const sc_core::sc_time next = start + period;
        if (next > sc_core::sc_time_stamp())
            sc_core::wait(next - sc_core::sc_time_stamp());
    }
}

} // namespace stacksim::models
