// timeseries.h5 (docs/outputs.md): the rows
// of timeseries.csv as one float64 dataset, for runs whose CSV gets large. Written only when
// run.hdf5 is true.
//
// Layout: /timeseries, shape (rows, 1 + columns), t_s first, chunked by chunk_rows rows x every
// column and extendible along rows; /columns, the header of timeseries.csv (variable-length UTF-8
// strings, "t_s" first); attributes on /timeseries: scenario, seed, stacksim_version, step_s,
// record_every. Values are the very doubles the CSV writes in shortest round-trip text.
//
// Rows are buffered and written a chunk at a time; the file is flushed (H5Fflush) after every
// chunk and by flush(), so a run stopped early (Ctrl-C) leaves a valid file with every row it
// recorded once flush() has run. Same rows in, same bytes out: no object timestamps are stored.
// HDF5 errors are not printed by the library; they throw std::runtime_error naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace stacksim::sim {

class hdf5_writer {
public:
    struct metadata {
        std::string scenario;
        std::uint64_t seed = 0;
        std::string stacksim_version;
        double step_s = 0.0;
        unsigned record_every = 0;
    };

    // Rows per chunk (one chunk holds chunk_rows rows of every column).
    static constexpr std::size_t chunk_rows = 256;
    // deflate level with the shuffle filter, when the HDF5 build can encode both (docs/outputs.md
    // has the sizes and times this was chosen from).
    static constexpr unsigned deflate_level = 4;

    // Creates (truncates) `path` with the header `columns` ("t_s" first); throws
    // std::runtime_error if HDF5 cannot.
    hdf5_writer(const std::string& path, const std::vector<std::string>& columns, const metadata& meta);
    ~hdf5_writer(); // flushes and closes; never throws
    hdf5_writer(const hdf5_writer&) = delete;
    hdf5_writer& operator=(const hdf5_writer&) = delete;

    // One row: t_s, then one value per column after "t_s".
    void row(double t_s, const std::vector<double>& values);
    // Writes the buffered rows (a partial chunk) and flushes the file to disk.
    void flush();

    std::size_t rows() const { return m_rows_written + m_buffered; }
    bool compressed() const { return m_compressed; }

private:
    void write_buffer();
    void close() noexcept;

    std::string m_path;
    std::size_t m_width;                 // 1 + columns
    std::vector<double> m_buffer;        // chunk_rows x m_width, row-major
    std::size_t m_buffered = 0;          // rows in m_buffer
    std::size_t m_rows_written = 0;      // rows in the file
    bool m_compressed = false;
    // HDF5 identifiers (hid_t, a 64-bit integer since HDF5 1.10; checked in the .cpp) so this
    // header does not need HDF5's.
    std::int64_t m_file = -1;
    std::int64_t m_dataset = -1;
};

} // namespace stacksim::sim
