// The messages between stacksim and a firmware's child process (process mode, process_firmware.h),
// one message per SOCK_SEQPACKET datagram. SystemC-free; both sides parse what the other sent as
// outside bytes (the child runs foreign code that may corrupt its memory): decode() checks every
// length and the shape of each kind and never reads beyond the datagram.
//
// Wire format, integers little-endian:
//   u8 magic (0xF7), u8 kind, u8 fn (host_call: which host function, else 0), u8 n_args (<= 16),
//   u8 n_blobs (<= 4), u64 now_ns, n_args x u64, then per blob: u32 length (<= max_blob) + bytes.
//   Nothing may follow the last blob.
// now_ns: in every message from stacksim, the simulated time at sending; the child answers the
// firmware's now_ns() from the latest one (time moves only inside host calls, whose replies carry
// it). 0 from the child.
//
// A conversation: stacksim sends a call_* message; the child runs the callback, sending host_call
// messages -- each answered by one reply before it goes on, except log and publish_* which need
// none -- and ends with done. After loading, the child sends hello (or load_failed) first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace stacksim::fw::rpc {

inline constexpr std::uint8_t magic = 0xF7;
inline constexpr std::size_t max_args = 16;
inline constexpr std::size_t max_blobs = 4;
inline constexpr std::size_t max_blob = 65536;
inline constexpr std::size_t header_bytes = 5 + 8;
// The largest datagram a well-formed message makes (receive buffers are this large).
inline constexpr std::size_t max_message = header_bytes + 8 * max_args + max_blobs * (4 + max_blob);

enum class kind : std::uint8_t {
    // stacksim -> child
    call_power_on = 1, // -
    call_power_off,    // -
    call_timer,        // args: id
    call_uart_rx,      // args: port; blobs: the characters of one frame, their t_ns (u64 LE each)
    call_can_rx,       // args: id, extended, rtr, dlc, t_ns; blob: data (<= 8 bytes)
    call_gpio,         // args: pin, level
    reply,             // args: result (int64 as u64); blobs: 0 or 1 (data read, config text)
    quit,              // -: the child exits (status 0)
    // child -> stacksim
    hello = 32,        // args: api abi_version, api size; blob: name
    load_failed,       // blob: the reason
    done,              // -: the callback returned
    host_call          // fn, args and blobs per fn (below)
};

// Host functions (fn of host_call), with their arguments and blobs:
enum class fn : std::uint8_t {
    none = 0,
    i2c_write,      // args: addr; blob: data                 reply: result
    i2c_read,       // args: addr, len                         reply: result, blob data
    i2c_write_read, // args: addr, rlen; blob: wdata           reply: result, blob rdata
    uart_write,     // args: port; blob: data                  reply: result
    can_send,       // args: id, extended, rtr, dlc; blob: data (<= 8)   reply: result
    gpio_write,     // args: pin, level                        reply: result
    gpio_read,      // args: pin                               reply: result
    timer_start,    // args: id, delay_ns, period_ns           reply: result
    timer_stop,     // args: id                                reply: result
    nv_size,        // -                                       reply: result = size
    nv_read,        // args: offset, len                       reply: result, blob data
    nv_write,       // args: offset; blob: data                reply: result
    config,         // blob: key                               reply: result 1 (blob value) / 0 (NULL)
    log,            // args: level, has_component; blobs: component, kind, message     (no reply)
    publish_module, // args: the 12 fields of stacksim_fw_module_status after size, doubles as bits (no reply)
    publish_stack,  // args: the 10 fields of stacksim_fw_stack_status after size (no reply)
    count
};

struct message {
    rpc::kind kind = rpc::kind::done;
    rpc::fn fn = rpc::fn::none;
    std::uint64_t now_ns = 0;
    std::vector<std::uint64_t> args;
    std::vector<std::string> blobs; // bytes
};

// Whether a host function waits for a reply.
bool needs_reply(fn f);
// The name of a host function as in stacksim_fw_host ("i2c_write_read").
const char* fn_name(fn f);

// The datagram of `m` (its shape is the caller's business; blobs longer than max_blob are a
// logic_error).
std::string encode(const message& m);

struct decoded {
    std::optional<message> msg; // set when the datagram is a well-formed message
    std::string error;          // else: what was wrong (for the notice)
};
decoded decode(const std::uint8_t* data, std::size_t len);

// A double as the u64 of its bits and back (publish_* fields).
std::uint64_t bits_of(double v);
double double_of(std::uint64_t bits);

} // namespace stacksim::fw::rpc
