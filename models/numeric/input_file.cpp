#include "numeric/input_file.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "numeric/param_file.h"

namespace stacksim::num {

namespace fs = std::filesystem;

std::string size_limit::describe() const {
    std::ostringstream os;
    if (bytes % input_limits::mib == 0)
        os << bytes / input_limits::mib << " MB";
    else
        os << bytes << " bytes";
    os << " for " << what;
    return os.str();
}

std::string size_limit::raise_hint() const {
    return std::string("raise it with ") + option + " (Python: " + py_keyword + "=)";
}

std::uint64_t input_limits::bytes_from_mb(double mb) {
    if (!(mb > 0.0 && mb <= 1e6))
        throw std::invalid_argument("a size limit in MB must be in (0, 1e6]");
    return static_cast<std::uint64_t>(std::ceil(mb * static_cast<double>(mib)));
}

void throw_too_large(const std::string& file, std::uint64_t size_bytes, const size_limit& limit) {
    const std::string size = size_bytes > 0 ? std::to_string(size_bytes) + " bytes, more" : std::string("more");
    throw input_error(file, 0, "", size + " than the limit of " + limit.describe() + "; " + limit.raise_hint());
}

std::ifstream open_input_file(const std::string& path, const size_limit& limit, const char* expected, bool& regular) {
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (fs::is_directory(st))
        throw input_error(path, 0, "", std::string("is a directory, expected ") + expected);
    regular = fs::is_regular_file(st);
    if (regular) {
        const std::uintmax_t size = fs::file_size(path, ec);
        if (!ec && size > limit.bytes)
            throw_too_large(path, size, limit); // refused before reading a byte
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw input_error(path, 0, "", "cannot open file");
    return in;
}

std::string read_text_file(const std::string& path, const size_limit& limit) {
    bool regular = false;
    std::ifstream in = open_input_file(path, limit, "a file", regular);
    std::string text;
    char buf[1 << 16];
    while (in) {
        in.read(buf, sizeof buf);
        const auto got = static_cast<std::size_t>(in.gcount());
        if (text.size() + got > limit.bytes)
            throw_too_large(path, 0, limit); // a device or pipe: stop here, whatever stat said
        text.append(buf, got);
    }
    if (in.bad())
        throw input_error(path, 0, "", "read error");
    return text;
}

} // namespace stacksim::num
