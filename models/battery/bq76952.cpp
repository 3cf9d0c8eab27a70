#include "battery/bq76952.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "battery/afe.h"
#include "protocol/i2c_timing.h"
#include "tlm/i2c_socket.h"

namespace stacksim::models {

namespace trm = bq76952_trm;

namespace {

// Each protection's Safety Alert/Status register (0 = A, 1 = B) and bit; the same bit enables it
// in Settings:Protection:Enabled Protections A/B (TRM §13.3, "Settings").
struct prot_bit {
    unsigned reg;
    std::uint8_t bit;
};
constexpr prot_bit prot_bits[] = {
    {0, trm::safety_a::cuv}, {0, trm::safety_a::cov}, {0, trm::safety_a::occ}, {0, trm::safety_a::ocd1},
    {0, trm::safety_a::ocd2}, {0, trm::safety_a::scd}, {1, trm::safety_b::otc}, {1, trm::safety_b::otd},
    {1, trm::safety_b::utc}, {1, trm::safety_b::utd},
};

constexpr const char* prot_names[] = {"cuv", "cov", "occ", "ocd1", "ocd2", "scd", "otc", "otd", "utc", "utd"};

// 1, 10, 100, ...: the counts at which a notice is logged.
bool power_of_ten(std::uint64_t n) {
    while (n >= 10 && n % 10 == 0)
        n /= 10;
    return n == 1;
}

double quantise(double v, double lsb) { return lsb > 0.0 ? std::round(v / lsb) * lsb : v; }

} // namespace

bq76952::bq76952(const sc_core::sc_module_name& name, const bq76952_config& cfg, const afe_config& measurement)
    : sc_core::sc_module(name),
      i2c_in("i2c_in"),
      plant("plant"),
      m_cfg(cfg),
      m_meas_cfg(measurement),
      m_regs(measurement.cells, cfg.sense_resistor_ohm),
      m_noise(measurement.seed) {
    if (!(cfg.clock_stretch_s >= 0.0) || !std::isfinite(cfg.clock_stretch_s))
        throw std::invalid_argument(std::string(this->name()) + ": clock_stretch_s must be >= 0");
    if (measurement.cells_per_ntc == 0)
        throw std::invalid_argument(std::string(this->name()) + ": cells_per_ntc must be positive");
    i2c_in.register_b_transport(this, &bq76952::b_transport);
    m_seen_resets = m_regs.resets();
    SC_HAS_PROCESS(bq76952);
    SC_METHOD(power_on);
    SC_METHOD(scan);
    sensitive << m_scan_event;
    dont_initialize();
    SC_METHOD(current_check);
    sensitive << m_current_check;
    dont_initialize();
    SC_METHOD(timer);
    sensitive << m_timer_event;
    dont_initialize();
    SC_METHOD(apply_outputs);
    sensitive << m_apply_event;
    dont_initialize();
}

unsigned bq76952::thermistors() const { return static_cast<unsigned>(std::min<std::size_t>(m_meas_cfg.ntc_sensors(), 4)); }

// Power-on at time 0: FETs off (FET_EN is clear after reset), no balancing, the first loop starts.
void bq76952::power_on() {
    m_switch = false;
    plant->set_switch(false);
    plant->set_balancing(0);
    m_regs.set_fets(false, false);
    m_scan_event.notify(sc_core::sc_time(loop_time_s(), sc_core::SC_SEC));
}

double bq76952::noise(double sigma) {
    if (sigma <= 0.0)
        return 0.0;
    num::normal_source::distribution n(0.0, sigma); // a fresh one: each draw takes a new pair
    return n(m_noise);
}

// The end of a measurement loop: every channel sampled now and published (see the header).
void bq76952::measure() {
    bq76952_measurements& m = m_regs.measurements();
    const afe_config& a = m_meas_cfg;
    double true_sum_v = 0.0;
    for (std::size_t k = 0; k < a.cells; ++k) {
        const double v = plant->cell_voltage_v(k);
        true_sum_v += v;
        m.cell_v[k] = quantise(v * (1.0 + a.cell_gain_error) + a.cell_offset_v + noise(a.cell_noise_v), a.cell_lsb_v);
    }
    m.stack_v = quantise(true_sum_v + noise(a.module_noise_v), a.module_lsb_v);
    m.pack_v = quantise(plant->module_voltage_v() + noise(a.module_noise_v), a.module_lsb_v);
    m.ld_v = m.pack_v; // assumption: the load side sits at the PACK terminal
    m.current_a = quantise(plant->module_current_a() + a.current_offset_a + noise(a.current_noise_a), a.current_lsb_a);
    for (std::size_t k = 0; k < a.cells; ++k)
        m.cell_current_a[k] = m.current_a;
    // NTC i of the module on TS1, TS2, TS3, HDQ: the mean temperature of its cells through the
    // divider ADC of the afe_config; the die (internal temperature) at the mean of all cells.
    double all_k = 0.0;
    for (std::size_t k = 0; k < a.cells; ++k)
        all_k += plant->cell_temp_k(k);
    m.temp_k.fill(0.0);
    m.temp_k[0] = all_k / static_cast<double>(a.cells);
    for (unsigned s = 0; s < thermistors(); ++s) {
        const std::size_t lo = s * a.cells_per_ntc, hi = std::min(a.cells, lo + a.cells_per_ntc);
        double t_k = 0.0;
        for (std::size_t k = lo; k < hi; ++k)
            t_k += plant->cell_temp_k(k);
        t_k /= static_cast<double>(hi - lo);
        m.temp_k[4 + s] = afe::ntc_counts_to_temp_k(afe::temp_k_to_ntc_counts(t_k, a), a);
    }
    ++m.scans;
}

void bq76952::scan() {
    std::uint16_t pulses = 0;
    if (!m_regs.cfgupdate()) {
        measure();
        ++m_loops_since_reset;
        pulses = trm::alarm::adscan;
        if (m_loops_since_reset % trm::loops_per_fullscan == 0)
            pulses |= trm::alarm::fullscan;
        if (m_loops_since_reset == 1)
            pulses |= trm::alarm::initcomp;
        evaluate_voltage_and_temperature();
        evaluate_current();
        publish_safety();
        schedule_timer();
    }
    m_regs.update_alarms(pulses);
    apply_outputs();
    m_scan_event.notify(sc_core::sc_time(loop_time_s(), sc_core::SC_SEC));
}

void bq76952::current_check() {
    if (m_regs.cfgupdate())
        return;
    evaluate_current();
    publish_safety();
    schedule_timer();
    apply_outputs();
}

bool bq76952::enabled(prot p) const {
    const std::uint16_t addr = prot_bits[p].reg == 0 ? trm::dm::enabled_protections_a : trm::dm::enabled_protections_b;
    return (m_regs.dm_unsigned(addr, 1) & prot_bits[p].bit) != 0;
}

// One protection's state machine (see the header): alert + delay timer while not tripped,
// recovery timer while tripped. A delay of 0 (below) means the protection is disabled.
void bq76952::evaluate(prot p, bool condition, double delay_s, bool recover_condition, double recovery_s) {
    prot_state& s = m_prot[p];
    if (!enabled(p) || delay_s < 0.0) {
        s = prot_state{};
        return;
    }
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    if (!s.tripped) {
        if (condition && !s.alert) {
            s.alert = true;
            s.trip_pending = true;
            s.trip_at = now + sc_core::sc_time(delay_s, sc_core::SC_SEC);
        } else if (!condition) {
            s.alert = false;
            s.trip_pending = false;
        }
    } else {
        if (recover_condition && !s.recover_pending) {
            s.recover_pending = true;
            s.recover_at = now + sc_core::sc_time(recovery_s, sc_core::SC_SEC);
        } else if (!recover_condition) {
            s.recover_pending = false;
        }
    }
}

void bq76952::evaluate_voltage_and_temperature() {
    const bq76952_measurements& m = m_regs.measurements();
    const std::size_t n = m_meas_cfg.cells;
    const double vmax = *std::max_element(m.cell_v.begin(), m.cell_v.begin() + static_cast<std::ptrdiff_t>(n));
    const double vmin = *std::min_element(m.cell_v.begin(), m.cell_v.begin() + static_cast<std::ptrdiff_t>(n));
    const auto u1 = [this](std::uint16_t a) { return static_cast<double>(m_regs.dm_unsigned(a, 1)); };
    const auto i1 = [this](std::uint16_t a) { return static_cast<double>(m_regs.dm_signed(a, 1)); };
    // COV/CUV delay: 3.3 ms x (2 + setting); setting 0 disables (TRM §5.2.4, §5.2.5).
    const auto cell_delay = [this](std::uint16_t a) {
        const auto v = m_regs.dm_unsigned(a, 2);
        return v == 0 ? -1.0 : trm::protection_delay_step_s * (2.0 + v);
    };
    const double recovery_s = u1(trm::dm::recovery_time);
    const double step = trm::cell_threshold_step_v;
    const double cov_v = u1(trm::dm::cov_threshold) * step, cov_hyst = u1(trm::dm::cov_recovery_hysteresis) * step;
    const double cuv_v = u1(trm::dm::cuv_threshold) * step, cuv_hyst = u1(trm::dm::cuv_recovery_hysteresis) * step;
    evaluate(p_cov, vmax > cov_v, cell_delay(trm::dm::cov_delay), vmax < cov_v - cov_hyst, recovery_s);
    evaluate(p_cuv, vmin < cuv_v, cell_delay(trm::dm::cuv_delay), vmin > cuv_v + cuv_hyst, recovery_s);
    // Cell temperature: the NTCs (TS1..HDQ); with none, the die.
    double tmax_c = 0.0, tmin_c = 0.0;
    bool any = false;
    for (unsigned i = 4; i < 8; ++i)
        if (m.temp_k[i] > 0.0) {
            const double c = m.temp_k[i] - trm::zero_celsius_k;
            tmax_c = any ? std::max(tmax_c, c) : c;
            tmin_c = any ? std::min(tmin_c, c) : c;
            any = true;
        }
    if (!any)
        tmax_c = tmin_c = m.temp_k[0] - trm::zero_celsius_k;
    evaluate(p_otc, tmax_c >= i1(trm::dm::otc_threshold), u1(trm::dm::otc_delay), tmax_c <= i1(trm::dm::otc_recovery),
             recovery_s);
    evaluate(p_otd, tmax_c >= i1(trm::dm::otd_threshold), u1(trm::dm::otd_delay), tmax_c <= i1(trm::dm::otd_recovery),
             recovery_s);
    evaluate(p_utc, tmin_c <= i1(trm::dm::utc_threshold), u1(trm::dm::utc_delay), tmin_c >= i1(trm::dm::utc_recovery),
             recovery_s);
    evaluate(p_utd, tmin_c <= i1(trm::dm::utd_threshold), u1(trm::dm::utd_delay), tmin_c >= i1(trm::dm::utd_recovery),
             recovery_s);
}

// OCC/OCD1/OCD2/SCD on the shunt voltage I * R (the plant's current: the comparators see the
// shunt, not the ADC). Recovery: OCC at I <= OCC:Recovery Threshold, OCD at I >= OCD:Recovery
// Threshold, or in both cases with the switch open (no current: stands for the TRM's PACK-TOS and
// load-detect recovery paths, which the plant cannot show); SCD after SCD:Recovery Time.
void bq76952::evaluate_current() {
    const double r = m_cfg.sense_resistor_ohm;
    const double i_a = plant->module_current_a();
    const auto u1 = [this](std::uint16_t a) { return m_regs.dm_unsigned(a, 1); };
    const auto oc_delay = [&](std::uint16_t a) {
        const auto v = u1(a);
        return v == 0 ? -1.0 : trm::protection_delay_step_s * (2.0 + v);
    };
    const double recovery_s = u1(trm::dm::recovery_time);
    const bool open = !m_switch;
    const double occ_rec_a = m_regs.dm_signed(trm::dm::occ_recovery_threshold, 2) * 1e-3;
    const double ocd_rec_a = m_regs.dm_signed(trm::dm::ocd_recovery_threshold, 2) * 1e-3;
    const double occ_a = u1(trm::dm::occ_threshold) * trm::current_threshold_step_v / r;
    const double ocd1_a = u1(trm::dm::ocd1_threshold) * trm::current_threshold_step_v / r;
    const double ocd2_a = u1(trm::dm::ocd2_threshold) * trm::current_threshold_step_v / r;
    const double scd_a = trm::scd_threshold_v[u1(trm::dm::scd_threshold) & 0x0Fu] / r;
    const double scd_delay_s = trm::scd_delay_step_s * std::max(0.0, static_cast<double>(u1(trm::dm::scd_delay)) - 1.0);
    evaluate(p_occ, i_a > occ_a, oc_delay(trm::dm::occ_delay), open || i_a <= occ_rec_a, recovery_s);
    evaluate(p_ocd1, -i_a > ocd1_a, oc_delay(trm::dm::ocd1_delay), open || i_a >= ocd_rec_a, recovery_s);
    evaluate(p_ocd2, -i_a > ocd2_a, oc_delay(trm::dm::ocd2_delay), open || i_a >= ocd_rec_a, recovery_s);
    evaluate(p_scd, -i_a > scd_a, scd_delay_s, true, u1(trm::dm::scd_recovery_time));
}

void bq76952::publish_safety() {
    std::array<std::uint8_t, 2> alert{}, status{};
    for (unsigned p = 0; p < n_prot; ++p) {
        if (m_prot[p].alert)
            alert[prot_bits[p].reg] |= prot_bits[p].bit;
        if (m_prot[p].tripped)
            status[prot_bits[p].reg] |= prot_bits[p].bit;
    }
    m_regs.set_safety(alert[0], status[0], alert[1], status[1], 0, 0);
}

void bq76952::schedule_timer() {
    bool any = false;
    sc_core::sc_time next;
    for (const prot_state& s : m_prot) {
        if (s.trip_pending && (!any || s.trip_at < next)) {
            next = s.trip_at;
            any = true;
        }
        if (s.recover_pending && (!any || s.recover_at < next)) {
            next = s.recover_at;
            any = true;
        }
    }
    m_timer_event.cancel();
    if (any) {
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        m_timer_event.notify(next > now ? next - now : sc_core::SC_ZERO_TIME);
    }
}

// A delay or recovery timer ended: trip (the condition held since the alert: every evaluation in
// between would have disarmed it otherwise) or recover.
void bq76952::timer() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    bool changed = false;
    for (unsigned p = 0; p < n_prot; ++p) {
        prot_state& s = m_prot[p];
        if (s.trip_pending && s.trip_at <= now) {
            s.trip_pending = false;
            s.alert = false;
            s.tripped = true;
            changed = true;
            report("afe_protection", {{"protection", prot_names[p]}, {"state", "tripped"}});
        }
        if (s.recover_pending && s.recover_at <= now) {
            s.recover_pending = false;
            s.tripped = false;
            changed = true;
            report("afe_protection", {{"protection", prot_names[p]}, {"state", "recovered"}});
        }
    }
    if (changed) {
        publish_safety();
        apply_outputs();
        // A current protection's recovery condition may already hold (e.g. the switch it opened).
        evaluate_current();
        publish_safety();
    }
    schedule_timer();
}

void bq76952::clear_protections() {
    m_prot.fill(prot_state{});
    publish_safety();
    m_timer_event.cancel();
}

// FETs, switch, balancing and ALERT from the register state, now.
void bq76952::apply_outputs() {
    const bool chg = m_regs.chg_allowed(), dsg = m_regs.dsg_allowed();
    if (chg != m_chg_on || dsg != m_dsg_on)
        report("afe_fets", {{"chg", chg}, {"dsg", dsg}});
    m_chg_on = chg;
    m_dsg_on = dsg;
    m_regs.set_fets(chg, dsg);
    const bool sw = chg && dsg;
    if (sw != m_switch) {
        m_switch = sw;
        plant->set_switch(sw);
        m_current_check.notify(sc_core::SC_ZERO_TIME);
    }
    const std::uint16_t bal = m_regs.cfgupdate() ? 0 : m_regs.cb_active_cells();
    if (bal != m_balance) {
        m_balance = bal;
        plant->set_balancing(bal);
    }
    m_regs.update_alarms();
    const bool alert = m_regs.alert_asserted();
    if (alert != m_alert) {
        m_alert = alert;
        m_alert_event.notify(sc_core::SC_ZERO_TIME);
    }
}

// What a host write may have changed that the module acts on: a RESET restarts the loop and the
// protections; CONFIG_UPDATE suspends them (they start afresh after it).
void bq76952::after_host_write() {
    if (m_regs.resets() != m_seen_resets) {
        m_seen_resets = m_regs.resets();
        m_loops_since_reset = 0;
        clear_protections();
        m_scan_event.cancel();
        m_scan_event.notify(sc_core::sc_time(loop_time_s(), sc_core::SC_SEC));
    }
    if (m_regs.cfgupdate() != m_seen_cfgupdate) {
        m_seen_cfgupdate = m_regs.cfgupdate();
        clear_protections();
    }
}

void bq76952::report(const char* kind, const nlohmann::json& details) {
    if (m_events)
        m_events->event(name(), kind, details);
}

void bq76952::report_notices() {
    if (!m_events)
        return;
    const bq76952_counters& c = m_regs.counters();
    const auto one = [this](const char* what, std::uint64_t now_count, std::uint64_t& seen) {
        if (now_count != seen) {
            seen = now_count;
            if (power_of_ten(now_count))
                report("afe_notice", {{"what", what}, {"count", now_count}});
        }
    };
    one("bad_checksum", c.bad_checksum, m_reported.bad_checksum);
    one("bad_length", c.bad_length, m_reported.bad_length);
    one("dm_write_outside_cfgupdate", c.dm_write_outside_cfgupdate, m_reported.dm_write_outside_cfgupdate);
    one("dm_out_of_range", c.dm_out_of_range, m_reported.dm_out_of_range);
    one("unknown_subcommand", c.unknown_subcommand, m_reported.unknown_subcommand);
    one("data_for_readonly_subcommand", c.data_for_readonly_subcommand, m_reported.data_for_readonly_subcommand);
    one("unimplemented_read", c.unimplemented_read, m_reported.unimplemented_read);
    one("readonly_write", c.readonly_write, m_reported.readonly_write);
    one("host_fet_command_ignored", c.host_fet_command_ignored, m_reported.host_fet_command_ignored);
}

void bq76952::b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay) {
    if (tx.get_address() != i2c_address) {
        ++m_address_errors;
        tx.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
        return;
    }
    const bus::i2c_extension* ext = nullptr;
    tx.get_extension(ext);
    bool stop = true;
    double scl_hz = proto::i2c_standard_mode_hz;
    if (ext) {
        stop = ext->stop;
        scl_hz = ext->scl_hz;
    }
    if (!std::isfinite(scl_hz) || scl_hz <= 0.0) {
        ++m_bad_transfers;
        tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    const std::size_t n = tx.get_data_length();
    std::uint8_t* data = tx.get_data_ptr();
    if (n > 0 && data == nullptr) {
        ++m_bad_transfers;
        tx.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
        return;
    }
    if (tx.is_write()) {
        m_regs.i2c_write(data, n);
        after_host_write();
        report_notices();
    } else if (tx.is_read()) {
        m_regs.i2c_read(data, n);
        report_notices();
    } else {
        tx.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
        return;
    }
    delay += sc_core::sc_time(static_cast<double>(proto::i2c_transfer_ps(n, stop, scl_hz)), sc_core::SC_PS) +
             sc_core::sc_time(m_cfg.clock_stretch_s, sc_core::SC_SEC);
    if (tx.is_write())
        m_apply_event.notify(delay);
    tx.set_response_status(tlm::TLM_OK_RESPONSE);
}

} // namespace stacksim::models
