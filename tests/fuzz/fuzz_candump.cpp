// Fuzz target: candump -L log parsing (protocol/candump.h).
// Input: the bytes of a log file. Invariants:
//  - parse_candump_log and parse_candump_line never throw (uncaught -> libFuzzer crash);
//  - the log has one record or one error per non-blank line, in order, equal to what
//    parse_candump_line says about that line;
//  - an error has a text, a record holds a valid frame (is_valid, data bytes past the DLC 0);
//  - round trip: format_candump_line_us(record) parses back to the same record, and formatting
//    that again gives the same text (the formatter's output is a fixed point).
#include <sstream>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/candump.h"

using namespace stacksim::proto;

namespace {

bool same_record(const candump_record& a, const candump_record& b) {
    return a.time_us == b.time_us && a.interface == b.interface && a.frame == b.frame;
}

bool blank_line(std::string_view s) {
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::istringstream in(text);
    const candump_log log = parse_candump_log(in);

    std::size_t rec = 0, err = 0;
    std::istringstream lines(text);
    std::string line;
    unsigned line_no = 0;
    while (std::getline(lines, line)) {
        ++line_no;
        if (blank_line(line))
            continue;
        const candump_parse_result r = parse_candump_line(line, line_no);
        if (!r.ok) {
            FUZZ_CHECK(!r.error.empty(), "a rejected line has an error text");
            FUZZ_CHECK(err < log.errors.size() && log.errors[err] == r.error, "log error = line error, in order");
            ++err;
            continue;
        }
        FUZZ_CHECK(rec < log.records.size() && same_record(log.records[rec], r.record),
                   "log record = line record, in order");
        ++rec;
        const can_frame& f = r.record.frame;
        FUZZ_CHECK(is_valid(f), "a parsed frame is valid");
        for (unsigned i = f.payload_bytes(); i < can_max_dlc; ++i)
            FUZZ_CHECK(f.data[i] == 0, "bytes after the payload stay 0");
        FUZZ_CHECK(!r.record.interface.empty(), "a record names its interface");

        const std::string again = format_candump_line_us(r.record.time_us, r.record.interface, f);
        const candump_parse_result back = parse_candump_line(again);
        FUZZ_CHECK(back.ok, again.c_str());
        FUZZ_CHECK(same_record(back.record, r.record), again.c_str());
        FUZZ_CHECK(format_candump_line_us(back.record.time_us, back.record.interface, back.record.frame) == again,
                   again.c_str());
    }
    FUZZ_CHECK(rec == log.records.size() && err == log.errors.size(), "one record or error per non-blank line");
    return 0;
}
