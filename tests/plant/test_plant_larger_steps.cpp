// Larger plant steps (docs/performance.md, "Larger steps"): every approximation of a step is a
// hold over the step (currents from the end-of-step solve, OCV, R(SoC, T), hysteresis direction,
// the ambient at the step's start), each with a local error of order dt^2, so on a stable plant
// the global error is first order: x_dt(t) = x(t) + c_x(t) dt + O(dt^2). Two runs on the 0.1 s
// grid and at twice that step measure c_x (Richardson); the run with a step of H must then stay
// within the stated bound
//     |x_H(t) - x_h(t)| <= 1.25 (H / h - 1) max_t |x_2h(t) - x_h(t)|
// on every signal of the plant (1.25 for the O(H^2) remainder), and it must also not be closer
// than half of that: the steps really were longer, and the error really is first order.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "numeric/stack_plant.h"

using namespace stacksim::num;

namespace {

constexpr std::size_t modules = 5;
constexpr double h_s = 0.1;        // the fixed grid
constexpr double duration_s = 7200;
constexpr double sample_s = 10;    // common instants of every run

stack_plant_config config() {
    stack_plant_config c;
    c.n_modules = modules;
    c.cells_per_module = 16;
    c.cells = load_cell_params(default_cell_params_path());
    c.wiring_parameters = wiring_params::load_file(std::string(STACKSIM_SOURCE_DIR) + "/models/params/wiring_default.yaml");
    c.wiring.topology = wiring_topology::loop;
    c.wiring.n_modules = modules;
    c.initial_soc = {0.50, 0.45, 0.55, 0.50, 0.60}; // modules out of balance: currents redistribute
    c.initial_temp_k.assign(modules, 298.15);
    c.ambient_k = 291.15;
    c.seed = 1;
    return c;
}

// A compressed solar day (W1's shape): power set-points on the 10 s grid, as the inverter's
// changes would reach the plant (every input change starts a step).
double power_w_at(double t_s) {
    static const double points[][2] = {{0, -500}, {600, -1000}, {1800, 2000}, {3600, 0}, {4800, -1500}, {6600, -300}};
    double p = 0;
    for (const auto& q : points)
        if (t_s >= q[0])
            p = q[1];
    return p;
}

double ambient_k_at(double t_s) { return 291.15 + 10.0 * t_s / duration_s; } // a warming room

// One named signal of the plant, sampled at every common instant: values[sample][element].
struct signal {
    std::string name;
    std::function<std::vector<double>(const stack_plant&)> read;
};

std::vector<signal> signals() {
    auto as_vector = [](const Eigen::ArrayXd& a) { return std::vector<double>(a.begin(), a.end()); };
    std::vector<signal> s;
    s.push_back({"cell voltage", [=](const stack_plant& p) { return as_vector(p.cells().voltage_v()); }});
    s.push_back({"cell SoC", [=](const stack_plant& p) { return as_vector(p.cells().soc()); }});
    s.push_back({"cell temperature", [=](const stack_plant& p) { return as_vector(p.cells().temp_k()); }});
    s.push_back({"cell hysteresis", [=](const stack_plant& p) { return as_vector(p.cells().hysteresis_v()); }});
    s.push_back({"case temperature", [=](const stack_plant& p) { return as_vector(p.cells().case_temp_k()); }});
    s.push_back({"branch temperature",
                 [=](const stack_plant& p) { return as_vector(p.power_network().thermal().temp_k()); }});
    s.push_back({"module current", [](const stack_plant& p) {
                     std::vector<double> v;
                     for (std::size_t m = 0; m < modules; ++m)
                         v.push_back(p.module_current_a(m));
                     return v;
                 }});
    s.push_back({"module voltage", [](const stack_plant& p) {
                     std::vector<double> v;
                     for (std::size_t m = 0; m < modules; ++m)
                         v.push_back(p.module_voltage_v(m));
                     return v;
                 }});
    s.push_back({"port voltage and current", [](const stack_plant& p) {
                     return std::vector<double>{p.port_voltage_v(), p.port_current_a()};
                 }});
    return s;
}

using run_samples = std::vector<std::vector<std::vector<double>>>; // [signal][sample][element]

run_samples run(double step_s) {
    stack_plant p(config());
    for (std::size_t m = 0; m < modules; ++m)
        p.set_switch(m, true);
    const auto sig = signals();
    run_samples out(sig.size());
    const long steps = std::lround(duration_s / step_s);
    const long per_sample = std::lround(sample_s / step_s);
    double last_power_w = std::nan("");
    for (long n = 0; n < steps; ++n) {
        const double t_s = static_cast<double>(n) * step_s;
        if (const double pw = power_w_at(t_s); pw != last_power_w) {
            p.set_port_power(pw);
            last_power_w = pw;
        }
        p.set_ambient_k(ambient_k_at(t_s)); // held over the step, from its start
        p.step(step_s);
        if ((n + 1) % per_sample == 0)
            for (std::size_t k = 0; k < sig.size(); ++k)
                out[k].push_back(sig[k].read(p));
    }
    return out;
}

double max_difference(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b) {
    double d = 0;
    for (std::size_t t = 0; t < a.size(); ++t)
        for (std::size_t e = 0; e < a[t].size(); ++e)
            d = std::max(d, std::abs(a[t][e] - b[t][e]));
    return d;
}

} // namespace

TEST(PlantLargerSteps, every_signal_stays_within_the_first_order_bound_of_the_fixed_grid) {
    const run_samples fine = run(h_s);
    const run_samples doubled = run(2 * h_s);
    const auto sig = signals();
    for (double big_s : {1.0, 10.0}) {
        const run_samples coarse = run(big_s);
        ASSERT_EQ(coarse[0].size(), fine[0].size());
        for (std::size_t k = 0; k < sig.size(); ++k) {
            const double d_2h = max_difference(doubled[k], fine[k]);
            const double e_big = max_difference(coarse[k], fine[k]);
            const double factor = big_s / h_s - 1.0;
            ASSERT_GT(d_2h, 0.0) << sig[k].name << ": the doubled step changed nothing";
            std::printf("%-26s H = %4.1f s: max |x_H - x_h| = %.3e, (H/h - 1) max |x_2h - x_h| = %.3e, ratio %.3f\n",
                        sig[k].name.c_str(), big_s, e_big, factor * d_2h, e_big / (factor * d_2h));
            EXPECT_LE(e_big, 1.25 * factor * d_2h)
                << sig[k].name << " at a step of " << big_s << " s: " << e_big << " against the 0.1 s grid, bound "
                << 1.25 * factor * d_2h;
            EXPECT_GE(e_big, 0.5 * factor * d_2h)
                << sig[k].name << " at a step of " << big_s << " s: " << e_big << ", not first order";
        }
    }
}
