#include "numeric/cell_params.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "numeric/field_table.h"

namespace stacksim::num {

namespace {

// Table keys: {soc: [...], value: [...], source: "..."}; the axis must span exactly 0..1.
soc_table read_soc_table(const param_node& parent, const std::string& key, double min, double max,
                         bool strictly_increasing_values) {
    const param_node n = parent.sourced(key);
    n.allow_only({"soc", "value", "source", "note"});
    soc_table t;
    const param_node axis = n.at("soc");
    t.soc = axis.as_axis(0.0, 1.0, 2);
    if (t.soc.front() != 0.0)
        axis[0].fail("the SoC axis to start at 0 (the table must span the whole 0..1 range)");
    if (t.soc.back() != 1.0)
        axis[t.soc.size() - 1].fail("the SoC axis to end at 1 (the table must span the whole 0..1 range)");
    const param_node values = n.at("value");
    t.value = strictly_increasing_values ? values.as_axis(min, max, 2) : values.as_numbers(min, max, 2);
    if (t.value.size() != t.soc.size())
        values.fail("as many values as SoC points (" + std::to_string(t.soc.size()) + "), got " +
                    std::to_string(t.value.size()));
    std::ostringstream os;
    os << "table of " << t.soc.size() << " points";
    n.record(n.path(), os.str(), n.at("source").as_string());
    return t;
}

spread_spec read_spread(const param_node& parent, const std::string& key) {
    const param_node n = parent.sourced(key);
    n.allow_only({"distribution", "relative_sigma", "source", "note"});
    spread_spec s;
    const std::string d = n.at("distribution").as_choice({"none", "normal", "lognormal"});
    s.distribution = d == "normal" ? spread_distribution::normal
                     : d == "lognormal" ? spread_distribution::lognormal
                                        : spread_distribution::none;
    // A normal factor 1 + sigma*z must stay positive: refuse sigma above 0.2 (z < -5).
    s.relative_sigma = n.at("relative_sigma").as_number(0.0, s.distribution == spread_distribution::normal ? 0.2 : 2.0);
    n.record(n.path(), d + ", relative_sigma " + n.at("relative_sigma").as_string(), n.at("source").as_string());
    return s;
}

void check_table(const soc_table& t, const char* name) {
    if (t.soc.size() < 2 || t.soc.size() != t.value.size())
        throw std::invalid_argument(std::string("cell_params.") + name + ": needs >= 2 points and as many values as SoC points");
    if (t.soc.front() != 0.0 || t.soc.back() != 1.0)
        throw std::invalid_argument(std::string("cell_params.") + name + ": SoC axis must span 0..1");
    for (std::size_t i = 1; i < t.soc.size(); ++i)
        if (!(t.soc[i] > t.soc[i - 1]))
            throw std::invalid_argument(std::string("cell_params.") + name + ": SoC axis must strictly increase");
    for (double v : t.value)
        if (!std::isfinite(v))
            throw std::invalid_argument(std::string("cell_params.") + name + ": non-finite value");
}

void check_positive(double v, const char* name) {
    if (!(v > 0.0) || !std::isfinite(v))
        throw std::invalid_argument(std::string("cell_params.") + name + ": must be > 0");
}

} // namespace

// ---------------------------------------------------------------- field tables

namespace {

using C = cell_params;

template <class S>
const field<S>& row_named(const field_table<S>& table, const char* key) {
    for (const auto& f : table)
        if (std::string(f.key) == key)
            return f;
    throw std::logic_error(std::string("no field row ") + key);
}

const field_table<C>& cell_fields();

// An SoC table of the `cell` section; the values' range is the row's.
template <soc_table C::*M, bool StrictlyIncreasing>
void read_table(const param_node& parent, const char* key, C& p) {
    const auto& row = row_named(cell_fields(), key);
    p.*M = read_soc_table(parent, key, row.min, row.max, StrictlyIncreasing);
}

// Below voltage_max_v (read before it).
void read_voltage_min(const param_node& parent, const char* key, C& p) {
    const auto& row = row_named(cell_fields(), key);
    p.voltage_min_v = parent.param(key, row.min, row.max);
    if (!(p.voltage_min_v < p.voltage_max_v))
        parent.at(key).fail("voltage_min_v below voltage_max_v");
}

const field_table<C>& cell_fields() {
    static const field_table<C> t{
        {"capacity_ah", &C::capacity_ah, "Ah", 1e-3, 1e5, "rated capacity (what a BMS counts against)"},
        {"table_capacity_ah", &C::table_capacity_ah, "Ah", 1e-3, 1e5, "charge between SoC 0 and SoC 1 of the tables"},
        {"voltage_max_v", &C::voltage_max_v, "V", 0.5, 6.0, "upper cell voltage limit (informational)"},
        {"voltage_min_v", &read_voltage_min, "V", 0.0, 6.0, "lower cell voltage limit, below voltage_max_v (informational)"},
        {"reference_temp_k", &C::reference_temp_k, "K", 200.0, 400.0, "temperature of the tables and of the Arrhenius law"},
        {"ocv_v", &read_table<&C::ocv_v, true>, "V", 0.0, 6.0, "mid-branch OCV over SoC {soc: [...], value: [...]}, strictly increasing"},
        {"entropic_v_per_k", &read_table<&C::entropic_v_per_k, false>, "V/K", -0.01, 0.01, "entropic coefficient dU/dT over SoC"},
        {"hysteresis_half_gap_v", &read_table<&C::hysteresis_half_gap_v, false>, "V", 0.0, 0.5,
         "half the gap between the charge and discharge OCV branches over SoC"},
        {"hysteresis_rate", &C::hysteresis_rate, "1", 0.0, 1e4, "1/(fraction of capacity): e-folding of the hysteresis state"},
        {"r0_charge_ohm", &C::r0_charge_ohm, "ohm", 1e-7, 10.0, "series resistance on charge at reference_temp_k, SoC 0.5"},
        {"r0_discharge_ohm", &C::r0_discharge_ohm, "ohm", 1e-7, 10.0, "series resistance on discharge at reference_temp_k, SoC 0.5"},
        {"r1_ohm", &C::r1_ohm, "ohm", 1e-7, 10.0, "first RC pair resistance"},
        {"tau1_s", &C::tau1_s, "s", 1e-3, 1e6, "first RC pair time constant"},
        {"r2_ohm", &C::r2_ohm, "ohm", 1e-7, 10.0, "second RC pair resistance"},
        {"tau2_s", &C::tau2_s, "s", 1e-3, 1e6, "second RC pair time constant"},
        {"r0_soc_factor", &read_table<&C::r0_soc_factor, false>, "1", 1e-3, 1e3, "R0 multiplier over SoC"},
        {"rc_soc_factor", &read_table<&C::rc_soc_factor, false>, "1", 1e-3, 1e3, "R1 and R2 multiplier over SoC"},
        {"ea_r0_j_per_mol", &C::ea_r0_j_per_mol, "J/mol", 0.0, 2e5, "Arrhenius activation energy of R0"},
        {"ea_rc_j_per_mol", &C::ea_rc_j_per_mol, "J/mol", 0.0, 2e5, "Arrhenius activation energy of R1 and R2"},
        {"arrhenius_min_temp_k", &C::arrhenius_min_temp_k, "K", 150.0, 400.0, "Arrhenius factors are held below this temperature"},
        {"coulombic_efficiency", &C::coulombic_efficiency, "1", 0.5, 1.0, "charge stored per charge passed, on charge"},
        {"self_discharge_pct_per_month", &C::self_discharge_pct_per_month, "%", 0.0, 100.0, "% of capacity per 30 days"},
        {"heat_capacity_j_per_k", &C::heat_capacity_j_per_k, "J/K", 1e-3, 1e8, "heat capacity per cell"},
    };
    return t;
}

// cell.*: the solid-state diffusion limit, optional as a group (without it surface SoC = bulk SoC).
const field_table<C>& diffusion_fields() {
    static const field_table<C> t{
        {"diffusion_depletion_s", &C::diffusion_depletion_s, "s", 0.0, 1e7, "steady surface depletion per (i / Q) at reference_temp_k"},
        {"diffusion_tau_s", &C::diffusion_tau_s, "s", 1e-3, 1e7, "relaxation time of the surface-bulk SoC difference at reference_temp_k"},
        {"ea_diffusion_j_per_mol", &C::ea_diffusion_j_per_mol, "J/mol", 0.0, 2e5, "Arrhenius activation energy of diffusion"},
    };
    return t;
}

// module_thermal.*: cells in a row, a case node, ambient.
const field_table<C>& module_thermal_fields() {
    static const field_table<C> t{
        {"cell_to_cell_w_per_k", &C::cell_to_cell_w_per_k, "W/K", 0.0, 1e6, "between neighbouring cells"},
        {"cell_to_case_w_per_k", &C::cell_to_case_w_per_k, "W/K", 0.0, 1e6, "from each cell to the module case"},
        {"case_to_ambient_w_per_k", &C::case_to_ambient_w_per_k, "W/K", 1e-6, 1e6, "from the case to ambient"},
        {"case_heat_capacity_j_per_k", &C::case_heat_capacity_j_per_k, "J/K", 1e-3, 1e9, "case, bus bars and BMS board"},
    };
    return t;
}

// module_thermal.case_to_neighbour_w_per_k: optional (0 = modules mounted apart).
const field_table<C>& neighbour_fields() {
    static const field_table<C> t{
        {"case_to_neighbour_w_per_k", &C::case_to_neighbour_w_per_k, "W/K", 0.0, 1e6,
         "between the cases of neighbouring modules (optional; 0: mounted apart)"},
    };
    return t;
}

// standalone_thermal.*: a free-standing single cell.
const field_table<C>& standalone_fields() {
    static const field_table<C> t{
        {"cell_to_ambient_w_per_k", +[](C& p) -> double& { return p.standalone_cell_to_ambient_w_per_k; }, "W/K", 1e-6,
         1e6, "free-standing cell to ambient (standalone simulation)"},
    };
    return t;
}

// spread.*: {distribution: none | normal | lognormal, relative_sigma, source}.
template <spread_spec C::*M>
void read_spread_into(const param_node& parent, const char* key, C& p) {
    p.*M = read_spread(parent, key);
}

const field_table<C>& spread_fields() {
    constexpr const char* how = "{distribution: none | normal | lognormal, relative_sigma} (normal: sigma <= 0.2), ";
    static const std::string d[] = {std::string(how) + "per-cell capacity factor", std::string(how) + "per-cell R0 factor",
                                    std::string(how) + "per-cell self-discharge factor"};
    static const field_table<C> t{
        {"capacity", &read_spread_into<&C::capacity_spread>, "1", 0.0, 2.0, d[0].c_str()},
        {"r0", &read_spread_into<&C::r0_spread>, "1", 0.0, 2.0, d[1].c_str()},
        {"self_discharge", &read_spread_into<&C::self_discharge_spread>, "1", 0.0, 2.0, d[2].c_str()},
    };
    return t;
}

// aging.*: capacity fade (BLAST-Lite) and resistance growth (Naumann), see aging_params.
const field_table<aging_params>& aging_fields() {
    using S = aging_params;
    static const field_table<S> t{
        {"cal_p1", &S::cal_p1, "1", 0.0, 1e12, "calendar fade prefactor"},
        {"cal_p2_k", &S::cal_p2_k, "K", -1e6, 1e6, "calendar fade temperature term exp(p2 / T)"},
        {"cal_p3_k_per_v", &S::cal_p3_k_per_v, "K/V", -1e6, 1e6, "calendar fade anode-potential term exp(p3 Ua / T)"},
        {"cal_exponent", &S::cal_exponent, "1", 0.05, 2.0, "calendar fade exponent of time in days"},
        {"cyc_p4", &S::cyc_p4, "1", -1.0, 1.0, "cycle fade constant term"},
        {"cyc_p5", &S::cyc_p5, "1", -1.0, 1.0, "cycle fade term per unit DoD"},
        {"cyc_p6", &S::cyc_p6, "1", -1.0, 1.0, "cycle fade term per unit C-rate"},
        {"cyc_p7_k", &S::cyc_p7_k, "K", -1e6, 1e6, "cycle fade temperature term exp(p7 / T)"},
        {"cyc_p8_k", &S::cyc_p8_k, "K", -1e7, 1e7, "cycle fade temperature term exp(-p8 / T)"},
        {"cyc_exponent", &S::cyc_exponent, "1", 0.05, 2.0, "cycle fade exponent of equivalent full cycles"},
        {"r_cal_rate_per_s", &S::r_cal_rate_per_s, "1/s", 0.0, 1.0, "calendar resistance growth per second at r_cal_ref_temp_k"},
        {"r_cal_ea_j_per_mol", &S::r_cal_ea_j_per_mol, "J/mol", 0.0, 1e6, "activation energy of calendar resistance growth"},
        {"r_cal_ref_temp_k", &S::r_cal_ref_temp_k, "K", 200.0, 400.0, "reference temperature of calendar resistance growth"},
        {"r_cal_soc_quad", &S::r_cal_soc_quad, "1", -1e3, 1e3, "calendar resistance SoC factor, (SoC - 0.5)^2 term"},
        {"r_cal_soc_const", &S::r_cal_soc_const, "1", -1e3, 1e3, "calendar resistance SoC factor, constant term"},
        {"r_cyc_crate_coeff", &S::r_cyc_crate_coeff, "%", -1e3, 1e3, "cyclic resistance growth per FEC, C-rate term"},
        {"r_cyc_const", &S::r_cyc_const, "%", -1e3, 1e3, "cyclic resistance growth per FEC, constant term"},
        {"r_cyc_dod_cubic", &S::r_cyc_dod_cubic, "1", -1e3, 1e3, "cyclic DoD factor, (DoD - 0.5)^3 term"},
        {"r_cyc_dod_const", &S::r_cyc_dod_const, "1", -1e3, 1e3, "cyclic DoD factor, constant term"},
        {"crate_threshold", &S::crate_threshold, "1", 0.0, 10.0, "|I|/Q below this counts as rest for the C-rate stressor"},
        {"update_interval_s", &S::update_interval_s, "s", 1.0, 1e8, "a stress window closes after this much simulated time"},
    };
    return t;
}

// ---------------------------------------------------------------- reader, one step per section

void read_cell_section(const param_node& c, C& p) {
    std::vector<std::string> keys = keys_of(cell_fields());
    append_keys(keys, diffusion_fields());
    c.allow_only(keys);
    read_fields(c, cell_fields(), p);
    bool any = false;
    for (const auto& f : diffusion_fields())
        any = any || c.has(f.key);
    if (any) {
        for (const auto& f : diffusion_fields())
            if (!c.has(f.key))
                c.fail(std::string("key '") + f.key + "' (the diffusion limit needs diffusion_depletion_s, diffusion_tau_s "
                       "and ea_diffusion_j_per_mol together)");
        read_fields(c, diffusion_fields(), p);
    } else {
        // No diffusion limit: no depletion; the relaxation time is then never used, any valid one will do.
        p.diffusion_depletion_s = 0.0;
        p.diffusion_tau_s = 1.0;
        p.ea_diffusion_j_per_mol = 0.0;
    }
}

void read_module_thermal_section(const param_node& m, C& p) {
    std::vector<std::string> keys = keys_of(module_thermal_fields());
    append_keys(keys, neighbour_fields());
    m.allow_only(keys);
    read_fields(m, module_thermal_fields(), p);
    if (m.has("case_to_neighbour_w_per_k"))
        read_fields(m, neighbour_fields(), p);
}

void read_aging_section(const param_node& a, C& p) {
    a.allow_only(keys_of(aging_fields(), {"model"}));
    a.at("model").as_choice({"blast_lite_lfp_gr_250ah_prismatic+naumann_resistance"});
    read_fields(a, aging_fields(), p.aging);
}

} // namespace

cell_params read_cell_params(const param_node& root) {
    root.allow_only({"cell", "module_thermal", "standalone_thermal", "spread", "aging", "description"});
    cell_params p;
    p.file = root.file();
    read_cell_section(root.at("cell"), p);
    read_module_thermal_section(root.at("module_thermal"), p);
    const param_node s = root.at("standalone_thermal");
    s.allow_only(keys_of(standalone_fields()));
    read_fields(s, standalone_fields(), p);
    const param_node sp = root.at("spread");
    sp.allow_only(keys_of(spread_fields()));
    read_fields(sp, spread_fields(), p);
    read_aging_section(root.at("aging"), p);
    p.records = root.records();
    return p;
}

std::vector<field_info> cell_param_fields() {
    std::vector<field_info> out;
    describe_fields(out, "cell", cell_fields());
    describe_fields(out, "cell", diffusion_fields());
    describe_fields(out, "module_thermal", module_thermal_fields());
    describe_fields(out, "module_thermal", neighbour_fields());
    describe_fields(out, "standalone_thermal", standalone_fields());
    describe_fields(out, "spread", spread_fields());
    describe_fields(out, "aging", aging_fields());
    return out;
}

cell_params load_cell_params(const std::string& yaml_path) {
    return read_cell_params(param_node::load_file(yaml_path));
}

std::string default_cell_params_path() {
    if (const char* env = std::getenv("STACKSIM_SOURCE_DIR"); env && *env)
        return std::string(env) + "/models/params/lfp_cell_100ah.yaml";
    // The source tree as CMake configured it (a compile definition of stacksim_numeric). Not
    // __FILE__: ccache with a base directory, and Ninja, compile by relative paths.
    return std::string(STACKSIM_SOURCE_DIR) + "/models/params/lfp_cell_100ah.yaml";
}

void validate_cell_params(const cell_params& p) {
    check_positive(p.capacity_ah, "capacity_ah");
    check_positive(p.table_capacity_ah, "table_capacity_ah");
    check_positive(p.reference_temp_k, "reference_temp_k");
    check_table(p.ocv_v, "ocv_v");
    check_table(p.entropic_v_per_k, "entropic_v_per_k");
    check_table(p.hysteresis_half_gap_v, "hysteresis_half_gap_v");
    check_table(p.r0_soc_factor, "r0_soc_factor");
    check_table(p.rc_soc_factor, "rc_soc_factor");
    for (std::size_t i = 1; i < p.ocv_v.value.size(); ++i)
        if (!(p.ocv_v.value[i] > p.ocv_v.value[i - 1]))
            throw std::invalid_argument("cell_params.ocv_v: OCV must strictly increase with SoC");
    for (double v : p.r0_soc_factor.value)
        check_positive(v, "r0_soc_factor");
    for (double v : p.rc_soc_factor.value)
        check_positive(v, "rc_soc_factor");
    check_positive(p.r0_charge_ohm, "r0_charge_ohm");
    check_positive(p.r0_discharge_ohm, "r0_discharge_ohm");
    check_positive(p.r1_ohm, "r1_ohm");
    check_positive(p.tau1_s, "tau1_s");
    check_positive(p.r2_ohm, "r2_ohm");
    check_positive(p.tau2_s, "tau2_s");
    check_positive(p.arrhenius_min_temp_k, "arrhenius_min_temp_k");
    if (!(p.diffusion_depletion_s >= 0.0) || !std::isfinite(p.diffusion_depletion_s) || !(p.ea_diffusion_j_per_mol >= 0.0) ||
        !std::isfinite(p.ea_diffusion_j_per_mol))
        throw std::invalid_argument("cell_params: diffusion_depletion_s and ea_diffusion_j_per_mol must be >= 0");
    check_positive(p.diffusion_tau_s, "diffusion_tau_s");
    if (!(p.coulombic_efficiency > 0.0 && p.coulombic_efficiency <= 1.0))
        throw std::invalid_argument("cell_params.coulombic_efficiency: must be in (0, 1]");
    if (p.self_discharge_pct_per_month < 0.0 || p.hysteresis_rate < 0.0)
        throw std::invalid_argument("cell_params: self_discharge_pct_per_month and hysteresis_rate must be >= 0");
    check_positive(p.heat_capacity_j_per_k, "heat_capacity_j_per_k");
    check_positive(p.case_heat_capacity_j_per_k, "case_heat_capacity_j_per_k");
    check_positive(p.case_to_ambient_w_per_k, "case_to_ambient_w_per_k");
    check_positive(p.standalone_cell_to_ambient_w_per_k, "standalone_cell_to_ambient_w_per_k");
    if (p.cell_to_cell_w_per_k < 0.0 || p.cell_to_case_w_per_k < 0.0)
        throw std::invalid_argument("cell_params: thermal conductances must be >= 0");
    if (p.r0_spread.relative_sigma < 0.0 || p.capacity_spread.relative_sigma < 0.0 ||
        p.self_discharge_spread.relative_sigma < 0.0)
        throw std::invalid_argument("cell_params: spread sigmas must be >= 0");
    check_positive(p.aging.update_interval_s, "aging.update_interval_s");
}

} // namespace stacksim::num
