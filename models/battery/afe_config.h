// Configuration of a module's analog front end (afe.h): ADC resolution and errors, NTCs, the
// short-circuit comparator. SystemC-free; field table in battery/module_params.cpp, values in
// models/params/module_4k4pro.yaml only: the parameters carry no values of their own (zero until
// read; tests and benches load the file).
#pragma once

#include <cstddef>
#include <cstdint>

#include "numeric/field_table.h"

namespace stacksim::models {

struct afe_config {
    std::size_t cells{};            // module.cells_in_series
    double cell_lsb_v{};
    double cell_gain_error{};       // relative
    double cell_offset_v{};
    double cell_noise_v{};          // 1 sigma
    double module_lsb_v{};
    double module_noise_v{};
    double current_lsb_a{};
    double current_offset_a{};
    double current_noise_a{};
    std::size_t cells_per_ntc{};    // sensor i sees cells [i*n, (i+1)*n)
    std::size_t ntc_sensors() const { return (cells + cells_per_ntc - 1) / cells_per_ntc; }
    double ntc_r25_ohm{};
    double ntc_beta_k{};
    double ntc_pullup_ohm{};
    unsigned ntc_adc_bits{};
    double conversion_time_s{};
    // Hardware short-circuit comparator on the shunt: |I| >= sc_threshold_a for sc_delay_s opens
    // the switch by itself and latches REG_FAULT.SC (the BMS clears it by writing 1).
    double sc_threshold_a{};
    double sc_delay_s{};
    std::uint64_t seed = 1;         // measurement noise (the scenario gives each module its own)

    static const num::field_table<afe_config>& fields(); // afe.*
};

} // namespace stacksim::models
