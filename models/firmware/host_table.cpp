#include "firmware/host_table.h"

#include <algorithm>
#include <cstddef>
#include <cstring>

namespace stacksim::fw {

namespace {

firmware_host& H(void* ctx) { return *static_cast<firmware_host*>(ctx); }

uint64_t now_ns(void* ctx) { return H(ctx).now_ns(); }
int i2c_write(void* ctx, uint8_t addr7, const uint8_t* data, size_t len) { return H(ctx).i2c_write(addr7, data, len); }
int i2c_read(void* ctx, uint8_t addr7, uint8_t* data, size_t len) { return H(ctx).i2c_read(addr7, data, len); }
int i2c_write_read(void* ctx, uint8_t addr7, const uint8_t* wdata, size_t wlen, uint8_t* rdata, size_t rlen) {
    return H(ctx).i2c_write_read(addr7, wdata, wlen, rdata, rlen);
}
int uart_write(void* ctx, unsigned port, const uint8_t* data, size_t len) { return H(ctx).uart_write(port, data, len); }
int can_send(void* ctx, const stacksim_fw_can_frame* frame) {
    return frame ? H(ctx).can_send(*frame) : STACKSIM_FW_ERR_ARG;
}
int gpio_write(void* ctx, unsigned pin, int level) { return H(ctx).gpio_write(pin, level); }
int gpio_read(void* ctx, unsigned pin) { return H(ctx).gpio_read(pin); }
int timer_start(void* ctx, unsigned id, uint64_t delay_ns, uint64_t period_ns) {
    return H(ctx).timer_start(id, delay_ns, period_ns);
}
int timer_stop(void* ctx, unsigned id) { return H(ctx).timer_stop(id); }
size_t nv_size(void* ctx) { return H(ctx).nv_size(); }
int nv_read(void* ctx, size_t offset, void* data, size_t len) { return H(ctx).nv_read(offset, data, len); }
int nv_write(void* ctx, size_t offset, const void* data, size_t len) { return H(ctx).nv_write(offset, data, len); }
const char* config(void* ctx, const char* key) { return key ? H(ctx).config(key) : nullptr; }
void log(void* ctx, int level, const char* component, const char* kind, const char* message) {
    H(ctx).log(level, component, kind ? kind : "log", message ? message : "");
}
// A status struct as far as the firmware's `size` reaches (an older minor version has fewer
// fields; the rest stays zero, their valid bits clear).
template <class S>
bool copy_sized(const S* from, S& to) {
    if (!from || from->size < offsetof(S, valid) + sizeof from->valid)
        return false;
    std::memcpy(&to, from, std::min<std::size_t>(from->size, sizeof to));
    to.size = sizeof to;
    return true;
}
void publish_module(void* ctx, const stacksim_fw_module_status* s) {
    stacksim_fw_module_status v{};
    if (copy_sized(s, v))
        H(ctx).publish_module(v);
}
void publish_stack(void* ctx, const stacksim_fw_stack_status* s) {
    stacksim_fw_stack_status v{};
    if (copy_sized(s, v))
        H(ctx).publish_stack(v);
}

} // namespace

stacksim_fw_host make_host_table(firmware_host& host) {
    stacksim_fw_host t{};
    t.abi_version = STACKSIM_FW_ABI_VERSION;
    t.size = sizeof(stacksim_fw_host);
    t.ctx = &host;
    t.now_ns = now_ns;
    t.i2c_write = i2c_write;
    t.i2c_read = i2c_read;
    t.i2c_write_read = i2c_write_read;
    t.uart_write = uart_write;
    t.can_send = can_send;
    t.gpio_write = gpio_write;
    t.gpio_read = gpio_read;
    t.timer_start = timer_start;
    t.timer_stop = timer_stop;
    t.nv_size = nv_size;
    t.nv_read = nv_read;
    t.nv_write = nv_write;
    t.config = config;
    t.log = log;
    t.publish_module = publish_module;
    t.publish_stack = publish_stack;
    return t;
}

} // namespace stacksim::fw
