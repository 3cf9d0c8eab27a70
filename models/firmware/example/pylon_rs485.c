/*
 * pylon_rs485.c -- see pylon_rs485.h. Writers and readers walk the INFO layouts field by field,
 * in wire order, as rs485-framing.md §3 lists them.
 */
#include "pylon_rs485.h"

#include <math.h>
#include <string.h>

#define TEMP_OFFSET_RAW 2731 /* 0.1 K raw value of 0 degC */

static const char hex_digits[] = "0123456789ABCDEF";

static int hex_value(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Value of n hex characters, or -1 when one is not hex. */
static long hex_field(const char* s, size_t n) {
    long v = 0;
    size_t i;
    for (i = 0; i < n; ++i) {
        const int d = hex_value(s[i]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

int pylon_is_return_code(uint8_t cid2) {
    return cid2 <= PYLON_RTN_INFO_INVALID || cid2 == PYLON_RTN_ADR_ERROR || cid2 == PYLON_RTN_COMM_ERROR;
}

uint8_t pylon_lchksum(uint16_t lenid) {
    const unsigned sum = ((lenid >> 8) & 0xFu) + ((lenid >> 4) & 0xFu) + (lenid & 0xFu);
    return (uint8_t)((16u - sum % 16u) % 16u);
}

uint16_t pylon_chksum(const char* chars, size_t n) {
    uint32_t sum = 0;
    size_t i;
    for (i = 0; i < n; ++i)
        sum += (unsigned char)chars[i];
    return (uint16_t)((0x10000u - (sum & 0xFFFFu)) & 0xFFFFu);
}

static void put_hex(char* out, unsigned value, unsigned digits) {
    unsigned i;
    for (i = 0; i < digits; ++i)
        out[i] = hex_digits[(value >> (4u * (digits - 1u - i))) & 0xFu];
}

size_t pylon_encode_frame(const pylon_frame* f, char* out, size_t cap) {
    const size_t n = PYLON_FRAME_OVERHEAD + 2u * f->info_len;
    const uint16_t lenid = (uint16_t)(2u * f->info_len);
    size_t i, at;
    if (f->info_len > PYLON_MAX_INFO || n > cap)
        return 0;
    out[0] = '~';
    put_hex(out + 1, f->ver, 2);
    put_hex(out + 3, f->adr, 2);
    put_hex(out + 5, f->cid1, 2);
    put_hex(out + 7, f->cid2, 2);
    put_hex(out + 9, ((unsigned)pylon_lchksum(lenid) << 12) | lenid, 4);
    at = 13;
    for (i = 0; i < f->info_len; ++i, at += 2)
        put_hex(out + at, f->info[i], 2);
    put_hex(out + at, pylon_chksum(out + 1, at - 1), 4);
    out[at + 4] = '\r';
    return n;
}

size_t pylon_encode(uint8_t adr, uint8_t cid2, const uint8_t* info, size_t info_len, char* out, size_t cap) {
    static pylon_frame f; /* one frame of scratch space: the firmware is single-threaded */
    if (info_len > PYLON_MAX_INFO)
        return 0;
    f.ver = PYLON_VER;
    f.adr = adr;
    f.cid1 = PYLON_CID1_BATTERY;
    f.cid2 = cid2;
    f.info_len = info_len;
    if (info_len)
        memcpy(f.info, info, info_len);
    return pylon_encode_frame(&f, out, cap);
}

int pylon_decode_frame(const char* chars, size_t n, pylon_frame* out, int* adr_valid) {
    const char* body;
    size_t body_n, sum_at, info_chars, i;
    long adr, sent, length;
    uint16_t lenid;
    *adr_valid = 0;
    out->info_len = 0;
    if (n == 0 || chars[0] != '~' || chars[n - 1] != '\r' || n < PYLON_FRAME_OVERHEAD)
        return PYLON_RTN_FORMAT_ERROR;
    body = chars + 1;
    body_n = n - 2;
    if (body_n % 2u != 0)
        return PYLON_RTN_FORMAT_ERROR;
    adr = hex_field(body + 2, 2);
    if (adr >= 0) {
        *adr_valid = 1;
        out->adr = (uint8_t)adr;
    }
    sum_at = body_n - 4u;
    sent = hex_field(body + sum_at, 4);
    if (sent < 0)
        return PYLON_RTN_FORMAT_ERROR;
    if ((uint16_t)sent != pylon_chksum(body, sum_at))
        return PYLON_RTN_CHKSUM_ERROR;
    for (i = 0; i < sum_at; ++i)
        if (hex_value(body[i]) < 0)
            return PYLON_RTN_FORMAT_ERROR;
    length = hex_field(body + 8, 4);
    lenid = (uint16_t)(length & 0xFFF);
    if ((uint8_t)((length >> 12) & 0xF) != pylon_lchksum(lenid))
        return PYLON_RTN_LCHKSUM_ERROR;
    info_chars = sum_at - 12u;
    if (lenid % 2u != 0 || lenid != info_chars || info_chars / 2u > PYLON_MAX_INFO)
        return PYLON_RTN_FORMAT_ERROR;
    out->ver = (uint8_t)hex_field(body, 2);
    out->cid1 = (uint8_t)hex_field(body + 4, 2);
    out->cid2 = (uint8_t)hex_field(body + 6, 2);
    out->info_len = info_chars / 2u;
    for (i = 0; i < out->info_len; ++i)
        out->info[i] = (uint8_t)hex_field(body + 12 + 2 * i, 2);
    return PYLON_RTN_NORMAL;
}

/* ---- INFO writer / reader ----------------------------------------------------------------- */

typedef struct writer {
    uint8_t* buf;
    size_t cap, len;
    int overflow;
} writer;

static void w_u8(writer* w, unsigned v) {
    if (w->len >= w->cap) {
        w->overflow = 1;
        return;
    }
    w->buf[w->len++] = (uint8_t)v;
}
static void w_u16(writer* w, unsigned v) {
    w_u8(w, (v >> 8) & 0xFFu);
    w_u8(w, v & 0xFFu);
}
static void w_u24(writer* w, unsigned long v) {
    w_u8(w, (unsigned)((v >> 16) & 0xFFu));
    w_u16(w, (unsigned)(v & 0xFFFFu));
}

/* round(value / resolution), halves away from zero, saturated to [lo, hi]; NaN -> 0. */
static long scaled(double value, double resolution, long lo, long hi) {
    double r;
    if (isnan(value))
        value = 0.0;
    r = round(value / resolution);
    if (r < (double)lo)
        return lo;
    if (r > (double)hi)
        return hi;
    return (long)r;
}
static void w_u16_phys(writer* w, double v, double res) { w_u16(w, (unsigned)scaled(v, res, 0, 0xFFFF)); }
static void w_s16_phys(writer* w, double v, double res) {
    w_u16(w, (unsigned)((uint16_t)(int16_t)scaled(v, res, -0x8000, 0x7FFF)));
}
static void w_temp(writer* w, double t_c) {
    w_u16(w, (unsigned)(scaled(t_c, 0.1, -TEMP_OFFSET_RAW, 0xFFFF - TEMP_OFFSET_RAW) + TEMP_OFFSET_RAW));
}
static void w_ascii(writer* w, const char* s, size_t n) {
    size_t i, len = s ? strlen(s) : 0u;
    for (i = 0; i < n; ++i)
        w_u8(w, i < len ? (unsigned char)s[i] : 0u);
}
static size_t w_done(const writer* w) { return w->overflow ? 0u : w->len; }

typedef struct reader {
    const uint8_t* buf;
    size_t len, pos;
    int ok;
} reader;

static unsigned r_u8(reader* r) {
    if (r->pos >= r->len) {
        r->ok = 0;
        return 0;
    }
    return r->buf[r->pos++];
}
static unsigned r_u16(reader* r) {
    const unsigned hi = r_u8(r);
    return (hi << 8) | r_u8(r);
}
static unsigned long r_u24(reader* r) {
    const unsigned long hi = r_u8(r);
    return (hi << 16) | r_u16(r);
}
static double r_s16(reader* r, double res) { return (double)(int16_t)(uint16_t)r_u16(r) * res; }
static double r_temp(reader* r) { return ((double)(int)r_u16(r) - TEMP_OFFSET_RAW) * 0.1; }

/* ---- 0x42 ---------------------------------------------------------------------------------- */

/* One module's block: M, cells mV, N, temperatures, current 0.1 A, module mV, remaining mAh,
 * user item count (4: the u24 capacities follow; the u16 fields say 0xFFFF above 65535 mAh),
 * total mAh, cycles. This firmware always sends count 4 when a capacity exceeds 65.535 Ah. */
static void w_analog_block(writer* w, const pylon_analog* a) {
    unsigned k;
    const long rem_mah = scaled(a->remaining_ah, 0.001, 0, 0xFFFFFF);
    const long tot_mah = scaled(a->total_ah, 0.001, 0, 0xFFFFFF);
    const unsigned count = (rem_mah > 0xFFFF || tot_mah > 0xFFFF) ? 4u : 2u;
    w_u8(w, a->n_cells);
    for (k = 0; k < a->n_cells; ++k)
        w_s16_phys(w, a->cell_v[k], 0.001);
    w_u8(w, a->n_temps);
    for (k = 0; k < a->n_temps; ++k)
        w_temp(w, a->temp_c[k]);
    w_s16_phys(w, a->current_a, 0.1);
    w_u16_phys(w, a->voltage_v, 0.001);
    w_u16(w, (unsigned)(rem_mah > 0xFFFF ? 0xFFFF : rem_mah));
    w_u8(w, count);
    w_u16(w, (unsigned)(tot_mah > 0xFFFF ? 0xFFFF : tot_mah));
    w_u16(w, a->cycles > 0xFFFFu ? 0xFFFFu : a->cycles);
    if (count == 4u) {
        w_u24(w, (unsigned long)rem_mah);
        w_u24(w, (unsigned long)tot_mah);
    }
}

size_t pylon_info_analog(const pylon_analog* a, uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    w.buf = info;
    w.cap = cap;
    if (a->n_cells > PYLON_MAX_CELLS || a->n_temps > PYLON_MAX_TEMPS)
        return 0;
    w_u8(&w, 0);      /* INFOFLAG */
    w_u8(&w, a->adr); /* command value */
    w_analog_block(&w, a);
    return w_done(&w);
}

size_t pylon_info_system_analog(const pylon_analog* const* modules, unsigned n, uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    unsigned i;
    w.buf = info;
    w.cap = cap;
    w_u8(&w, 0);
    w_u8(&w, n);
    for (i = 0; i < n; ++i)
        w_analog_block(&w, modules[i]);
    return w_done(&w);
}

int pylon_read_analog(const uint8_t* info, size_t len, pylon_analog* out) {
    reader r;
    pylon_analog a;
    unsigned k, count, rem16, tot16;
    r.buf = info;
    r.len = len;
    r.pos = 0;
    r.ok = 1;
    memset(&a, 0, sizeof a);
    (void)r_u8(&r); /* INFOFLAG */
    a.adr = (uint8_t)r_u8(&r);
    a.n_cells = r_u8(&r);
    if (a.n_cells > PYLON_MAX_CELLS)
        return 0;
    for (k = 0; k < a.n_cells; ++k)
        a.cell_v[k] = r_s16(&r, 0.001);
    a.n_temps = r_u8(&r);
    if (a.n_temps > PYLON_MAX_TEMPS)
        return 0;
    for (k = 0; k < a.n_temps; ++k)
        a.temp_c[k] = r_temp(&r);
    a.current_a = r_s16(&r, 0.1);
    a.voltage_v = r_u16(&r) * 0.001;
    rem16 = r_u16(&r);
    count = r_u8(&r);
    tot16 = r_u16(&r);
    a.cycles = r_u16(&r);
    if (count == 4u) {
        a.remaining_ah = (double)r_u24(&r) * 0.001;
        a.total_ah = (double)r_u24(&r) * 0.001;
    } else if (count == 2u) {
        a.remaining_ah = rem16 * 0.001;
        a.total_ah = tot16 * 0.001;
    } else {
        return 0;
    }
    if (!r.ok || r.pos != r.len)
        return 0;
    *out = a;
    return 1;
}

/* ---- 0x44 ---------------------------------------------------------------------------------- */

size_t pylon_info_alarm(const pylon_alarm* a, uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    unsigned k;
    w.buf = info;
    w.cap = cap;
    if (a->n_cells > PYLON_MAX_CELLS || a->n_temps > PYLON_MAX_TEMPS)
        return 0;
    w_u8(&w, 0); /* DATAFLAG */
    w_u8(&w, a->adr);
    w_u8(&w, a->n_cells);
    for (k = 0; k < a->n_cells; ++k)
        w_u8(&w, a->cell_state[k]);
    w_u8(&w, a->n_temps);
    for (k = 0; k < a->n_temps; ++k)
        w_u8(&w, a->temp_state[k]);
    w_u8(&w, a->charge_current_state);
    w_u8(&w, a->module_voltage_state);
    w_u8(&w, a->discharge_current_state);
    w_u8(&w, a->status1 & 0xF7u); /* b3 is not defined */
    w_u8(&w, a->status2 & 0x0Fu);
    w_u8(&w, a->status3 & 0xE9u);
    w_u8(&w, a->cell_error_mask & 0xFFu); /* status 4: cells 1-8 */
    w_u8(&w, a->cell_error_mask >> 8);    /* status 5: cells 9-16 */
    return w_done(&w);
}

int pylon_read_alarm(const uint8_t* info, size_t len, pylon_alarm* out) {
    reader r;
    pylon_alarm a;
    unsigned k, lo;
    r.buf = info;
    r.len = len;
    r.pos = 0;
    r.ok = 1;
    memset(&a, 0, sizeof a);
    (void)r_u8(&r);
    a.adr = (uint8_t)r_u8(&r);
    a.n_cells = r_u8(&r);
    if (a.n_cells > PYLON_MAX_CELLS)
        return 0;
    for (k = 0; k < a.n_cells; ++k)
        a.cell_state[k] = (uint8_t)r_u8(&r);
    a.n_temps = r_u8(&r);
    if (a.n_temps > PYLON_MAX_TEMPS)
        return 0;
    for (k = 0; k < a.n_temps; ++k)
        a.temp_state[k] = (uint8_t)r_u8(&r);
    a.charge_current_state = (uint8_t)r_u8(&r);
    a.module_voltage_state = (uint8_t)r_u8(&r);
    a.discharge_current_state = (uint8_t)r_u8(&r);
    a.status1 = (uint8_t)r_u8(&r);
    a.status2 = (uint8_t)r_u8(&r);
    a.status3 = (uint8_t)r_u8(&r);
    lo = r_u8(&r);
    a.cell_error_mask = (uint16_t)(lo | (r_u8(&r) << 8));
    if (!r.ok)
        return 0;
    if (r.len - r.pos > 1u || (r.len - r.pos == 1u && info[len - 1] != 0))
        return 0;
    *out = a;
    return 1;
}

/* ---- 0x92 ---------------------------------------------------------------------------------- */

size_t pylon_info_management(const pylon_management* m, uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    w.buf = info;
    w.cap = cap;
    w_u8(&w, m->adr);
    w_u16_phys(&w, m->cvl_v, 0.001);
    w_u16_phys(&w, m->dvl_v, 0.001);
    w_s16_phys(&w, m->ccl_a, 0.1);
    w_s16_phys(&w, -m->dcl_a, 0.1); /* negative on the wire */
    w_u8(&w, m->status & 0xF8u);
    return w_done(&w);
}

int pylon_read_management(const uint8_t* info, size_t len, pylon_management* out) {
    reader r;
    pylon_management m;
    r.buf = info;
    r.len = len;
    r.pos = 0;
    r.ok = 1;
    m.adr = (uint8_t)r_u8(&r);
    m.cvl_v = r_u16(&r) * 0.001;
    m.dvl_v = r_u16(&r) * 0.001;
    m.ccl_a = r_s16(&r, 0.1);
    m.dcl_a = -r_s16(&r, 0.1);
    m.status = (uint8_t)r_u8(&r);
    if (!r.ok || r.pos != r.len)
        return 0;
    *out = m;
    return 1;
}

/* ---- 0x47, 0x51, 0x93 ---------------------------------------------------------------------- */

size_t pylon_info_system_parameters(const pylon_system_parameters* p, uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    w.buf = info;
    w.cap = cap;
    w_u8(&w, 0); /* INFOFLAG */
    w_u16_phys(&w, p->cell_high_v, 0.001);
    w_u16_phys(&w, p->cell_low_alarm_v, 0.001);
    w_u16_phys(&w, p->cell_under_v, 0.001);
    w_temp(&w, p->charge_high_c);
    w_temp(&w, p->charge_low_c);
    w_s16_phys(&w, p->charge_current_a, 0.1);
    w_u16_phys(&w, p->module_high_v, 0.001);
    w_u16_phys(&w, p->module_low_alarm_v, 0.001);
    w_u16_phys(&w, p->module_under_v, 0.001);
    w_temp(&w, p->discharge_high_c);
    w_temp(&w, p->discharge_low_c);
    w_s16_phys(&w, p->discharge_current_a, 0.1);
    return w_done(&w);
}

size_t pylon_info_manufacturer(const char* name, uint8_t major, uint8_t minor, const char* manufacturer,
                               uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    w.buf = info;
    w.cap = cap;
    w_ascii(&w, name, 10);
    w_u8(&w, major);
    w_u8(&w, minor);
    w_ascii(&w, manufacturer, 20);
    return w_done(&w);
}

size_t pylon_info_serial(uint8_t adr, const char* serial, uint8_t* info, size_t cap) {
    writer w = {0, 0, 0, 0};
    w.buf = info;
    w.cap = cap;
    w_u8(&w, adr);
    w_ascii(&w, serial, 16);
    return w_done(&w);
}
