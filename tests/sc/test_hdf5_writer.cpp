// hdf5_writer (timeseries.h5, docs/outputs.md): rows written through it read back bit for bit with
// the HDF5 C API, whatever the chunking and flushes; special doubles survive; the same rows give
// the same bytes; HDF5 errors become exceptions and nothing is printed. (Lives with the SystemC
// benches because it links the sim library; it uses no kernel.)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <hdf5.h>
#include <unistd.h>

#include "sc_testing.h"
#include "sim/hdf5_writer.h"

using stacksim::sim::hdf5_writer;

namespace {

// One folder per test process (each TEST runs in its own), removed by the fixture.
std::filesystem::path temp_dir() {
    return std::filesystem::temp_directory_path() /
           ("stacksim_h5_" + std::to_string(static_cast<long long>(::getpid())));
}

std::string temp_path(const std::string& name) {
    std::filesystem::create_directories(temp_dir());
    return (temp_dir() / name).string();
}

std::uint64_t bits(double v) {
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

double from_bits(std::uint64_t b) {
    double v;
    std::memcpy(&v, &b, sizeof v);
    return v;
}

// Row r, column c: a mix of ordinary values and the doubles text formats get wrong.
double value(std::size_t r, std::size_t c) {
    switch ((r + c) % 9) {
    case 0: return -0.0;
    case 1: return std::numeric_limits<double>::quiet_NaN();
    case 2: return from_bits(0x7FF8'0000'0000'1234ULL); // NaN with a payload
    case 3: return -std::numeric_limits<double>::infinity();
    case 4: return std::numeric_limits<double>::denorm_min();
    case 5: return std::numeric_limits<double>::max();
    case 6: return 1.0 / 3.0 * static_cast<double>(r);
    case 7: return -1e-300 * static_cast<double>(c + 1);
    default: return 52.123456789012345 + static_cast<double>(r) * 0.1;
    }
}

const std::vector<std::string> header{"t_s", "stack.voltage_v", "stack.m0.current_a", "stack.m1.current_a"};
const hdf5_writer::metadata meta{"bench", 42, "9.9.9", 0.25, 4};

// rows 0..n-1; flush() after the rows listed in `flush_after`.
void write_rows(const std::string& path, std::size_t n, const std::vector<std::size_t>& flush_after) {
    hdf5_writer w(path, header, meta);
    std::vector<double> row(header.size() - 1);
    for (std::size_t r = 0; r < n; ++r) {
        for (std::size_t c = 0; c < row.size(); ++c)
            row[c] = value(r, c + 1);
        w.row(0.25 * static_cast<double>(r), row);
        for (std::size_t f : flush_after)
            if (f == r)
                w.flush();
    }
    EXPECT_EQ(w.rows(), n);
}

std::string read_string_attribute(hid_t ds, const char* name) {
    const hid_t a = H5Aopen(ds, name, H5P_DEFAULT);
    const hid_t t = H5Aget_type(a);
    EXPECT_TRUE(H5Tis_variable_str(t) > 0) << name;
    char* s = nullptr;
    EXPECT_GE(H5Aread(a, t, &s), 0);
    std::string out = s ? s : "";
    H5free_memory(s);
    H5Tclose(t);
    H5Aclose(a);
    return out;
}

std::vector<char> file_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

class Hdf5Writer : public ::testing::Test {
protected:
    void TearDown() override {
        std::error_code ec;
        std::filesystem::remove_all(temp_dir(), ec);
    }
};

} // namespace

TEST_F(Hdf5Writer, RowsReadBackBitForBitAcrossChunksAndFlushes) {
    const std::string path = temp_path("rows.h5");
    const std::size_t n = 2 * hdf5_writer::chunk_rows + 77;
    // A flush in the middle of the first chunk and one right after it: unaligned writes too.
    write_rows(path, n, {99, hdf5_writer::chunk_rows + 99});

    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    const hid_t ds = H5Dopen2(f, "timeseries", H5P_DEFAULT);
    ASSERT_GE(ds, 0);
    const hid_t space = H5Dget_space(ds);
    hsize_t dims[2] = {0, 0};
    ASSERT_EQ(H5Sget_simple_extent_ndims(space), 2);
    H5Sget_simple_extent_dims(space, dims, nullptr);
    EXPECT_EQ(dims[0], n);
    EXPECT_EQ(dims[1], header.size());
    std::vector<double> data(n * header.size());
    ASSERT_GE(H5Dread(ds, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), 0);
    for (std::size_t r = 0; r < n; ++r) {
        EXPECT_EQ(bits(data[r * header.size()]), bits(0.25 * static_cast<double>(r))) << "row " << r;
        for (std::size_t c = 1; c < header.size(); ++c)
            ASSERT_EQ(bits(data[r * header.size() + c]), bits(value(r, c))) << "row " << r << " column " << c;
    }

    // /columns: the header, "t_s" first.
    const hid_t cols = H5Dopen2(f, "columns", H5P_DEFAULT);
    ASSERT_GE(cols, 0);
    const hid_t ctype = H5Dget_type(cols);
    EXPECT_TRUE(H5Tis_variable_str(ctype) > 0);
    EXPECT_EQ(H5Tget_cset(ctype), H5T_CSET_UTF8);
    std::vector<char*> names(header.size(), nullptr);
    ASSERT_GE(H5Dread(cols, ctype, H5S_ALL, H5S_ALL, H5P_DEFAULT, names.data()), 0);
    for (std::size_t c = 0; c < header.size(); ++c) {
        EXPECT_EQ(std::string(names[c]), header[c]);
        H5free_memory(names[c]);
    }

    // Attributes.
    EXPECT_EQ(read_string_attribute(ds, "scenario"), "bench");
    EXPECT_EQ(read_string_attribute(ds, "stacksim_version"), "9.9.9");
    std::uint64_t seed = 0;
    double step_s = 0.0;
    std::uint32_t record_every = 0;
    const hid_t a_seed = H5Aopen(ds, "seed", H5P_DEFAULT);
    const hid_t a_step = H5Aopen(ds, "step_s", H5P_DEFAULT);
    const hid_t a_every = H5Aopen(ds, "record_every", H5P_DEFAULT);
    H5Aread(a_seed, H5T_NATIVE_UINT64, &seed);
    H5Aread(a_step, H5T_NATIVE_DOUBLE, &step_s);
    H5Aread(a_every, H5T_NATIVE_UINT32, &record_every);
    EXPECT_EQ(seed, 42u);
    EXPECT_EQ(step_s, 0.25);
    EXPECT_EQ(record_every, 4u);
    for (hid_t id : {a_seed, a_step, a_every})
        H5Aclose(id);
    H5Tclose(ctype);
    H5Dclose(cols);
    H5Sclose(space);
    H5Dclose(ds);
    H5Fclose(f);
}

TEST_F(Hdf5Writer, SameRowsSameBytes) {
    const std::string a = temp_path("a.h5");
    const std::string b = temp_path("b.h5");
    write_rows(a, 300, {});
    write_rows(b, 300, {});
    const auto ba = file_bytes(a);
    EXPECT_GT(ba.size(), 0u);
    EXPECT_TRUE(ba == file_bytes(b));
}

TEST_F(Hdf5Writer, ErrorsThrowWithThePathAndPrintNothing) {
    const std::string path = temp_path("no/such/dir/x.h5");
    testing::internal::CaptureStderr();
    testing::internal::CaptureStdout();
    try {
        hdf5_writer w(path, header, meta);
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find(path), std::string::npos) << what;
        EXPECT_NE(what.find("HDF5"), std::string::npos) << what;
        EXPECT_NE(what.find("No such file or directory"), std::string::npos) << what;
    }
    EXPECT_EQ(testing::internal::GetCapturedStdout(), "");
    EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
}

TEST_F(Hdf5Writer, RowOfTheWrongWidthIsRefused) {
    hdf5_writer w(temp_path("width.h5"), header, meta);
    EXPECT_THROW(w.row(0.0, {1.0}), std::invalid_argument);
    EXPECT_THROW(hdf5_writer(temp_path("nohdr.h5"), {"stack.voltage_v"}, meta), std::invalid_argument);
}
