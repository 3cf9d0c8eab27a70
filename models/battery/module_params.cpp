#include "battery/module_params.h"

#include <string>

namespace stacksim::models {

using num::field_table;
using num::keys_of;
using num::param_node;

namespace {

// bms.protection.<channel>: {warning: {value: [set, clear, delay_s, clear_delay_s], source},
// protection: {...}}; clear on the safe side of set (hysteresis), delays non-negative.
template <prot_channel C>
void read_channel(const param_node& parent, const char* key, protection_config& pc) {
    const param_node c = parent.at(key);
    c.allow_only({"warning", "protection"});
    for (const char* level : {"warning", "protection"}) {
        const param_node t = c.sourced(level);
        t.allow_only({"value", "source"});
        const auto v = t.at("value").as_numbers(-1e4, 1e4, 4);
        if (v.size() != 4)
            t.at("value").fail("[set, clear, delay_s, clear_delay_s]");
        if (v[2] < 0 || v[3] < 0)
            t.at("value").fail("non-negative delays");
        const bool high = prot_channel_high_side(C);
        if (high ? v[1] > v[0] : v[1] < v[0])
            t.at("value").fail(high ? "clear <= set (hysteresis)" : "clear >= set (hysteresis)");
        auto& lv = std::string(level) == "warning" ? pc[C].warning : pc[C].protection;
        lv = {v[0], v[1], v[2], v[3]};
        t.record(t.path(), "[" + std::to_string(v[0]) + ", " + std::to_string(v[1]) + ", " + std::to_string(v[2]) +
                               ", " + std::to_string(v[3]) + "]",
                 t.at("source").as_string());
    }
}

// bms.soc.ocv_low / ocv_high: {soc: [...], value: [V...], source}: one end of the OCV table.
template <bool Low>
void read_ocv_end(const param_node& parent, const char* key, soc_config& scf) {
    const param_node t = parent.sourced(key);
    t.allow_only({"soc", "value", "source"});
    const auto v = t.at("value").as_axis(1.0, 5.0);
    const auto q = t.at("soc").as_numbers(0.0, 1.0, 2);
    if (q.size() != v.size())
        t.at("soc").fail("as many SoC points as voltages");
    (Low ? scf.low_v : scf.high_v) = v;
    (Low ? scf.low_soc : scf.high_soc) = q;
    t.record(t.path(), "[" + std::to_string(v.size()) + " points]", t.at("source").as_string());
}

// A sourced string entry {value: "...", source}; recorded.
std::string sourced_string(const param_node& parent, const char* key) {
    const param_node t = parent.sourced(key);
    t.allow_only({"value", "source"});
    const std::string v = t.at("value").as_string();
    return v;
}

void record_string(const param_node& parent, const char* key, const std::string& v) {
    const param_node t = parent.at(key);
    t.record(t.path(), v, t.at("source").as_string());
}

void read_message_set(const param_node& parent, const char* key, can_link_config& c) {
    const param_node t = parent.sourced(key);
    t.allow_only({"value", "source"});
    const std::string v = t.at("value").as_choice(can_message_set_names());
    c.can_message_set = can_message_set_named(v);
    record_string(parent, key, v);
}

// Empty: the message set's own string; else 1 to 8 ASCII characters. Read after can_message_set.
void read_manufacturer(const param_node& parent, const char* key, can_link_config& c) {
    const std::string v = sourced_string(parent, key);
    if (v.size() > 8)
        parent.at(key).at("value").fail("1 to 8 ASCII characters (0x35E), or \"\" for the message set's own");
    if (!v.empty())
        c.can_message_set.manufacturer = v;
    record_string(parent, key, v);
}

void read_heartbeat_reaction(const param_node& parent, const char* key, can_link_config& c) {
    const param_node t = parent.sourced(key);
    t.allow_only({"value", "source"});
    const std::string v = t.at("value").as_choice({"event", "zero_limits"});
    c.heartbeat_reaction = heartbeat_reaction_named(v);
    record_string(parent, key, v);
}

} // namespace

// ---------------------------------------------------------------- field tables

const field_table<module_config>& module_config::fields() {
    using S = module_config;
    static const field_table<S> t{
        {"cells_in_series", &S::cells_in_series, "count", 1, 32, "cells in series per module"},
        {"bleed_resistor_ohm", &S::bleed_resistor_ohm, "ohm", 0.1, 1e6, "passive-balancing bleed resistor per cell"},
    };
    return t;
}

const field_table<afe_config>& afe_config::fields() {
    using S = afe_config;
    static const field_table<S> t{
        {"cell_lsb_v", &S::cell_lsb_v, "V", 1e-7, 0.1, "cell-voltage ADC resolution"},
        {"cell_gain_error", &S::cell_gain_error, "1", -0.1, 0.1, "cell-voltage gain error (relative)"},
        {"cell_offset_v", &S::cell_offset_v, "V", -0.1, 0.1, "cell-voltage offset error"},
        {"cell_noise_v", &S::cell_noise_v, "V", 0, 0.1, "cell-voltage noise, 1 sigma"},
        {"module_lsb_v", &S::module_lsb_v, "V", 1e-6, 1, "module-voltage ADC resolution"},
        {"module_noise_v", &S::module_noise_v, "V", 0, 1, "module-voltage noise, 1 sigma"},
        {"current_lsb_a", &S::current_lsb_a, "A", 1e-6, 10, "shunt ADC resolution"},
        {"current_offset_a", &S::current_offset_a, "A", -100, 100, "shunt offset error"},
        {"current_noise_a", &S::current_noise_a, "A", 0, 100, "shunt noise, 1 sigma"},
        {"cells_per_ntc", &S::cells_per_ntc, "count", 1, 32, "cells per NTC sensor (sensor i sees cells [i*n, (i+1)*n))"},
        {"ntc_r25_ohm", &S::ntc_r25_ohm, "ohm", 1, 1e7, "NTC resistance at 25 degC"},
        {"ntc_beta_k", &S::ntc_beta_k, "K", 100, 20000, "NTC B constant"},
        {"ntc_pullup_ohm", &S::ntc_pullup_ohm, "ohm", 1, 1e7, "NTC divider pull-up"},
        {"ntc_adc_bits", &S::ntc_adc_bits, "count", 8, 24, "NTC ADC resolution in bits"},
        {"conversion_time_s", &S::conversion_time_s, "s", 0, 1, "START to results ready, all channels"},
        {"sc_threshold_a", &S::sc_threshold_a, "A", 1, 1e5, "short-circuit comparator threshold (|I|)"},
        {"sc_delay_s", &S::sc_delay_s, "s", 0, 1, "short-circuit comparator delay before the switch opens"},
    };
    return t;
}

const field_table<bq76952_config>& bq76952_config::fields() {
    using S = bq76952_config;
    static const field_table<S> t{
        {"sense_resistor_ohm", &S::sense_resistor_ohm, "ohm", 1e-5, 0.1, "shunt between SRP and SRN (OCC/OCD/SCD thresholds are voltages across it)"},
        {"clock_stretch_s", &S::clock_stretch_s, "s", 0, 0.025, "clock stretching per I2C transfer addressed to the BQ76952"},
    };
    return t;
}

const field_table<bms_config>& bms_config::fields() {
    using S = bms_config;
    static const field_table<S> t{
        {"measure_period_s", &S::measure_period_s, "s", 1e-4, 60, "measurement loop period"},
        {"response_latency_s", &S::response_latency_s, "s", 0, 10, "RS485 request end to response start"},
        {"master_timeout_s", &S::master_timeout_s, "s", 0.1, 3600, "a sub opens this long after the master's last frame"},
        {"precharge_time_s", &S::precharge_time_s, "s", 0.0, 60.0, "precharge path before the main switch closes"},
    };
    return t;
}

const field_table<bms_config>& bms_config::master_fields() {
    using S = bms_config;
    static const field_table<S> t{
        {"master_address", &S::master_address, "count", 1, 254, "RS485 address of the master; sub k has master_address + k"},
    };
    return t;
}

const field_table<balancing_config>& balancing_config::fields() {
    using S = balancing_config;
    static const field_table<S> t{
        {"enabled", &S::enabled, "flag", 0, 1, "passive balancing on (1) or off (0)"},
        {"start_v", &S::start_v, "V", 2, 4, "balance only while the highest cell is above this"},
        {"delta_v", &S::delta_v, "V", 1e-4, 1, "bleed the cells at least this far above the lowest"},
        {"max_discharge_a", &S::max_discharge_a, "A", 0, 1000, "no balancing while discharging harder than this"},
    };
    return t;
}

const field_table<soc_config>& soc_config::fields() {
    using S = soc_config;
    static const field_table<S> t{
        {"rest_current_a", &S::rest_current_a, "A", 0, 100, "|I| below this counts as rest"},
        {"rest_time_s", &S::rest_time_s, "s", 0, 86400, "rest this long before trusting the OCV"},
        {"ocv_low", &read_ocv_end<true>, "V", 1.0, 5.0, "empty end of the OCV table {soc: [...], value: [V...]} (low_soc, low_v)"},
        {"ocv_high", &read_ocv_end<false>, "V", 1.0, 5.0, "full end of the OCV table {soc: [...], value: [V...]} (high_soc, high_v)"},
        {"full_margin_v", &S::full_margin_v, "V", 0, 1, "full when the highest cell is within this of the CVL"},
        {"full_tail_current_a", &S::full_tail_current_a, "A", 0, 1000, "... and the charge current at most this"},
        {"full_time_s", &S::full_time_s, "s", 0, 3600, "... for this long"},
        {"min_soh_depth", &S::min_soh_depth, "1", 0.01, 1, "SoH only from a discharge of at least this SoC span"},
        {"uncalibrated_max_soc", &S::uncalibrated_max_soc, "1", 0.5, 1, "first start: highest SoC reported before the first full charge"},
    };
    return t;
}

const field_table<protection_config>& protection_config::fields() {
    using S = protection_config;
    constexpr const char* level = "levels {warning, protection}: {value: [set, clear, delay_s, clear_delay_s]}, ";
    static const std::string d[] = {
        std::string(level) + "highest cell voltage",       std::string(level) + "lowest cell voltage",
        std::string(level) + "module voltage (sum of its cells)", std::string(level) + "module voltage (sum of its cells)",
        std::string(level) + "charge current magnitude",   std::string(level) + "discharge current magnitude",
        std::string(level) + "hottest NTC while charging", std::string(level) + "coldest NTC while charging",
        std::string(level) + "hottest NTC while discharging", std::string(level) + "coldest NTC while discharging",
        std::string(level) + "max - min cell voltage",     std::string(level) + "number of faulty sensors"};
    static const field_table<S> t{
        {"cell_ov", &read_channel<prot_channel::cell_ov>, "V", -1e4, 1e4, d[0].c_str()},
        {"cell_uv", &read_channel<prot_channel::cell_uv>, "V", -1e4, 1e4, d[1].c_str()},
        {"module_ov", &read_channel<prot_channel::module_ov>, "V", -1e4, 1e4, d[2].c_str()},
        {"module_uv", &read_channel<prot_channel::module_uv>, "V", -1e4, 1e4, d[3].c_str()},
        {"charge_oc", &read_channel<prot_channel::charge_oc>, "A", -1e4, 1e4, d[4].c_str()},
        {"discharge_oc", &read_channel<prot_channel::discharge_oc>, "A", -1e4, 1e4, d[5].c_str()},
        {"charge_ot", &read_channel<prot_channel::charge_ot>, "degC", -1e4, 1e4, d[6].c_str()},
        {"charge_ut", &read_channel<prot_channel::charge_ut>, "degC", -1e4, 1e4, d[7].c_str()},
        {"discharge_ot", &read_channel<prot_channel::discharge_ot>, "degC", -1e4, 1e4, d[8].c_str()},
        {"discharge_ut", &read_channel<prot_channel::discharge_ut>, "degC", -1e4, 1e4, d[9].c_str()},
        {"imbalance", &read_channel<prot_channel::imbalance>, "V", -1e4, 1e4, d[10].c_str()},
        {"sensor", &read_channel<prot_channel::sensor>, "count", -1e4, 1e4, d[11].c_str()},
        {"short_circuit_recover_s", &S::short_circuit_recover_s, "s", 0, 3600, "re-arm and reclose this long after a short-circuit trip"},
        {"ntc_min_c", &S::ntc_min_c, "degC", -100, 50, "NTC readings below this count as a sensor fault"},
        {"ntc_max_c", &S::ntc_max_c, "degC", -100, 300, "NTC readings above this count as a sensor fault", &S::ntc_min_c},
        {"cluster_max_protected", &S::cluster_max_protected, "count", 0, 16, "more modules in protection stop the stack (master)"},
        {"oc_lockout_trips", &S::oc_lockout_trips, "count", 0, 1000, "over-current trips within the window that lock the module out (0: never)"},
        {"oc_lockout_window_s", &S::oc_lockout_window_s, "s", 0, 86400, "window over which the lock-out counts trips"},
        {"oc_lockout_timeout_s", &S::oc_lockout_timeout_s, "s", 0, 30 * 86400.0, "a lock-out clears by itself after this (0: manual reset only)"},
    };
    return t;
}

const field_table<limit_config>& limit_config::fields() {
    using S = limit_config;
    static const field_table<S> t{
        {"cvl_cell_v", &S::cvl_cell_v, "V", 2, 5, "charge voltage limit per cell"},
        {"dvl_cell_v", &S::dvl_cell_v, "V", 1, 4, "discharge voltage limit per cell (0x351 bytes 6-7)"},
        {"ccl_a", &S::ccl_a, "A", 0, 10000, "nominal charge current limit"},
        {"dcl_a", &S::dcl_a, "A", 0, 10000, "nominal discharge current limit"},
        {"ccl_taper_start_v", &S::ccl_taper_start_v, "V", 2, 5, "CCL tapers to 0 as the highest cell goes from here ..."},
        {"ccl_taper_end_v", &S::ccl_taper_end_v, "V", 2, 5, "... to here", &S::ccl_taper_start_v},
        {"dcl_taper_start_v", &S::dcl_taper_start_v, "V", 1, 5, "DCL tapers to 0 as the lowest cell goes from here ..."},
        {"dcl_taper_end_v", &S::dcl_taper_end_v, "V", 1, 5, "... to here", nullptr, &S::dcl_taper_start_v},
        {"ccl_cold_start_c", &S::ccl_cold_start_c, "degC", -50, 80, "CCL derates linearly from 1 at the coldest NTC here ..."},
        {"ccl_cold_end_c", &S::ccl_cold_end_c, "degC", -50, 80, "... to 0 here", nullptr, &S::ccl_cold_start_c},
        {"ccl_hot_start_c", &S::ccl_hot_start_c, "degC", -50, 100, "CCL derates from 1 at the hottest NTC here ..."},
        {"ccl_hot_end_c", &S::ccl_hot_end_c, "degC", -50, 100, "... to 0 here", &S::ccl_hot_start_c},
        {"dcl_cold_start_c", &S::dcl_cold_start_c, "degC", -50, 80, "DCL derates from 1 at the coldest NTC here ..."},
        {"dcl_cold_end_c", &S::dcl_cold_end_c, "degC", -50, 80, "... to 0 here", nullptr, &S::dcl_cold_start_c},
        {"dcl_hot_start_c", &S::dcl_hot_start_c, "degC", -50, 100, "DCL derates from 1 at the hottest NTC here ..."},
        {"dcl_hot_end_c", &S::dcl_hot_end_c, "degC", -50, 100, "... to 0 here", &S::dcl_hot_start_c},
        {"ccl_soc_start", &S::ccl_soc_start, "1", 0, 1, "CCL derates from 1 at this SoC ..."},
        {"ccl_soc_end", &S::ccl_soc_end, "1", 0, 1, "... to ccl_soc_floor at this SoC", &S::ccl_soc_start},
        {"ccl_soc_floor", &S::ccl_soc_floor, "1", 0, 1, "CCL factor at ccl_soc_end"},
        {"dcl_soc_start", &S::dcl_soc_start, "1", 0, 1, "DCL derates from 1 at this SoC ..."},
        {"dcl_soc_end", &S::dcl_soc_end, "1", 0, 1, "... to dcl_soc_floor at this SoC", nullptr, &S::dcl_soc_start},
        {"dcl_soc_floor", &S::dcl_soc_floor, "1", 0, 1, "DCL factor at dcl_soc_end"},
    };
    return t;
}

const field_table<stack_master_config>& stack_master_config::fields() {
    using S = stack_master_config;
    static const field_table<S> t{
        {"poll_period_s", &S::poll_period_s, "s", 1e-3, 3600, "RS485 poll cycle over the subs"},
        {"response_timeout_s", &S::response_timeout_s, "s", 1e-4, 60, "wait this long for a sub's response"},
        {"retries", &S::retries, "count", 0, 10, "retries per request"},
        {"lost_after_misses", &S::lost_after_misses, "count", 1, 100, "a sub missing this many cycles in a row is lost"},
        {"poll_alarms", &S::poll_alarms, "flag", 0, 1, "also poll each sub's alarm info (0x44) every cycle"},
        {"join_window_v", &S::join_window_v, "V", 0, 100, "a sub joins within this of the master's open-circuit voltage"},
        {"join_rest_current_a", &S::join_rest_current_a, "A", 0, 1000, "|I| below this counts as rest for the master's own OCV"},
        {"join_rest_time_s", &S::join_rest_time_s, "s", 0, 86400, "rest this long before the master trusts its OCV"},
        {"join_max_ah_since_rest", &S::join_max_ah_since_rest, "Ah", 0, 1000, "the last rest OCV stays valid for this much charge"},
        {"max_ccl_a_by_count", &S::max_ccl_a_by_count, "A", 0, 1e5, "stack charge current cap by modules present (index = count)"},
        {"max_dcl_a_by_count", &S::max_dcl_a_by_count, "A", 0, 1e5, "stack discharge current cap by modules present (index = count)"},
    };
    return t;
}

const field_table<can_link_config>& can_link_config::fields() {
    using S = can_link_config;
    static const field_table<S> t{
        {"can_period_s", &S::can_period_s, "s", 1e-3, 60, "CAN cycle to the inverter"},
        {"can_spacing_s", &S::can_spacing_s, "s", 0, 1, "spacing between the frames of a cycle (0: back to back)"},
        {"heartbeat_timeout_s", &S::heartbeat_timeout_s, "s", 0.1, 3600, "no 0x305 for this long: heartbeat lost"},
        {"can_message_set", &read_message_set, "choice", 0, 0, "pylontech_v12, sma or sma_victron"},
        {"can_manufacturer", &read_manufacturer, "choice", 0, 0, "0x35E string, 1 to 8 ASCII characters; \"\": the message set's own"},
        {"heartbeat_reaction", &read_heartbeat_reaction, "choice", 0, 0, "on a lost heartbeat: event or zero_limits"},
        {"force_charge_1_on_soc_pct", &S::force_charge_1_on_soc_pct, "%", 0, 100, "0x35C force charge I set at or below this SoC"},
        {"force_charge_1_off_soc_pct", &S::force_charge_1_off_soc_pct, "%", 0, 100, "... cleared at or above this SoC", &S::force_charge_1_on_soc_pct},
        {"force_charge_2_on_soc_pct", &S::force_charge_2_on_soc_pct, "%", 0, 100, "0x35C force charge II set at or below this SoC"},
        {"force_charge_2_off_soc_pct", &S::force_charge_2_off_soc_pct, "%", 0, 100, "... cleared at or above this SoC", &S::force_charge_2_on_soc_pct},
        {"full_charge_soc_pct", &S::full_charge_soc_pct, "%", 0, 100, "0x35C full-charge request when the SoC has stayed below this ..."},
        {"full_charge_after_days", &S::full_charge_after_days, "d", 0, 3650, "... for this many days"},
    };
    return t;
}

const field_table<bus_config>& bus_config::fields() {
    using S = bus_config;
    static const field_table<S> t{
        {"rs485_baud", &S::rs485_baud, "baud", 300, 4e6, "RS485 chain baud rate, 8N1"},
        {"rs485_hop_length_m", &S::rs485_hop_length_m, "m", 0, 1200, "RS485 cable between neighbouring modules"},
        {"rs485_driver_enable_s", &S::rs485_driver_enable_s, "s", 0, 0.1, "RS485 driver-enable turnaround"},
        {"rs485_propagation_s_per_m", &S::rs485_propagation_s_per_m, "s/m", 0, 1e-6, "RS485 propagation delay"},
        {"rs485_link_length_m", &S::rs485_link_length_m, "m", 0, 1200,
         "RS485 cable from the master's free port A to a host's adapter (RS485 bridge at link)"},
        {"rs485_bridge_idle_gap_s", &S::rs485_bridge_idle_gap_s, "s", 1e-3, 10,
         "silence that ends a host's RS485 transmission without CR (RS485 bridge)"},
        {"can_bitrate_bps", &S::can_bitrate_bps, "bit/s", 1e4, 1e6, "CAN bit rate to the inverter"},
    };
    return t;
}

// ---------------------------------------------------------------- reader, one step per section

namespace {

void read_module_section(const param_node& n, module_params& mp) {
    n.allow_only(keys_of(module_config::fields()));
    num::read_fields(n, module_config::fields(), mp.module);
}

void read_afe_section(const param_node& n, module_params& mp) {
    n.allow_only(keys_of(afe_config::fields()));
    mp.afe.cells = mp.module.cells_in_series;
    num::read_fields(n, afe_config::fields(), mp.afe);
}

void read_bq76952_section(const param_node& n, module_params& mp) {
    n.allow_only(keys_of(bq76952_config::fields()));
    num::read_fields(n, bq76952_config::fields(), mp.bq76952);
}

void read_bms_section(const param_node& n, module_params& mp) {
    auto& bc = mp.bms;
    std::vector<std::string> bms_keys = keys_of(bms_config::fields());
    bms_keys.insert(bms_keys.end(), {"protection", "limits", "balancing", "soc"}); // sections after the scalars
    n.allow_only(bms_keys);
    const param_node soc = n.at("soc");
    soc.allow_only(keys_of(soc_config::fields()));
    num::read_fields(soc, soc_config::fields(), bc.soc);
    num::read_fields(n, bms_config::fields(), bc);
    const param_node bal = n.at("balancing");
    bal.allow_only(keys_of(balancing_config::fields()));
    num::read_fields(bal, balancing_config::fields(), bc.balancing);
    const param_node p = n.at("protection");
    p.allow_only(keys_of(protection_config::fields()));
    num::read_fields(p, protection_config::fields(), bc.protection);
    const param_node l = n.at("limits");
    l.allow_only(keys_of(limit_config::fields()));
    num::read_fields(l, limit_config::fields(), bc.limits);
}

// master: the master's address (bms_config), its stack logic and its CAN link.
void read_master_section(const param_node& n, module_params& mp) {
    std::vector<std::string> keys = keys_of(bms_config::master_fields());
    num::append_keys(keys, stack_master_config::fields());
    num::append_keys(keys, can_link_config::fields());
    n.allow_only(keys);
    num::read_fields(n, bms_config::master_fields(), mp.bms);
    num::read_fields(n, stack_master_config::fields(), mp.master);
    num::read_fields(n, can_link_config::fields(), mp.can);
}

void read_buses_section(const param_node& n, module_params& mp) {
    n.allow_only(keys_of(bus_config::fields()));
    num::read_fields(n, bus_config::fields(), mp.buses);
}

} // namespace

module_params read_module_params(const param_node& root) {
    module_params mp;
    root.allow_only({"module", "afe", "bq76952", "bms", "master", "buses"});
    read_module_section(root.at("module"), mp);
    read_afe_section(root.at("afe"), mp);
    read_bq76952_section(root.at("bq76952"), mp);
    read_bms_section(root.at("bms"), mp);
    read_master_section(root.at("master"), mp);
    read_buses_section(root.at("buses"), mp);
    return mp;
}

module_params load_module_params(const std::string& path) {
    return read_module_params(param_node::load_file(path));
}

std::string default_module_params_path() { return std::string(STACKSIM_SOURCE_DIR) + "/models/params/module_4k4pro.yaml"; }

std::vector<num::field_info> module_param_fields() {
    std::vector<num::field_info> out;
    num::describe_fields(out, "module", module_config::fields());
    num::describe_fields(out, "afe", afe_config::fields());
    num::describe_fields(out, "bq76952", bq76952_config::fields());
    num::describe_fields(out, "bms", bms_config::fields());
    num::describe_fields(out, "bms.balancing", balancing_config::fields());
    num::describe_fields(out, "bms.soc", soc_config::fields());
    num::describe_fields(out, "bms.protection", protection_config::fields());
    num::describe_fields(out, "bms.limits", limit_config::fields());
    num::describe_fields(out, "master", bms_config::master_fields());
    num::describe_fields(out, "master", stack_master_config::fields());
    num::describe_fields(out, "master", can_link_config::fields());
    num::describe_fields(out, "buses", bus_config::fields());
    return out;
}

std::vector<std::string> can_message_set_names() { return {"pylontech_v12", "sma", "sma_victron"}; }

proto::can_message_set can_message_set_named(const std::string& n) {
    if (n == "pylontech_v12")
        return proto::pylon_v12_set();
    proto::can_message_set s = proto::sma_set();
    if (n == "sma_victron") {
        // Victron extras the master can fill: modules present (0x372), installed capacity (0x379).
        s.name = "sma_victron";
        s.messages.push_back({proto::can_id::module_counts, 8});
        s.messages.push_back({proto::can_id::installed_capacity, 8});
    }
    return s;
}

heartbeat_reaction heartbeat_reaction_named(const std::string& n) {
    return n == "zero_limits" ? heartbeat_reaction::zero_limits : heartbeat_reaction::event_only;
}

} // namespace stacksim::models
