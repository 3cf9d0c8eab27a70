// Fuzz target: the Pylontech/SMA CAN payload decoders (protocol/pylon_can.h): battery -> inverter
// (decode_351 .. decode_35f, decode_battery_frame with the Victron 0x370-0x379 extras) and
// inverter -> battery (decode_305_sma, decode_306, decode_307, is_heartbeat_305). The inverter
// model runs decode_351/355/356/35c on every frame it receives (models/inverter/inverter.cpp).
//
// Input: a sequence of 13-byte frame records, decoded in order into one battery_can_state (as a
// receiver accumulates them): byte 0 = flags (b0 29-bit, b1 remote, b2 keep an out-of-range
// identifier, b7..b4 DLC 0..15), bytes 1-4 = identifier (little-endian; masked to 11/29 bits
// unless b2), bytes 5-12 = data. Invariants:
//  - no decoder throws; decode_battery_frame leaves the state unchanged when it returns false;
//  - a decoder accepts only 11-bit data frames with its ID and a DLC of 0..8;
//  - round trip: after decode_battery_frame accepts a frame, encode_message of that ID (at the
//    largest allowed DLC not above the frame's) from the updated state gives back the received
//    bytes, in every bit the message defines (0x35A: the active/not-active state of each event);
//  - the inverter-side messages re-encode byte for byte;
//  - nothing depends on the data bytes past the DLC (they are not on the wire): decoding the
//    frame with those bytes inverted gives the same state.
#include <algorithm>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_can_input.h"
#include "protocol/pylon_can.h"

using namespace stacksim::proto;
using stacksim::fuzz::fuzz_input;

namespace {

using stacksim::fuzz::same_value;

// Every field of the state equal (NaN equals NaN).
bool same_state(const battery_can_state& a, const battery_can_state& b) {
    const double da[] = {a.cvl_v, a.ccl_a, a.dcl_a, a.dvl_v, a.soc_pct, a.soh_pct, a.soc_hires_pct, a.voltage_v,
                         a.current_a, a.temp_c, a.capacity_ah, a.min_cell_v, a.max_cell_v, a.min_cell_temp_c,
                         a.max_cell_temp_c, a.charged_energy_kwh, a.discharged_energy_kwh, a.installed_capacity_ah};
    const double db[] = {b.cvl_v, b.ccl_a, b.dcl_a, b.dvl_v, b.soc_pct, b.soh_pct, b.soc_hires_pct, b.voltage_v,
                         b.current_a, b.temp_c, b.capacity_ah, b.min_cell_v, b.max_cell_v, b.min_cell_temp_c,
                         b.max_cell_temp_c, b.charged_energy_kwh, b.discharged_energy_kwh, b.installed_capacity_ah};
    for (std::size_t i = 0; i < std::size(da); ++i)
        if (!same_value(da[i], db[i]))
            return false;
    return a.protection == b.protection && a.alarm == b.alarm && a.module_count == b.module_count &&
           a.charge_enable == b.charge_enable && a.discharge_enable == b.discharge_enable &&
           a.force_charge_1 == b.force_charge_1 && a.force_charge_2 == b.force_charge_2 &&
           a.full_charge_request == b.full_charge_request && a.chemistry == b.chemistry &&
           a.bms_version_major == b.bms_version_major && a.bms_version_minor == b.bms_version_minor &&
           a.bms_name == b.bms_name && a.modules_ok == b.modules_ok &&
           a.modules_blocking_charge == b.modules_blocking_charge &&
           a.modules_blocking_discharge == b.modules_blocking_discharge && a.modules_offline == b.modules_offline &&
           a.min_cell_v_name == b.min_cell_v_name && a.max_cell_v_name == b.max_cell_v_name &&
           a.min_cell_temp_name == b.min_cell_temp_name && a.max_cell_temp_name == b.max_cell_temp_name;
}

// Bits of each data byte that a message defines (bytes the decoders ignore are 0).
std::vector<std::uint8_t> defined_bits(std::uint32_t id) {
    switch (id) {
    case can_id::soc: return {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0};
    case can_id::measurements: return {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0};
    case can_id::pylon_flags: return {0x9E, 0x09, 0x9E, 0x09, 0xFF, 0, 0, 0}; // bytes 5-6 are "PN"
    case can_id::requests: return {0xF8, 0, 0, 0, 0, 0, 0, 0};
    case can_id::battery_info: return {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0};
    case can_id::installed_capacity: return {0xFF, 0xFF, 0, 0, 0, 0, 0, 0};
    default: return std::vector<std::uint8_t>(8, 0xFF);
    }
}

void check_battery_round_trip(const can_frame& f, const battery_can_state& s, const std::string& manufacturer) {
    const std::vector<std::uint8_t> dlcs = can_allowed_dlcs(f.id);
    std::uint8_t dlc = 0;
    for (std::uint8_t d : dlcs)
        if (d <= f.dlc)
            dlc = std::max(dlc, d);
    if (dlc == 0)
        return; // accepted with a DLC no encoder produces (0x359 with DLC 5 or 6): nothing to compare
    const can_frame again = encode_message({f.id, dlc}, s, manufacturer);
    FUZZ_CHECK(again.id == f.id && !again.extended && !again.rtr && again.dlc == dlc, "re-encoded header");
    if (f.id == can_id::sma_alarms) {
        sma_alarms_35a got, sent;
        FUZZ_CHECK(decode_35a(again, got) && decode_35a(f, sent), "0x35A decodes");
        for (unsigned i = 0; i <= static_cast<unsigned>(sma_event::cell_imbalance); ++i) {
            FUZZ_CHECK((got.alarm[i] == sma_pair::active) == (sent.alarm[i] == sma_pair::active), "0x35A alarm");
            FUZZ_CHECK((got.warning[i] == sma_pair::active) == (sent.warning[i] == sma_pair::active), "0x35A warning");
        }
        return;
    }
    const std::vector<std::uint8_t> mask = defined_bits(f.id);
    for (unsigned i = 0; i < dlc; ++i)
        if ((again.data[i] & mask[i]) != (f.data[i] & mask[i])) {
            const std::string what = "battery frame round trip: ID " + std::to_string(f.id) + " DLC " +
                                     std::to_string(f.dlc) + ", byte " + std::to_string(i);
            FUZZ_CHECK(false, what.c_str());
        }
}

void battery_side(const can_frame& f, battery_can_state& s, std::string& manufacturer) {
    const bool decodable = !f.extended && !f.rtr && f.dlc <= can_max_dlc;
    limits_351 l;
    soc_355 soc;
    measurements_356 m;
    flags_359 fl;
    sma_alarms_35a a;
    requests_35c r;
    std::string text;
    battery_info_35f bi;
    // Each decoder accepts only its own ID (and the battery-side message set is disjoint).
    FUZZ_CHECK(!decode_351(f, l) || (decodable && f.id == can_id::limits), "decode_351 accepts only 0x351");
    FUZZ_CHECK(!decode_355(f, soc) || (decodable && f.id == can_id::soc), "decode_355 accepts only 0x355");
    FUZZ_CHECK(!decode_356(f, m) || (decodable && f.id == can_id::measurements), "decode_356 accepts only 0x356");
    FUZZ_CHECK(!decode_359(f, fl) || (decodable && f.id == can_id::pylon_flags), "decode_359 accepts only 0x359");
    FUZZ_CHECK(!decode_35a(f, a) || (decodable && f.id == can_id::sma_alarms), "decode_35a accepts only 0x35A");
    FUZZ_CHECK(!decode_35c(f, r) || (decodable && f.id == can_id::requests), "decode_35c accepts only 0x35C");
    FUZZ_CHECK(!decode_35e(f, text) || (decodable && f.id == can_id::manufacturer), "decode_35e accepts only 0x35E");
    FUZZ_CHECK(!decode_35f(f, bi) || (decodable && f.id == can_id::battery_info), "decode_35f accepts only 0x35F");

    const battery_can_state before = s;
    const std::string manufacturer_before = manufacturer;
    if (!decode_battery_frame(f, s, &manufacturer)) {
        FUZZ_CHECK(same_state(s, before) && manufacturer == manufacturer_before, "state unchanged on rejection");
        return;
    }
    FUZZ_CHECK(decodable && !can_allowed_dlcs(f.id).empty(), "decode_battery_frame accepts only known data frames");
    check_battery_round_trip(f, s, manufacturer);
}

// The same frame with every byte past the DLC inverted decodes to the same state.
void payload_only(const can_frame& f, const battery_can_state& before) {
    if (f.dlc >= can_max_dlc)
        return;
    can_frame g = f;
    for (unsigned i = f.dlc; i < can_max_dlc; ++i)
        g.data[i] = static_cast<std::uint8_t>(~g.data[i]);
    battery_can_state a = before, b = before;
    std::string ma, mb;
    const bool ok_a = decode_battery_frame(f, a, &ma), ok_b = decode_battery_frame(g, b, &mb);
    FUZZ_CHECK(ok_a == ok_b && same_state(a, b) && ma == mb, "decoding reads only the DLC's bytes");
    sma_305 ha, hb;
    const bool h_a = decode_305_sma(f, ha), h_b = decode_305_sma(g, hb);
    FUZZ_CHECK(h_a == h_b, "0x305 reads only the DLC's bytes");
    sma_307 ra, rb;
    FUZZ_CHECK(!decode_307(f, ra) || (decode_307(g, rb) && ra.relay_state == rb.relay_state),
               "0x307 reads only the DLC's bytes");
}

void inverter_side(const can_frame& f) {
    (void)is_heartbeat_305(f);
    sma_305 h;
    if (decode_305_sma(f, h))
        FUZZ_CHECK(encode_305_sma(h) == f, "0x305 SMA round trip");
    sma_306 st;
    if (decode_306(f, st))
        FUZZ_CHECK(encode_306(st) == f, "0x306 round trip");
    sma_307 rel;
    if (decode_307(f, rel)) {
        const can_frame again = encode_307(rel, f.dlc);
        FUZZ_CHECK(again.data[0] == f.data[0] && again.data[1] == f.data[1] && again.dlc == f.dlc, "0x307 round trip");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz_input in(data, size);
    battery_can_state s;
    std::string manufacturer;
    while (in.left() > 0) {
        const can_frame f = stacksim::fuzz::take_can_frame(in);
        payload_only(f, s);
        battery_side(f, s, manufacturer);
        inverter_side(f);
    }
    return 0;
}
