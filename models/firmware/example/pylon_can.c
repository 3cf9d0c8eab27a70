/* pylon_can.c -- see pylon_can.h. */
#include "pylon_can.h"

#include <math.h>
#include <string.h>

static void put_le16(uint8_t* p, unsigned v) {
    p[0] = (uint8_t)(v & 0xFFu);
    p[1] = (uint8_t)((v >> 8) & 0xFFu);
}

static unsigned u16_field(double value, double resolution) {
    double r;
    if (isnan(value))
        return 0xFFFFu;
    r = round(value / resolution);
    if (r < 0.0)
        r = 0.0;
    if (r > 65534.0)
        r = 65534.0;
    return (unsigned)r;
}

static unsigned s16_field(double value, double resolution) {
    double r;
    if (isnan(value))
        return 0x8000u;
    r = round(value / resolution);
    if (r < -32767.0)
        r = -32767.0;
    if (r > 32767.0)
        r = 32767.0;
    return (unsigned)(uint16_t)(int16_t)r;
}

static uint8_t byte0(const pylon_can_conditions* c) {
    return (uint8_t)((c->discharge_over_current ? 0x80u : 0u) | (c->under_temp ? 0x10u : 0u) |
                     (c->over_temp ? 0x08u : 0u) | (c->under_voltage ? 0x04u : 0u) | (c->over_voltage ? 0x02u : 0u));
}

static uint8_t byte1(const pylon_can_conditions* c) {
    return (uint8_t)((c->system_error ? 0x08u : 0u) | (c->charge_over_current ? 0x01u : 0u));
}

void pylon_can_encode_set(const pylon_can_state* s, hal_can_frame out[PYLON_CAN_SET_SIZE]) {
    static const char manufacturer[8] = {'P', 'Y', 'L', 'O', 'N', ' ', ' ', ' '};
    memset(out, 0, sizeof(hal_can_frame) * PYLON_CAN_SET_SIZE);

    out[0].id = 0x351;
    out[0].dlc = 8;
    put_le16(out[0].data + 0, u16_field(s->cvl_v, 0.1));
    put_le16(out[0].data + 2, s16_field(s->ccl_a, 0.1));
    put_le16(out[0].data + 4, s16_field(s->dcl_a, 0.1));
    put_le16(out[0].data + 6, u16_field(s->dvl_v, 0.1));

    out[1].id = 0x355;
    out[1].dlc = 4;
    put_le16(out[1].data + 0, u16_field(s->soc_pct, 1.0));
    put_le16(out[1].data + 2, u16_field(s->soh_pct, 1.0));

    out[2].id = 0x356;
    out[2].dlc = 6;
    put_le16(out[2].data + 0, s16_field(s->voltage_v, 0.01));
    put_le16(out[2].data + 2, s16_field(s->current_a, 0.1));
    put_le16(out[2].data + 4, s16_field(s->temp_c, 0.1));

    out[3].id = 0x359;
    out[3].dlc = 7;
    out[3].data[0] = byte0(&s->protection);
    out[3].data[1] = byte1(&s->protection);
    out[3].data[2] = byte0(&s->alarm);
    out[3].data[3] = byte1(&s->alarm);
    out[3].data[4] = s->module_count;
    out[3].data[5] = 'P';
    out[3].data[6] = 'N';

    out[4].id = 0x35C;
    out[4].dlc = 2;
    out[4].data[0] = (uint8_t)((s->charge_enable ? 0x80u : 0u) | (s->discharge_enable ? 0x40u : 0u) |
                               (s->force_charge_1 ? 0x20u : 0u) | (s->force_charge_2 ? 0x10u : 0u) |
                               (s->full_charge_request ? 0x08u : 0u));

    out[5].id = 0x35E;
    out[5].dlc = 8;
    memcpy(out[5].data, manufacturer, 8);
}
