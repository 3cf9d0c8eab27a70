#include "sim/hdf5_writer.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include <hdf5.h>

namespace stacksim::sim {

static_assert(std::is_same_v<hid_t, std::int64_t>, "hdf5_writer.h stores hid_t as std::int64_t (HDF5 >= 1.10)");

namespace {

herr_t keep_innermost(unsigned n, const H5E_error2_t* err, void* data) {
    if (n == 0 && err && err->desc)
        *static_cast<std::string*>(data) = err->desc;
    return 0;
}

// The most specific message on HDF5's error stack (walked from where the error was detected),
// then the stack is cleared.
std::string hdf5_error() {
    std::string msg;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &msg);
    H5Eclear2(H5E_DEFAULT);
    return msg.empty() ? std::string("no message from HDF5") : msg;
}

template <class T>
T checked(T result, const std::string& path, const char* what) {
    if (result < 0)
        throw std::runtime_error(path + ": HDF5: cannot " + what + ": " + hdf5_error());
    return result;
}

// One HDF5 identifier, closed with its own close function when it goes out of scope.
struct owned_id {
    owned_id(hid_t id_, herr_t (*close_)(hid_t)) : id(id_), close(close_) {}
    ~owned_id() {
        if (id >= 0)
            close(id);
    }
    owned_id(const owned_id&) = delete;
    owned_id& operator=(const owned_id&) = delete;
    hid_t release() {
        const hid_t r = id;
        id = -1;
        return r;
    }
    hid_t id;
    herr_t (*close)(hid_t);
};

// Whether this HDF5 build can write with filter f (Debian's has deflate and shuffle).
bool can_encode(H5Z_filter_t f) {
    if (H5Zfilter_avail(f) <= 0)
        return false;
    unsigned config = 0;
    if (H5Zget_filter_info(f, &config) < 0)
        return false;
    return (config & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
}

} // namespace

hdf5_writer::hdf5_writer(const std::string& path, const std::vector<std::string>& columns, const metadata& meta)
    : m_path(path), m_width(columns.size()), m_buffer(chunk_rows * columns.size()) {
    if (columns.empty() || columns.front() != "t_s")
        throw std::invalid_argument(path + ": the HDF5 time series needs the column names, \"t_s\" first");
    // Errors become exceptions with HDF5's own message; the library prints nothing.
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);

    owned_id file(checked(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), path, "create the file"),
                  H5Fclose);

    // /timeseries: float64, (rows, 1 + columns), extendible along rows, chunk_rows x every column.
    const hsize_t dims[2] = {0, m_width};
    const hsize_t max_dims[2] = {H5S_UNLIMITED, m_width};
    const hsize_t chunk[2] = {chunk_rows, m_width};
    owned_id space(checked(H5Screate_simple(2, dims, max_dims), path, "create a dataspace"), H5Sclose);
    owned_id dcpl(checked(H5Pcreate(H5P_DATASET_CREATE), path, "create a property list"), H5Pclose);
    checked(H5Pset_chunk(dcpl.id, 2, chunk), path, "set the chunk shape");
    m_compressed = can_encode(H5Z_FILTER_SHUFFLE) && can_encode(H5Z_FILTER_DEFLATE);
    if (m_compressed) {
        checked(H5Pset_shuffle(dcpl.id), path, "set the shuffle filter");
        checked(H5Pset_deflate(dcpl.id, deflate_level), path, "set the deflate filter");
    }
    // No creation/modification times: the same rows give the same bytes.
    checked(H5Pset_obj_track_times(dcpl.id, 0), path, "turn off object time tracking");
    // The tail of the last chunk (beyond the extent, never read) holds this fixed value, not
    // whatever memory held.
    const double fill = std::numeric_limits<double>::quiet_NaN();
    checked(H5Pset_fill_value(dcpl.id, H5T_NATIVE_DOUBLE, &fill), path, "set the fill value");
    owned_id dataset(checked(H5Dcreate2(file.id, "timeseries", H5T_IEEE_F64LE, space.id, H5P_DEFAULT, dcpl.id,
                                        H5P_DEFAULT),
                             path, "create /timeseries"),
                     H5Dclose);

    // Strings: variable-length UTF-8.
    owned_id str(checked(H5Tcopy(H5T_C_S1), path, "copy the string type"), H5Tclose);
    checked(H5Tset_size(str.id, H5T_VARIABLE), path, "make a variable-length string type");
    checked(H5Tset_cset(str.id, H5T_CSET_UTF8), path, "set UTF-8");

    // /columns: the CSV header, "t_s" first.
    {
        const hsize_t n[1] = {m_width};
        owned_id cspace(checked(H5Screate_simple(1, n, nullptr), path, "create a dataspace"), H5Sclose);
        owned_id cdcpl(checked(H5Pcreate(H5P_DATASET_CREATE), path, "create a property list"), H5Pclose);
        checked(H5Pset_obj_track_times(cdcpl.id, 0), path, "turn off object time tracking");
        owned_id cols(checked(H5Dcreate2(file.id, "columns", str.id, cspace.id, H5P_DEFAULT, cdcpl.id, H5P_DEFAULT),
                              path, "create /columns"),
                      H5Dclose);
        std::vector<const char*> names;
        names.reserve(columns.size());
        for (const auto& c : columns)
            names.push_back(c.c_str());
        checked(H5Dwrite(cols.id, str.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()), path, "write /columns");
    }

    // Attributes of /timeseries: what ran.
    owned_id scalar(checked(H5Screate(H5S_SCALAR), path, "create a dataspace"), H5Sclose);
    const auto attribute = [&](const char* name, hid_t file_type, hid_t mem_type, const void* value) {
        owned_id a(checked(H5Acreate2(dataset.id, name, file_type, scalar.id, H5P_DEFAULT, H5P_DEFAULT), path,
                           "create an attribute of /timeseries"),
                   H5Aclose);
        checked(H5Awrite(a.id, mem_type, value), path, "write an attribute of /timeseries");
    };
    const char* scenario = meta.scenario.c_str();
    const char* version = meta.stacksim_version.c_str();
    const std::uint64_t seed = meta.seed;
    const std::uint32_t record_every = meta.record_every;
    attribute("scenario", str.id, str.id, &scenario);
    attribute("seed", H5T_STD_U64LE, H5T_NATIVE_UINT64, &seed);
    attribute("stacksim_version", str.id, str.id, &version);
    attribute("step_s", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &meta.step_s);
    attribute("record_every", H5T_STD_U32LE, H5T_NATIVE_UINT32, &record_every);

    checked(H5Fflush(file.id, H5F_SCOPE_LOCAL), path, "flush the file");
    m_dataset = dataset.release();
    m_file = file.release();
}

hdf5_writer::~hdf5_writer() {
    try {
        flush();
    } catch (...) {
        // never throw from a destructor; flush() is called explicitly at the end of a run
    }
    close();
}

void hdf5_writer::row(double t_s, const std::vector<double>& values) {
    if (values.size() + 1 != m_width)
        throw std::invalid_argument(m_path + ": a row of " + std::to_string(values.size()) + " values for " +
                                    std::to_string(m_width - 1) + " columns");
    double* out = m_buffer.data() + m_buffered * m_width;
    out[0] = t_s;
    std::copy(values.begin(), values.end(), out + 1);
    if (++m_buffered == chunk_rows)
        flush();
}

void hdf5_writer::flush() {
    if (m_file < 0)
        return;
    write_buffer();
    checked(H5Fflush(m_file, H5F_SCOPE_LOCAL), m_path, "flush the file");
}

void hdf5_writer::write_buffer() {
    if (m_buffered == 0)
        return;
    const hsize_t extent[2] = {m_rows_written + m_buffered, m_width};
    checked(H5Dset_extent(m_dataset, extent), m_path, "extend /timeseries");
    owned_id file_space(checked(H5Dget_space(m_dataset), m_path, "get the dataspace of /timeseries"), H5Sclose);
    const hsize_t start[2] = {m_rows_written, 0};
    const hsize_t count[2] = {m_buffered, m_width};
    checked(H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start, nullptr, count, nullptr), m_path,
            "select rows of /timeseries");
    owned_id mem_space(checked(H5Screate_simple(2, count, nullptr), m_path, "create a dataspace"), H5Sclose);
    checked(H5Dwrite(m_dataset, H5T_NATIVE_DOUBLE, mem_space.id, file_space.id, H5P_DEFAULT, m_buffer.data()), m_path,
            "write rows of /timeseries");
    m_rows_written += m_buffered;
    m_buffered = 0;
}

void hdf5_writer::close() noexcept {
    if (m_dataset >= 0)
        H5Dclose(m_dataset);
    if (m_file >= 0)
        H5Fclose(m_file);
    m_dataset = -1;
    m_file = -1;
}

} // namespace stacksim::sim
