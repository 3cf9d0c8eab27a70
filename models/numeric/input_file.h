// Reading input files with a size limit.
//
// Every file stacksim reads on a user's behalf (scenario, parameter files, CSV profiles) is read
// through here, up to a limit: a file larger than the limit, or a stream that does not end
// (/dev/zero, a FIFO), is refused with the file, its size (when known) and the option that
// raises the limit, e.g.
//   big.yaml: 52428800 bytes, more than the limit of 8 MB for scenario and parameter files
//   (YAML); raise it with --max-input-mb (Python: max_input_mb=)
// The limit is enforced on the bytes actually read, not on what stat() reports, so a device or
// a pipe stops at the limit too.
//
// Why two limits: a YAML document costs its parser about 90 bytes of memory per byte of text (a
// 50 MB scenario with 3 M inline profile points needed 4.4 GB), a CSV profile about one byte per
// byte (16 bytes per point in memory, ~20 bytes per line of text). Large data belongs in CSV.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace stacksim::num {

// A limit on the bytes read from one file, and how a user raises it (for messages).
struct size_limit {
    std::uint64_t bytes = 0;
    const char* what = "";       // "scenario and parameter files (YAML)"
    const char* option = "";     // CLI option, e.g. "--max-input-mb"
    const char* py_keyword = ""; // Python keyword, e.g. "max_input_mb"

    std::string describe() const; // "8 MB for scenario and parameter files (YAML)" (or "N bytes for ...")
    std::string raise_hint() const; // "raise it with --max-input-mb (Python: max_input_mb=)"
};

// The limits of one load (a scenario and every file it reads).
struct input_limits {
    static constexpr std::uint64_t mib = 1024 * 1024;
    std::uint64_t yaml_bytes = 8 * mib;      // scenario and parameter files; --max-input-mb
    std::uint64_t profile_bytes = 512 * mib; // CSV profile files; --max-profile-mb

    size_limit yaml() const { return {yaml_bytes, "scenario and parameter files (YAML)", "--max-input-mb", "max_input_mb"}; }
    size_limit profile() const { return {profile_bytes, "CSV profiles", "--max-profile-mb", "max_profile_mb"}; }
    // From megabytes (1 MB = 2^20 bytes) as the options give them; throws std::invalid_argument
    // unless 0 < mb <= 1e6.
    static std::uint64_t bytes_from_mb(double mb);
};

// The whole file as text, at most limit.bytes bytes. Throws input_error (file, no line) if it
// cannot be opened, is a directory, or holds more than the limit.
std::string read_text_file(const std::string& path, const size_limit& limit);

// Opens `path` for reading, refusing before a byte is read what cannot be read within `limit`: a
// directory (input_error "is a directory, expected <expected>"), a regular file larger than the
// limit (throw_too_large), a file that does not open ("cannot open file"). `regular` tells whether
// it is a regular file: the size of a device or pipe is known only by reading it.
std::ifstream open_input_file(const std::string& path, const size_limit& limit, const char* expected, bool& regular);

// The input_error for `file` exceeding `limit`; size_bytes = 0 when the size is unknown (a stream
// that was read up to the limit).
[[noreturn]] void throw_too_large(const std::string& file, std::uint64_t size_bytes, const size_limit& limit);

} // namespace stacksim::num
