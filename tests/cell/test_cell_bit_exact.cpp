// The cell core's results are pinned to the bit: a randomised history (SoC, temperature and
// hysteresis per cell, random currents of both signs and zero, bleed and case heat, steps from
// 1 ms to 1 h that take every path of the step: the series and the library exponentials, new
// Arrhenius anchors, aging windows closing inside a step) is run on cell stacks of two sizes,
// an odd one (every vector loop's scalar tail) and a 16-cell module, in both thermal layouts,
// and a digest of every state array is compared with the digest the original implementation
// (one Eigen expression per quantity, before the per-cell loops were fused) produced for the
// same history. Any change of the arithmetic, the order of an operation or the path taken
// changes a digest: a faster layout must give exactly the old results, not close ones.
// The digests hold for the project's Release build (x86-64 SSE2, no FMA contraction).
#include <gtest/gtest.h>

#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>

#include "cell_test_util.h"
#include "numeric/cell_array.h"

namespace {

using namespace stacksim::num;

// FNV-1a over the bytes of the doubles.
std::uint64_t digest(const Eigen::ArrayXd& a) {
    std::uint64_t h = 1469598103934665603ull;
    for (Eigen::Index k = 0; k < a.size(); ++k) {
        unsigned char b[sizeof(double)];
        std::memcpy(b, &a(k), sizeof b);
        for (unsigned char c : b) {
            h ^= c;
            h *= 1099511628211ull;
        }
    }
    return h;
}

std::vector<std::pair<std::string, std::uint64_t>> state_digests(const cell_array& c) {
    std::vector<std::pair<std::string, std::uint64_t>> d;
    const auto add = [&d](const char* name, const Eigen::ArrayXd& a) { d.emplace_back(name, digest(a)); };
    add("soc", c.soc());
    add("ocv_v", c.ocv_v());
    add("bulk_ocv_v", c.bulk_ocv_v());
    add("surface_soc_offset", c.surface_soc_offset());
    add("diffusion_depletion_s", c.diffusion_depletion_s());
    add("hysteresis_v", c.hysteresis_v());
    add("voltage_v", c.voltage_v());
    add("rc1_v", c.rc1_v());
    add("rc2_v", c.rc2_v());
    add("temp_k", c.temp_k());
    add("case_temp_k", c.case_temp_k());
    add("heat_w", c.heat_w());
    add("capacity_ah", c.capacity_ah());
    add("r0_ohm", c.r0_ohm());
    add("r0_charge_ohm", c.r0_charge_ohm());
    add("r0_discharge_ohm", c.r0_discharge_ohm());
    add("r1_ohm", c.r1_ohm());
    add("r2_ohm", c.r2_ohm());
    add("entropic_v_per_k", c.entropic_v_per_k());
    add("soh", c.soh());
    add("resistance_factor", c.resistance_factor());
    add("electrical_in_j", c.electrical_in_j());
    add("chemical_j", c.chemical_j());
    add("heat_generated_j", c.heat_generated_j());
    add("heat_to_ambient_j", c.heat_to_ambient_j());
    const cell_energy_totals e = c.energy();
    Eigen::ArrayXd totals(7);
    totals << e.electrical_in_j, e.chemical_j, e.rc_field_j, e.heat_generated_j, e.extra_heat_j, e.heat_to_ambient_j,
        e.thermal_stored_j;
    add("energy_totals", totals);
    return d;
}

// linearise() against the header's equations written as whole-array expressions (as the
// original implementation wrote them): the end-of-step model must have their bits. Returns the
// number of cells that differ.
Eigen::Index linearisation_mismatches(const cell_array& c, double dt, const Eigen::ArrayXd& dir,
                                      const Eigen::ArrayXd& e, const Eigen::ArrayXd& r) {
    const double a1 = std::exp(-dt / c.params().tau1_s), a2 = std::exp(-dt / c.params().tau2_s);
    const Eigen::ArrayXd e_ref = c.ocv_v() + c.hysteresis_v() + a1 * c.rc1_v() + a2 * c.rc2_v();
    const Eigen::ArrayXd r_ref =
        (dir > 0.0).select(c.r0_charge_ohm(),
                           (dir < 0.0).select(c.r0_discharge_ohm(), 0.5 * (c.r0_charge_ohm() + c.r0_discharge_ohm()))) +
        (1.0 - a1) * c.r1_ohm() + (1.0 - a2) * c.r2_ohm();
    Eigen::Index differ = 0;
    for (Eigen::Index k = 0; k < e.size(); ++k)
        differ += std::memcmp(&e(k), &e_ref(k), sizeof(double)) != 0 || std::memcmp(&r(k), &r_ref(k), sizeof(double)) != 0;
    return differ;
}

// One digest over all arrays (order as in state_digests) and the per-array ones for the failure
// message.
std::uint64_t combined_digest(const cell_array& c, std::string& detail) {
    std::uint64_t all = 1469598103934665603ull;
    char buf[64];
    for (const auto& [name, h] : state_digests(c)) {
        all = (all ^ h) * 1099511628211ull;
        std::snprintf(buf, sizeof buf, "0x%016" PRIx64, h);
        detail += name + " " + buf + "\n";
    }
    return all;
}

// The randomised history (see the top); returns combined_digest of the state it ends in.
std::uint64_t run_history(std::size_t modules, std::size_t per_module, thermal_layout layout, std::string& detail) {
    cell_params p = cell_test::default_params();
    p.aging.update_interval_s = 7200.0; // windows close inside the history (and inside long steps)
    cell_array c(p, modules, per_module, 23, layout);
    std::mt19937_64 gen(77);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (std::size_t k = 0; k < c.size(); ++k) {
        c.set_soc(k, 0.03 + 0.94 * u(gen));
        c.set_hysteresis(k, 2.0 * u(gen) - 1.0);
    }
    for (std::size_t m = 0; m < modules; ++m)
        c.set_module_temperature_k(m, 268.15 + 40.0 * u(gen));
    c.set_temperature_k(1, 281.0);
    const auto n = static_cast<Eigen::Index>(c.size());
    const auto nm = static_cast<Eigen::Index>(modules);
    Eigen::ArrayXd i(n), dir(n), e(n), r(n), bleed(n), case_heat(nm);
    const double dts[] = {0.1, 0.1, 0.1, 1e-3, 0.1, 1.0, 10.0, 60.0, 0.1, 600.0, 3600.0, 0.1};
    Eigen::Index lin_mismatches = 0;
    for (int rep = 0; rep < 40; ++rep) {
        for (const double dt : dts) {
            const double scale = dt > 100.0 ? 10.0 : 150.0; // long steps at a gentle current
            for (Eigen::Index k = 0; k < n; ++k) {
                const double x = u(gen);
                i(k) = x < 0.1 ? 0.0 : scale * (2.0 * u(gen) - 1.0);
                dir(k) = i(k) > 0.0 ? 1.0 : i(k) < 0.0 ? -1.0 : 0.0;
                bleed(k) = u(gen) < 0.2 ? 0.1 : 0.0;
            }
            for (Eigen::Index m = 0; m < nm; ++m)
                case_heat(m) = 3.0 * u(gen);
            c.linearise(dt, dir, e, r);
            lin_mismatches += linearisation_mismatches(c, dt, dir, e, r);
            c.step(dt, i, 273.15 + 30.0 * u(gen), bleed, case_heat);
            if (rep % 10 == 0)
                c.step(dt, i, 300.0); // the overload without heat inputs
        }
        // Keep the SoC inside the tables' range most of the time (extrapolation is also exercised).
        if (rep % 8 == 7)
            c.set_all_soc(0.5);
        if (rep == 20)
            c.relax();
    }
    EXPECT_EQ(lin_mismatches, 0) << "cell linearisations without the bits of the equations";
    // The history stays physical (a digest of NaNs would pin little).
    EXPECT_TRUE(c.voltage_v().allFinite() && c.soc().allFinite() && c.temp_k().allFinite() && c.heat_w().allFinite());
    EXPECT_GT(c.voltage_v().minCoeff(), 1.0);
    EXPECT_LT(c.voltage_v().maxCoeff(), 5.0);
    return combined_digest(c, detail);
}

// A stack as it runs: every cell at one SoC, one current per module (a series string), so that
// the cells share their table segments and cross the segment boundaries together; steps of 0.1 s
// to 10 s over about a quarter of the SoC range each way, which takes the look-up of a segment
// shared by all cells, its loss when the first cell crosses a boundary and its return.
std::uint64_t run_common_soc_history(std::size_t modules, std::size_t per_module, thermal_layout layout,
                                     std::string& detail) {
    cell_params p = cell_test::default_params();
    cell_array c(p, modules, per_module, 31, layout);
    std::mt19937_64 gen(78);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    c.set_all_soc(0.3);
    c.set_all_hysteresis(0.0);
    for (std::size_t m = 0; m < modules; ++m)
        c.set_module_temperature_k(m, 288.15 + 10.0 * u(gen));
    const auto n = static_cast<Eigen::Index>(c.size());
    const auto nm = static_cast<Eigen::Index>(modules);
    const auto nc = static_cast<Eigen::Index>(per_module);
    Eigen::ArrayXd i(n), dir(n), e(n), r(n), bleed = Eigen::ArrayXd::Zero(n), case_heat = Eigen::ArrayXd::Zero(nm);
    for (Eigen::Index k = 0; k < n; k += 7)
        bleed(k) = 0.11;
    Eigen::Index lin_mismatches = 0;
    for (int step = 0; step < 3000; ++step) {
        const double dt = step % 50 == 49 ? 10.0 : (step % 3 == 0 ? 2.0 : 0.1);
        const double sign = (step / 1000) % 2 == 0 ? 1.0 : -1.0; // charge, discharge, charge
        for (Eigen::Index m = 0; m < nm; ++m) {
            const double im = sign * (80.0 + 40.0 * u(gen));
            i.segment(m * nc, nc).setConstant(im);
            dir.segment(m * nc, nc).setConstant(sign);
        }
        c.linearise(dt, dir, e, r);
        lin_mismatches += linearisation_mismatches(c, dt, dir, e, r);
        c.step(dt, i, 298.15, bleed, case_heat);
    }
    EXPECT_EQ(lin_mismatches, 0) << "cell linearisations without the bits of the equations";
    EXPECT_TRUE(c.voltage_v().allFinite() && c.soc().allFinite());
    EXPECT_GT(c.soc().maxCoeff() - 0.3, 0.1); // it did travel across segments
    return combined_digest(c, detail);
}

struct pinned {
    std::size_t modules, per_module;
    thermal_layout layout;
    std::uint64_t expected;
};

void expect_digest(const pinned& pc,
                   std::uint64_t (*history)(std::size_t, std::size_t, thermal_layout, std::string&)) {
    std::string detail;
    const std::uint64_t got = history(pc.modules, pc.per_module, pc.layout, detail);
    char buf[32];
    std::snprintf(buf, sizeof buf, "0x%016" PRIx64, got);
    EXPECT_EQ(got, pc.expected) << pc.modules << " x " << pc.per_module << " cells, layout "
                                << (pc.layout == thermal_layout::module ? "module" : "free_standing")
                                << ": digest " << buf << ", per array:\n"
                                << detail;
}

TEST(CellBitExact, RandomisedHistoryGivesTheOriginalImplementationsBits) {
    const pinned cases[] = {
        {3, 5, thermal_layout::module, 0xb512ec647c924148ull},
        {2, 16, thermal_layout::module, 0x9e210944abfdbf6dull},
        {3, 5, thermal_layout::free_standing, 0x7be54b43093e20a8ull},
    };
    for (const pinned& pc : cases)
        expect_digest(pc, run_history);
}

// Digests of the original implementation (as above; 820a498's per-cell look-up gives the same).
TEST(CellBitExact, StackAtOneSocGivesThePerCellLookUpsBits) {
    const pinned cases[] = {
        {2, 16, thermal_layout::module, 0xfc3de19c65795349ull},
        {3, 5, thermal_layout::free_standing, 0x587a4377b63e4f73ull},
    };
    for (const pinned& pc : cases)
        expect_digest(pc, run_common_soc_history);
}

} // namespace
