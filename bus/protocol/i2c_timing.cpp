#include "protocol/i2c_timing.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace stacksim::proto {

std::uint64_t i2c_transfer_bits(std::size_t n_data_bytes, bool stop) {
    if (n_data_bytes > std::numeric_limits<std::uint32_t>::max())
        throw std::overflow_error("i2c_transfer_bits: transfer too long");
    return 1u + 9u * (1u + static_cast<std::uint64_t>(n_data_bytes)) + (stop ? 1u : 0u);
}

double i2c_transfer_s(std::size_t n_data_bytes, bool stop, double scl_hz) {
    if (!std::isfinite(scl_hz) || scl_hz <= 0.0)
        throw std::invalid_argument("i2c_transfer_s: SCL rate must be finite and positive");
    return static_cast<double>(i2c_transfer_bits(n_data_bytes, stop)) / scl_hz;
}

std::uint64_t i2c_transfer_ps(std::size_t n_data_bytes, bool stop, double scl_hz) {
    return static_cast<std::uint64_t>(std::llround(i2c_transfer_s(n_data_bytes, stop, scl_hz) * 1e12));
}

} // namespace stacksim::proto
