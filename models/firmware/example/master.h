/*
 * master.h -- the master's stack logic (module.master = 1): the RS485 poll of the subs, their
 * admission, the stack aggregate and the CAN set to the inverter.
 *
 * Poll cycle, every poll_period_s (the next starts at once when one runs longer): for each sub
 * in chain order (addresses master_address + 1 ..), 0x42, 0x92 and (poll_alarms) 0x44, each
 * awaited response_timeout_s after the request's last character, retried `retries` times. A
 * sub that fails a cycle counts a miss; lost_after_misses misses in a row -> sub_lost (excluded
 * from the aggregate); an answer again -> sub_back. A sub not yet admitted gets the join
 * command (0x99, INFO = ADR, 1) right after its 0x92 when its cell sum is within join_window_v
 * of the master's (simplified join rule, docs/firmware-example.md), then a fresh 0x92.
 *
 * Aggregate (each CAN cycle, after a fresh measurement of the master's own module): the master
 * and every joined, not lost sub; protected ones (0x92 both directions disabled) are counted
 * apart; CCL/DCL = the sum of the healthy ones capped by max_ccl/dcl_a_by_count[count]; more
 * than cluster_max_protected protected -> CCL = DCL = 0. CAN: the Pylontech set (pylon_can.h).
 */
#ifndef EXAMPLE_FW_MASTER_H
#define EXAMPLE_FW_MASTER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hal.h"
#include "pylon_rs485.h"

#ifdef __cplusplus
extern "C" {
#endif

void master_start(const fw_config* cfg);
void master_stop(void);
/* Timers of the poll (HAL_TIMER_POLL, HAL_TIMER_RESPONSE). */
void master_on_poll_timer(void);
void master_on_response_timeout(void);
/* A valid frame heard on the line (the master's poll logic takes answers only). */
void master_on_frame(const pylon_frame* f);
/* A frame that failed its checks (counted, logged). */
void master_on_bad_frame(int rtn);
/* Each measurement tick: sends the CAN set when a CAN cycle is due. */
void master_on_measured(void);
void master_on_can_rx(const hal_can_frame* f);
/* INFO of the whole-stack 0x42 answer: the master's block, then every sub heard and not lost. */
size_t master_system_analog(uint8_t* info, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* EXAMPLE_FW_MASTER_H */
