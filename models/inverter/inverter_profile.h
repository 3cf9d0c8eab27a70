// An inverter's behaviour profile (models/params/inverters/<name>.yaml): how a given make of
// inverter treats the battery's limits and requests, supervises the battery, starts up and reacts.
// Every value lives in the profile file with its source (a public report or "assumed"); the field
// tables here declare the keys, units and ranges once (numeric/field_table.h). SystemC-free: the
// scenario reader fills it (`inverter.profile`, docs/models/inverter.md "Behaviour profiles").
//
// The profile `well_behaved` is the inverter stacksim modelled before profiles existed: it honours
// every limit at the end of the frame that carries it. A profile changes only what its values say:
//   limits      charge_rule / discharge_rule per direction (CCL with the 0x35C charge-enable bit,
//               DCL with the discharge-enable bit):
//                 honour       the limit as received (0 A or a cleared enable bit stops);
//                 ignore_zero  a 0 A limit or a cleared enable bit is ignored: the last non-zero
//                              limit stays in force; the inverter stops only at its own ends
//                              (SoC from 0x355 at *_stop_soc_pct, charge at CVL by its CV
//                              regulator, discharge at DVL if honours_dvl);
//                 floor        the limit, but never below *_floor_a (its own ends as ignore_zero);
//               honours_dvl    discharge stops while the DC voltage is at or below DVL;
//   requests    honours_force_charge (0x35C b5/b4) and honours_full_charge (b3): whether the site
//               model's grid charging on request acts on them;
//   supervision heartbeat_period_s (its 0x305), battery_timeout_s (battery silent -> loss),
//               on_loss (standby: 0 A, heartbeat on; fault: 0 A and heartbeat off), latch (the
//               loss state stays until the inverter is restarted, even when the battery is back);
//   handshake   speaks_first (inverter: heartbeat from start-up; battery: its heartbeat starts at
//               the first battery frame), required_ids seen required_repeats times each before
//               the inverter closes its DC side (draws or gives current);
//   reaction    limit_delay_s (a received limit acts this long after its frame's end),
//               slew_a_per_s (the set-point moves at most this fast; 0 = at once);
//   rs485       poll_period_s, response_timeout_s, retries, quiet_s, status_every: the Pylontech
//               LV RS485 link (protocol pylontech_rs485) to the master (inverter_rs485_link.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "numeric/enum_names.h"
#include "numeric/field_table.h"
#include "numeric/param_file.h"

namespace stacksim::models {

enum class limit_rule { honour, ignore_zero, floor };
inline const num::enum_names<limit_rule, 3> limit_rule_names{
    "limit rule",
    {{{limit_rule::honour, "honour"}, {limit_rule::ignore_zero, "ignore_zero"}, {limit_rule::floor, "floor"}}}};

enum class loss_action { standby, fault };
inline const num::enum_names<loss_action, 2> loss_action_names{
    "loss action", {{{loss_action::standby, "standby"}, {loss_action::fault, "fault"}}}};

enum class first_speaker { inverter, battery };
inline const num::enum_names<first_speaker, 2> first_speaker_names{
    "first speaker", {{{first_speaker::inverter, "inverter"}, {first_speaker::battery, "battery"}}}};

// The protocols an inverter speaks to the battery (inverter_config::protocol).
std::vector<std::string> inverter_protocol_names(); // pylontech, sma, victron, pylontech_rs485

struct inverter_profile {
    std::string name;     // the file's stem (or path) as the scenario named it
    std::string protocol; // pylontech | sma | victron | pylontech_rs485
    std::vector<std::uint32_t> required_ids; // handshake.required_ids
    // limits.*
    limit_rule charge_rule{}, discharge_rule{};
    double charge_floor_a{}, discharge_floor_a{};
    double charge_stop_soc_pct{}, discharge_stop_soc_pct{};
    bool honours_dvl{};
    // requests.*
    bool honours_force_charge{}, honours_full_charge{};
    // supervision.*
    double heartbeat_period_s{};
    double battery_timeout_s{};
    loss_action on_loss{};
    bool latch{};
    // handshake.*
    first_speaker speaks_first{};
    unsigned required_repeats{};              // (required_ids: above)
    // reaction.*
    double limit_delay_s{};
    double slew_a_per_s{};
    // rs485.*
    double rs485_poll_period_s{};
    double rs485_response_timeout_s{};
    unsigned rs485_retries{};
    double rs485_quiet_s{};
    unsigned rs485_status_every{};

    // One table per section of the file.
    static const num::field_table<inverter_profile>& limit_fields();
    static const num::field_table<inverter_profile>& request_fields();
    static const num::field_table<inverter_profile>& supervision_fields();
    static const num::field_table<inverter_profile>& handshake_fields();
    static const num::field_table<inverter_profile>& reaction_fields();
    static const num::field_table<inverter_profile>& rs485_fields();
};

// Reads a profile file (records every value with its source in root.records()).
inverter_profile read_inverter_profile(const num::param_node& root);
// The profiles shipped in models/params/inverters/ (file stems, sorted).
std::vector<std::string> inverter_profile_names();
// models/params/inverters/<name>.yaml in the source tree.
std::string inverter_profile_path(const std::string& name);
// Loads and reads a shipped profile by name (tests and benches take their profiles from here).
inverter_profile load_inverter_profile(const std::string& name);
// Every parameter of a profile file (stacksim.parameter_fields(), `describe`, the consistency test).
std::vector<num::field_info> inverter_profile_fields();

} // namespace stacksim::models
