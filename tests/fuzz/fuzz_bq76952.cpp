// Fuzz target: the BQ76952 command interface (battery/bq76952_registers.h) fed arbitrary I2C
// transfers, ADC results and protection states.
// Input: byte 0 picks the cells wired (1 + b % 16); then operations, each an opcode byte (% 8):
//   0-2 write transfer: length (% 65) and that many bytes (the first is the command address);
//   3   read transfer of length (% 65) from the command pointer;
//   4   an ADC result: cell index, then float32 bit patterns (NaN, inf included) for the cell, the
//       stack, PACK, the current and a temperature;
//   5   Safety Alert/Status A, B, C (6 bytes);
//   6   FET states (1 byte) and alarm pulses (2 bytes), then update_alarms;
//   7   a well-formed subcommand/data-memory write: address (2 bytes; 0x9180 + x % 0x280 when the
//       opcode's bit 3 is set), data length (% 33), data, the TRM's checksum and length.
// Invariants, after every operation:
//   - nothing throws; every read returns exactly the bytes asked for;
//   - the data memory changes only through RESET or a committed write: CONFIG_UPDATE on, the
//     address in 0x3E/0x3F inside 0x9180..0x93FF, 0x61 in 5..36, 0x60 equal to ~(sum of 0x3E,
//     0x3F and the buffer) as the TRM defines it (recomputed here from the bytes a read returns),
//     and every changed byte inside [address, address + length - 4);
//   - CB_ACTIVE_CELLS never names a cell that is not wired; cells not wired read 0;
//   - a FET is allowed only with FET_EN outside CONFIG_UPDATE; ALERT only with Alarm Status set.
#include <cstdint>
#include <cstring>
#include <vector>

#include "battery/bq76952_registers.h"
#include "fuzz_check.h"

using stacksim::fuzz::fuzz_input;
using stacksim::models::bq76952_registers;
namespace trm = stacksim::models::bq76952_trm;

namespace {

float f32(fuzz_input& in) {
    const std::uint32_t u = in.u32_le();
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

std::vector<std::uint8_t> dm_image(const bq76952_registers& r) {
    std::vector<std::uint8_t> v = r.dm_image();
    FUZZ_CHECK(v.size() == trm::dm_end - trm::dm_first, "the data-memory image keeps its size");
    return v;
}

void check_dm_change(const bq76952_registers& r, const std::vector<std::uint8_t>& before, std::uint32_t resets_before) {
    const std::vector<std::uint8_t> after = dm_image(r);
    if (after == before || r.resets() != resets_before)
        return;
    FUZZ_CHECK(r.cfgupdate(), "data memory written outside CONFIG_UPDATE");
    const unsigned addr = r.peek(trm::cmd::subcmd_lower) | (r.peek(trm::cmd::subcmd_upper) << 8);
    FUZZ_CHECK(addr >= trm::dm_first && addr < trm::dm_end, "data memory written for a non-DM address");
    const unsigned len = r.peek(trm::cmd::transfer_length);
    FUZZ_CHECK(len >= 5 && len <= 36, "data memory written with a bad length");
    unsigned sum = (addr & 0xFF) + (addr >> 8);
    for (unsigned i = 0; i + 4 < len; ++i)
        sum += r.peek(static_cast<std::uint8_t>(trm::cmd::transfer_buffer + i));
    FUZZ_CHECK(static_cast<std::uint8_t>(~sum & 0xFF) == r.peek(trm::cmd::transfer_checksum),
               "data memory written with a wrong checksum");
    for (unsigned a = trm::dm_first; a < trm::dm_end; ++a)
        if (after[a - trm::dm_first] != before[a - trm::dm_first])
            FUZZ_CHECK(a >= addr && a < addr + len - 4, "a byte outside the written block changed");
}

void check_state(const bq76952_registers& r) {
    const auto wired = static_cast<std::uint16_t>((1u << r.cells()) - 1u);
    FUZZ_CHECK((r.cb_active_cells() & ~wired) == 0, "balancing a cell that is not wired");
    for (std::size_t k = r.cells(); k < 16; ++k)
        FUZZ_CHECK(r.peek(static_cast<std::uint8_t>(trm::cmd::cell1_voltage + 2 * k)) == 0, "a cell not wired reads non-zero");
    if (r.chg_allowed() || r.dsg_allowed())
        FUZZ_CHECK(r.fet_en() && !r.cfgupdate(), "FET allowed without FET_EN or in CONFIG_UPDATE");
    if (r.alert_asserted())
        FUZZ_CHECK(r.alarm_status() != 0, "ALERT without Alarm Status");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1)
        return 0;
    fuzz_input in(data, size);
    bq76952_registers r(1 + in.u8() % 16, 0.0002);
    while (in.left() > 0) {
        const std::uint8_t op = in.u8();
        const std::vector<std::uint8_t> dm_before = dm_image(r);
        const std::uint32_t resets_before = r.resets();
        switch (op % 8) {
        case 0:
        case 1:
        case 2: {
            std::vector<std::uint8_t> buf(in.u8() % 65);
            for (auto& b : buf)
                b = in.u8();
            r.i2c_write(buf.data(), buf.size());
            break;
        }
        case 3: {
            const std::size_t n = in.u8() % 65;
            std::vector<std::uint8_t> out(n + 1, 0xA5);
            r.i2c_read(out.data(), n);
            FUZZ_CHECK(out[n] == 0xA5, "read past the requested length");
            break;
        }
        case 4: {
            auto& m = r.measurements();
            const std::size_t k = in.u8() % 16;
            m.cell_v[k] = f32(in);
            m.cell_current_a[k] = f32(in);
            m.stack_v = f32(in);
            m.pack_v = f32(in);
            m.current_a = f32(in);
            m.temp_k[in.u8() % 10] = f32(in);
            break;
        }
        case 5: {
            std::uint8_t s[6];
            for (auto& b : s)
                b = in.u8();
            r.set_safety(s[0], s[1], s[2], s[3], s[4], s[5]);
            break;
        }
        case 6: {
            const std::uint8_t f = in.u8();
            r.set_fets(f & 1, f & 2);
            const std::uint16_t pulses = static_cast<std::uint16_t>(in.u8() | (in.u8() << 8));
            r.update_alarms(pulses);
            break;
        }
        default: {
            std::uint16_t addr = static_cast<std::uint16_t>(in.u8() | (in.u8() << 8));
            if (op & 0x08)
                addr = static_cast<std::uint16_t>(trm::dm_first + addr % (trm::dm_end - trm::dm_first));
            const std::size_t n = in.u8() % 33;
            std::vector<std::uint8_t> buf{trm::cmd::subcmd_lower, static_cast<std::uint8_t>(addr & 0xFF),
                                          static_cast<std::uint8_t>(addr >> 8)};
            unsigned sum = (addr & 0xFF) + (addr >> 8);
            for (std::size_t i = 0; i < n; ++i) {
                buf.push_back(in.u8());
                sum += buf.back();
            }
            r.i2c_write(buf.data(), buf.size());
            check_dm_change(r, dm_before, resets_before);
            const std::vector<std::uint8_t> dm_mid = dm_image(r);
            const std::uint32_t resets_mid = r.resets();
            const std::uint8_t tail[3] = {trm::cmd::transfer_checksum, static_cast<std::uint8_t>(~sum & 0xFF),
                                          static_cast<std::uint8_t>(n + 4)};
            r.i2c_write(tail, sizeof tail);
            check_dm_change(r, dm_mid, resets_mid);
            break;
        }
        }
        if (op % 8 != 7)
            check_dm_change(r, dm_before, resets_before);
        check_state(r);
    }
    return 0;
}
