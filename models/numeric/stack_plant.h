// The stack's plant: every cell of every module (cell_array) and the power network that
// parallels the modules through their switches, cables and contacts to the inverter's DC port.
//
// One step of dt_s is solved implicitly and consistently:
//   1. each cell gives its exact end-of-step linear model v_k = e_k + r_k i_k (ZOH RC branches);
//   2. a module is the series sum of its cells, minus the balancing bleed currents:
//      E_m = sum(e_k - r_k b_k), R_m = sum(r_k), so V_m = E_m + R_m i_m;
//   3. the network is solved with those Thevenin branches (and the inverter port);
//   4. if a cell's current direction differs from the R0 branch (charge/discharge) assumed in 1,
//      the step is re-linearised with the solved directions (piecewise-linear, so this ends in
//      at most a few passes);
//   5. the cells advance with i_k = i_m - b_k, so module and cell currents agree exactly;
//   6. cables and contacts heat up; energies are booked;
//   7. every module's fuse takes the step's current through its element (Miner's rule, fuse.h);
//      one that blows opens its element for the rest of the run.
// No SystemC here: the same plant runs in Python and in the plain GoogleTest suites.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "numeric/cell_array.h"
#include "numeric/fuse.h"
#include "numeric/wiring.h"

namespace stacksim::num {

struct stack_plant_config {
    std::size_t n_modules = 3;
    std::size_t cells_per_module = 16;
    cell_params cells;
    wiring_spec wiring;          // topology, cables, contacts (scenario)
    num::wiring_params wiring_parameters; // cable tables, contact laws, module internals (parameter file)
    std::vector<double> initial_soc;     // per module, 0..1
    std::vector<double> initial_temp_k;  // per module
    double ambient_k = 298.15;
    double bleed_resistor_ohm = 33.0;    // passive balancing resistor per cell
    std::uint64_t seed = 1;
};

// Energy bookkeeping since the start (J).
//
// Within a step the currents are held (zero-order hold) and the network is solved with the
// cells' end-of-step voltages, so the network's books use end-of-step voltages:
//     port_j = cell_in_j + network_loss_j + bleed_j           (exact, Tellegen)
// The cell model integrates its own terminal power exactly within the step (RC transients
// included): cell_exact_in_j. The difference cell_exact_in_j - cell_in_j is the time
// discretisation error of the hold; it shrinks in proportion to the step.
struct plant_energy {
    double port_j = 0.0;          // delivered into the battery through the inverter port (+ = charging)
    double cell_in_j = 0.0;       // into the cells, sum of v_end * i * dt
    double cell_exact_in_j = 0.0; // into the cells, exact integral of v(t) * i over each step
    double cell_stored_j = 0.0;   // change of the cells' stored energy (chemical + RC capacitors)
    double cell_heat_j = 0.0;     // heat generated in the cells (irreversible + reversible)
    double network_loss_j = 0.0;  // dissipated in cables, contacts, busbars, switches, fuses
    double bleed_j = 0.0;         // dissipated in balancing resistors and internal cell shorts
};

class stack_plant {
public:
    explicit stack_plant(const stack_plant_config& cfg);

    std::size_t n_modules() const { return m_cfg.n_modules; }
    std::size_t cells_per_module() const { return m_cfg.cells_per_module; }
    const stack_plant_config& config() const { return m_cfg; }

    // Inputs (held until changed). Every module switch starts open.
    void set_port_current(double current_a); // + = charging the battery
    void set_port_power(double power_w);     // + = charging the battery
    void set_switch(std::size_t module, bool closed);
    void set_precharge(std::size_t module, bool closed);
    void set_balancing(std::size_t module, std::uint32_t cell_mask);
    // An internal short across one cell (r_ohm > 0), or none (r_ohm = 0). Its current drains the
    // cell like a bleed resistor; its heat stays in the cell.
    void set_cell_short(std::size_t module, std::size_t cell, double r_ohm);
    void set_ambient_k(double ambient_k);
    // A welded main switch (MOSFETs / contactor welded): once closed it can no longer open;
    // set_switch(m, false) is recorded as the command but the switch stays closed (the
    // on_switch_stuck callback is told). Released (welded = false): it follows its command again.
    void set_switch_welded(std::size_t module, bool welded);
    bool switch_welded(std::size_t m) const { return m_welded.at(m); }
    void on_switch_stuck(std::function<void(std::size_t module)> f) { m_on_stuck = std::move(f); }
    // Called after every change of a switch, precharge path, weld or bus short (the stack uses it
    // to re-predict a fuse's blow when the currents change between grid steps).
    void on_input_change(std::function<void()> f) { m_on_input = std::move(f); }
    // A short of r_ohm across the inverter's DC terminals (stack_network::set_bus_short); 0 = none.
    void set_bus_short(double r_ohm);
    double bus_short_ohm() const { return m_bus_short_ohm; }

    // Advance by dt_s (> 0) with the inputs held.
    void step(double dt_s);
    // Re-solve the network at the present state without advancing (after an input change),
    // so voltages and currents read now reflect the new inputs.
    void solve_now();

    double time_s() const { return m_time_s; }

    // Results of the last step / solve.
    double port_voltage_v() const;
    double port_current_a() const;               // + = charging
    double module_current_a(std::size_t m) const;// + = charging
    double module_voltage_v(std::size_t m) const;// at the module's + / - terminals
    bool switch_closed(std::size_t m) const { return m_switch_actual[m]; } // the real state
    bool switch_commanded(std::size_t m) const { return m_switch[m]; }     // what its AFE drives
    bool precharge_closed(std::size_t m) const { return m_precharge[m]; }
    // Where cell k of module m sits in the per-cell arrays (cells(): a module's cells are
    // consecutive, module by module).
    std::size_t cell_index(std::size_t m, std::size_t k) const { return m * m_cfg.cells_per_module + k; }
    double cell_voltage_v(std::size_t m, std::size_t k) const;
    double cell_soc(std::size_t m, std::size_t k) const;
    double cell_temp_k(std::size_t m, std::size_t k) const;
    // Module m's cells_per_module cell voltages / temperatures into out[0 ..), in cell order.
    void module_cell_voltages_v(std::size_t m, double* out) const;
    void module_cell_temps_k(std::size_t m, double* out) const;
    double module_soc(std::size_t m) const;      // capacity-weighted mean of its cells
    double stack_soc() const;
    double kcl_residual_a() const;               // max |sum of currents| over all nodes
    double network_loss_w() const;               // cables, contacts, busbars, switches, fuses now

    // Module fuses (fuse.h): state, and the fuses that blew in the last step (their elements
    // are open from the end of that step on; a blown fuse stays open for the run).
    const fuse& module_fuse(std::size_t m) const { return m_fuses.at(m); }
    bool fuse_blown(std::size_t m) const { return m_fuses.at(m).blown(); }
    double fuse_damage(std::size_t m) const { return m_fuses.at(m).damage(); }
    double fuse_current_a(std::size_t m) const; // through the fuse element, last solve; + = discharging
    const std::vector<std::size_t>& fuses_blown_last_step() const { return m_blown_last; }
    double fuse_blow_current_a(std::size_t m) const { return m_blow_current_a.at(m); } // the step's current

    const cell_array& cells() const { return m_cells; }
    cell_array& cells() { return m_cells; }
    const stack_network& power_network() const { return m_net; }
    stack_network& power_network() { return m_net; }
    plant_energy energy() const; // since the start

private:
    void linearise_and_solve(double dt_s);

    stack_plant_config m_cfg;
    cell_array m_cells;
    stack_network m_net;
    double m_time_s = 0.0;
    std::vector<bool> m_switch;        // commanded
    std::vector<bool> m_switch_actual; // in the network (differs when welded)
    std::vector<bool> m_welded;
    std::function<void(std::size_t)> m_on_stuck;
    std::function<void()> m_on_input;
    void input_changed() const {
        if (m_on_input)
            m_on_input();
    }
    double m_bus_short_ohm = 0.0;
    std::vector<fuse> m_fuses;
    std::vector<std::size_t> m_blown_last;
    std::vector<double> m_blow_current_a;
    std::vector<bool> m_precharge;
    std::vector<std::uint32_t> m_balance;
    double m_ambient_k;
    double m_cell_in_j = 0.0; // sum of v_end * i * dt over the cells
    double m_bleed_j = 0.0;
    // scratch (no allocation in step)
    Eigen::ArrayXd m_dir, m_e, m_r, m_bleed, m_i_cell, m_cell_heat, m_module_heat;
    Eigen::ArrayXd m_short_s; // conductance of an internal short per cell (0 = none)
};

} // namespace stacksim::num
