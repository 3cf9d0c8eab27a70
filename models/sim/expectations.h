// Expectations of a scenario (docs/scenarios.md, "expectations"): assertions evaluated after the
// run on the recorded time series and events. A failed one makes the run fail (CLI exit code 3)
// with a message naming the expectation and the time.
// Missing values (NaN: a value that does not exist yet, docs/outputs.md) neither pass nor fail
// anything: max / min judge only the values that exist (a window where every value of the
// matching columns is missing fails with "no value", since nothing was checked); a missing value
// never reaches a limit (`reaches`, `before`) and never satisfies a `while:` condition.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "numeric/param_file.h"

namespace stacksim::sim {

// "column pattern reaches a value": true at a row if any matching column is <= at_most
// (or >= at_least).
struct column_condition {
    std::string column;    // glob: '*' any characters, '?' one
    bool upper = true;     // true: value <= limit (at_most / below), false: value >= limit
    double limit = 0.0;
};

struct expectation {
    enum class kind { max, min, before, share, event, no_event };
    kind type = kind::max;
    std::string name;
    double from_s = 0.0, until_s = 1e300;   // window (inclusive)
    std::string column;                     // max / min: glob
    double limit = 0.0;                     // max: every value <= limit; min: every value >= limit
    column_condition first, then;           // reaches: first holds at some row (strictly before `then`)
    bool has_then = false;                  // reaches ... before ...
    column_condition only_while;            // row kinds: only rows where this holds (`while:`)
    bool has_while = false;
    std::size_t module = 0;                 // share
    double within_pct = 0.0;                // share: |I_m - mean| <= within_pct % of |mean|
    double min_current_a = 1.0;             // share: rows with |mean| below are skipped
    std::string source, event_kind, details_contains; // event / no_event (globs, substring)
    std::size_t count = 1;                  // event: at least this many
    std::string file;
    int line = 0;
    std::string path;
};

struct recorded_event {
    double t_s;
    std::string source;
    std::string kind;
    std::string details; // JSON text
};

struct expectation_result {
    std::string name;
    bool passed = false;
    double t_s = 0.0;     // time of the first violation (or of the event), NaN if none
    std::string message;  // "<name>: ... at t = ... s"
};

std::vector<expectation> read_expectations(const num::param_node& seq);

bool glob_match(const std::string& pattern, const std::string& text);

// Throws num::input_error (file, line, key path) if a column pattern matches no recorded column.
void check_columns(const std::vector<expectation>& ex, const std::vector<std::string>& columns);

// The columns the expectations read (one flag per column): all evaluate_expectations() needs of
// the recorded data; the others may be left empty.
std::vector<bool> referenced_columns(const std::vector<expectation>& ex, const std::vector<std::string>& columns);

std::vector<expectation_result> evaluate_expectations(const std::vector<expectation>& ex,
                                                      const std::vector<std::string>& columns,
                                                      const std::vector<double>& times_s,
                                                      const std::vector<std::vector<double>>& data,
                                                      const std::vector<recorded_event>& events);

} // namespace stacksim::sim
