// A TI BQ76952 battery monitor and protector (TRM SLUUBY2B) behind a TLM-2.0 I2C target socket
// (bus/tlm/i2c_socket.h) at 7-bit address 0x08, measuring a module's cells through
// module_plant_if and driving its switch and balancing resistors.
//
// - Command interface: bq76952_registers (direct commands, subcommands, data memory, checksums).
// - ADC: a measurement loop of 18 + min(thermistors, 3) slots of 3 ms (1.5 ms with
//   Power Config[FASTADC], times 1/2/4/8 with LOOP_SLOW) runs from power-on; at the end of each
//   loop the plant is sampled and the results published at once (cell voltages, stack, PACK, LD,
//   CC2 current, temperatures), with the gain/offset/noise and NTC quantisation of the module's
//   afe_config. Nothing is measured in CONFIG_UPDATE mode.
// - Protections, autonomous, whatever the host does: COV, CUV, OTC, OTD, UTC, UTD on every loop's
//   results; OCC, OCD1, OCD2 and SCD on the shunt current (the plant's, noise-free, as the
//   comparators see it) at every loop and every current_changed(). A condition sets its Safety
//   Alert bit and arms a timer of the configured delay; if the condition still holds when the
//   timer ends, the Safety Status bit is set (the alert cleared) and the FETs the CHG/DSG FET
//   Protections settings assign to it open at that instant. Recovery: the TRM's condition held for
//   Protections:Recovery:Time (SCD: SCD:Recovery Time), see docs/models/bq76952.md.
// - FETs: CHG and DSG as autonomous FET control allows them (bq76952_registers::chg_allowed); the
//   plant has one bidirectional switch and no body-diode path, so the switch is closed only while
//   both are on: a CHG-only trip (COV, OCC) also blocks discharge in the model (assumption).
// - Balancing: CB_ACTIVE_CELLS drives the plant's bleed switches (off in CONFIG_UPDATE).
// - ALERT: asserted while ALERT Pin Config selects the alarm function and Alarm Status (latched
//   from Alarm Raw Status & Alarm Enable) is non-zero; alert_event() fires on every change.
// - I2C timing: each transfer adds proto::i2c_transfer_s(bytes, stop, scl) plus clock_stretch_s
//   to `delay`; a write takes effect on the outputs at the end of its transfer.
#pragma once

#include <array>
#include <cstdint>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "battery/afe_config.h"
#include "battery/bq76952_config.h"
#include "battery/bq76952_registers.h"
#include "battery/module_plant_if.h"
#include "numeric/normal_source.h"
#include "common/event_sink.h"

namespace stacksim::models {

class bq76952 : public sc_core::sc_module {
public:
    static constexpr std::uint8_t i2c_address = bq76952_trm::i2c_address;

    tlm_utils::simple_target_socket<bq76952> i2c_in;
    sc_core::sc_port<module_plant_if> plant;

    bq76952(const sc_core::sc_module_name& name, const bq76952_config& cfg, const afe_config& measurement);

    bool alert_asserted() const { return m_alert; }
    const sc_core::sc_event& alert_event() const { return m_alert_event; }
    bool chg_fet_on() const { return m_chg_on; }
    bool dsg_fet_on() const { return m_dsg_on; }
    // The shunt current may have changed now (a load step): evaluate OCC/OCD/SCD at this instant.
    void current_changed() { m_current_check.notify(sc_core::SC_ZERO_TIME); }
    // Optional (nullptr: silent): events under source = this module's name:
    //   "afe_protection" {protection: "cov"|..., state: "tripped"|"recovered"},
    //   "afe_fets" {chg, dsg} on every change of the FET outputs,
    //   "afe_notice" {what: <counter name>, count} when a counter of ignored host input
    //   (bq76952_counters) reaches 1, 10, 100, ... (logged, never fatal, never a flood).
    void set_event_sink(event_sink* sink) { m_events = sink; }

    // Read-only views for tests and the host.
    const bq76952_registers& registers() const { return m_regs; }
    const bq76952_config& config() const { return m_cfg; }
    double loop_time_s() const { return m_regs.loop_time_s(thermistors()); }
    std::uint32_t scans() const { return m_regs.measurements().scans; }
    std::uint64_t address_errors() const { return m_address_errors; }   // transfers to another address
    std::uint64_t bad_transfers() const { return m_bad_transfers; }     // no data pointer / bad SCL rate
    unsigned thermistors() const;  // NTCs of the afe_config on TS1, TS2, TS3, HDQ (at most 4)

private:
    enum prot : unsigned { p_cuv, p_cov, p_occ, p_ocd1, p_ocd2, p_scd, p_otc, p_otd, p_utc, p_utd, n_prot };
    struct prot_state {
        bool alert = false, tripped = false;
        bool trip_pending = false, recover_pending = false;
        sc_core::sc_time trip_at, recover_at;
    };

    void b_transport(tlm::tlm_generic_payload& tx, sc_core::sc_time& delay);
    void power_on();
    void scan();
    void current_check();
    void timer();
    void apply_outputs();
    void after_host_write();
    void measure();
    void evaluate_voltage_and_temperature();
    void evaluate_current();
    void evaluate(prot p, bool condition, double delay_s, bool recover_condition, double recovery_s);
    bool enabled(prot p) const;
    void publish_safety();
    void schedule_timer();
    void clear_protections();
    double noise(double sigma);
    void report_notices();
    void report(const char* kind, const nlohmann::json& details);

    bq76952_config m_cfg;
    afe_config m_meas_cfg;
    bq76952_registers m_regs;
    num::normal_source m_noise; // std::normal_distribution's deviates over std::mt19937_64, as the AFE's
    std::array<prot_state, n_prot> m_prot{};
    sc_core::sc_event m_scan_event, m_current_check, m_timer_event, m_apply_event, m_alert_event;
    bool m_chg_on = false, m_dsg_on = false, m_switch = false, m_alert = false;
    std::uint16_t m_balance = 0;
    std::uint32_t m_seen_resets = 0;
    bool m_seen_cfgupdate = false;
    std::uint32_t m_loops_since_reset = 0;
    std::uint64_t m_address_errors = 0, m_bad_transfers = 0;
    event_sink* m_events = nullptr;
    bq76952_counters m_reported{};
};

} // namespace stacksim::models
