#include "numeric/stack_plant.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::num {

namespace {
// Re-linearisation passes when a cell's current direction differs from the R0 branch assumed.
// R0 is piecewise constant in the direction, so the solve is exact once the directions agree;
// two passes settle every case but a current that changes sign exactly at the branch point.
constexpr int max_direction_passes = 4;
// |i| below this counts as rest: keep the previous direction (no chattering around zero).
constexpr double rest_current_a = 1e-9;
// A solve "now" (initial state) linearises the cells over a vanishing step: the RC capacitors
// then act as voltage sources and only R0 is seen, as at the instant of a change.
constexpr double instant_s = 1e-9;
} // namespace

stack_plant::stack_plant(const stack_plant_config& cfg)
    : m_cfg(cfg),
      m_cells(cfg.cells, cfg.n_modules, cfg.cells_per_module, cfg.seed),
      m_net(cfg.wiring, cfg.wiring_parameters, cfg.ambient_k),
      m_switch(cfg.n_modules, false),
      m_switch_actual(cfg.n_modules, false),
      m_welded(cfg.n_modules, false),
      m_fuses(cfg.n_modules, fuse(cfg.wiring_parameters.module.fuse)),
      m_blow_current_a(cfg.n_modules, 0.0),
      m_precharge(cfg.n_modules, false),
      m_balance(cfg.n_modules, 0u),
      m_ambient_k(cfg.ambient_k) {
    if (cfg.n_modules == 0 || cfg.cells_per_module == 0)
        throw std::invalid_argument("stack_plant: at least one module of at least one cell");
    if (cfg.initial_soc.size() != cfg.n_modules || cfg.initial_temp_k.size() != cfg.n_modules)
        throw std::invalid_argument("stack_plant: initial_soc and initial_temp_k need one value per module");
    if (!(cfg.bleed_resistor_ohm > 0))
        throw std::invalid_argument("stack_plant: bleed_resistor_ohm must be positive");
    for (std::size_t m = 0; m < cfg.n_modules; ++m) {
        m_cells.set_module_soc(m, cfg.initial_soc[m]);
        m_cells.set_module_temperature_k(m, cfg.initial_temp_k[m]);
    }
    const auto n = static_cast<Eigen::Index>(m_cells.size());
    m_dir = Eigen::ArrayXd::Constant(n, -1.0);
    m_e = Eigen::ArrayXd::Zero(n);
    m_r = Eigen::ArrayXd::Zero(n);
    m_bleed = Eigen::ArrayXd::Zero(n);
    m_i_cell = Eigen::ArrayXd::Zero(n);
    m_cell_heat = Eigen::ArrayXd::Zero(n);
    m_module_heat = Eigen::ArrayXd::Zero(static_cast<Eigen::Index>(cfg.n_modules));
    m_short_s = Eigen::ArrayXd::Zero(n);
    if (m_net.n_modules() != cfg.n_modules)
        throw std::invalid_argument("stack_plant: the wiring has " + std::to_string(m_net.n_modules()) +
                                    " modules, the stack " + std::to_string(cfg.n_modules));
    // Every switch starts open: closing them is the BMSs' decision.
    for (std::size_t m = 0; m < cfg.n_modules; ++m) {
        m_net.set_switch(m, false);
        m_net.set_precharge(m, false);
    }
    solve_now();
}

void stack_plant::set_port_current(double current_a) { m_net.set_port_current_a(current_a); }
void stack_plant::set_port_power(double power_w) { m_net.set_port_power_w(power_w); }

void stack_plant::set_switch(std::size_t module, bool closed) {
    m_switch.at(module) = closed;
    const bool stuck = !closed && m_welded[module] && m_switch_actual[module];
    m_switch_actual[module] = closed || stuck;
    m_net.set_switch(module, m_switch_actual[module]);
    if (stuck && m_on_stuck)
        m_on_stuck(module);
    input_changed();
}

void stack_plant::set_switch_welded(std::size_t module, bool welded) {
    m_welded.at(module) = welded;
    if (!welded) { // free again: it follows its command
        m_switch_actual[module] = m_switch[module];
        m_net.set_switch(module, m_switch[module]);
    }
    input_changed();
}

void stack_plant::set_bus_short(double r_ohm) {
    m_net.set_bus_short(r_ohm);
    m_bus_short_ohm = r_ohm;
    input_changed();
}

double stack_plant::fuse_current_a(std::size_t m) const {
    return m_net.net().current_a(m_net.index().fuse.at(m));
}

void stack_plant::set_precharge(std::size_t module, bool closed) {
    m_precharge.at(module) = closed;
    m_net.set_precharge(module, closed);
    input_changed();
}

void stack_plant::set_balancing(std::size_t module, std::uint32_t cell_mask) { m_balance.at(module) = cell_mask; }
void stack_plant::set_ambient_k(double ambient_k) { m_ambient_k = ambient_k; }

void stack_plant::set_cell_short(std::size_t module, std::size_t cell, double r_ohm) {
    if (module >= m_cfg.n_modules || cell >= m_cfg.cells_per_module)
        throw std::out_of_range("stack_plant::set_cell_short: no cell " + std::to_string(cell) + " in module " +
                                std::to_string(module));
    if (!(r_ohm >= 0.0))
        throw std::invalid_argument("stack_plant::set_cell_short: r_ohm must be >= 0 (0 = no short)");
    m_short_s[static_cast<Eigen::Index>(cell_index(module, cell))] = r_ohm > 0.0 ? 1.0 / r_ohm : 0.0;
}

void stack_plant::linearise_and_solve(double dt_s) {
    const std::size_t nc = m_cfg.cells_per_module;
    // Bleed currents over this step, from the voltages at its start (balancing resistors and
    // internal shorts).
    const Eigen::ArrayXd& v = m_cells.voltage_v();
    for (std::size_t m = 0; m < m_cfg.n_modules; ++m)
        for (std::size_t k = 0; k < nc; ++k) {
            const std::size_t c = cell_index(m, k);
            const auto ci = static_cast<Eigen::Index>(c);
            m_bleed[ci] = ((m_balance[m] >> k) & 1u ? v[ci] / m_cfg.bleed_resistor_ohm : 0.0) + v[ci] * m_short_s[ci];
        }
    for (int pass = 0; pass < max_direction_passes; ++pass) {
        m_cells.linearise(dt_s, m_dir, m_e, m_r);
        for (std::size_t m = 0; m < m_cfg.n_modules; ++m) {
            const auto seg = Eigen::seqN(static_cast<Eigen::Index>(m * nc), static_cast<Eigen::Index>(nc));
            const double e_v = (m_e(seg) - m_r(seg) * m_bleed(seg)).sum();
            const double r_ohm = m_r(seg).sum();
            m_net.set_module_source(m, e_v, r_ohm);
        }
        m_net.solve();
        bool consistent = true;
        for (std::size_t m = 0; m < m_cfg.n_modules; ++m) {
            const double i_m = m_net.module_current_a(m);
            for (std::size_t k = 0; k < nc; ++k) {
                const auto c = static_cast<Eigen::Index>(cell_index(m, k));
                const double i_c = i_m - m_bleed[c];
                m_i_cell[c] = i_c;
                if (std::abs(i_c) > rest_current_a) {
                    const double d = i_c > 0 ? 1.0 : -1.0;
                    if (d != m_dir[c]) {
                        m_dir[c] = d;
                        consistent = false;
                    }
                }
            }
        }
        if (consistent)
            return;
    }
}

void stack_plant::solve_now() {
    const perf::scope perf_scope(perf::layer::plant);
    linearise_and_solve(instant_s);
}

void stack_plant::step(double dt_s) {
    const perf::scope perf_scope(perf::layer::plant);
    perf::count(perf::counter::plant_steps);
    if (!(dt_s > 0))
        throw std::invalid_argument("stack_plant::step: dt_s must be positive");
    linearise_and_solve(dt_s);
    // Heat outside the cells: bleed resistors sit on their cells; the module's internal busbar,
    // fuse, switch and precharge losses go to its case.
    const network& net = m_net.net();
    const stack_index& ix = m_net.index();
    // The bleed current b is held over the step (zero-order hold, like the module current), so the
    // power the cell gives its resistor is v_end * b with v_end = e + r i from the implicit step:
    // that keeps the energy books exact (port = cells + wiring + bleed).
    m_cell_heat = (m_e + m_r * m_i_cell) * m_bleed;
    for (std::size_t m = 0; m < m_cfg.n_modules; ++m)
        m_module_heat[static_cast<Eigen::Index>(m)] = net.loss_w(ix.busbar[m]) + net.loss_w(ix.fuse[m]) +
                                                      net.loss_w(ix.main_switch[m]) + net.loss_w(ix.precharge_r[m]) +
                                                      net.loss_w(ix.precharge[m]);

    m_cells.step(dt_s, m_i_cell, m_ambient_k, m_cell_heat, m_module_heat);
    // Cable/contact heating, R(T) for the next step, and the network's own energy counters.
    m_net.advance(dt_s, m_ambient_k);
    // Only what neither the cells nor the network count themselves is booked here.
    m_cell_in_j += ((m_e + m_r * m_i_cell) * m_i_cell).sum() * dt_s;
    m_bleed_j += m_cell_heat.sum() * dt_s;
    m_time_s += dt_s;
    // Fuses see the step's (held) current; one that blows opens from the end of the step on.
    m_blown_last.clear();
    for (std::size_t m = 0; m < m_cfg.n_modules; ++m) {
        const double i_a = fuse_current_a(m);
        if (m_fuses[m].update(dt_s, i_a)) {
            m_blown_last.push_back(m);
            m_blow_current_a[m] = i_a;
            m_net.set_fuse_closed(m, false);
        }
    }
}

plant_energy stack_plant::energy() const {
    // Derived from the cumulative counters of the cells and the network (all zero at the start),
    // so the step does no bookkeeping of its own beyond the held-voltage cell energy and bleed.
    const cell_energy_totals c = m_cells.energy();
    plant_energy e;
    e.port_j = m_net.port_energy_j();
    e.cell_in_j = m_cell_in_j;
    e.cell_exact_in_j = c.electrical_in_j;
    e.cell_stored_j = c.chemical_j + c.rc_field_j;
    e.cell_heat_j = c.heat_generated_j;
    e.network_loss_j = m_net.total_loss_energy_j();
    e.bleed_j = m_bleed_j;
    return e;
}

double stack_plant::port_voltage_v() const { return m_net.port_voltage_v(); }
double stack_plant::port_current_a() const { return m_net.port_current_a(); }
double stack_plant::module_current_a(std::size_t m) const { return m_net.module_current_a(m); }
double stack_plant::module_voltage_v(std::size_t m) const { return m_net.module_voltage_v(m); }

double stack_plant::cell_voltage_v(std::size_t m, std::size_t k) const {
    return m_cells.voltage_v()[static_cast<Eigen::Index>(cell_index(m, k))];
}
double stack_plant::cell_soc(std::size_t m, std::size_t k) const {
    return m_cells.soc()[static_cast<Eigen::Index>(cell_index(m, k))];
}
double stack_plant::cell_temp_k(std::size_t m, std::size_t k) const {
    return m_cells.temp_k()[static_cast<Eigen::Index>(cell_index(m, k))];
}

void stack_plant::module_cell_voltages_v(std::size_t m, double* out) const {
    std::copy_n(m_cells.voltage_v().data() + cell_index(m, 0), m_cfg.cells_per_module, out);
}
void stack_plant::module_cell_temps_k(std::size_t m, double* out) const {
    std::copy_n(m_cells.temp_k().data() + cell_index(m, 0), m_cfg.cells_per_module, out);
}

double stack_plant::module_soc(std::size_t m) const {
    const auto seg = Eigen::seqN(static_cast<Eigen::Index>(m * m_cfg.cells_per_module),
                                 static_cast<Eigen::Index>(m_cfg.cells_per_module));
    const Eigen::ArrayXd& cap = m_cells.capacity_ah();
    return (m_cells.soc()(seg) * cap(seg)).sum() / cap(seg).sum();
}

double stack_plant::stack_soc() const {
    const Eigen::ArrayXd& cap = m_cells.capacity_ah();
    return (m_cells.soc() * cap).sum() / cap.sum();
}

double stack_plant::kcl_residual_a() const { return m_net.max_kcl_residual_a(); }

double stack_plant::network_loss_w() const {
    const network& net = m_net.net();
    double w = 0.0;
    for (std::size_t e = 0; e < net.n_elements(); ++e)
        if (net.kind(e) != element_kind::source)
            w += net.loss_w(e);
    return w;
}

} // namespace stacksim::num
