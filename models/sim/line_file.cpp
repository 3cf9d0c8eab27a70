#include "sim/line_file.h"

#include <stdexcept>

namespace stacksim::sim {

line_file::line_file(const std::string& path) : m_path(path), m_buffer(new char[buffer_bytes]) {
    m_file = std::fopen(path.c_str(), "w");
    if (!m_file)
        throw std::runtime_error(path + ": cannot open for writing");
    std::setvbuf(m_file, m_buffer.get(), _IOFBF, buffer_bytes);
}

line_file::~line_file() {
    if (m_file)
        std::fclose(m_file); // a destructor does not throw: close() reports errors
}

void line_file::write(const char* data, std::size_t n) {
    if (!m_file)
        return;
    // Never let stdio write a partial buffer by itself: make room first, at a line boundary.
    if (m_pending + n > buffer_bytes && m_pending > 0)
        flush();
    std::fwrite(data, 1, n, m_file);
    m_pending += n;
    if (n > buffer_bytes)
        flush(); // stdio wrote whole blocks of it directly and holds the rest: complete the line
}

void line_file::flush() {
    if (m_file && m_pending > 0)
        std::fflush(m_file);
    m_pending = 0;
}

void line_file::close() {
    if (!m_file)
        return;
    const bool failed = std::fflush(m_file) != 0 || std::ferror(m_file) != 0;
    const bool close_failed = std::fclose(m_file) != 0;
    m_file = nullptr;
    m_pending = 0;
    if (failed || close_failed)
        throw std::runtime_error(m_path + ": write failed");
}

} // namespace stacksim::sim
