// What the BQ76952 of a firmware module sees as its plant (module_plant_if): the module's cells,
// with the main switch combined. The module's switch is closed only while the firmware's
// CONTACTOR pin and the AFE's FETs (CHG and DSG, as the BQ76952 drives set_switch) both say
// closed, as a contactor in series with the FETs would be; the PRECHARGE pin drives the
// precharge path. Everything else passes through to the cells.
#pragma once

#include <cstdint>

#include "battery/module_plant_if.h"

namespace stacksim::models {

class plant_switch_gate : public module_plant_if {
public:
    explicit plant_switch_gate(module_plant_if& cells) : m_cells(cells) {}

    std::size_t n_cells() const override { return m_cells.n_cells(); }
    double cell_voltage_v(std::size_t cell) override { return m_cells.cell_voltage_v(cell); }
    double cell_temp_k(std::size_t cell) override { return m_cells.cell_temp_k(cell); }
    void cell_voltages_v(double* out) override { m_cells.cell_voltages_v(out); }
    void cell_temps_k(double* out) override { m_cells.cell_temps_k(out); }
    double module_voltage_v() override { return m_cells.module_voltage_v(); }
    double module_current_a() override { return m_cells.module_current_a(); }
    void set_balancing(std::uint32_t cell_mask) override { m_cells.set_balancing(cell_mask); }
    // The AFE's FETs (closed = CHG and DSG on).
    void set_switch(bool closed) override;
    void set_precharge(bool closed) override { m_cells.set_precharge(closed); }

    // The CONTACTOR pin.
    void set_contactor(bool closed);
    bool fets_closed() const { return m_fets; }
    bool contactor_closed() const { return m_contactor; }
    bool switch_closed() const { return m_applied; }

private:
    void apply();

    module_plant_if& m_cells;
    bool m_fets = false;
    bool m_contactor = false;
    bool m_applied = false;
    bool m_known = false; // nothing applied yet: the first apply always reaches the cells
};

} // namespace stacksim::models
