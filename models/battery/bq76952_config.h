// Configuration of the BQ76952 model (bq76952.h) that is not a constant of the chip: the board it
// sits on and what the TRM leaves open. SystemC-free; field table in battery/module_params.cpp,
// values with their sources in models/params/module_4k4pro.yaml (section bq76952) only: the
// parameters carry no values of their own (zero until read; tests and benches load the file).
// The chip's own constants (command codes, data-memory addresses and defaults, units, ADC slot
// time) are in bq76952_trm.h; the measurement non-idealities (noise, offsets, NTC) come from the
// module's afe_config, so both front ends measure alike.
#pragma once

#include "numeric/field_table.h"

namespace stacksim::models {

struct bq76952_config {
    // The shunt between SRP and SRN: OCC/OCD/SCD thresholds are voltages across it (TRM §5.2.6-9),
    // and the DASTATUS current counts are that voltage in ADC counts.
    double sense_resistor_ohm{};
    // Clock stretching the chip applies per I2C transfer addressed to it, added to the transfer's
    // wire time (bus/tlm/i2c_socket.h). The TRM and the datasheet give no figure.
    double clock_stretch_s{};

    static const num::field_table<bq76952_config>& fields(); // bq76952.*
};

} // namespace stacksim::models
