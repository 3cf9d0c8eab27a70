#include "battery/cell_string.h"

namespace stacksim::models {

cell_string::cell_string(const sc_core::sc_module_name& name, num::stack_plant& plant, std::size_t module,
                         std::function<void()> sync)
    : sc_core::sc_module(name), m_plant(plant), m_module(module), m_sync(std::move(sync)) {}

double cell_string::cell_voltage_v(std::size_t cell) {
    m_sync();
    return m_plant.cell_voltage_v(m_module, cell);
}

double cell_string::cell_temp_k(std::size_t cell) {
    m_sync();
    return m_plant.cell_temp_k(m_module, cell);
}

void cell_string::cell_voltages_v(double* out) {
    m_sync();
    m_plant.module_cell_voltages_v(m_module, out);
}

void cell_string::cell_temps_k(double* out) {
    m_sync();
    m_plant.module_cell_temps_k(m_module, out);
}

double cell_string::module_voltage_v() {
    m_sync();
    return m_plant.module_voltage_v(m_module);
}

double cell_string::module_current_a() {
    m_sync();
    return m_plant.module_current_a(m_module);
}

void cell_string::set_balancing(std::uint32_t cell_mask) {
    m_sync();
    m_plant.set_balancing(m_module, cell_mask);
}

void cell_string::set_switch(bool closed) {
    m_sync();
    m_plant.set_switch(m_module, closed);
}

void cell_string::set_precharge(bool closed) {
    m_sync();
    m_plant.set_precharge(m_module, closed);
}

} // namespace stacksim::models
