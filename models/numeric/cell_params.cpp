#include "numeric/cell_params.h"

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

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

cell_params read_cell_params(const param_node& root) {
    root.allow_only({"cell", "module_thermal", "standalone_thermal", "spread", "aging", "description"});
    cell_params p;
    p.file = root.file();

    const param_node c = root.at("cell");
    c.allow_only({"capacity_ah", "table_capacity_ah", "voltage_max_v", "voltage_min_v", "reference_temp_k", "ocv_v",
                  "entropic_v_per_k", "hysteresis_half_gap_v", "hysteresis_rate", "r0_charge_ohm", "r0_discharge_ohm",
                  "r1_ohm", "tau1_s", "r2_ohm", "tau2_s", "r0_soc_factor", "rc_soc_factor", "ea_r0_j_per_mol",
                  "ea_rc_j_per_mol", "arrhenius_min_temp_k", "coulombic_efficiency", "self_discharge_pct_per_month",
                  "heat_capacity_j_per_k", "diffusion_depletion_s", "diffusion_tau_s", "ea_diffusion_j_per_mol"});
    p.capacity_ah = c.param("capacity_ah", 1e-3, 1e5);
    p.table_capacity_ah = c.param("table_capacity_ah", 1e-3, 1e5);
    p.voltage_max_v = c.param("voltage_max_v", 0.5, 6.0);
    p.voltage_min_v = c.param("voltage_min_v", 0.0, 6.0);
    if (!(p.voltage_min_v < p.voltage_max_v))
        c.at("voltage_min_v").fail("voltage_min_v below voltage_max_v");
    p.reference_temp_k = c.param("reference_temp_k", 200.0, 400.0);
    p.ocv_v = read_soc_table(c, "ocv_v", 0.0, 6.0, true);
    p.entropic_v_per_k = read_soc_table(c, "entropic_v_per_k", -0.01, 0.01, false);
    p.hysteresis_half_gap_v = read_soc_table(c, "hysteresis_half_gap_v", 0.0, 0.5, false);
    p.hysteresis_rate = c.param("hysteresis_rate", 0.0, 1e4);
    p.r0_charge_ohm = c.param("r0_charge_ohm", 1e-7, 10.0);
    p.r0_discharge_ohm = c.param("r0_discharge_ohm", 1e-7, 10.0);
    p.r1_ohm = c.param("r1_ohm", 1e-7, 10.0);
    p.tau1_s = c.param("tau1_s", 1e-3, 1e6);
    p.r2_ohm = c.param("r2_ohm", 1e-7, 10.0);
    p.tau2_s = c.param("tau2_s", 1e-3, 1e6);
    p.r0_soc_factor = read_soc_table(c, "r0_soc_factor", 1e-3, 1e3, false);
    p.rc_soc_factor = read_soc_table(c, "rc_soc_factor", 1e-3, 1e3, false);
    p.ea_r0_j_per_mol = c.param("ea_r0_j_per_mol", 0.0, 2e5);
    p.ea_rc_j_per_mol = c.param("ea_rc_j_per_mol", 0.0, 2e5);
    p.arrhenius_min_temp_k = c.param("arrhenius_min_temp_k", 150.0, 400.0);
    p.coulombic_efficiency = c.param("coulombic_efficiency", 0.5, 1.0);
    p.self_discharge_pct_per_month = c.param("self_discharge_pct_per_month", 0.0, 100.0);
    p.heat_capacity_j_per_k = c.param("heat_capacity_j_per_k", 1e-3, 1e8);
    // Diffusion limit: optional as a group (a set without it has surface SoC = bulk SoC).
    const bool has_diffusion = c.has("diffusion_depletion_s");
    if (has_diffusion || c.has("diffusion_tau_s") || c.has("ea_diffusion_j_per_mol")) {
        for (const char* k : {"diffusion_depletion_s", "diffusion_tau_s", "ea_diffusion_j_per_mol"})
            if (!c.has(k))
                c.fail(std::string("key '") + k + "' (the diffusion limit needs diffusion_depletion_s, diffusion_tau_s "
                       "and ea_diffusion_j_per_mol together)");
        p.diffusion_depletion_s = c.param("diffusion_depletion_s", 0.0, 1e7);
        p.diffusion_tau_s = c.param("diffusion_tau_s", 1e-3, 1e7);
        p.ea_diffusion_j_per_mol = c.param("ea_diffusion_j_per_mol", 0.0, 2e5);
    }

    const param_node m = root.at("module_thermal");
    m.allow_only({"cell_to_cell_w_per_k", "cell_to_case_w_per_k", "case_to_ambient_w_per_k",
                  "case_heat_capacity_j_per_k", "case_to_neighbour_w_per_k"});
    p.cell_to_cell_w_per_k = m.param("cell_to_cell_w_per_k", 0.0, 1e6);
    p.cell_to_case_w_per_k = m.param("cell_to_case_w_per_k", 0.0, 1e6);
    p.case_to_ambient_w_per_k = m.param("case_to_ambient_w_per_k", 1e-6, 1e6);
    p.case_heat_capacity_j_per_k = m.param("case_heat_capacity_j_per_k", 1e-3, 1e9);
    if (m.has("case_to_neighbour_w_per_k"))
        p.case_to_neighbour_w_per_k = m.param("case_to_neighbour_w_per_k", 0.0, 1e6);

    const param_node s = root.at("standalone_thermal");
    s.allow_only({"cell_to_ambient_w_per_k"});
    p.standalone_cell_to_ambient_w_per_k = s.param("cell_to_ambient_w_per_k", 1e-6, 1e6);

    const param_node sp = root.at("spread");
    sp.allow_only({"capacity", "r0", "self_discharge"});
    p.capacity_spread = read_spread(sp, "capacity");
    p.r0_spread = read_spread(sp, "r0");
    p.self_discharge_spread = read_spread(sp, "self_discharge");

    const param_node a = root.at("aging");
    a.allow_only({"model", "cal_p1", "cal_p2_k", "cal_p3_k_per_v", "cal_exponent", "cyc_p4", "cyc_p5", "cyc_p6",
                  "cyc_p7_k", "cyc_p8_k", "cyc_exponent", "r_cal_rate_per_s", "r_cal_ea_j_per_mol",
                  "r_cal_ref_temp_k", "r_cal_soc_quad", "r_cal_soc_const", "r_cyc_crate_coeff", "r_cyc_const",
                  "r_cyc_dod_cubic", "r_cyc_dod_const", "crate_threshold", "update_interval_s"});
    a.at("model").as_choice({"blast_lite_lfp_gr_250ah_prismatic+naumann_resistance"});
    aging_params& g = p.aging;
    g.cal_p1 = a.param("cal_p1", 0.0, 1e12);
    g.cal_p2_k = a.param("cal_p2_k", -1e6, 1e6);
    g.cal_p3_k_per_v = a.param("cal_p3_k_per_v", -1e6, 1e6);
    g.cal_exponent = a.param("cal_exponent", 0.05, 2.0);
    g.cyc_p4 = a.param("cyc_p4", -1.0, 1.0);
    g.cyc_p5 = a.param("cyc_p5", -1.0, 1.0);
    g.cyc_p6 = a.param("cyc_p6", -1.0, 1.0);
    g.cyc_p7_k = a.param("cyc_p7_k", -1e6, 1e6);
    g.cyc_p8_k = a.param("cyc_p8_k", -1e7, 1e7);
    g.cyc_exponent = a.param("cyc_exponent", 0.05, 2.0);
    g.r_cal_rate_per_s = a.param("r_cal_rate_per_s", 0.0, 1.0);
    g.r_cal_ea_j_per_mol = a.param("r_cal_ea_j_per_mol", 0.0, 1e6);
    g.r_cal_ref_temp_k = a.param("r_cal_ref_temp_k", 200.0, 400.0);
    g.r_cal_soc_quad = a.param("r_cal_soc_quad", -1e3, 1e3);
    g.r_cal_soc_const = a.param("r_cal_soc_const", -1e3, 1e3);
    g.r_cyc_crate_coeff = a.param("r_cyc_crate_coeff", -1e3, 1e3);
    g.r_cyc_const = a.param("r_cyc_const", -1e3, 1e3);
    g.r_cyc_dod_cubic = a.param("r_cyc_dod_cubic", -1e3, 1e3);
    g.r_cyc_dod_const = a.param("r_cyc_dod_const", -1e3, 1e3);
    g.crate_threshold = a.param("crate_threshold", 0.0, 10.0);
    g.update_interval_s = a.param("update_interval_s", 1.0, 1e8);

    p.records = root.records();
    return p;
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
