// A time series from a CSV file: two columns (time and value) of a comma-separated table,
// read line by line into two arrays (16 bytes per row in memory, whatever the other columns).
//
// Format (docs/scenarios.md, "Profiles from CSV files"):
// - UTF-8 or ASCII text, lines end in LF or CRLF; a UTF-8 byte-order mark is skipped;
// - lines that are empty or whose first non-blank character is '#' are skipped (comments);
// - the first other line is the header: column names separated by commas; blanks around a name
//   and one pair of double quotes around it are removed; the time and value columns are found by
//   name (each must appear exactly once), other columns are ignored;
// - every following line is a row with as many fields as the header; its time and value fields
//   are decimal numbers (C syntax, '.' as decimal point, an optional exponent, no thousands
//   separators), read with correct rounding, i.e. to the same double as the same text in YAML;
// - times lie in [time_min, time_max] and strictly increase; values lie in [value_min, value_max];
// - at least one row; at most max_line_bytes per line and limit.bytes in all.
// Any violation throws input_error with the file, the 1-based line, the column and what was
// expected, e.g. "day.csv:17: column 'battery_power_w': expected a number in [-1e+06, 1e+06],
// got 'abc' (profile inverter.battery_power_w)".
//
// read_csv_series() takes any std::istream, so a fuzz target can drive it from a buffer.
#pragma once

#include <cstddef>
#include <istream>
#include <limits>
#include <string>
#include <vector>

#include "numeric/input_file.h"

namespace stacksim::num {

struct csv_series_spec {
    std::string time_column = "t_s";
    std::string value_column;
    double time_min = 0.0;
    double time_max = std::numeric_limits<double>::infinity();
    double value_min = -std::numeric_limits<double>::infinity();
    double value_max = std::numeric_limits<double>::infinity();
    size_limit limit = input_limits{}.profile(); // bytes read at most
    std::size_t max_line_bytes = 1 << 20;        // a longer line is refused
    std::string context;                         // added to messages, e.g. "profile inverter.battery_power_w"
};

struct csv_series {
    std::vector<double> t_s;
    std::vector<double> value;
};

// Reads the series from `in`; `name` is the file name used in messages. rows_hint: rows to
// reserve room for (an upper bound saves the copies of growing arrays; 0 = grow as needed).
csv_series read_csv_series(std::istream& in, const std::string& name, const csv_series_spec& spec,
                           std::size_t rows_hint = 0);

// Opens `path` (input_error if it cannot be opened, is a directory, or a regular file larger
// than spec.limit) and reads it as above; a regular file's lines are counted first for rows_hint.
csv_series read_csv_series_file(const std::string& path, const csv_series_spec& spec);

} // namespace stacksim::num
