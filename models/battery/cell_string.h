// The module's 16 cells in series, as its electronics see them: a view onto this module's slice
// of the stack plant (the plant steps every cell of the stack in one pass, so the cells' state
// lives there). Every access first brings the plant to the present instant.
#pragma once

#include <functional>

#include <systemc>

#include "battery/module_plant_if.h"
#include "numeric/stack_plant.h"

namespace stacksim::models {

class cell_string : public sc_core::sc_module, public module_plant_if {
public:
    cell_string(const sc_core::sc_module_name& name, num::stack_plant& plant, std::size_t module,
                std::function<void()> sync);

    std::size_t n_cells() const override { return m_plant.cells_per_module(); }
    double cell_voltage_v(std::size_t cell) override;
    double cell_temp_k(std::size_t cell) override;
    void cell_voltages_v(double* out) override;
    void cell_temps_k(double* out) override;
    double module_voltage_v() override;
    double module_current_a() override;
    void set_balancing(std::uint32_t cell_mask) override;
    void set_switch(bool closed) override;
    void set_precharge(bool closed) override;

private:
    num::stack_plant& m_plant;
    std::size_t m_module;
    std::function<void()> m_sync;
};

} // namespace stacksim::models
