// I2C as TLM-2.0: one blocking b_transport per transfer, generic payload on the base protocol.
//
// A controller (the firmware host) owns a tlm_utils::simple_initiator_socket, a target (the
// BQ76952) a tlm_utils::simple_target_socket. One payload is one transfer on the wire:
//   - address        = the 7-bit target address (0..0x7F);
//   - command        = TLM_WRITE_COMMAND: (repeated) START, address+W, the data bytes;
//                      TLM_READ_COMMAND:  (repeated) START, address+R, the data bytes read (the
//                      controller ACKs each but the last);
//   - i2c_extension  = whether a STOP ends the transfer (false: a repeated START follows, as in
//                      write-then-read) and the controller's SCL rate;
//   - response       = TLM_OK_RESPONSE; TLM_ADDRESS_ERROR_RESPONSE when no target ACKs the
//                      address (nothing else happened on the bus); TLM_GENERIC_ERROR_RESPONSE
//                      when the target NACKs a written data byte (data_length = bytes ACKed).
// Timing, per transfer and never per bit: the target adds to `delay` the transfer's duration on
// the wire (proto::i2c_transfer_s, from the byte count and the SCL rate) plus any clock stretching
// it applies; the controller waits for `delay` before its next transfer.
#pragma once

#include <tlm>

namespace stacksim::bus {

struct i2c_extension : tlm::tlm_extension<i2c_extension> {
    bool stop = true;      // a STOP follows the transfer (false: a repeated START follows)
    double scl_hz = 100e3; // the controller's clock: 100 kHz (standard) or 400 kHz (fast mode)

    tlm::tlm_extension_base* clone() const override { return new i2c_extension(*this); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        *this = static_cast<const i2c_extension&>(other);
    }
};

} // namespace stacksim::bus
