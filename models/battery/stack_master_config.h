// Configuration of the master's stack logic (stack_master.h): polling, stack caps, joining.
// SystemC-free; field table in battery/module_params.cpp, values in models/params/module_4k4pro.yaml
// only: the parameters carry no values of their own (zero until read; tests and benches load the
// file).
#pragma once

#include <cstdint>
#include <vector>

#include "numeric/field_table.h"

namespace stacksim::models {

struct stack_master_config {
    std::vector<std::uint8_t> sub_addresses;   // chain order
    double poll_period_s{};
    double response_timeout_s{};
    unsigned retries{};
    unsigned lost_after_misses{};
    // Stack caps by number of modules present (index = count, 0..number of modules; empty = no
    // cap). A count the table does not reach throws std::out_of_range: scenario loading refuses
    // such a stack (docs/models/bms.md, "Stack limits").
    std::vector<double> max_ccl_a_by_count;
    std::vector<double> max_dcl_a_by_count;
    // Joining: a sub joins (the master sends it bms::cid2_join) only when its open-circuit
    // voltage (the sum of its cells: its switch is open) is within join_window_v of the master's
    // open-circuit voltage; otherwise it stays open (sub_join_refused says why). The master knows
    // its own open-circuit voltage only from its cells at rest: |I| < join_rest_current_a for
    // join_rest_time_s (a module starts at rest). Its last rest value stays valid while less than
    // join_max_ah_since_rest has flowed since; beyond that the decision waits for the bus to rest
    // (sub_join_deferred).
    double join_window_v{};
    double join_rest_current_a{};
    double join_rest_time_s{};
    double join_max_ah_since_rest{};
    // Also poll each sub's alarm info (0x44) every cycle: its protections (cell / module voltage,
    // current, temperature) reach the 0x359 / 0x35A conditions the master sends.
    bool poll_alarms{};

    static const num::field_table<stack_master_config>& fields(); // master.* (polling, caps, joining)
};

} // namespace stacksim::models
