// BQ76952 bench: the chip model (models/battery/bq76952.h) on a scripted plant, driven over
// TLM-2.0 I2C (bus/tlm/i2c_socket.h) by a test controller. Checks, against the TRM (SLUUBY2B):
//   - the direct commands report the plant's cells, stack, current and temperatures in the TRM's
//     units after a measurement loop (21 slots x 3 ms = 63 ms with 4 NTCs);
//   - with no host activity after its set-up, a cell pushed over COV opens the CHG FET after the
//     configured delay 3.3 ms x (2 + setting), within one ADC loop, and sets the safety bits; an
//     SCD trips within its configured delay 15 us x (setting - 1), a shorter pulse does not;
//     OCD1 trips after its delay;
//   - ALERT, balancing through CB_ACTIVE_CELLS, wrong addresses;
//   - each transfer's duration equals proto::i2c_transfer_s (+ clock stretching) at 100/400 kHz.
// The expected values are computed here from the TRM's encodings, not with the model's helpers.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <optional>
#include <vector>

#include <tlm_utils/simple_initiator_socket.h>

#include "battery/bq76952.h"
#include "bms_bench.h"
#include "sc_testing.h"
#include "tlm/i2c_socket.h"

using namespace stacksim;
using namespace stacksim::models;
using bytes = std::vector<std::uint8_t>;
using sc_core::SC_SEC;
using sc_core::sc_time;

namespace {

constexpr double loop_s = 21 * 3e-3; // 16 cells + 2 + 3 thermistor slots, 3 ms each (TRM §4.1.1)

std::uint8_t trm_checksum(std::uint16_t addr, const bytes& data) {
    unsigned s = (addr & 0xFF) + (addr >> 8);
    for (auto b : data)
        s += b;
    return static_cast<std::uint8_t>(~s & 0xFF);
}

// An I2C controller: a thread running `script`; each transfer waits for the delay the target
// annotated (its time on the wire).
class i2c_host : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<i2c_host> out{"out"};
    double scl_hz = 400e3;
    std::function<void(i2c_host&)> script;
    sc_time last_delay;

    explicit i2c_host(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
        SC_HAS_PROCESS(i2c_host);
        SC_THREAD(run);
    }
    tlm::tlm_response_status transfer(bool write, std::uint8_t addr, std::uint8_t* data, std::size_t n, bool stop,
                                      bool wait_for_it = true) {
        tlm::tlm_generic_payload tx;
        bus::i2c_extension ext;
        ext.stop = stop;
        ext.scl_hz = scl_hz;
        tx.set_extension(&ext);
        tx.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
        tx.set_address(addr);
        tx.set_data_ptr(data);
        tx.set_data_length(static_cast<unsigned>(n));
        tx.set_streaming_width(static_cast<unsigned>(n));
        tx.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_time d = sc_core::SC_ZERO_TIME;
        out->b_transport(tx, d);
        tx.clear_extension(&ext);
        last_delay = d;
        if (wait_for_it)
            sc_core::wait(d);
        return tx.get_response_status();
    }
    void write(bytes b) { EXPECT_EQ(transfer(true, 0x08, b.data(), b.size(), true), tlm::TLM_OK_RESPONSE); }
    bytes read(std::uint8_t cmd, std::size_t n) {
        transfer(true, 0x08, &cmd, 1, false);
        bytes r(n);
        EXPECT_EQ(transfer(false, 0x08, r.data(), n, true), tlm::TLM_OK_RESPONSE);
        return r;
    }
    int read_i16(std::uint8_t cmd) {
        const bytes b = read(cmd, 2);
        return static_cast<std::int16_t>(b[0] | (b[1] << 8));
    }
    void subcommand(std::uint16_t sc) { write({0x3E, static_cast<std::uint8_t>(sc & 0xFF), static_cast<std::uint8_t>(sc >> 8)}); }
    void data_write(std::uint16_t addr, const bytes& data) {
        bytes w{0x3E, static_cast<std::uint8_t>(addr & 0xFF), static_cast<std::uint8_t>(addr >> 8)};
        w.insert(w.end(), data.begin(), data.end());
        write(w);
        write({0x60, trm_checksum(addr, data), static_cast<std::uint8_t>(data.size() + 4)});
    }

private:
    void run() {
        if (script)
            script(*this);
    }
};

bq76952_config file_bq() { return sctest::file_params().bq76952; }

struct bench {
    sctest::scripted_plant plant{"plant"};
    bq76952 chip;
    i2c_host host{"host"};
    explicit bench(const bq76952_config& c = file_bq()) : chip("bq", c, sctest::quiet_afe()) {
        chip.plant.bind(plant);
        host.out.bind(chip.i2c_in);
    }
    void run_to(double t_s) { sc_core::sc_start(sc_time(t_s - sctest::now_s(), SC_SEC)); }
    std::optional<double> switch_opened(double after_s) const {
        for (const auto& [t, closed] : plant.switch_log)
            if (t >= after_s && !closed)
                return t;
        return std::nullopt;
    }
    std::uint8_t reg(std::uint8_t cmd) const { return chip.registers().peek(cmd); }
};

// The host's set-up, then nothing: CONFIG_UPDATE, the given settings, Mfg Status Init with FET_EN
// (autonomous FET control), exit.
void setup(i2c_host& h, const std::vector<std::pair<std::uint16_t, bytes>>& settings) {
    h.subcommand(0x0090);
    for (const auto& [addr, data] : settings)
        h.data_write(addr, data);
    h.data_write(0x9343, {0x50, 0x00});
    h.subcommand(0x0092);
}

} // namespace

TEST(Bq76952, DirectCommandsReportThePlantInTrmUnits) {
    bench b;
    for (std::size_t k = 0; k < 16; ++k)
        b.plant.cell_v[k] = 3.200 + 0.013 * static_cast<double>(k);
    for (std::size_t k = 0; k < 16; ++k)
        b.plant.temp_k[k] = num::zero_celsius_k + 25.0 + 5.0 * static_cast<double>(k / 4); // NTC groups of 4
    b.plant.current_a = -25.0; // inside the 16-bit range of CC2 in mA (+-32.767 A)
    std::vector<int> cells_mv, temps_dk;
    int stack_cv = 0, current_before = 0, current_ma = 0;
    b.host.script = [&](i2c_host& h) {
        sc_core::wait(sc_time(loop_s + 1e-3, SC_SEC));
        const bytes blk = h.read(0x14, 32);
        for (std::size_t k = 0; k < 16; ++k)
            cells_mv.push_back(static_cast<std::int16_t>(blk[2 * k] | (blk[2 * k + 1] << 8)));
        stack_cv = h.read_i16(0x34);
        current_before = h.read_i16(0x3A);
        for (std::uint8_t cmd = 0x70; cmd <= 0x76; cmd += 2)
            temps_dk.push_back(h.read_i16(cmd));
        h.subcommand(0x0022); // FET_ENABLE: the switch closes, the current flows
        sc_core::wait(sc_time(loop_s, SC_SEC));
        current_ma = h.read_i16(0x3A);
    };
    b.run_to(0.2);
    ASSERT_EQ(cells_mv.size(), 16u);
    for (std::size_t k = 0; k < 16; ++k)
        EXPECT_EQ(cells_mv[k], std::lround(b.plant.cell_v[k] * 1000.0)) << "cell " << k + 1 << " in mV";
    EXPECT_EQ(stack_cv, 5276) << "16 x 3.2 V + 0.013 V x 120 = 52.76 V in 10 mV";
    EXPECT_EQ(current_before, 0) << "FETs off at power-on: no current";
    EXPECT_EQ(current_ma, -25000) << "CC2 in mA";
    ASSERT_EQ(temps_dk.size(), 4u);
    for (std::size_t s = 0; s < 4; ++s)
        EXPECT_NEAR(temps_dk[s], (num::zero_celsius_k + 25.0 + 5.0 * static_cast<double>(s)) * 10.0, 1.0)
            << "TS1, TS2, TS3, HDQ in 0.1 K";
    EXPECT_TRUE(b.chip.chg_fet_on() && b.chip.dsg_fet_on());
    EXPECT_TRUE(b.plant.sw);
    EXPECT_EQ(b.chip.scans(), 3u) << "loops at 63, 126 and 189 ms";
}

TEST(Bq76952, CovOpensTheChgFetAfterItsDelayWithinOneLoop) {
    bench b;
    sctest::recorder ev;
    b.chip.set_event_sink(&ev);
    constexpr std::uint8_t cov_setting = 72;   // 72 x 50.6 mV = 3.6432 V
    constexpr std::uint16_t delay_setting = 28; // 3.3 ms x (2 + 28) = 99 ms
    const double delay_s = 3.3e-3 * (2 + delay_setting);
    b.host.script = [&](i2c_host& h) {
        setup(h, {{0x9278, {cov_setting}}, {0x9279, {delay_setting, 0}}, {0x92FC, {0x2A}}});
    };
    std::vector<double> alert_changes;
    sctest::scripted_plant* plant = &b.plant;
    constexpr double t_cross = 0.5;
    struct watcher : sc_core::sc_module {
        std::function<void()> body;
        explicit watcher(const sc_core::sc_module_name& n) : sc_core::sc_module(n) {
            SC_HAS_PROCESS(watcher);
            SC_THREAD(run);
        }
        void run() { body(); }
    } w("w");
    w.body = [&] {
        sc_core::wait(sc_time(t_cross, SC_SEC));
        plant->cell_v[4] = 3.70; // cell 5 over COV, nothing else happens
        for (;;) {
            sc_core::wait(b.chip.alert_event());
            alert_changes.push_back(sctest::now_s());
        }
    };
    b.run_to(0.3);
    ASSERT_TRUE(b.plant.sw) << "the set-up closed the FETs";
    EXPECT_EQ(b.reg(0x03), 0);
    b.run_to(t_cross + loop_s + 1e-3);
    EXPECT_TRUE(b.reg(0x02) & 0x08) << "Safety Alert A[COV] while the delay runs";
    EXPECT_TRUE(b.plant.sw);
    b.run_to(t_cross + delay_s + loop_s + 1e-3);
    const auto opened = b.switch_opened(t_cross);
    ASSERT_TRUE(opened.has_value()) << "CHG FET opened";
    EXPECT_GE(*opened, t_cross + delay_s);
    EXPECT_LE(*opened, t_cross + delay_s + loop_s);
    EXPECT_FALSE(b.chip.chg_fet_on());
    EXPECT_TRUE(b.chip.dsg_fet_on()) << "COV is not in DSG FET Protections A";
    EXPECT_TRUE(b.reg(0x03) & 0x08) << "Safety Status A[COV]";
    EXPECT_FALSE(b.reg(0x02) & 0x08) << "the alert clears when the fault trips";
    EXPECT_TRUE(b.reg(0x12 + 1) & 0x08) << "Battery Status[SS]";
    EXPECT_EQ(b.reg(0x7F) & 0x05, 0x04) << "FET Status: DSG on, CHG off";
    EXPECT_TRUE(b.chip.alert_asserted());
    ASSERT_FALSE(alert_changes.empty());
    EXPECT_LE(alert_changes.front(), *opened) << "ALERT from the masked safety alert already";
    const auto trips = ev.of("afe_protection");
    ASSERT_EQ(trips.size(), 1u);
    EXPECT_EQ(trips[0].details, (nlohmann::json{{"protection", "cov"}, {"state", "tripped"}}));
    EXPECT_DOUBLE_EQ(trips[0].t_s, *opened);
    const auto fets = ev.of("afe_fets", t_cross);
    ASSERT_EQ(fets.size(), 1u);
    EXPECT_EQ(fets[0].details, (nlohmann::json{{"chg", false}, {"dsg", true}}));
    // Recovery: below threshold - hysteresis (2 x 50.6 mV) for Recovery:Time (3 s).
    const double t_back = 1.0;
    b.run_to(t_back);
    b.plant.cell_v[4] = 3.30;
    b.run_to(t_back + 3.0 + 2 * loop_s);
    EXPECT_FALSE(b.reg(0x03) & 0x08);
    EXPECT_TRUE(b.chip.chg_fet_on());
    EXPECT_TRUE(b.plant.sw);
    EXPECT_TRUE(b.chip.alert_asserted()) << "Alarm Status stays latched until the host clears it";
}

TEST(Bq76952, ScdTripsWithinItsDelayAndIgnoresShorterPulses) {
    bench b;
    // SCD threshold 5 = 100 mV = 500 A on the file's 0.2 mOhm; delay 11 = 15 us x 10 = 150 us.
    const double r = file_bq().sense_resistor_ohm;
    ASSERT_NEAR(0.100 / r, 500.0, 1e-9);
    const double delay_s = 15e-6 * 10;
    b.host.script = [&](i2c_host& h) { setup(h, {{0x9286, {5}}, {0x9287, {11}}}); };
    b.run_to(0.3);
    ASSERT_TRUE(b.plant.sw);
    // A 100 us pulse of 600 A: shorter than the delay.
    b.plant.current_a = -600.0;
    b.chip.current_changed();
    b.run_to(0.3 + 100e-6);
    EXPECT_TRUE(b.reg(0x02) & 0x80) << "Safety Alert A[SCD] during the pulse";
    b.plant.current_a = -20.0;
    b.chip.current_changed();
    b.run_to(0.4);
    EXPECT_TRUE(b.plant.sw);
    EXPECT_EQ(b.reg(0x03), 0);
    EXPECT_EQ(b.reg(0x02), 0);
    // A short circuit that stays.
    const double t_short = 0.45;
    b.run_to(t_short);
    b.plant.current_a = -800.0;
    b.chip.current_changed();
    b.run_to(t_short + 1e-3);
    const auto opened = b.switch_opened(t_short);
    ASSERT_TRUE(opened.has_value());
    EXPECT_GE(*opened, t_short + delay_s - 1e-12);
    EXPECT_LE(*opened, t_short + delay_s + 1e-9);
    EXPECT_TRUE(b.reg(0x03) & 0x80) << "Safety Status A[SCD]";
    EXPECT_FALSE(b.chip.chg_fet_on()) << "SCD is in CHG FET Protections A";
    EXPECT_FALSE(b.chip.dsg_fet_on());
    // SCD:Recovery Time 5 s (default): the FETs close again by themselves.
    b.plant.current_a = 0.0;
    b.run_to(*opened + 5.0 + 1e-3);
    EXPECT_EQ(b.reg(0x03), 0);
    EXPECT_TRUE(b.plant.sw);
}

TEST(Bq76952, Ocd1TripsAfterItsDelay) {
    bench b;
    // OCD1 threshold 11 x 2 mV = 22 mV = 110 A; delay 1: 3.3 ms x 3 = 9.9 ms. Enabled: OCD1 and COV
    // (not SCD: its default 10 mV = 50 A would trip first).
    b.host.script = [&](i2c_host& h) { setup(h, {{0x9261, {0x28}}, {0x9282, {11}}, {0x9283, {1}}}); };
    b.run_to(0.3);
    ASSERT_TRUE(b.plant.sw);
    b.plant.current_a = -109.0;
    b.chip.current_changed();
    b.run_to(0.4);
    EXPECT_TRUE(b.plant.sw) << "109 A is under the 110 A threshold";
    b.plant.current_a = -130.0;
    b.chip.current_changed();
    b.run_to(0.5);
    const auto opened = b.switch_opened(0.4);
    ASSERT_TRUE(opened.has_value());
    EXPECT_NEAR(*opened, 0.4 + 9.9e-3, 1e-9);
    EXPECT_TRUE(b.reg(0x03) & 0x20) << "Safety Status A[OCD1]";
    EXPECT_TRUE(b.chip.chg_fet_on()) << "OCD1 opens only the DSG FET";
    EXPECT_FALSE(b.chip.dsg_fet_on());
}

TEST(Bq76952, BalancingThroughCbActiveCells) {
    bench b;
    sctest::recorder ev;
    b.chip.set_event_sink(&ev);
    double t_done = 0.0;
    b.host.script = [&](i2c_host& h) {
        h.write({0x3E, 0x83, 0x00, 0x05, 0x00});
        h.write({0x60, static_cast<std::uint8_t>(0xFF & ~(0x83 + 0x05)), 6});
        t_done = sctest::now_s();
        h.write({0x3E, 0x83, 0x00, 0xFF, 0x00});
        h.write({0x60, 0x00, 6}); // wrong checksum: ignored
    };
    b.run_to(0.01);
    EXPECT_EQ(b.plant.balance, 0x0005u);
    EXPECT_GT(t_done, 0.0);
    EXPECT_EQ(b.chip.registers().counters().bad_checksum, 1u);
    const auto notices = ev.of("afe_notice");
    ASSERT_EQ(notices.size(), 1u) << "the ignored write is logged";
    EXPECT_EQ(notices[0].details, (nlohmann::json{{"what", "bad_checksum"}, {"count", 1}}));
}

TEST(Bq76952, WrongAddressIsNotAcknowledged) {
    bench b;
    tlm::tlm_response_status st{};
    sc_time d;
    b.host.script = [&](i2c_host& h) {
        std::uint8_t cmd = 0x14;
        st = h.transfer(true, 0x09, &cmd, 1, true);
        d = h.last_delay;
    };
    b.run_to(0.001);
    EXPECT_EQ(st, tlm::TLM_ADDRESS_ERROR_RESPONSE);
    EXPECT_EQ(d, sc_core::SC_ZERO_TIME);
    EXPECT_EQ(b.chip.address_errors(), 1u);
}

TEST(Bq76952, TransferDurationsFollowTheBitCount) {
    bq76952_config c = file_bq();
    c.clock_stretch_s = 20e-6;
    bench b(c);
    std::vector<sc_time> d;
    b.host.script = [&](i2c_host& h) {
        for (double hz : {100e3, 400e3}) {
            h.scl_hz = hz;
            std::uint8_t cmd = 0x14;
            h.transfer(true, 0x08, &cmd, 1, false); // S addr cmd (Sr follows)
            d.push_back(h.last_delay);
            std::uint8_t r[2];
            h.transfer(false, 0x08, r, 2, true); // Sr addr 2 bytes P
            d.push_back(h.last_delay);
            std::uint8_t w[35] = {0x3E, 0x80, 0x91};
            h.transfer(true, 0x08, w, 35, true);
            d.push_back(h.last_delay);
        }
    };
    b.run_to(0.01);
    ASSERT_EQ(d.size(), 6u);
    // (1 + 9 x (1 + n) + stop) bits at 10 us / 2.5 us, + 20 us stretch.
    const double expect_s[] = {19 * 10e-6, 29 * 10e-6, 326 * 10e-6, 19 * 2.5e-6, 29 * 2.5e-6, 326 * 2.5e-6};
    for (std::size_t i = 0; i < 6; ++i)
        EXPECT_EQ(d[i], sc_time(expect_s[i], SC_SEC) + sc_time(20, sc_core::SC_US)) << i;
}

// Not a timed assertion: prints the model's cost per I2C transaction (b_transport of a 2-byte
// read and of a 3-byte subcommand write) for docs/models/bq76952.md.
TEST(Bq76952, CostPerTransactionFigure) {
    bench b;
    double ns_read = 0, ns_write = 0;
    b.host.script = [&](i2c_host& h) {
        constexpr int n = 200000;
        std::uint8_t cmd = 0x14, r[2];
        auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) {
            h.transfer(true, 0x08, &cmd, 1, false, false);
            h.transfer(false, 0x08, r, 2, true, false);
        }
        auto t1 = std::chrono::steady_clock::now();
        ns_read = std::chrono::duration<double, std::nano>(t1 - t0).count() / (2.0 * n);
        std::uint8_t w[3] = {0x3E, 0x01, 0x00};
        t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i)
            h.transfer(true, 0x08, w, 3, true, false);
        t1 = std::chrono::steady_clock::now();
        ns_write = std::chrono::duration<double, std::nano>(t1 - t0).count() / n;
    };
    b.run_to(0.001);
    std::printf("bq76952 b_transport: %.0f ns per transfer (command write / 2-byte read), %.0f ns per "
                "subcommand write (DEVICE_NUMBER)\n",
                ns_read, ns_write);
    EXPECT_GT(ns_read, 0.0);
}
