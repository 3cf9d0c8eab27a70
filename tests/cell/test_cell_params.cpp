// Loading of cell parameter sets: the default file, and clear errors for bad input.
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "cell_test_util.h"
#include "numeric/cell_params.h"

using namespace stacksim::num;

namespace {

std::string default_text() {
    std::ifstream in(cell_test::default_path());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// Replace exactly one occurrence of `from` in the default file's text.
std::string edited(const std::string& from, const std::string& to) {
    std::string t = default_text();
    const auto pos = t.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    EXPECT_EQ(t.find(from, pos + 1), std::string::npos) << "not unique: " << from;
    t.replace(pos, from.size(), to);
    return t;
}

// Load text and return the input_error message ("" if it loaded).
std::string load_error(const std::string& text) {
    try {
        read_cell_params(param_node::load_string(text, "test.yaml"));
    } catch (const input_error& e) {
        return e.what();
    }
    return "";
}

int line_of(const std::string& text, const std::string& needle) {
    const auto pos = text.find(needle);
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

} // namespace

TEST(CellParams, DefaultSetLoadsWithASourceOnEveryValue) {
    const cell_params p = cell_test::default_params();
    EXPECT_EQ(p.capacity_ah, 100.0);
    EXPECT_EQ(p.ocv_v.soc.size(), 21u);
    EXPECT_EQ(p.ocv_v.soc.front(), 0.0);
    EXPECT_EQ(p.ocv_v.soc.back(), 1.0);
    EXPECT_DOUBLE_EQ(p.ocv_v.value.front(), 2.286);
    EXPECT_DOUBLE_EQ(p.ocv_v.value.back(), 3.531);
    EXPECT_DOUBLE_EQ(p.r0_discharge_ohm, 0.35e-3);
    EXPECT_EQ(p.capacity_spread.distribution, spread_distribution::normal);
    EXPECT_EQ(p.self_discharge_spread.distribution, spread_distribution::lognormal);
    // 26 cell values (with the 3 of the diffusion limit) + 5 module (with case_to_neighbour)
    // + 1 standalone + 3 spread + 21 aging values.
    EXPECT_EQ(p.records.size(), 56u);
    EXPECT_EQ(p.case_to_neighbour_w_per_k, 0.0);
    for (const auto& r : p.records)
        EXPECT_FALSE(r.source.empty()) << r.path;
    EXPECT_NO_THROW(validate_cell_params(p));
}

TEST(CellParams, DefaultPathPointsAtTheDefaultFile) {
    EXPECT_TRUE(std::ifstream(default_cell_params_path()).good()) << default_cell_params_path();
    EXPECT_EQ(load_cell_params(default_cell_params_path()).ocv_v.value, cell_test::default_params().ocv_v.value);
}

TEST(CellParams, MissingFileIsAnInputError) {
    EXPECT_THROW(load_cell_params("/nonexistent/cell.yaml"), input_error);
}

TEST(CellParams, RejectsAMissingKeyWithFileLineAndKey) {
    const std::string text = edited("  tau2_s: {value: 400.0,", "  tau2_x: {value: 400.0,");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("test.yaml:"), std::string::npos) << msg;
    EXPECT_NE(msg.find("cell.tau2_x"), std::string::npos) << msg; // unknown key is reported first
}

TEST(CellParams, RejectsAnAbsentRequiredKey) {
    std::string text = default_text();
    const auto pos = text.find("  tau2_s: {value: 400.0,");
    text.erase(pos, text.find('\n', pos) - pos + 1);
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("cell.tau2_s"), std::string::npos) << msg;
    EXPECT_NE(msg.find("missing"), std::string::npos) << msg;
}

TEST(CellParams, RejectsAnOutOfRangeValue) {
    const std::string text = edited("r0_discharge_ohm: {value: 0.00035,", "r0_discharge_ohm: {value: -0.00035,");
    const std::string msg = load_error(text);
    const std::string where = "test.yaml:" + std::to_string(line_of(text, "r0_discharge_ohm"));
    EXPECT_NE(msg.find(where), std::string::npos) << msg;
    EXPECT_NE(msg.find("cell.r0_discharge_ohm.value"), std::string::npos) << msg;
    EXPECT_NE(msg.find("-0.00035"), std::string::npos) << msg;
}

TEST(CellParams, RejectsANonMonotonicAxis) {
    const std::string text = edited("soc:   [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]\n    value: [-0.00049",
                                    "soc:   [0.0, 0.1, 0.2, 0.3, 0.5, 0.4, 0.6, 0.7, 0.8, 0.9, 1.0]\n    value: [-0.00049");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("cell.entropic_v_per_k.soc[5]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("strictly increasing"), std::string::npos) << msg;
}

TEST(CellParams, RejectsANonMonotonicOcv) {
    const std::string text = edited("3.300, 3.301, 3.304", "3.300, 3.299, 3.304");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("cell.ocv_v.value[11]"), std::string::npos) << msg;
}

TEST(CellParams, RejectsATableThatDoesNotSpanZeroToOne) {
    const std::string text = edited("soc:   [0.0, 0.1, 0.5, 0.9, 1.0]\n    value: [1.5, 1.2, 1.0, 1.2, 1.5]\n    source: \"[assumption] SoC shape",
                                    "soc:   [0.0, 0.1, 0.5, 0.9, 0.95]\n    value: [1.5, 1.2, 1.0, 1.2, 1.5]\n    source: \"[assumption] SoC shape");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("cell.r0_soc_factor.soc[4]"), std::string::npos) << msg;
    EXPECT_NE(msg.find("end at 1"), std::string::npos) << msg;
}

TEST(CellParams, RejectsATableWithTheWrongNumberOfValues) {
    const std::string text = edited("value: [0.030, 0.025, 0.025, 0.029, 0.023, 0.019, 0.019, 0.021, 0.019, 0.017, 0.030]",
                                    "value: [0.030, 0.025, 0.025, 0.029, 0.023, 0.019, 0.019, 0.021, 0.019, 0.017]");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("cell.hysteresis_half_gap_v.value"), std::string::npos) << msg;
    EXPECT_NE(msg.find("as many values"), std::string::npos) << msg;
}

TEST(CellParams, RejectsAValueWithoutSource) {
    const std::string text = edited("tau1_s: {value: 10.0, source: \"[assumption] placeholder 2RC: tau1 = 10 s, C1 = 40 kF (cell-and-cable-data.md §3); tau constant over SoC and T as in PyBaMM ECM_Example [src]\"}",
                                    "tau1_s: {value: 10.0}");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("cell.tau1_s.source"), std::string::npos) << msg;
}

TEST(CellParams, RejectsAnUnknownSpreadDistribution) {
    const std::string text = edited("capacity: {distribution: normal,", "capacity: {distribution: uniform,");
    const std::string msg = load_error(text);
    EXPECT_NE(msg.find("spread.capacity.distribution"), std::string::npos) << msg;
}

TEST(CellParams, ValidateRejectsBadSetsBuiltInCode) {
    cell_params p = cell_test::default_params();
    p.ocv_v.value[3] = p.ocv_v.value[2];
    EXPECT_THROW(validate_cell_params(p), std::invalid_argument);
    p = cell_test::default_params();
    p.rc_soc_factor.soc.back() = 0.9;
    EXPECT_THROW(validate_cell_params(p), std::invalid_argument);
    p = cell_test::default_params();
    p.tau1_s = 0.0;
    EXPECT_THROW(validate_cell_params(p), std::invalid_argument);
}

// The diffusion limit is optional as a group: a set without its three keys has surface SoC = bulk
// SoC; a set with only some of them is refused, naming the missing key.
TEST(CellParams, DiffusionLimitKeysComeAsAGroup) {
    std::string t = default_text();
    for (const char* key : {"diffusion_depletion_s", "diffusion_tau_s", "ea_diffusion_j_per_mol"}) {
        const auto pos = t.find(std::string("  ") + key + ":");
        ASSERT_NE(pos, std::string::npos) << key;
        t.erase(pos, t.find('\n', pos) + 1 - pos);
    }
    ASSERT_EQ(load_error(t), "");
    const cell_params p = read_cell_params(param_node::load_string(t, "test.yaml"));
    EXPECT_EQ(p.diffusion_depletion_s, 0.0);

    const std::string partial = edited("  diffusion_tau_s:", "  not_a_key_diffusion_tau_s:");
    const std::string err = load_error(partial);
    EXPECT_NE(err.find("not_a_key_diffusion_tau_s"), std::string::npos) << err; // unknown key first
    std::string only_two = default_text();
    const auto pos = only_two.find("  diffusion_tau_s:");
    only_two.erase(pos, only_two.find('\n', pos) + 1 - pos);
    const std::string err2 = load_error(only_two);
    EXPECT_NE(err2.find("diffusion_tau_s"), std::string::npos) << err2;
    EXPECT_NE(err2.find("test.yaml:"), std::string::npos) << err2;
}
