#include "firmware/fw_rpc.h"

#include <cstring>
#include <stdexcept>

namespace stacksim::fw::rpc {

namespace {

struct shape {
    std::uint8_t args;
    std::uint8_t min_blobs, max_blobs;
};

constexpr shape no_shape{0xFF, 0, 0};

shape shape_of(kind k, fn f) {
    switch (k) {
    case kind::call_power_on:
    case kind::call_power_off:
    case kind::quit:
    case kind::done: return {0, 0, 0};
    case kind::call_timer: return {1, 0, 0};
    case kind::call_uart_rx: return {1, 2, 2};
    case kind::call_can_rx: return {5, 1, 1};
    case kind::call_gpio: return {2, 0, 0};
    case kind::reply: return {1, 0, 1};
    case kind::hello: return {2, 1, 1};
    case kind::load_failed: return {0, 1, 1};
    case kind::host_call:
        switch (f) {
        case fn::i2c_write: return {1, 1, 1};
        case fn::i2c_read: return {2, 0, 0};
        case fn::i2c_write_read: return {2, 1, 1};
        case fn::uart_write: return {1, 1, 1};
        case fn::can_send: return {4, 1, 1};
        case fn::gpio_write: return {2, 0, 0};
        case fn::gpio_read: return {1, 0, 0};
        case fn::timer_start: return {3, 0, 0};
        case fn::timer_stop: return {1, 0, 0};
        case fn::nv_size: return {0, 0, 0};
        case fn::nv_read: return {2, 0, 0};
        case fn::nv_write: return {1, 1, 1};
        case fn::config: return {0, 1, 1};
        case fn::log: return {2, 3, 3};
        case fn::publish_module: return {12, 0, 0};
        case fn::publish_stack: return {10, 0, 0};
        case fn::none:
        case fn::count: return no_shape;
        }
        return no_shape;
    }
    return no_shape;
}

void put_u64(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_le(const std::uint8_t* p, int n) {
    std::uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i)
        v = (v << 8) | p[i];
    return v;
}

} // namespace

bool needs_reply(fn f) { return f != fn::log && f != fn::publish_module && f != fn::publish_stack; }

const char* fn_name(fn f) {
    static const char* const names[] = {"none",        "i2c_write",   "i2c_read",       "i2c_write_read",
                                        "uart_write",  "can_send",    "gpio_write",     "gpio_read",
                                        "timer_start", "timer_stop",  "nv_size",        "nv_read",
                                        "nv_write",    "config",      "log",            "publish_module",
                                        "publish_stack"};
    const auto i = static_cast<std::size_t>(f);
    return i < sizeof names / sizeof names[0] ? names[i] : "?";
}

std::string encode(const message& m) {
    if (m.args.size() > max_args || m.blobs.size() > max_blobs)
        throw std::logic_error("rpc::encode: too many arguments or blobs");
    std::string out;
    out.push_back(static_cast<char>(magic));
    out.push_back(static_cast<char>(m.kind));
    out.push_back(static_cast<char>(m.fn));
    out.push_back(static_cast<char>(m.args.size()));
    out.push_back(static_cast<char>(m.blobs.size()));
    put_u64(out, m.now_ns);
    for (std::uint64_t a : m.args)
        put_u64(out, a);
    for (const std::string& b : m.blobs) {
        if (b.size() > max_blob)
            throw std::logic_error("rpc::encode: blob longer than max_blob");
        put_u32(out, static_cast<std::uint32_t>(b.size()));
        out += b;
    }
    return out;
}

decoded decode(const std::uint8_t* data, std::size_t len) {
    decoded d;
    if (len < header_bytes) {
        d.error = "short message (" + std::to_string(len) + " bytes)";
        return d;
    }
    if (data[0] != magic) {
        d.error = "bad magic byte";
        return d;
    }
    message m;
    m.kind = static_cast<kind>(data[1]);
    m.fn = static_cast<fn>(data[2]);
    if (m.kind != kind::host_call && data[2] != 0) {
        d.error = "function byte set outside a host call";
        return d;
    }
    const shape s = shape_of(m.kind, data[2] < static_cast<std::uint8_t>(fn::count) ? m.fn : fn::none);
    if (s.args == no_shape.args) {
        d.error = "unknown message kind " + std::to_string(data[1]) + " / function " + std::to_string(data[2]);
        return d;
    }
    const std::size_t n_args = data[3], n_blobs = data[4];
    if (n_args != s.args || n_blobs < s.min_blobs || n_blobs > s.max_blobs) {
        d.error = "wrong shape for kind " + std::to_string(data[1]) + ": " + std::to_string(n_args) + " args, " +
                  std::to_string(n_blobs) + " blobs";
        return d;
    }
    m.now_ns = get_le(data + 5, 8);
    std::size_t pos = header_bytes;
    if (len - pos < 8 * n_args) {
        d.error = "truncated arguments";
        return d;
    }
    for (std::size_t i = 0; i < n_args; ++i, pos += 8)
        m.args.push_back(get_le(data + pos, 8));
    for (std::size_t i = 0; i < n_blobs; ++i) {
        if (len - pos < 4) {
            d.error = "truncated blob length";
            return d;
        }
        const std::size_t n = static_cast<std::size_t>(get_le(data + pos, 4));
        pos += 4;
        if (n > max_blob || len - pos < n) {
            d.error = "blob length " + std::to_string(n) + " beyond the message";
            return d;
        }
        m.blobs.emplace_back(reinterpret_cast<const char*>(data + pos), n);
        pos += n;
    }
    if (pos != len) {
        d.error = std::to_string(len - pos) + " bytes after the last blob";
        return d;
    }
    d.msg = std::move(m);
    return d;
}

std::uint64_t bits_of(double v) {
    std::uint64_t b;
    std::memcpy(&b, &v, sizeof b);
    return b;
}

double double_of(std::uint64_t bits) {
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
}

} // namespace stacksim::fw::rpc
