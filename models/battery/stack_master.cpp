#include "battery/stack_master.h"

#include <algorithm>
#include <cmath>

#include "protocol/pylon_rs485.h"

namespace stacksim::models {

namespace {
constexpr double kelvin_offset = 273.15;

double cap_by_count(const std::vector<double>& table, unsigned count, double value) {
    if (table.empty())
        return value;
    const double cap = table[std::min<std::size_t>(count, table.size() - 1)];
    return std::min(value, cap);
}
} // namespace

stack_master::stack_master(const sc_core::sc_module_name& name, const stack_master_config& cfg, bms& own,
                           event_sink& events)
    : sc_core::sc_module(name), m_cfg(cfg), m_own(own), m_events(events) {
    for (std::uint8_t a : cfg.sub_addresses)
        m_subs.push_back({a, module_report{}, 0, false, false});
    m_own.master_rx = [this](const bus::rs485_frame& f, const proto::rs485_decoded& d) { on_rs485(f, d); };
    SC_HAS_PROCESS(stack_master);
    SC_THREAD(poll_loop);
}

void stack_master::on_rs485(const bus::rs485_frame& frame, const proto::rs485_decoded& d) {
    (void)frame;
    if (!d.ok) {
        ++m_rejected; // garbled, bad checksum or length: counted, never acted on
        m_events.event(name(), "rs485_rejected", {{"rtn", static_cast<int>(d.rtn)}, {"error", d.error}});
        return;
    }
    if (d.frame.adr != m_wait_adr || m_got_answer)
        return; // not the answer we wait for (late, or another node's)
    for (auto& s : m_subs) {
        if (s.address != d.frame.adr)
            continue;
        if (d.frame.cid2 != static_cast<std::uint8_t>(proto::rtn::normal)) {
            ++m_rejected;
            m_events.event(name(), "rs485_rtn", {{"adr", s.address}, {"rtn", d.frame.cid2}});
            return;
        }
        bool parsed = false;
        if (m_wait_cid2 == 0x42) {
            proto::analog_info a;
            if (proto::decode_analog_info(d.frame.info, a)) {
                s.report.cell_v = a.cell_v;
                s.report.temp_k.clear();
                for (double t_c : a.temp_c)
                    s.report.temp_k.push_back(t_c + kelvin_offset);
                s.report.current_a = a.current_a;
                s.report.voltage_v = a.voltage_v;
                s.report.remaining_ah = a.remaining_ah;
                s.report.capacity_ah = a.total_ah;
                s.report.soc = a.total_ah > 0 ? a.remaining_ah / a.total_ah : 0.0;
                s.report.cycles = a.cycles;
                s.report.time_s = sc_core::sc_time_stamp().to_seconds();
                parsed = true;
            }
        } else if (m_wait_cid2 == 0x92) {
            proto::management_info mi;
            if (proto::decode_management_info(d.frame.info, mi)) {
                s.report.cvl_v = mi.charge_voltage_limit_v;
                s.report.dvl_v = mi.discharge_voltage_limit_v;
                s.report.ccl_a = mi.max_charge_current_a;
                s.report.dcl_a = -mi.max_discharge_current_a; // sent negative
                s.report.charge_enable = mi.charge_enable;
                s.report.discharge_enable = mi.discharge_enable;
                parsed = true;
            }
        }
        if (!parsed) {
            ++m_rejected;
            m_events.event(name(), "rs485_rejected", {{"adr", s.address}, {"error", "bad INFO"}});
            return;
        }
        m_got_answer = true;
        m_answer_ev.notify(sc_core::SC_ZERO_TIME);
        return;
    }
}

bool stack_master::transact(sub_state& s, std::uint8_t cid2) {
    const bms_config& own = m_own.config();
    const std::string request =
        proto::encode_frame(own.protocol_version, s.address, proto::cid1_battery, cid2, {s.address});
    for (unsigned attempt = 0; attempt <= m_cfg.retries; ++attempt) {
        m_wait_adr = s.address;
        m_wait_cid2 = cid2;
        m_got_answer = false;
        const sc_core::sc_time release = m_own.send_rs485(request);
        sc_core::wait(release - sc_core::sc_time_stamp());
        sc_core::wait(sc_core::sc_time(m_cfg.response_timeout_s, sc_core::SC_SEC), m_answer_ev);
        if (m_got_answer) {
            m_wait_adr = 0;
            return true;
        }
    }
    m_wait_adr = 0;
    return false;
}

void stack_master::poll_loop() {
    const sc_core::sc_time period(m_cfg.poll_period_s, sc_core::SC_SEC);
    for (;;) {
        const sc_core::sc_time cycle_start = sc_core::sc_time_stamp();
        for (auto& s : m_subs) {
            const bool ok = transact(s, 0x42) && transact(s, 0x92);
            if (ok) {
                s.misses = 0;
                if (s.lost) {
                    s.lost = false;
                    m_events.event(name(), "sub_back", {{"address", s.address}});
                }
            } else if (++s.misses >= m_cfg.lost_after_misses && !s.lost) {
                s.lost = true;
                m_events.event(name(), "sub_lost", {{"address", s.address}, {"misses", s.misses}});
            }
        }
        const sc_core::sc_time next = cycle_start + period;
        if (next > sc_core::sc_time_stamp())
            sc_core::wait(next - sc_core::sc_time_stamp());
    }
}

void stack_master::update_aggregate() {
    const module_report& own = m_own.report();
    std::vector<const module_report*> present;
    if (own.time_s >= 0)
        present.push_back(&own);
    for (const auto& s : m_subs)
        if (!s.lost && s.report.time_s >= 0)
            present.push_back(&s.report);

    stack_aggregate a;
    a.modules_present = static_cast<unsigned>(present.size());
    if (present.empty()) {
        m_agg = a;
        return;
    }
    double cap_ah = 0, rem_ah = 0, ccl = 0, dcl = 0, temp_sum = 0;
    std::size_t temp_n = 0;
    a.cvl_v = present.front()->cvl_v;
    a.dvl_v = present.front()->dvl_v;
    for (const module_report* r : present) {
        cap_ah += r->capacity_ah;
        rem_ah += r->remaining_ah;
        ccl += r->ccl_a;
        dcl += r->dcl_a;
        a.current_a += r->current_a;
        a.cvl_v = std::min(a.cvl_v, r->cvl_v);
        a.dvl_v = std::max(a.dvl_v, r->dvl_v);
        for (double t : r->temp_k) {
            temp_sum += t - kelvin_offset;
            ++temp_n;
        }
    }
    a.soc_pct = cap_ah > 0 ? 100.0 * rem_ah / cap_ah : 0.0;
    a.soh_pct = 100.0;
    a.voltage_v = own.voltage_v;
    a.temp_c = temp_n ? temp_sum / static_cast<double>(temp_n) : 0.0;
    a.ccl_a = cap_by_count(m_cfg.max_ccl_a_by_count, a.modules_present, ccl);
    a.dcl_a = cap_by_count(m_cfg.max_dcl_a_by_count, a.modules_present, dcl);
    a.charge_enable = a.ccl_a > 0;
    a.discharge_enable = a.dcl_a > 0;
    m_agg = a;
}

} // namespace stacksim::models
