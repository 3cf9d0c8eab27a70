// Configuration of the RS485 daisy chain (rs485_chain.h): character format, driver turnaround,
// propagation and hop lengths. SystemC-free, so that the scenario reader uses it without the
// kernel; a scenario fills it from the module file's buses.* (sim/scenario.cpp).
#pragma once

#include <vector>

#include "protocol/uart_timing.h"

namespace stacksim::bus {

struct rs485_chain_config {
    proto::uart_format format{9600, 8, 'N', 1};
    double driver_enable_s = 0.0;        // DE asserted -> first start bit
    double driver_disable_s = 0.0;       // last stop bit -> line released
    double propagation_s_per_m = 5e-9;   // twisted pair, about 0.67 c
    std::vector<double> hop_length_m;    // one per hop (n_nodes - 1, the lead not counted); missing = 1 m
    bool lead_node = false;              // the first node bound is a lead node (rs485_chain.h)
    double lead_length_m = 2.0;          // its cable to the next node
};

} // namespace stacksim::bus
