// A text output file that only ever holds whole lines, written in large pieces.
//
// Writers append whole lines (write()). They sit in a private stdio buffer of buffer_bytes that
// stdio never writes out by itself, because line_file flushes it at a line boundary before it
// could fill: at boundary() once at least flush_bytes are pending, at flush(), and before a
// write that would not fit. So the file on disk ends at a line boundary at every instant, even
// if the process is killed, and a batch run pays one write(2) per ~256 KiB instead of one per
// recorded row and file. A live reader (wall-clock runs) calls flush() at every row instead.
#pragma once

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>

namespace stacksim::sim {

class line_file {
public:
    static constexpr std::size_t buffer_bytes = std::size_t{1} << 20;
    static constexpr std::size_t flush_bytes = std::size_t{1} << 18;

    // Creates (truncates) `path`; throws std::runtime_error naming it if it cannot.
    explicit line_file(const std::string& path);
    ~line_file();
    line_file(const line_file&) = delete;
    line_file& operator=(const line_file&) = delete;

    // Appends n bytes that end at a line boundary (or, within one line, the caller's next
    // write completes it before the next boundary()/flush()).
    void write(const char* data, std::size_t n);
    void write(const std::string& s) { write(s.data(), s.size()); }
    // A line boundary: writes the pending lines out if flush_bytes or more are pending.
    void boundary() {
        if (m_pending >= flush_bytes)
            flush();
    }
    // Writes every pending line out.
    void flush();
    // Flushes and closes; later calls do nothing. Throws std::runtime_error if a write failed.
    void close();
    bool is_open() const { return m_file != nullptr; }

private:
    std::string m_path;
    std::FILE* m_file = nullptr;
    std::unique_ptr<char[]> m_buffer;
    std::size_t m_pending = 0; // bytes in m_buffer not yet written out
};

} // namespace stacksim::sim
