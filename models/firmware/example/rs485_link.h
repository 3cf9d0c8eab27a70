/*
 * rs485_link.h -- the module's RS485 transceiver above the UART: assembles received characters
 * into frames ('~' starts one, CR ends it) and sends frames on the half-duplex line, knowing
 * how long each occupies it (characters x 10 bits / baud, 8N1), so that the module never talks
 * over itself: a frame queued while the transceiver is busy goes out when it is free.
 */
#ifndef EXAMPLE_FW_RS485_LINK_H
#define EXAMPLE_FW_RS485_LINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

void link_init(double baud);
/* One received character at t_ns (the end of its stop bit); returns 1 when it completed a frame
 * (then *chars / *n hold it until the next call). Overlong garbage is dropped and counted. */
int link_receive(uint8_t byte, const char** chars, size_t* n);
/* Sends at once if the transceiver is free: returns the time its last stop bit ends; returns 0
 * (nothing sent) when busy: retry at link_free_at_ns(). */
uint64_t link_send(const char* chars, size_t n);
uint64_t link_free_at_ns(void);
/* Duration of n characters on the line. */
uint64_t link_chars_ns(size_t n);
unsigned long link_dropped(void);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_RS485_LINK_H */
