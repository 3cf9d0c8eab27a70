// Constant-current discharge curves of a cell parameter set, as CSV on stdout.
//
//   cell_discharge_curves [params.yaml] [ambient_c]
//
// For each rate (0.5C, 1C, 2C of the rated capacity) a free-standing nominal cell starts full
// (SoC 1, charge branch, relaxed, at ambient) and discharges until its terminal voltage reaches
// voltage_min_v. Columns: c_rate, t_s, discharged_ah, voltage_v, ocv_v, soc, temp_c, heat_w.
// A summary line per rate goes to stderr. tools/plot_cell_discharge.py plots the CSV.
//
//   cell_discharge_curves --isothermal-sweep [params.yaml]
//
// Capacity against temperature: a full nominal cell held at each temperature from -20 to 45 degC
// (5 K apart; the cell is set back to it after every 1 s step) discharges at 0.5C to voltage_min_v.
// Columns: temp_c, delivered_ah. tools/plot_cell_capacity_temperature.py plots it.
#include <cstdio>
#include <exception>
#include <string>

#include <Eigen/Core>

#include "numeric/cell_array.h"
#include "numeric/cell_params.h"
#include "numeric/cell_simulation.h"
#include "numeric/units.h"

namespace {


void run(const stacksim::num::cell_params& p, double c_rate, double ambient_c) {
    using namespace stacksim::num;
    const double ambient_k = ambient_c + stacksim::num::zero_celsius_k;
    cell_array cell = make_standalone_cell(p, ambient_k, 1.0, 1.0);
    const double current_a = -c_rate * p.capacity_ah;
    const double dt_s = 1.0;
    Eigen::ArrayXd i(1);
    i(0) = current_a;
    double t_s = 0.0;
    double ah = 0.0;
    const auto print = [&] {
        std::printf("%g,%.1f,%.5f,%.5f,%.5f,%.6f,%.4f,%.4f\n", c_rate, t_s, ah, cell.voltage_v()(0), cell.ocv_v()(0),
                    cell.soc()(0), cell.temp_k()(0) - stacksim::num::zero_celsius_k, cell.heat_w()(0));
    };
    print();
    long n = 0;
    const long max_steps = static_cast<long>(4.0 * 3600.0 / c_rate / dt_s);
    while (cell.voltage_v()(0) > p.voltage_min_v && n < max_steps) {
        cell.step(dt_s, i, ambient_k);
        t_s += dt_s;
        ah += -current_a * dt_s / 3600.0;
        ++n;
        if (n % 10 == 0 || cell.voltage_v()(0) <= p.voltage_min_v)
            print();
    }
    std::fprintf(stderr, "%.2fC: %.3f Ah (%.2f %% of rated %.1f Ah) in %.0f s, end temperature %.2f degC\n", c_rate, ah,
                 100.0 * ah / p.capacity_ah, p.capacity_ah, t_s, cell.temp_k()(0) - stacksim::num::zero_celsius_k);
}

double isothermal_discharge_ah(const stacksim::num::cell_params& p, double temp_k, double c_rate) {
    using namespace stacksim::num;
    cell_array cell = make_standalone_cell(p, temp_k, 1.0, 1.0);
    Eigen::ArrayXd i = Eigen::ArrayXd::Constant(1, -c_rate * p.capacity_ah);
    double ah = 0.0, v_prev = cell.voltage_v()(0);
    for (long n = 0; n < static_cast<long>(8.0 * 3600.0 / c_rate); ++n) {
        cell.step(1.0, i, temp_k);
        const double v = cell.voltage_v()(0), ah_next = ah - i(0) / 3600.0;
        if (v <= p.voltage_min_v)
            return ah + (v_prev - p.voltage_min_v) / (v_prev - v) * (ah_next - ah);
        ah = ah_next;
        v_prev = v;
        cell.set_all_temperature_k(temp_k);
    }
    return ah;
}

} // namespace

int main(int argc, char** argv) {
    try {
        if (argc > 1 && std::string(argv[1]) == "--isothermal-sweep") {
            const std::string path = argc > 2 ? argv[2] : stacksim::num::default_cell_params_path();
            const auto p = stacksim::num::load_cell_params(path);
            std::printf("temp_c,delivered_ah\n");
            for (int t_c = -20; t_c <= 45; t_c += 5)
                std::printf("%d,%.4f\n", t_c, isothermal_discharge_ah(p, t_c + stacksim::num::zero_celsius_k, 0.5));
            return 0;
        }
        const std::string path = argc > 1 && std::string(argv[1]) != "-" ? argv[1] : stacksim::num::default_cell_params_path();
        const double ambient_c = argc > 2 ? std::stod(argv[2]) : 25.0;
        const auto p = stacksim::num::load_cell_params(path);
        std::printf("c_rate,t_s,discharged_ah,voltage_v,ocv_v,soc,temp_c,heat_w\n");
        for (double c : {0.5, 1.0, 2.0})
            run(p, c, ambient_c);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cell_discharge_curves: %s\n", e.what());
        return 2;
    }
}
