// AFE register bus (models/battery/afe.h, docs/models/afe.md): a burst read returns exactly what
// the single-register reads return, in address order, with the counts the measurement model of
// the doc gives for the scripted plant; the annotated bus time follows the doc's rule (16-bit
// address phase + 32 bits per word at 10 MHz: 1.6 us + n x 3.2 us); malformed bursts are refused;
// a conversion and its burst read allocate nothing (global operator new counted); each noise
// source draws N(0, sigma^2) (sample statistics), a zero sigma adds none; and the builtin BMS
// reads a conversion with one burst (two transactions per measurement period) and, in steady
// state, allocates nothing (BMS, AFE and the SystemC kernel together).
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <new>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "battery/afe.h"
#include "battery/bms.h"
#include "bms_bench.h"
#include "numeric/units.h"
#include "sc_testing.h"
#include "tlm/rs485_chain.h"

#include "counting_new.h" // every heap allocation of the process, counted

using namespace stacksim;
using namespace stacksim::models;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

// A register-level initiator: the test's thread body `script` gets it.
class driver : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<driver> out{"out"};
    std::function<void(driver&)> script;
    explicit driver(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        SC_HAS_PROCESS(driver);
        SC_THREAD(run);
    }
    // One transaction of `words` registers from addr; returns the response status, sets `delay`.
    tlm::tlm_response_status access(tlm::tlm_command cmd, std::uint32_t addr, std::uint32_t* data, std::size_t words,
                                    sc_time& delay, unsigned streaming_width = 0) {
        const auto len = static_cast<unsigned>(4 * words);
        tx.set_command(cmd);
        tx.set_address(addr);
        tx.set_data_ptr(reinterpret_cast<unsigned char*>(data));
        tx.set_data_length(len);
        tx.set_streaming_width(streaming_width ? streaming_width : len);
        tx.set_byte_enable_ptr(nullptr);
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        delay = sc_core::SC_ZERO_TIME;
        out->b_transport(tx, delay);
        return tx.get_response_status();
    }
    std::uint32_t read(std::uint32_t addr) {
        std::uint32_t v = 0;
        sc_time d;
        EXPECT_EQ(access(tlm::TLM_READ_COMMAND, addr, &v, 1, d), tlm::TLM_OK_RESPONSE) << std::hex << addr;
        return v;
    }
    void write(std::uint32_t addr, std::uint32_t v) {
        sc_time d;
        EXPECT_EQ(access(tlm::TLM_WRITE_COMMAND, addr, &v, 1, d), tlm::TLM_OK_RESPONSE) << std::hex << addr;
    }

private:
    tlm::tlm_generic_payload tx;
    void run() {
        if (script)
            script(*this);
    }
};

struct bench {
    sctest::scripted_plant plant{"plant"};
    afe front;
    driver drv{"drv"};
    explicit bench(const afe_config& cfg) : front("afe", cfg) {
        front.plant.bind(plant);
        drv.out.bind(front.bus_in);
    }
};

constexpr double conversion_s = 0.002; // module_4k4pro.yaml afe.conversion_time_s
constexpr std::uint32_t ntc0 = 0x0B0, cell0 = 0x020, status = 0x008;

double bus_time_s(std::size_t words) { return 16 * 100e-9 + static_cast<double>(words) * 32 * 100e-9; }

TEST(Afe, BurstReadEqualsSingleReadsAndTheMeasurementModel) {
    bench b(sctest::quiet_afe());
    for (std::size_t k = 0; k < 16; ++k)
        b.plant.cell_v[k] = 3.0 + 0.0123 * static_cast<double>(k);
    b.plant.set_temp_c(31.0);
    b.plant.current_a = -42.37;
    bool ran = false;
    b.drv.script = [&](driver& d) {
        sc_core::wait(sc_time(0.001, SC_SEC)); // after the AFE's power-on reset of the drivers
        d.write(0x014, 1);                     // DRIVE: switch closed, the current flows
        d.write(0x004, 1);
        sc_core::wait(sc_time(conversion_s, SC_SEC));
        const std::size_t words = (ntc0 - status) / 4 + 4; // STATUS .. NTC3
        std::vector<std::uint32_t> burst(words, 0xDEADBEEF);
        sc_time delay;
        ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, status, burst.data(), words, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_NEAR(delay.to_seconds(), bus_time_s(words), 1e-12) << "one setup, then the words back to back";
        for (std::size_t w = 0; w < words; ++w)
            EXPECT_EQ(burst[w], d.read(status + 4 * static_cast<std::uint32_t>(w))) << "word " << w;
        // Bursts that start and end inside the cell block, or run from it into MODULE_V and on.
        for (const std::uint32_t first : {cell0 + 4 * 5, cell0 + 4 * 15, cell0 + 4 * 16, cell0 + 4 * 31}) {
            for (const std::size_t n : {std::size_t{1}, std::size_t{2}, std::size_t{12}, std::size_t{20}}) {
                std::vector<std::uint32_t> part(n, 0xDEADBEEF);
                ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, first, part.data(), n, delay), tlm::TLM_OK_RESPONSE);
                for (std::size_t w = 0; w < n; ++w)
                    EXPECT_EQ(part[w], d.read(first + 4 * static_cast<std::uint32_t>(w))) << first << " word " << w;
            }
        }
        EXPECT_EQ(burst[0] & 1u, 1u) << "READY";
        EXPECT_EQ(burst[1], 1u) << "SAMPLES";
        // Counts from the doc's measurement model (ideal AFE: round(v / lsb)).
        for (std::size_t k = 0; k < 16; ++k)
            EXPECT_EQ(burst[(cell0 - status) / 4 + k],
                      static_cast<std::uint32_t>(std::lround((3.0 + 0.0123 * static_cast<double>(k)) / 0.0001)))
                << "cell " << k;
        for (std::size_t k = 16; k < 32; ++k)
            EXPECT_EQ(burst[(cell0 - status) / 4 + k], 0u) << "no cell " << k;
        double sum_v = 0;
        for (double v : b.plant.cell_v)
            sum_v += v;
        EXPECT_EQ(burst[(0x0A0 - status) / 4], static_cast<std::uint32_t>(std::lround(sum_v / 0.001)));
        EXPECT_EQ(static_cast<std::int32_t>(burst[(0x0A4 - status) / 4]), -4237);
        // NTC: R = 10k exp(3435 (1/T - 1/298.15)), counts = round(4095 R / (R + 10k)).
        const double t_k = 31.0 + 273.15;
        const double r = 10000.0 * std::exp(3435.0 * (1.0 / t_k - 1.0 / 298.15));
        for (std::size_t s = 0; s < 4; ++s)
            EXPECT_EQ(burst[(ntc0 - status) / 4 + s], static_cast<std::uint32_t>(std::lround(4095.0 * r / (r + 10000.0))));
        // A single register costs one setup and one word.
        std::uint32_t v = 0;
        ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, 0x000, &v, 1, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(v, 0x53AF0001u);
        EXPECT_NEAR(delay.to_seconds(), bus_time_s(1), 1e-12);
        ran = true;
    };
    sc_core::sc_start(sc_time(0.01, SC_SEC));
    EXPECT_TRUE(ran);
}

TEST(Afe, BurstWriteGoesInAddressOrderAndMalformedBurstsAreRefused) {
    bench b(sctest::quiet_afe());
    bool ran = false;
    b.drv.script = [&](driver& d) {
        sc_core::wait(sc_time(0.001, SC_SEC));
        // BALANCE then DRIVE (0x010, 0x014) in one burst.
        std::uint32_t w[2] = {0x5u, 0x1u};
        sc_time delay;
        ASSERT_EQ(d.access(tlm::TLM_WRITE_COMMAND, 0x010, w, 2, delay), tlm::TLM_OK_RESPONSE);
        EXPECT_EQ(b.plant.balance, 0x5u);
        EXPECT_TRUE(b.plant.sw);
        EXPECT_NEAR(delay.to_seconds(), bus_time_s(2), 1e-12);
        std::uint32_t buf[4] = {};
        EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 0x0F8, buf, 4, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "past the end of the map";
        EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 0x022, buf, 2, delay), tlm::TLM_ADDRESS_ERROR_RESPONSE) << "unaligned";
        EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 0x020, buf, 4, delay, 4), tlm::TLM_ADDRESS_ERROR_RESPONSE)
            << "a streaming (fixed-address) burst is not supported";
        EXPECT_EQ(d.access(tlm::TLM_READ_COMMAND, 0x0F0, buf, 4, delay), tlm::TLM_OK_RESPONSE) << "up to the end";
        ran = true;
    };
    sc_core::sc_start(sc_time(0.01, SC_SEC));
    EXPECT_TRUE(ran);
}

TEST(Afe, AConversionAndItsBurstReadAllocateNothing) {
    afe_config cfg = sctest::file_params().afe; // with noise, as in a run
    bench b(cfg);
    b.plant.current_a = 12.0;
    bool ran = false;
    b.drv.script = [&](driver& d) {
        sc_core::wait(sc_time(0.001, SC_SEC));
        d.write(0x014, 1);
        // Positive control: the counter sees an allocation (this vector's).
        const std::size_t before_vector = stacksim::testing::allocations();
        std::vector<std::uint32_t> burst((ntc0 - status) / 4 + 4);
        EXPECT_EQ(stacksim::testing::allocations() - before_vector, 1u);
        sc_time delay;
        std::size_t during = 0;
        for (int i = 0; i < 200; ++i) {
            std::uint32_t start = 1;
            const std::size_t before_start = stacksim::testing::allocations();
            d.access(tlm::TLM_WRITE_COMMAND, 0x004, &start, 1, delay);
            if (i > 0)
                during += stacksim::testing::allocations() - before_start;
            sc_core::wait(sc_time(conversion_s, SC_SEC));
            const std::size_t before_read = stacksim::testing::allocations();
            ASSERT_EQ(d.access(tlm::TLM_READ_COMMAND, status, burst.data(), burst.size(), delay), tlm::TLM_OK_RESPONSE);
            if (i > 0)
                during += stacksim::testing::allocations() - before_read;
            ASSERT_EQ(burst[1], static_cast<std::uint32_t>(i + 1)) << "SAMPLES";
            sc_core::wait(sc_time(0.1 - conversion_s, SC_SEC));
        }
        EXPECT_EQ(during, 0u) << "heap allocations in 199 conversions and burst reads";
        ran = true;
    };
    sc_core::sc_start(sc_time(25.0, SC_SEC));
    EXPECT_TRUE(ran);
}

TEST(Afe, EachNoiseSourceDrawsItsOwnNormalAndZeroSigmaAddsNone) {
    afe_config cfg = sctest::quiet_afe();
    cfg.cell_noise_v = 0.0005;   // 5 LSB
    cfg.current_noise_a = 0.05;  // 5 LSB
    cfg.module_noise_v = 0.0;    // exact
    cfg.seed = 12345;
    bench b(cfg);
    b.plant.current_a = 10.0;
    bool ran = false;
    b.drv.script = [&](driver& d) {
        sc_core::wait(sc_time(0.001, SC_SEC));
        d.write(0x014, 1);
        const int n = 2000;
        double cs = 0, cs2 = 0, is = 0, is2 = 0;
        std::uint32_t module0 = 0;
        for (int i = 0; i < n; ++i) {
            d.write(0x004, 1);
            sc_core::wait(sc_time(conversion_s, SC_SEC));
            for (std::uint32_t k = 0; k < 16; ++k) {
                const double e = d.read(cell0 + 4 * k) * 0.0001 - 3.30;
                cs += e;
                cs2 += e * e;
            }
            const double ei = static_cast<std::int32_t>(d.read(0x0A4)) * 0.01 - 10.0;
            is += ei;
            is2 += ei * ei;
            const std::uint32_t m = d.read(0x0A0);
            if (i == 0)
                module0 = m;
            EXPECT_EQ(m, module0) << "module_noise_v = 0: no noise on the module voltage";
        }
        // Quantisation adds lsb^2/12 to the variance; tolerance ~6 standard errors.
        const double nc = 16.0 * n;
        const double c_mean = cs / nc, c_var = cs2 / nc - c_mean * c_mean;
        EXPECT_NEAR(c_mean, 0.0, 6 * 0.0005 / std::sqrt(nc));
        EXPECT_NEAR(std::sqrt(c_var), std::sqrt(0.0005 * 0.0005 + 0.0001 * 0.0001 / 12), 0.03 * 0.0005);
        const double i_mean = is / n, i_var = is2 / n - i_mean * i_mean;
        EXPECT_NEAR(i_mean, 0.0, 6 * 0.05 / std::sqrt(static_cast<double>(n)));
        EXPECT_NEAR(std::sqrt(i_var), std::sqrt(0.05 * 0.05 + 0.01 * 0.01 / 12), 0.12 * 0.05);
        ran = true;
    };
    sc_core::sc_start(sc_time(10.0, SC_SEC));
    EXPECT_TRUE(ran);
}

// The builtin BMS in steady state: per measurement period one START write and one burst read
// (STATUS .. NTC3: 42 + 4 words), and the bus time those carry.
TEST(Afe, TheBuiltinBmsReadsAConversionInOneBurst) {
    sctest::recorder ev;
    sctest::scripted_plant plant{"plant"};
    afe front{"afe", sctest::quiet_afe()};
    bms_config cfg = sctest::file_bms();
    cfg.measure_period_s = 0.1;
    cfg.initial_soc = 0.5;
    cfg.balancing.enabled = false;
    bms ctl{"bms", cfg, sctest::quiet_afe(), ev};
    bus::rs485_chain chain{"chain", bus::rs485_chain_config{}, 1};
    front.plant.bind(plant);
    ctl.afe_out.bind(front.bus_in);
    ctl.rs485.bind(chain.rs485_rx);
    sc_core::sc_start(sc_time(1.05, SC_SEC));
    ASSERT_TRUE(plant.sw) << "switch closed: steady state";
    const std::uint64_t tx0 = ctl.afe_transactions();
    const sc_time bus0 = ctl.afe_bus_time();
    const std::size_t alloc0 = stacksim::testing::allocations();
    sc_core::sc_start(sc_time(5.0, SC_SEC));
    EXPECT_EQ(stacksim::testing::allocations() - alloc0, 0u) << "heap allocations in 50 steady measurement cycles (BMS + AFE + kernel)";
    EXPECT_EQ(ctl.afe_transactions() - tx0, 2u * 50u);
    EXPECT_NEAR((ctl.afe_bus_time() - bus0).to_seconds(), 50 * (bus_time_s(1) + bus_time_s(42 + 4)), 1e-9);
}

} // namespace

// A conversion samples every cell of its plant into buffers sized for the configured cells: a
// plant of another size is refused at elaboration, naming both counts.
TEST(Afe, APlantWithAnotherNumberOfCellsIsRefusedAtElaboration) {
    bench b(sctest::quiet_afe()); // 16 cells
    b.plant.cell_v.resize(40, 3.3);
    b.plant.temp_k.resize(40, 298.15);
    try {
        sc_core::sc_start(sc_time(0.01, SC_SEC));
        FAIL() << "elaborated";
    } catch (const std::exception& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("configured for 16 cells, its plant has 40"), std::string::npos) << what;
    }
}

// The NTC window (afe::ntc_counts_window): every temperature inside a count's window converts to
// that count, held to the conversion itself (temp_k_to_ntc_counts) over the whole plausible range
// on a fine grid, and right at every edge of the windows the grid meets, where a window wrongly
// placed or not shrunk would put a temperature of the neighbouring count inside.
TEST(Afe, TemperaturesInsideAnNtcWindowConvertToItsCounts) {
    const afe_config cfg = sctest::file_params().afe;
    const std::uint32_t full = (1u << cfg.ntc_adc_bits) - 1;
    std::size_t inside = 0, edges = 0;
    std::uint32_t last = full + 1;
    for (double t_k = 233.15; t_k <= 393.15; t_k += 1e-4) { // -40 ... 120 degC
        const std::uint32_t c = afe::temp_k_to_ntc_counts(t_k, cfg);
        const afe::ntc_window w = afe::ntc_counts_window(c, cfg);
        ASSERT_EQ(w.counts, c);
        ASSERT_TRUE(c > 0 && c < full) << t_k;
        // The window is the count's whole width less 1 uK at each edge.
        if (w.holds(t_k))
            ++inside;
        else
            ASSERT_TRUE(t_k - w.lo_k <= 1.001e-6 || w.hi_k - t_k <= 1.001e-6) << t_k << " K, counts " << c;
        if (c == last)
            continue;
        last = c;
        // Both edges of this window, and the neighbouring temperatures on either side of them,
        // a few ulps and a few nano-kelvins apart.
        for (double edge : {w.lo_k, w.hi_k})
            for (double d : {-2e-6, -1e-6, -1e-7, -1e-9, 0.0, 1e-9, 1e-7, 1e-6, 2e-6}) {
                double t = edge + d;
                for (int ulp = 0; ulp < 3; ++ulp, t = std::nextafter(t, 1e9)) {
                    ++edges;
                    if (w.holds(t)) {
                        ASSERT_EQ(afe::temp_k_to_ntc_counts(t, cfg), c) << std::hexfloat << t;
                    }
                }
            }
    }
    EXPECT_GT(inside, 1'500'000u);
    EXPECT_GT(edges, 100'000u); // windows met: a count is 0.02 ... 0.2 K wide over the range
    // Windows are narrow: a count's width less 2 uK, at 25 degC about 0.025 K.
    const afe::ntc_window w25 = afe::ntc_counts_window(afe::temp_k_to_ntc_counts(298.15, cfg), cfg);
    EXPECT_NEAR(w25.hi_k - w25.lo_k, 0.0253, 0.001);
    // 0 and full scale have no window.
    EXPECT_FALSE(afe::ntc_counts_window(0, cfg).holds(1e6));
    EXPECT_FALSE(afe::ntc_counts_window(full, cfg).holds(100.0));
}
