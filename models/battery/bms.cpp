#include "battery/bms.h"

#include <algorithm>
#include <cmath>

#include "protocol/pylon_rs485.h"

namespace stacksim::models {

namespace {
constexpr double seconds_per_hour = 3600.0;
constexpr double kelvin_offset = 273.15;

// Linear taper from 1 at `start` to 0 at `end` (start/end may be in either order).
double taper(double x, double start, double end) {
    if (start == end)
        return x < start ? 1.0 : 0.0;
    return std::clamp((end - x) / (end - start), 0.0, 1.0);
}
} // namespace

bms::bms(const sc_core::sc_module_name& name, const bms_config& cfg, const afe_config& afe_cfg, event_sink& events)
    : sc_core::sc_module(name),
      bus::rs485_host("rs485"),
      afe_out("afe_out"),
      m_cfg(cfg),
      m_afe_cfg(afe_cfg),
      m_events(events) {
    m_report.address = cfg.address;
    m_report.capacity_ah = cfg.capacity_ah;
    m_report.soc = cfg.initial_soc;
    m_soc_ah = cfg.initial_soc * cfg.capacity_ah;
    SC_HAS_PROCESS(bms);
    SC_THREAD(measure_loop);
    SC_THREAD(answer_loop);
}

std::uint32_t bms::afe_read(std::uint32_t addr) {
    std::uint32_t value = 0;
    tlm::tlm_generic_payload tx;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tx.set_command(tlm::TLM_READ_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    tx.set_data_length(4);
    tx.set_streaming_width(4);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    afe_out->b_transport(tx, delay);
    if (!tx.is_response_ok())
        SC_REPORT_ERROR(name(), "AFE register read failed");
    return value;
}

void bms::afe_write(std::uint32_t addr, std::uint32_t value) {
    tlm::tlm_generic_payload tx;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    tx.set_command(tlm::TLM_WRITE_COMMAND);
    tx.set_address(addr);
    tx.set_data_ptr(reinterpret_cast<unsigned char*>(&value));
    tx.set_data_length(4);
    tx.set_streaming_width(4);
    tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    afe_out->b_transport(tx, delay);
    if (!tx.is_response_ok())
        SC_REPORT_ERROR(name(), "AFE register write failed");
}

void bms::request_switch(bool closed) { m_switch_wanted = closed; }

void bms::drive_switch(bool closed) {
    if (closed == m_switch_state)
        return;
    m_switch_state = closed;
    const std::uint32_t drive = afe_read(afe::REG_DRIVE);
    afe_write(afe::REG_DRIVE, closed ? (drive | 1u) : (drive & ~1u));
    m_events.event(name(), "switch", {{"closed", closed}, {"protection", m_report.protection_bits}});
}

void bms::measure_loop() {
    const sc_core::sc_time period(m_cfg.measure_period_s, sc_core::SC_SEC);
    const sc_core::sc_time conversion(m_afe_cfg.conversion_time_s, sc_core::SC_SEC);
    // The switch closes at start-up unless a protection is active (sequencing: issue #5).
    for (;;) {
        const sc_core::sc_time cycle_start = sc_core::sc_time_stamp();
        afe_write(afe::REG_CTRL, 1u);
        sc_core::wait(conversion);
        measure();
        m_measured.notify(sc_core::SC_ZERO_TIME);
        sc_core::wait(cycle_start + period - sc_core::sc_time_stamp());
    }
}

void bms::measure() {
    const double now_s = sc_core::sc_time_stamp().to_seconds();
    const std::size_t n = m_afe_cfg.cells;
    m_report.cell_v.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        m_report.cell_v[k] = afe_read(afe::REG_CELL0 + 4 * static_cast<std::uint32_t>(k)) * m_afe_cfg.cell_lsb_v;
    const std::size_t n_ntc = (n + m_afe_cfg.cells_per_ntc - 1) / m_afe_cfg.cells_per_ntc;
    m_report.temp_k.resize(n_ntc);
    for (std::size_t s = 0; s < n_ntc; ++s)
        m_report.temp_k[s] = afe::ntc_counts_to_temp_k(afe_read(afe::REG_NTC0 + 4 * static_cast<std::uint32_t>(s)),
                                                       m_afe_cfg);
    m_report.voltage_v = afe_read(afe::REG_MODULE_V) * m_afe_cfg.module_lsb_v;
    m_report.current_a =
        static_cast<double>(static_cast<std::int32_t>(afe_read(afe::REG_CURRENT))) * m_afe_cfg.current_lsb_a;

    // Coulomb counting (rectangle rule over the measurement period).
    const double dt_s = m_last_t_s < 0 ? 0.0 : now_s - m_last_t_s;
    m_last_t_s = now_s;
    const double dq_ah = m_report.current_a * dt_s / seconds_per_hour;
    m_soc_ah = std::clamp(m_soc_ah + dq_ah, 0.0, m_cfg.capacity_ah);
    m_throughput_ah += std::abs(dq_ah);
    m_report.soc = m_soc_ah / m_cfg.capacity_ah;
    m_report.remaining_ah = m_soc_ah;
    m_report.cycles = static_cast<std::uint32_t>(m_throughput_ah / (2.0 * m_cfg.capacity_ah));
    m_report.time_s = now_s;

    protect(dt_s);
    compute_limits();
    drive_switch(m_switch_wanted && m_report.protection_bits == 0);
    m_report.switch_closed = m_switch_state;
}

void bms::protect(double dt_s) {
    const auto& p = m_cfg.protection;
    const double vmax = *std::max_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const double vmin = *std::min_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const std::uint32_t before = m_report.protection_bits;

    // Each protection: trips after its condition has held for its delay; recovers with hysteresis.
    auto level = [&](std::uint32_t flag, bool condition, bool recovered, double delay_s, double& timer_s) {
        if (m_report.protection_bits & flag) {
            if (recovered)
                m_report.protection_bits &= ~flag;
            return;
        }
        timer_s = condition ? timer_s + dt_s : 0.0;
        if (condition && timer_s >= delay_s - 1e-9)
            m_report.protection_bits |= flag;
    };
    level(prot_cell_ov, vmax >= p.cell_ov_v, vmax <= p.cell_ov_recover_v, p.cell_ov_delay_s, m_ov_time_s);
    level(prot_cell_uv, vmin <= p.cell_uv_v, vmin >= p.cell_uv_recover_v, p.cell_uv_delay_s, m_uv_time_s);
    // Over-current recovers after oc_recover_s with the switch open.
    m_oc_clear_time_s += dt_s;
    const bool oc_recovered = m_oc_clear_time_s >= p.oc_recover_s;
    level(prot_charge_oc, m_report.current_a >= p.charge_oc_a, oc_recovered, p.oc_delay_s, m_coc_time_s);
    level(prot_discharge_oc, -m_report.current_a >= p.discharge_oc_a, oc_recovered, p.oc_delay_s, m_doc_time_s);
    if ((m_report.protection_bits & (prot_charge_oc | prot_discharge_oc)) &&
        !(before & (prot_charge_oc | prot_discharge_oc)))
        m_oc_clear_time_s = 0.0;

    m_report.protection = m_report.protection_bits != 0;
    if (m_report.protection_bits != before)
        m_events.event(name(), "protection",
                       {{"active", m_report.protection_bits}, {"was", before}, {"cell_max_v", vmax}, {"cell_min_v", vmin},
                        {"current_a", m_report.current_a}});
}

void bms::compute_limits() {
    const auto& l = m_cfg.limits;
    const double n = static_cast<double>(m_report.cell_v.size());
    const double vmax = *std::max_element(m_report.cell_v.begin(), m_report.cell_v.end());
    const double vmin = *std::min_element(m_report.cell_v.begin(), m_report.cell_v.end());
    m_report.cvl_v = l.cvl_cell_v * n;
    m_report.dvl_v = l.dvl_cell_v * n;
    const bool ok = m_report.protection_bits == 0 && m_switch_wanted;
    m_report.ccl_a = ok ? l.ccl_a * taper(vmax, l.ccl_taper_start_v, l.ccl_taper_end_v) : 0.0;
    m_report.dcl_a = ok ? l.dcl_a * taper(vmin, l.dcl_taper_start_v, l.dcl_taper_end_v) : 0.0;
    m_report.charge_enable = m_report.ccl_a > 0.0;
    m_report.discharge_enable = m_report.dcl_a > 0.0;
}

proto::analog_info bms::to_analog() const {
    proto::analog_info a;
    a.adr = m_cfg.address;
    a.cell_v = m_report.cell_v;
    for (double t_k : m_report.temp_k)
        a.temp_c.push_back(t_k - kelvin_offset); // one per NTC cell group
    a.current_a = m_report.current_a;
    a.voltage_v = m_report.voltage_v;
    a.remaining_ah = m_report.remaining_ah;
    a.total_ah = m_cfg.capacity_ah;
    a.cycles = m_report.cycles;
    return a;
}

proto::alarm_info bms::to_alarm() const {
    const auto& p = m_cfg.protection;
    proto::alarm_info a;
    a.adr = m_cfg.address;
    for (double v : m_report.cell_v)
        a.cell_state.push_back(v >= p.cell_ov_v   ? proto::alarm_state::above_upper_limit
                               : v <= p.cell_uv_v ? proto::alarm_state::below_lower_limit
                                                  : proto::alarm_state::normal);
    a.temp_state.assign(m_report.temp_k.size(), proto::alarm_state::normal);
    a.cell_under_voltage = m_report.protection_bits & prot_cell_uv;
    a.module_over_voltage = m_report.protection_bits & prot_cell_ov;
    a.charge_over_current = m_report.protection_bits & prot_charge_oc;
    a.discharge_over_current = m_report.protection_bits & prot_discharge_oc;
    a.charge_mosfet_on = a.discharge_mosfet_on = m_switch_state;
    a.effective_charge_current = m_report.current_a > 0.1;
    a.effective_discharge_current = m_report.current_a < -0.1;
    return a;
}

proto::management_info bms::to_management() const {
    proto::management_info m;
    m.adr = m_cfg.address;
    m.charge_voltage_limit_v = m_report.cvl_v;
    m.discharge_voltage_limit_v = m_report.dvl_v;
    m.max_charge_current_a = m_report.ccl_a;
    m.max_discharge_current_a = -m_report.dcl_a; // negative on the wire
    m.charge_enable = m_report.charge_enable;
    m.discharge_enable = m_report.discharge_enable;
    return m;
}

proto::manufacturer_info bms::to_manufacturer() const {
    proto::manufacturer_info m;
    m.battery_name = "4K4PRO-SIM";
    m.sw_version_major = 0;
    m.sw_version_minor = 1;
    m.manufacturer = "stacksim";
    return m;
}

sc_core::sc_time bms::send_rs485(const std::string& chars) { return rs485_send(chars); }

void bms::rs485_receive(const bus::rs485_frame& frame) {
    const proto::rs485_decoded d = proto::decode_frame(frame.chars);
    if (is_master()) {
        if (master_rx)
            master_rx(frame, d);
        return;
    }
    if (!d.ok) {
        // Never act on a bad frame. Answer with its RTN only when it is certainly ours.
        ++m_rs485_rejected;
        if (d.adr_valid && d.frame.adr == m_cfg.address && d.rtn != proto::rtn::normal) {
            m_answers.push_back({sc_core::sc_time_stamp() + sc_core::sc_time(m_cfg.response_latency_s, sc_core::SC_SEC),
                                 proto::encode_frame(m_cfg.protocol_version, m_cfg.address, proto::cid1_battery,
                                                     static_cast<std::uint8_t>(d.rtn), {})});
            m_answer_ev.notify(sc_core::sc_time(m_cfg.response_latency_s, sc_core::SC_SEC));
        }
        return;
    }
    if (d.frame.adr != m_cfg.address)
        return; // for another module
    std::vector<std::uint8_t> info;
    std::uint8_t rtn = static_cast<std::uint8_t>(proto::rtn::normal);
    const auto& f = d.frame;
    switch (f.cid2) {
    case 0x42: info = proto::encode_analog_info(to_analog()); break;
    case 0x44: info = proto::encode_alarm_info(to_alarm()); break;
    case 0x92: info = proto::encode_management_info(to_management()); break;
    case 0x4F: break; // protocol version: empty INFO, version in VER
    case 0x51: info = proto::encode_manufacturer_info(to_manufacturer()); break;
    default: rtn = static_cast<std::uint8_t>(proto::rtn::cid2_invalid); break;
    }
    ++m_rs485_answered;
    m_answers.push_back({sc_core::sc_time_stamp() + sc_core::sc_time(m_cfg.response_latency_s, sc_core::SC_SEC),
                         proto::encode_frame(m_cfg.protocol_version, m_cfg.address, proto::cid1_battery, rtn, info)});
    m_answer_ev.notify(sc_core::sc_time(m_cfg.response_latency_s, sc_core::SC_SEC));
}

void bms::answer_loop() {
    for (;;) {
        sc_core::wait(m_answer_ev);
        while (!m_answers.empty() && m_answers.front().first <= sc_core::sc_time_stamp()) {
            const std::string chars = m_answers.front().second;
            m_answers.erase(m_answers.begin());
            const sc_core::sc_time release = rs485_send(chars);
            sc_core::wait(release - sc_core::sc_time_stamp());
        }
        if (!m_answers.empty())
            m_answer_ev.notify(m_answers.front().first - sc_core::sc_time_stamp());
    }
}

} // namespace stacksim::models
