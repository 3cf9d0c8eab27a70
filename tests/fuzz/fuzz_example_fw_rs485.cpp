// Fuzz target: the example firmware's RS485 receive path (models/firmware/example: rs485_link.c
// assembles characters into frames, pylon_rs485.c decodes them and reads the INFO of its subs'
// answers), C code that runs on every character a module hears. Differential against the
// simulator's own decoder (protocol/pylon_rs485.h).
// Input: the characters on the line, fed one by one to link_receive; every frame it completes,
// and the whole input as one frame, go to pylon_decode_frame. The INFO of an accepted frame (and
// the raw input) goes to the three INFO readers.
// Invariants:
//  - nothing reads or writes out of bounds (ASan), no undefined behaviour (UBSan);
//  - link_receive only completes frames that start with '~', end with CR and fit its buffer;
//  - pylon_decode_frame returns the RTN and address validity proto::decode_frame returns, and on
//    an accepted frame the same header and INFO;
//  - an INFO reader accepts only what proto's decoder accepts, with the same values; what proto
//    accepts within the firmware's limits (32 cells, 8 temperatures) the firmware accepts too.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "protocol/pylon_rs485.h"

extern "C" {
#include "pylon_rs485.h"
#include "rs485_link.h"
// The HAL calls rs485_link.c makes when sending (never here): stubs.
uint64_t hal_now_ns(void) { return 0; }
int hal_rs485_write(const uint8_t*, size_t) { return 0; }
}

namespace proto = stacksim::proto;

namespace {

bool near(double a, double b) { return std::fabs(a - b) <= 1e-9 * (1.0 + std::fabs(a)); }

void check_info(const std::vector<std::uint8_t>& info) {
    static pylon_analog a;
    proto::analog_info pa;
    const bool mine = pylon_read_analog(info.data(), info.size(), &a) == 1;
    const bool theirs = proto::decode_analog_info(info, pa);
    FUZZ_CHECK(!mine || theirs, "0x42: the firmware accepts only what the simulator accepts");
    if (theirs && pa.cell_v.size() <= PYLON_MAX_CELLS && pa.temp_c.size() <= PYLON_MAX_TEMPS)
        FUZZ_CHECK(mine, "0x42: the firmware accepts what the simulator accepts within its limits");
    if (mine) {
        FUZZ_CHECK(a.n_cells == pa.cell_v.size() && a.n_temps == pa.temp_c.size(), "0x42 counts");
        for (unsigned k = 0; k < a.n_cells; ++k)
            FUZZ_CHECK(near(a.cell_v[k], pa.cell_v[k]), "0x42 cell");
        FUZZ_CHECK(near(a.current_a, pa.current_a) && near(a.total_ah, pa.total_ah) &&
                       near(a.remaining_ah, pa.remaining_ah),
                   "0x42 values");
    }
    pylon_management m;
    proto::management_info pm;
    const bool mm = pylon_read_management(info.data(), info.size(), &m) == 1;
    FUZZ_CHECK(mm == proto::decode_management_info(info, pm), "0x92 accepted alike");
    if (mm)
        FUZZ_CHECK(near(m.ccl_a, pm.max_charge_current_a) && near(-m.dcl_a, pm.max_discharge_current_a) &&
                       near(m.cvl_v, pm.charge_voltage_limit_v),
                   "0x92 values");
    static pylon_alarm al;
    proto::alarm_info pal;
    const bool ma = pylon_read_alarm(info.data(), info.size(), &al) == 1;
    const bool ta = proto::decode_alarm_info(info, pal);
    FUZZ_CHECK(!ma || ta, "0x44: the firmware accepts only what the simulator accepts");
    if (ta && pal.cell_state.size() <= PYLON_MAX_CELLS && pal.temp_state.size() <= PYLON_MAX_TEMPS)
        FUZZ_CHECK(ma, "0x44: the firmware accepts what the simulator accepts within its limits");
    if (ma)
        FUZZ_CHECK(al.cell_error_mask == pal.cell_error_mask && ((al.status1 & 0x10) != 0) == pal.discharge_over_current,
                   "0x44 values");
}

void check_frame(const char* chars, std::size_t n) {
    static pylon_frame f;
    int adr_valid = 0;
    const int rtn = pylon_decode_frame(chars, n, &f, &adr_valid);
    const proto::rs485_decoded d = proto::decode_frame(std::string(chars, n));
    FUZZ_CHECK(rtn == static_cast<int>(d.rtn), "the same RTN as the simulator's decoder");
    FUZZ_CHECK((adr_valid != 0) == d.adr_valid, "the same address validity");
    if (d.adr_valid)
        FUZZ_CHECK(f.adr == d.frame.adr, "the same address");
    if (rtn != PYLON_RTN_NORMAL)
        return;
    FUZZ_CHECK(f.ver == d.frame.ver && f.cid1 == d.frame.cid1 && f.cid2 == d.frame.cid2, "the same header");
    FUZZ_CHECK(std::vector<std::uint8_t>(f.info, f.info + f.info_len) == d.frame.info, "the same INFO");
    check_info(d.frame.info);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    link_init(9600.0);
    for (std::size_t i = 0; i < size; ++i) {
        const char* chars = nullptr;
        std::size_t n = 0;
        if (link_receive(data[i], &chars, &n)) {
            FUZZ_CHECK(n >= 2 && n <= PYLON_MAX_FRAME_CHARS && chars[0] == '~' && chars[n - 1] == '\r',
                       "a completed frame runs from '~' to CR and fits the buffer");
            check_frame(chars, n);
        }
    }
    check_frame(reinterpret_cast<const char*>(data), size);
    check_info(std::vector<std::uint8_t>(data, data + size));
    return 0;
}
