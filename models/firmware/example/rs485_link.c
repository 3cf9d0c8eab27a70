/* rs485_link.c -- see rs485_link.h. */
#include "rs485_link.h"

#include "hal.h"
#include "pylon_rs485.h"

#define BITS_PER_CHAR 10u /* 8N1: start, 8 data, stop */

static double g_baud = 9600.0;
static uint64_t g_busy_until_ns;
static char g_rx[PYLON_MAX_FRAME_CHARS];
static size_t g_rx_n;
static int g_in_frame;
static unsigned long g_dropped;

void link_init(double baud) {
    g_baud = baud > 0.0 ? baud : 9600.0;
    g_busy_until_ns = 0;
    g_rx_n = 0;
    g_in_frame = 0;
    g_dropped = 0;
}

uint64_t link_chars_ns(size_t n) { return (uint64_t)((double)n * BITS_PER_CHAR * 1e9 / g_baud + 0.5); }

int link_receive(uint8_t byte, const char** chars, size_t* n) {
    if (byte == '~') { /* a start of frame always restarts the assembly */
        if (g_in_frame)
            ++g_dropped;
        g_in_frame = 1;
        g_rx_n = 0;
    }
    if (!g_in_frame)
        return 0; /* noise between frames */
    if (g_rx_n >= sizeof g_rx) {
        ++g_dropped;
        g_in_frame = 0;
        return 0;
    }
    g_rx[g_rx_n++] = (char)byte;
    if (byte != '\r')
        return 0;
    g_in_frame = 0;
    *chars = g_rx;
    *n = g_rx_n;
    return 1;
}

uint64_t link_send(const char* chars, size_t n) {
    const uint64_t now = hal_now_ns();
    if (now < g_busy_until_ns)
        return 0;
    if (hal_rs485_write((const uint8_t*)chars, n) != HAL_OK)
        return 0;
    g_busy_until_ns = now + link_chars_ns(n);
    return g_busy_until_ns;
}

uint64_t link_free_at_ns(void) { return g_busy_until_ns; }

unsigned long link_dropped(void) { return g_dropped; }
