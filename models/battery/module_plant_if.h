// What a battery module's electronics can see and drive of the plant (its cells, its switch).
//
// Implemented by the stack, which owns the numeric plant of all modules; every call first
// advances the plant to the current simulated time, so a sample is taken exactly "now" and a
// switch change lands exactly at the instant it is commanded.
#pragma once

#include <cstddef>
#include <cstdint>

#include <systemc>

namespace stacksim::models {

class module_plant_if : public virtual sc_core::sc_interface {
public:
    virtual std::size_t n_cells() const = 0;
    virtual double cell_voltage_v(std::size_t cell) = 0;  // at the cell's sense points
    virtual double cell_temp_k(std::size_t cell) = 0;
    // Every cell at once into out[0 .. n_cells()), as an AFE's sample-and-hold takes them: one
    // step of the plant to now, not one check per cell. By default, one by one.
    virtual void cell_voltages_v(double* out) {
        for (std::size_t k = 0; k < n_cells(); ++k)
            out[k] = cell_voltage_v(k);
    }
    virtual void cell_temps_k(double* out) {
        for (std::size_t k = 0; k < n_cells(); ++k)
            out[k] = cell_temp_k(k);
    }
    virtual double module_voltage_v() = 0;                // at the module's + / - terminals
    virtual double module_current_a() = 0;                // through the module, + = charging
    virtual void set_balancing(std::uint32_t cell_mask) = 0;  // bleed resistor switches
    virtual void set_switch(bool closed) = 0;                // main contactor / MOSFET
    virtual void set_precharge(bool closed) = 0;             // precharge path switch
};

} // namespace stacksim::models
