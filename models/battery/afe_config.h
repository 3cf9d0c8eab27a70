// Configuration of a module's analog front end (afe.h): ADC resolution and errors, NTCs, the
// short-circuit comparator. SystemC-free; field table in battery/module_params.cpp, values in
// models/params/module_4k4pro.yaml.
#pragma once

#include <cstddef>
#include <cstdint>

#include "numeric/field_table.h"

namespace stacksim::models {

struct afe_config {
    std::size_t cells = 16;
    double cell_lsb_v = 100e-6;
    double cell_gain_error = 0.0;   // relative
    double cell_offset_v = 0.0;
    double cell_noise_v = 0.0;      // 1 sigma
    double module_lsb_v = 1e-3;
    double module_noise_v = 0.0;
    double current_lsb_a = 10e-3;
    double current_offset_a = 0.0;
    double current_noise_a = 0.0;
    std::size_t cells_per_ntc = 4;  // sensor i sees cells [i*n, (i+1)*n)
    std::size_t ntc_sensors() const { return (cells + cells_per_ntc - 1) / cells_per_ntc; }
    double ntc_r25_ohm = 10e3;
    double ntc_beta_k = 3435.0;
    double ntc_pullup_ohm = 10e3;
    unsigned ntc_adc_bits = 12;
    double conversion_time_s = 2e-3;
    // Hardware short-circuit comparator on the shunt: |I| >= sc_threshold_a for sc_delay_s opens
    // the switch by itself and latches REG_FAULT.SC (the BMS clears it by writing 1).
    double sc_threshold_a = 500.0;
    double sc_delay_s = 200e-6;
    std::uint64_t seed = 1;

    static const num::field_table<afe_config>& fields(); // afe.*
};

} // namespace stacksim::models
