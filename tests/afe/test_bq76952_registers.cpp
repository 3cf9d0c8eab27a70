// The BQ76952's command interface (models/battery/bq76952_registers.h) byte by byte over I2C,
// against the TRM (TI SLUUBY2B) and TI's software development guide (SLUAA11B): its worked
// examples (the Cell 1 Gain data-memory write with checksum 0x44 / length 0x06, the 36-byte
// data-memory read, DEVICE_NUMBER), the command table's units (mV, userV, userA, 0.1 K), the
// data-memory defaults and the checksum rules. Checksums are computed here from the TRM's
// definition, not with the class's own helper.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "battery/bq76952_registers.h"

using namespace stacksim::models;
using bytes = std::vector<std::uint8_t>;

namespace {

constexpr double sense_ohm = 0.0002;

// ~(sum of the address bytes and the data) & 0xFF (TRM §13.1, "Data Memory Access").
std::uint8_t trm_checksum(std::uint16_t addr, const bytes& data) {
    unsigned s = (addr & 0xFF) + (addr >> 8);
    for (auto b : data)
        s += b;
    return static_cast<std::uint8_t>(~s & 0xFF);
}

struct chip {
    bq76952_registers r{16, sense_ohm};
    void write(const bytes& b) { r.i2c_write(b.data(), b.size()); }
    bytes read(std::uint8_t cmd, std::size_t n) {
        write({cmd});
        bytes out(n);
        r.i2c_read(out.data(), n);
        return out;
    }
    std::uint16_t read_u16(std::uint8_t cmd) {
        const bytes b = read(cmd, 2);
        return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
    }
    std::int16_t read_i16(std::uint8_t cmd) { return static_cast<std::int16_t>(read_u16(cmd)); }
    void subcommand(std::uint16_t sc) { write({0x3E, static_cast<std::uint8_t>(sc & 0xFF), static_cast<std::uint8_t>(sc >> 8)}); }
    // Subcommand with a response: the buffer's data as the length register says.
    bytes subcommand_read(std::uint16_t sc) {
        subcommand(sc);
        const std::uint8_t len = read(0x61, 1)[0];
        EXPECT_GE(len, 4);
        const bytes data = read(0x40, len - 4u);
        EXPECT_EQ(read(0x60, 1)[0], trm_checksum(sc, data)) << "response checksum of " << sc;
        return data;
    }
    // Data memory or subcommand write: address + data in one transfer, then checksum and length.
    void data_write(std::uint16_t addr, const bytes& data, int checksum_delta = 0) {
        bytes w{0x3E, static_cast<std::uint8_t>(addr & 0xFF), static_cast<std::uint8_t>(addr >> 8)};
        w.insert(w.end(), data.begin(), data.end());
        write(w);
        write({0x60, static_cast<std::uint8_t>(trm_checksum(addr, data) + checksum_delta),
               static_cast<std::uint8_t>(data.size() + 4)});
    }
    std::uint8_t dm_u1(std::uint16_t addr) { return subcommand_read(addr).at(0); }
    std::uint16_t dm_u2(std::uint16_t addr) {
        const bytes b = subcommand_read(addr);
        return static_cast<std::uint16_t>(b.at(0) | (b.at(1) << 8));
    }
};

} // namespace

TEST(Bq76952Registers, DeviceNumberAndFirmwareVersion) {
    chip c;
    c.subcommand(0x0001);
    EXPECT_EQ(c.read(0x3E, 2), (bytes{0x01, 0x00})) << "0x3E/0x3F read back the finished subcommand";
    EXPECT_EQ(c.read(0x61, 1)[0], 6) << "2 data bytes + 4";
    EXPECT_EQ(c.read(0x40, 2), (bytes{0x95, 0x76})) << "0x7695 little endian";
    EXPECT_EQ(c.read(0x60, 1)[0], static_cast<std::uint8_t>(~(0x01 + 0x00 + 0x95 + 0x76) & 0xFF));
    const bytes fw = c.subcommand_read(0x0002);
    ASSERT_EQ(fw.size(), 6u);
    EXPECT_EQ(fw[0], 0x76) << "device number big endian in FW_VERSION";
    EXPECT_EQ(fw[1], 0x95);
}

TEST(Bq76952Registers, DataMemoryDefaultsFromTheTrm) {
    chip c;
    // SLUAA11B §3.1: reading Enabled Protections A gives 0x88 (SCD and COV), a 32-byte block.
    c.subcommand(0x9261);
    EXPECT_EQ(c.read(0x61, 1)[0], 0x24) << "32-byte block + 4";
    EXPECT_EQ(c.read(0x40, 1)[0], 0x88);
    EXPECT_EQ(c.dm_u1(0x9262), 0x00);               // Enabled Protections B
    EXPECT_EQ(c.dm_u1(0x9265), 0x98);               // CHG FET Protections A
    EXPECT_EQ(c.dm_u1(0x9269), 0xE4);               // DSG FET Protections A
    EXPECT_EQ(c.dm_u1(0x9275), 50);                 // CUV threshold, 50 x 50.6 mV = 2.53 V
    EXPECT_EQ(c.dm_u2(0x9276), 74);                 // CUV delay
    EXPECT_EQ(c.dm_u1(0x9278), 86);                 // COV threshold
    EXPECT_EQ(c.dm_u2(0x9279), 74);                 // COV delay
    EXPECT_EQ(c.dm_u1(0x9286), 0);                  // SCD threshold 10 mV
    EXPECT_EQ(c.dm_u1(0x9287), 2);                  // SCD delay
    EXPECT_EQ(c.dm_u1(0x929A), 55);                 // OTC threshold degC
    EXPECT_EQ(static_cast<std::int16_t>(c.dm_u2(0x9288)), -200); // OCC recovery threshold mA
    EXPECT_EQ(c.dm_u1(0x9308), 0x0D);               // FET Options
    EXPECT_EQ(c.dm_u1(0x9303), 0x05);               // DA Configuration: mA, cV
    EXPECT_EQ(c.dm_u2(0x9234), 0x2982);             // Power Config
    EXPECT_EQ(c.dm_u2(0x926D), 0xF800);             // Default Alarm Mask
    EXPECT_EQ(c.dm_u1(0x9335), 0x00);               // Balancing Configuration
    EXPECT_EQ(c.read_u16(0x66), 0xF800) << "Alarm Enable starts as the Default Alarm Mask";
}

TEST(Bq76952Registers, TrmDataMemoryWriteExample) {
    chip c;
    c.subcommand(0x0090); // SET_CFGUPDATE
    EXPECT_TRUE(c.read_u16(0x12) & 0x0001) << "Battery Status[CFGUPDATE]";
    // TRM §13.1: Cell 1 Gain (0x9180) = 12410 = 0x307A -> checksum 0x44, length 0x06.
    c.write({0x3E, 0x80, 0x91, 0x7A, 0x30});
    c.write({0x60, 0x44, 0x06});
    EXPECT_EQ(c.dm_u2(0x9180), 12410);
    c.subcommand(0x0092); // EXIT_CFGUPDATE
    EXPECT_FALSE(c.read_u16(0x12) & 0x0001);
    EXPECT_FALSE(c.read_u16(0x12) & 0x0008) << "POR cleared on leaving CONFIG_UPDATE";
    EXPECT_EQ(c.r.counters().bad_checksum, 0u);
}

TEST(Bq76952Registers, WrongChecksumOrLengthIsIgnored) {
    chip c;
    c.subcommand(0x0090);
    c.data_write(0x9278, {70}, +1); // COV threshold with a checksum off by one
    EXPECT_EQ(c.dm_u1(0x9278), 86);
    EXPECT_EQ(c.r.counters().bad_checksum, 1u);
    c.write({0x3E, 0x78, 0x92, 70});
    c.write({0x60, trm_checksum(0x9278, {70}), 40}); // length beyond 36
    EXPECT_EQ(c.dm_u1(0x9278), 86);
    EXPECT_EQ(c.r.counters().bad_length, 1u);
    c.data_write(0x9278, {70});
    EXPECT_EQ(c.dm_u1(0x9278), 70);
}

TEST(Bq76952Registers, DataMemoryWritesNeedConfigUpdate) {
    chip c;
    c.data_write(0x9261, {0xFC});
    EXPECT_EQ(c.dm_u1(0x9261), 0x88);
    EXPECT_EQ(c.r.counters().dm_write_outside_cfgupdate, 1u);
    c.subcommand(0x0090);
    // A block write of several settings in one go: OCC..OCD2 thresholds and delays (0x9280..0x9285).
    c.data_write(0x9280, {6, 10, 11, 1, 20, 7});
    EXPECT_EQ(c.dm_u1(0x9280), 6);
    EXPECT_EQ(c.dm_u1(0x9282), 11);
    EXPECT_EQ(c.dm_u1(0x9284), 20);
    EXPECT_EQ(c.dm_u1(0x9285), 7);
}

TEST(Bq76952Registers, CellVoltagesInMillivolts) {
    chip c;
    auto& m = c.r.measurements();
    for (std::size_t k = 0; k < 16; ++k)
        m.cell_v[k] = 3.2 + 0.01 * static_cast<double>(k);
    EXPECT_EQ(c.read_i16(0x14), 3200);
    EXPECT_EQ(c.read_i16(0x32), 3350); // cell 16
    const bytes all = c.read(0x14, 32); // one block read over the 16 registers
    for (std::size_t k = 0; k < 16; ++k)
        EXPECT_EQ(all[2 * k] | (all[2 * k + 1] << 8), static_cast<int>(3200 + 10 * k)) << "cell " << k + 1;
}

TEST(Bq76952Registers, UserVoltsAndUserAmps) {
    chip c;
    auto& m = c.r.measurements();
    m.stack_v = 52.81;
    m.pack_v = 52.5;
    m.ld_v = 52.4;
    m.current_a = -25.0;
    EXPECT_EQ(c.read_i16(0x34), 5281) << "userV = 10 mV by default";
    EXPECT_EQ(c.read_i16(0x36), 5250);
    EXPECT_EQ(c.read_i16(0x38), 5240);
    EXPECT_EQ(c.read_i16(0x3A), -25000) << "userA = 1 mA by default";
    c.subcommand(0x0090);
    c.data_write(0x9303, {0x02}); // userA = 10 mA, userV = 1 mV
    EXPECT_EQ(c.read_i16(0x3A), -2500);
    EXPECT_EQ(c.read_i16(0x34), 32767) << "52810 mV saturates the 16-bit result";
    m.stack_v = 20.0;
    EXPECT_EQ(c.read_i16(0x34), 20000);
    c.data_write(0x9303, {0x07}); // 100 mA, 10 mV
    EXPECT_EQ(c.read_i16(0x3A), -250);
}

TEST(Bq76952Registers, TemperaturesInDeciKelvin) {
    chip c;
    auto& m = c.r.measurements();
    m.temp_k[0] = 300.0; // internal
    m.temp_k[4] = 310.0; // TS1
    m.temp_k[6] = 273.0; // TS3
    EXPECT_EQ(c.read_i16(0x68), 3000);
    EXPECT_EQ(c.read_i16(0x70), 3100);
    EXPECT_EQ(c.read_i16(0x74), 2730);
    EXPECT_EQ(c.read_i16(0x72), 0) << "TS2 is no thermistor here";
}

TEST(Bq76952Registers, DastatusCounts) {
    chip c;
    auto& m = c.r.measurements();
    m.cell_v[0] = 3.3;
    m.cell_current_a[0] = -50.0;
    m.cell_v[15] = 3.0;
    const bytes d1 = c.subcommand_read(0x0071);
    ASSERT_EQ(d1.size(), 32u);
    const auto i32 = [](const bytes& b, std::size_t o) {
        return static_cast<std::int32_t>(b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (static_cast<std::uint32_t>(b[o + 3]) << 24));
    };
    // TRM §4.5: voltage LSB 5 x 1.212 V / 2^23, current LSB 1.24 V / (5 x 2^23) across the shunt.
    EXPECT_EQ(i32(d1, 0), std::lround(3.3 * 8388608.0 / (5 * 1.212)));
    EXPECT_EQ(i32(d1, 4), std::lround(-50.0 * sense_ohm * 5 * 8388608.0 / 1.24));
    const bytes d4 = c.subcommand_read(0x0074);
    EXPECT_EQ(i32(d4, 24), std::lround(3.0 * 8388608.0 / (5 * 1.212))) << "cell 16 in DASTATUS4 bytes 24-27";
    m.current_a = 12.0;
    for (std::size_t k = 0; k < 16; ++k)
        m.cell_v[k] = 3.3;
    m.cell_v[3] = 3.1;
    const bytes d5 = c.subcommand_read(0x0075);
    EXPECT_EQ(d5[4] | (d5[5] << 8), 3300);   // max cell mV
    EXPECT_EQ(d5[6] | (d5[7] << 8), 3100);   // min cell mV
    EXPECT_EQ(static_cast<std::int16_t>(d5[22] | (d5[23] << 8)), 12000); // CC1 userA
}

TEST(Bq76952Registers, FetControlCommands) {
    chip c;
    EXPECT_FALSE(c.r.fet_en()) << "Mfg Status Init default: FET test mode";
    EXPECT_FALSE(c.r.chg_allowed());
    c.subcommand(0x0022); // FET_ENABLE
    const bytes ms = c.subcommand_read(0x0057);
    EXPECT_TRUE(ms.at(0) & 0x10) << "Manufacturing Status[FET_EN]";
    EXPECT_TRUE(c.r.chg_allowed());
    EXPECT_TRUE(c.r.dsg_allowed());
    c.subcommand(0x0095); // ALL_FETS_OFF
    EXPECT_FALSE(c.r.chg_allowed());
    EXPECT_FALSE(c.r.dsg_allowed());
    c.subcommand(0x0096); // ALL_FETS_ON
    EXPECT_TRUE(c.r.chg_allowed());
    c.subcommand(0x0094); // CHG_PCHG_OFF
    EXPECT_FALSE(c.r.chg_allowed());
    EXPECT_TRUE(c.r.dsg_allowed());
    c.subcommand(0x0096);
    c.subcommand(0x0093); // DSG_PDSG_OFF
    EXPECT_TRUE(c.r.chg_allowed());
    EXPECT_FALSE(c.r.dsg_allowed());
    c.subcommand(0x0096);
    // FET Options[HOST_FET_EN] = 0: host FET commands are ignored.
    c.subcommand(0x0090);
    c.data_write(0x9308, {0x09});
    c.subcommand(0x0092);
    EXPECT_FALSE(c.r.fet_en()) << "leaving CONFIG_UPDATE reloads FET_EN from Mfg Status Init (clear)";
    c.subcommand(0x0022);
    c.subcommand(0x0095);
    EXPECT_EQ(c.r.counters().host_fet_command_ignored, 1u);
    EXPECT_TRUE(c.r.chg_allowed());
    c.subcommand(0x0022); // FET_ENABLE again: toggles off
    EXPECT_FALSE(c.r.chg_allowed());
    // Mfg Status Init with FET_EN: autonomous FET control from the end of CONFIG_UPDATE on.
    c.subcommand(0x0090);
    c.data_write(0x9343, {0x50, 0x00});
    c.subcommand(0x0092);
    EXPECT_TRUE(c.r.fet_en());
}

TEST(Bq76952Registers, SafetyStatusBlocksTheConfiguredFet) {
    chip c;
    c.subcommand(0x0022);
    c.r.set_fets(true, true);
    c.r.set_safety(0, 0x08 /* COV */, 0, 0, 0, 0);
    EXPECT_FALSE(c.r.chg_allowed()) << "CHG FET Protections A has COV";
    EXPECT_TRUE(c.r.dsg_allowed()) << "DSG FET Protections A has not";
    EXPECT_EQ(c.read(0x03, 1)[0], 0x08);
    EXPECT_TRUE(c.read_u16(0x12) & (1u << 11)) << "Battery Status[SS]";
    EXPECT_TRUE(c.read_u16(0x64) & (1u << 14)) << "Alarm Raw Status[SSA]";
    c.r.update_alarms();
    EXPECT_TRUE(c.read_u16(0x62) & (1u << 14)) << "latched: SSA is in the default mask";
    c.r.set_safety(0, 0x80 /* SCD */, 0, 0, 0, 0);
    EXPECT_FALSE(c.r.dsg_allowed());
    c.r.set_safety(0, 0, 0, 0, 0, 0);
    EXPECT_TRUE(c.read_u16(0x62) & (1u << 14)) << "stays latched after the fault cleared";
    c.write({0x62, 0x00, 0x40}); // write 1 to clear SSA
    EXPECT_FALSE(c.read_u16(0x62) & (1u << 14));
}

TEST(Bq76952Registers, AlertPinNeedsItsConfiguration) {
    chip c;
    c.r.set_safety(0, 0x04 /* CUV */, 0, 0, 0, 0);
    c.r.update_alarms();
    EXPECT_NE(c.r.alarm_status(), 0);
    EXPECT_FALSE(c.r.alert_asserted()) << "ALERT Pin Config defaults to no alarm function";
    c.subcommand(0x0090);
    c.data_write(0x92FC, {0x2A}); // PIN_FXN = 0b10: ALERT
    c.subcommand(0x0092);
    c.r.update_alarms();
    EXPECT_TRUE(c.r.alert_asserted());
    EXPECT_TRUE(c.read(0x7F, 1)[0] & 0x40) << "FET Status[ALRT_PIN]";
    c.write({0x66, 0x00, 0x00}); // Alarm Enable = 0: nothing latches any more
    c.write({0x62, 0xFF, 0xFF});
    c.r.update_alarms();
    EXPECT_FALSE(c.r.alert_asserted());
    EXPECT_EQ(c.read_u16(0x66), 0);
}

TEST(Bq76952Registers, CellBalancingMask) {
    chip c;
    c.data_write(0x0083, {0x05, 0x80}); // cells 1, 3 and 16
    EXPECT_EQ(c.r.cb_active_cells(), 0x8005);
    EXPECT_EQ(c.subcommand_read(0x0083), (bytes{0x05, 0x80}));
    EXPECT_TRUE(c.read_u16(0x64) & (1u << 2)) << "Alarm Raw Status[CB]";
    c.data_write(0x0083, {0xFF, 0xFF}, +3); // bad checksum: unchanged
    EXPECT_EQ(c.r.cb_active_cells(), 0x8005);
    bq76952_registers r14(14, sense_ohm);
    const bytes w{0x3E, 0x83, 0x00, 0xFF, 0xFF};
    r14.i2c_write(w.data(), w.size());
    const bytes cl{0x60, trm_checksum(0x0083, {0xFF, 0xFF}), 6};
    r14.i2c_write(cl.data(), cl.size());
    EXPECT_EQ(r14.cb_active_cells(), 0x3FFF) << "only the cells wired";
}

TEST(Bq76952Registers, ResetRestoresDefaults) {
    chip c;
    c.subcommand(0x0090);
    c.data_write(0x9278, {70});
    c.subcommand(0x0022);
    c.subcommand(0x0012); // RESET
    EXPECT_EQ(c.r.resets(), 1u);
    EXPECT_FALSE(c.r.cfgupdate());
    EXPECT_FALSE(c.r.fet_en());
    EXPECT_EQ(c.dm_u1(0x9278), 86);
    EXPECT_TRUE(c.read_u16(0x12) & 0x0008) << "POR";
}

TEST(Bq76952Registers, MeasurementLoopTime) {
    chip c;
    EXPECT_NEAR(c.r.loop_time_s(3), 0.063, 1e-12) << "21 slots x 3 ms";
    EXPECT_NEAR(c.r.loop_time_s(0), 0.054, 1e-12) << "18 slots";
    EXPECT_NEAR(c.r.loop_time_s(5), 0.063, 1e-12) << "at most 3 thermistor slots per loop";
    c.subcommand(0x0090);
    c.data_write(0x9234, {0x82 | 0x40, 0x29}); // FASTADC
    EXPECT_NEAR(c.r.loop_time_s(3), 0.0315, 1e-12);
    c.data_write(0x9234, {0x82 | 0x04, 0x29}); // LOOP_SLOW = 1: half speed
    EXPECT_NEAR(c.r.loop_time_s(3), 0.126, 1e-12);
}

TEST(Bq76952Registers, UnknownThingsAreCountedNotFatal) {
    chip c;
    c.subcommand(0x0BAD);
    EXPECT_EQ(c.r.counters().unknown_subcommand, 1u);
    EXPECT_EQ(c.read(0x3E, 2), (bytes{0xAD, 0x0B}));
    EXPECT_EQ(c.read(0x08, 2), (bytes{0, 0})) << "reserved commands read 0";
    EXPECT_EQ(c.r.counters().unimplemented_read, 2u);
    c.write({0x14, 0x12, 0x34}); // cell voltage is read-only
    EXPECT_EQ(c.r.counters().readonly_write, 2u);
    c.data_write(0x0001, {0x01}); // data for DEVICE_NUMBER
    EXPECT_EQ(c.r.counters().data_for_readonly_subcommand, 1u);
    c.subcommand(0x0090);
    c.data_write(0x93F0, bytes(20, 1)); // runs past 0x93FF
    EXPECT_EQ(c.r.counters().dm_out_of_range, 1u);
}
