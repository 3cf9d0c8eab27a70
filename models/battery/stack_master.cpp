#include "battery/stack_master.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "numeric/units.h"
#include "protocol/pylon_rs485.h"
#include "perf/perf_registry.h"
#include "tlm/sim_time.h"

namespace stacksim::models {

namespace {

// A sub's conditions as its 0x44 answer states them (bms::to_alarm is the other side).
// Protection (latched, after its delay): the status 1 flags; a cell voltage error (status 4/5)
// counts as a sensor fault; the short circuit shows as both over-current flags. Alarm (the
// warning level): cells and sensors whose reading is beyond their limits right now. 0x44 has no
// under-temperature flag: a cold sensor counts as under-temperature protection when the sub has
// also stopped both directions (0x92), else as a warning. Imbalance is not in 0x44.
void conditions_from_alarm(const proto::alarm_info& a, bool isolated, module_report& r) {
    std::uint32_t prot = 0, warn = 0;
    auto f = [](prot_channel c) { return bms::flag(c); };
    bool cell_high = false, cell_low = false, temp_high = false, temp_low = false;
    for (auto st : a.cell_state) {
        cell_high |= st == proto::alarm_state::above_upper_limit;
        cell_low |= st == proto::alarm_state::below_lower_limit;
    }
    for (auto st : a.temp_state) {
        temp_high |= st == proto::alarm_state::above_upper_limit;
        temp_low |= st == proto::alarm_state::below_lower_limit;
    }
    if (a.module_over_voltage)
        prot |= cell_high ? f(prot_channel::cell_ov) : f(prot_channel::module_ov);
    if (a.cell_under_voltage)
        prot |= f(prot_channel::cell_uv);
    if (a.module_under_voltage)
        prot |= f(prot_channel::module_uv);
    if (a.charge_over_current && a.discharge_over_current)
        prot |= bms::prot_short_circuit;
    else if (a.charge_over_current)
        prot |= f(prot_channel::charge_oc);
    else if (a.discharge_over_current)
        prot |= f(prot_channel::discharge_oc);
    if (a.charge_over_temp)
        prot |= f(prot_channel::charge_ot);
    if (a.discharge_over_temp)
        prot |= f(prot_channel::discharge_ot);
    if (a.cell_error_mask != 0)
        prot |= f(prot_channel::sensor);
    if (temp_low)
        (isolated ? prot : warn) |= f(prot_channel::charge_ut) | f(prot_channel::discharge_ut);
    if (cell_high)
        warn |= f(prot_channel::cell_ov);
    if (cell_low)
        warn |= f(prot_channel::cell_uv);
    if (temp_high)
        warn |= f(prot_channel::discharge_ot);
    r.protection_bits = prot;
    r.warning_bits = warn;
}

// The cap for `count` modules present (table index = count). Scenario loading guarantees the
// table covers the whole stack, so an uncovered count is a programming error, never a silent
// reuse of the last entry.
double cap_by_count(const std::vector<double>& table, unsigned count, double value) {
    if (table.empty())
        return value;
    if (count >= table.size())
        throw std::out_of_range("stack_master: no current cap for " + std::to_string(count) + " modules (table covers 0.." +
                                std::to_string(table.size() - 1) + ")");
    return std::min(value, table[count]);
}
} // namespace

stack_master::stack_master(const sc_core::sc_module_name& name, const stack_master_config& cfg, bms& own,
                           event_sink& events)
    : sc_core::sc_module(name), m_cfg(cfg), m_own(own), m_events(events) {
    for (std::uint8_t a : cfg.sub_addresses) {
        module_report r;
        r.address = a;
        m_subs.push_back({a, r, 0, false, false, false, false, false});
    }
    // A module starts at rest: the scenario's initial state is relaxed (open-circuit voltage).
    m_rest_s = cfg.join_rest_time_s;
    m_own.master_rx = [this](const bus::rs485_frame& f, const proto::rs485_decoded& d) { on_rs485(f, d); };
    m_own.stack_management = [this] {
        // The aggregate of the last CAN cycle (0x351 / 0x35C); before the first one, nothing allowed.
        proto::management_info m;
        m.adr = 0xFF;
        if (m_agg.time_s < 0)
            return m;
        m.charge_voltage_limit_v = m_agg.cvl_v;
        m.discharge_voltage_limit_v = m_agg.dvl_v;
        m.max_charge_current_a = m_agg.ccl_a;
        m.max_discharge_current_a = -m_agg.dcl_a; // negative on the wire
        m.charge_enable = m_agg.charge_enable;
        m.discharge_enable = m_agg.discharge_enable;
        m.full_charge_request = m_agg.full_charge_request;
        return m;
    };
    m_own.subs_analog = [this] {
        std::vector<proto::analog_info> out;
        for (const auto& s : m_subs) {
            if (s.lost || s.report.time_s < 0)
                continue;
            proto::analog_info a;
            a.adr = s.address;
            a.cell_v = s.report.cell_v;
            for (double t_k : s.report.temp_k)
                a.temp_c.push_back(t_k - num::zero_celsius_k);
            a.current_a = s.report.current_a;
            a.voltage_v = s.report.voltage_v;
            a.remaining_ah = s.report.remaining_ah;
            a.total_ah = s.report.capacity_ah;
            a.cycles = s.report.cycles;
            out.push_back(std::move(a));
        }
        return out;
    };
    SC_HAS_PROCESS(stack_master);
    SC_THREAD(poll_loop);
    SC_METHOD(track_own_rest);
    sensitive << m_own.measured_event();
    dont_initialize();
}

// After each of the master's own measurements: is its module at rest, and so is its cell sum its
// open-circuit voltage?
void stack_master::track_own_rest() {
    const module_report& r = m_own.report();
    const double dt_s = m_last_own_s < 0 ? 0.0 : r.time_s - m_last_own_s;
    m_last_own_s = r.time_s;
    const double i_a = std::abs(r.current_a);
    m_rest_s = i_a < m_cfg.join_rest_current_a ? m_rest_s + dt_s : 0.0;
    m_ah_since_rest += i_a * dt_s / 3600.0;
    if (m_rest_s >= m_cfg.join_rest_time_s - 1e-9) {
        m_ocv_known = true;
        m_ocv_v = r.stack_v;
        m_ah_since_rest = 0.0;
    }
}

void stack_master::on_rs485(const bus::rs485_frame& frame, const proto::rs485_decoded& d) {
    const perf::scope perf_scope(perf::layer::rs485);
    if (!d.ok || frame.garbled) {
        ++m_rejected; // garbled, bad checksum or length: counted, never acted on
        m_events.event_at(bus::to_s(frame.end), name(), "rs485_rejected",
                       {{"rtn", static_cast<int>(d.rtn)}, {"error", frame.garbled ? "garbled" : d.error}});
        return;
    }
    if (!proto::is_return_code(d.frame.cid2))
        return; // a request, not an answer: another master on the line (a host at the free port)
    if (d.frame.adr != m_wait_adr || m_got_answer)
        return; // not the answer we wait for (late, or another node's)
    for (auto& s : m_subs) {
        if (s.address != d.frame.adr)
            continue;
        if (d.frame.cid2 != static_cast<std::uint8_t>(proto::rtn::normal)) {
            ++m_rejected;
            m_events.event_at(bus::to_s(frame.end), name(), "rs485_rtn", {{"adr", s.address}, {"rtn", d.frame.cid2}});
            return;
        }
        bool parsed = false;
        if (m_wait_cid2 == 0x42) {
            proto::analog_info a;
            if (proto::decode_analog_info(d.frame.info, a)) {
                s.report.cell_v = a.cell_v;
                s.report.temp_k.clear();
                for (double t_c : a.temp_c)
                    s.report.temp_k.push_back(t_c + num::zero_celsius_k);
                s.report.current_a = a.current_a;
                s.report.voltage_v = a.voltage_v;
                s.report.remaining_ah = a.remaining_ah;
                s.report.capacity_ah = a.total_ah;
                s.report.soc = a.total_ah > 0 ? a.remaining_ah / a.total_ah : 0.0;
                s.report.cycles = a.cycles;
                s.report.time_s = frame.end.to_seconds();
                parsed = true;
            }
        } else if (m_wait_cid2 == bms::cid2_join) {
            parsed = true; // acknowledged (RTN normal)
        } else if (m_wait_cid2 == 0x92) {
            proto::management_info mi;
            if (proto::decode_management_info(d.frame.info, mi)) {
                s.report.cvl_v = mi.charge_voltage_limit_v;
                s.report.dvl_v = mi.discharge_voltage_limit_v;
                s.report.ccl_a = mi.max_charge_current_a;
                s.report.dcl_a = -mi.max_discharge_current_a; // sent negative
                s.report.charge_enable = mi.charge_enable;
                s.report.discharge_enable = mi.discharge_enable;
                // b3: the module asks for a full charge (first start: not yet seen 100 %).
                s.report.calibrated = !mi.full_charge_request;
                // A sub that refuses both directions is isolated (protection): 0x92 flags.
                s.report.protection = !mi.charge_enable && !mi.discharge_enable;
                parsed = true;
            }
        } else if (m_wait_cid2 == 0x44) {
            proto::alarm_info ai;
            if (proto::decode_alarm_info(d.frame.info, ai)) {
                conditions_from_alarm(ai, s.report.protection, s.report);
                parsed = true;
            }
        }
        if (!parsed) {
            ++m_rejected;
            m_events.event_at(bus::to_s(frame.end), name(), "rs485_rejected", {{"adr", s.address}, {"error", "bad INFO"}});
            return;
        }
        m_got_answer = true;
        m_answer_ev.notify(frame.end - sc_core::sc_time_stamp()); // the poll goes on from the answer's end here
        return;
    }
}

bool stack_master::transact(sub_state& s, std::uint8_t cid2, const std::vector<std::uint8_t>& info) {
    const bms_config& own = m_own.config();
    const std::string request = proto::encode_frame(own.protocol_version, s.address, proto::cid1_battery, cid2, info);
    for (unsigned attempt = 0; attempt <= m_cfg.retries; ++attempt) {
        m_wait_adr = s.address;
        m_wait_cid2 = cid2;
        m_got_answer = false;
        // The answer is awaited from the request's end (its release) for response_timeout_s. One
        // wait from now to that deadline, not a wait for the release and another from there: an
        // answer cannot end before the request has (half duplex), and one that was heard earlier
        // anyway (a host on the line) is not taken before the release, as a thread that waited
        // for the release first would not have heard it.
        const sc_core::sc_time release = m_own.send_rs485(request);
        const sc_core::sc_time deadline = release + sc_core::sc_time(m_cfg.response_timeout_s, sc_core::SC_SEC);
        do
            sc_core::wait(deadline - sc_core::sc_time_stamp(), m_answer_ev);
        while (m_answer_ev.triggered() && sc_core::sc_time_stamp() < release);
        if (m_got_answer) {
            m_wait_adr = 0;
            return true;
        }
        if (!m_own.powered())
            break;
    }
    m_wait_adr = 0;
    return false;
}

void stack_master::poll_loop() {
    const sc_core::sc_time period(m_cfg.poll_period_s, sc_core::SC_SEC);
    for (;;) {
        while (!m_own.powered())
            sc_core::wait(m_own.power_event());
        const sc_core::sc_time cycle_start = sc_core::sc_time_stamp();
        for (auto& s : m_subs) {
            if (!m_own.powered())
                break;
            // Analog values and limits first; a new sub joins right then (start-up sequencing is
            // not delayed by the alarm poll); its alarm info last.
            bool ok = transact(s, 0x42, {s.address}) && transact(s, 0x92, {s.address});
            if (ok && !s.joined)
                admit(s);
            ok = ok && (!m_cfg.poll_alarms || transact(s, 0x44, {s.address}));
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

// Joining, in chain order (the poll loop visits subs in chain order): the rule of the manuals
// (weco-stack.md §3: every battery measured on its own must be within 1.5 V, [4K4-family] U17;
// the 5K3 BMS refuses parallel activation beyond 2 V, [5K3] U22) compares open-circuit voltages.
// The sub's switch is open, so the sum of its cells is its open-circuit voltage. The master's
// cells read below theirs under load (ohmic and polarisation drop, about 1 V at 50 A), so it
// uses the cell sum of its last rest, valid while little charge has flowed since; otherwise it
// waits for the bus to rest and the sub stays open.
void stack_master::admit(sub_state& s) {
    const module_report& own = m_own.report();
    if (own.time_s < 0)
        return;
    if (!m_ocv_known || m_ah_since_rest > m_cfg.join_max_ah_since_rest) {
        if (!s.deferral_reported)
            m_events.event(name(), "sub_join_deferred",
                           {{"address", s.address},
                            {"reason", "the master's open-circuit voltage is not known under load: waiting for the bus "
                                       "to rest before comparing open-circuit voltages"},
                            {"master_current_a", own.current_a}, {"ah_since_rest", m_ah_since_rest},
                            {"max_ah_since_rest", m_cfg.join_max_ah_since_rest},
                            {"rest_current_a", m_cfg.join_rest_current_a}, {"rest_time_s", m_cfg.join_rest_time_s}});
        s.deferral_reported = true;
        s.refusal_reported = false;
        return;
    }
    s.deferral_reported = false;
    double sub_v = 0.0; // sum of the sub's cells: its open-circuit voltage (its switch is open)
    for (double c : s.report.cell_v)
        sub_v += c;
    const double master_v = m_ocv_v;
    const double dv = sub_v - master_v;
    if (std::abs(dv) > m_cfg.join_window_v) {
        if (!s.refusal_reported)
            m_events.event(name(), "sub_join_refused",
                           {{"address", s.address},
                            {"reason", "open-circuit voltage differs from the master's by more than the join window"},
                            {"sub_voltage_v", sub_v}, {"master_voltage_v", master_v},
                            {"difference_v", dv}, {"window_v", m_cfg.join_window_v},
                            {"master_ah_since_rest", m_ah_since_rest}});
        s.refusal_reported = true;
        return;
    }
    if (!transact(s, bms::cid2_join, proto::encode_join_info({s.address, true})))
        return; // not acknowledged: tried again next cycle
    s.joined = true;
    transact(s, 0x92, {s.address}); // its limits now that it is part of the stack
    m_events.event(name(), "sub_join",
                   {{"address", s.address}, {"difference_v", dv}, {"window_v", m_cfg.join_window_v},
                    {"sub_voltage_v", sub_v}, {"master_voltage_v", master_v}});
}

namespace {
// One module's protection or warning bits (bit = prot_channel, plus the short-circuit bit) as
// the CAN conditions of 0x359 / 0x35A.
void add_conditions(std::uint32_t bits, proto::battery_conditions& c) {
    auto on = [bits](prot_channel ch) { return (bits >> static_cast<std::size_t>(ch)) & 1u; };
    c.over_voltage |= on(prot_channel::cell_ov) || on(prot_channel::module_ov);
    c.under_voltage |= on(prot_channel::cell_uv) || on(prot_channel::module_uv);
    c.over_temp |= on(prot_channel::charge_ot) || on(prot_channel::discharge_ot);
    c.under_temp |= on(prot_channel::charge_ut) || on(prot_channel::discharge_ut);
    c.charge_over_temp |= on(prot_channel::charge_ot);
    c.charge_under_temp |= on(prot_channel::charge_ut);
    c.charge_over_current |= on(prot_channel::charge_oc);
    c.discharge_over_current |= on(prot_channel::discharge_oc) || (bits & bms::prot_short_circuit);
    c.short_circuit |= (bits & bms::prot_short_circuit) != 0;
    c.cell_imbalance |= on(prot_channel::imbalance);
    c.system_error |= on(prot_channel::sensor);
}
} // namespace

void stack_master::update_aggregate() {
    const module_report& own = m_own.report();
    std::vector<const module_report*> present;
    std::vector<std::uint8_t> uncalibrated;
    stack_aggregate a;
    a.time_s = sc_core::sc_time_stamp().to_seconds();
    // Healthy modules count in the limits; protected ones are excluded and counted. The 0x359 /
    // 0x35A conditions are OR-ed over every module considered (the master knows its own bits;
    // the subs' come from their 0x44 answers when poll_alarms is on).
    auto consider = [&](const module_report& r) {
        add_conditions(r.protection_bits, a.protection);
        add_conditions(r.warning_bits, a.alarm);
        if (!r.calibrated)
            uncalibrated.push_back(r.address);
        if (r.protection)
            ++a.modules_protected;
        else
            present.push_back(&r);
    };
    if (own.time_s >= 0)
        consider(own);
    for (const auto& s : m_subs)
        if (!s.lost && s.joined && s.report.time_s >= 0)
            consider(s.report);
    a.modules_present = static_cast<unsigned>(present.size());
    update_first_start(a, uncalibrated);
    a.cluster_stop = a.modules_protected > m_own.config().protection.cluster_max_protected;
    if (a.cluster_stop != m_agg.cluster_stop)
        m_events.event(name(), "cluster_stop",
                       {{"active", a.cluster_stop}, {"modules_protected", a.modules_protected},
                        {"max_protected", m_own.config().protection.cluster_max_protected}});
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
            temp_sum += t - num::zero_celsius_k;
            ++temp_n;
        }
    }
    a.soc_pct = cap_ah > 0 ? 100.0 * rem_ah / cap_ah : 0.0;
    double soh_weighted = 0;
    for (const module_report* r : present)
        soh_weighted += r->soh * r->capacity_ah;
    a.soh_pct = cap_ah > 0 ? 100.0 * soh_weighted / cap_ah : 100.0;
    a.voltage_v = own.voltage_v;
    a.temp_c = temp_n ? temp_sum / static_cast<double>(temp_n) : 0.0;
    a.ccl_a = cap_by_count(m_cfg.max_ccl_a_by_count, a.modules_present, ccl);
    a.dcl_a = cap_by_count(m_cfg.max_dcl_a_by_count, a.modules_present, dcl);
    if (a.cluster_stop)
        a.ccl_a = a.dcl_a = 0.0;
    if (a.first_start_hold)
        a.dcl_a = 0.0; // first start: charge only, until every module has seen 100 %
    a.charge_enable = a.ccl_a > 0;
    a.discharge_enable = a.dcl_a > 0;
    m_agg = a;
}

// First start: the hold follows the modules' full-charge requests; events when it starts and ends.
void stack_master::update_first_start(stack_aggregate& a, const std::vector<std::uint8_t>& uncalibrated) {
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    a.modules_uncalibrated = static_cast<unsigned>(uncalibrated.size());
    a.first_start_hold = !uncalibrated.empty();
    a.full_charge_request = a.first_start_hold;
    if (a.first_start_hold && !m_agg.first_start_hold) {
        m_hold_since_s = now_s;
        m_events.event(name(), "first_start_hold",
                       {{"uncalibrated", uncalibrated},
                        {"reason", "first start: charging every module to 100 % before normal operation"}});
    } else if (!a.first_start_hold && m_agg.first_start_hold) {
        // Each module that asked has either reported calibrated or is no longer counted.
        std::vector<std::uint8_t> gone;
        for (std::uint8_t adr : m_uncalibrated) {
            bool still = adr == m_own.report().address && m_own.report().time_s >= 0;
            for (const auto& s : m_subs)
                still = still || (s.address == adr && !s.lost && s.joined && s.report.time_s >= 0);
            if (!still)
                gone.push_back(adr);
        }
        nlohmann::json d = {{"held_s", now_s - m_hold_since_s}, {"modules", a.modules_present}};
        if (gone.empty()) {
            d["reason"] = "all modules reached 100 %, normal operation";
        } else {
            d["reason"] = "the uncalibrated modules are no longer counted in the stack";
            d["not_counted"] = gone;
        }
        m_events.event(name(), "first_start_done", d);
    }
    m_uncalibrated = uncalibrated;
}

} // namespace stacksim::models
