#include "firmware/firmware_child.h"

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <dlfcn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "firmware/firmware_entry.h"
#include "firmware/firmware_error.h"
#include "firmware/firmware_host.h"
#include "firmware/fw_rpc.h"
#include "firmware/host_table.h"

namespace stacksim::fw {

namespace {

// The host as the child sees it: every call goes to stacksim and waits for its reply.
class rpc_proxy_host : public firmware_host {
public:
    explicit rpc_proxy_host(int fd) : m_fd(fd) { m_buffer.resize(rpc::max_message + 1); }

    void send(const rpc::message& m) {
        const std::string bytes = rpc::encode(m);
        if (::send(m_fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(bytes.size()))
            _exit(0); // stacksim is gone
    }

    // The next well-formed message from stacksim (EOF: exit).
    rpc::message receive() {
        for (;;) {
            const ssize_t n = ::recv(m_fd, m_buffer.data(), m_buffer.size(), MSG_TRUNC);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                _exit(0);
            rpc::decoded d;
            if (static_cast<std::size_t>(n) <= rpc::max_message)
                d = rpc::decode(reinterpret_cast<const std::uint8_t*>(m_buffer.data()), static_cast<std::size_t>(n));
            else
                d.error = "oversized message";
            if (d.msg) {
                m_now_ns = d.msg->now_ns;
                return std::move(*d.msg);
            }
            ++m_malformed;
            std::fprintf(stderr, "stacksim firmware process: malformed message from stacksim ignored (%s)\n",
                         d.error.c_str());
        }
    }

    // A host call; the reply's result (and its data in `data`).
    std::int64_t call(rpc::fn f, std::vector<std::uint64_t> args, std::vector<std::string> blobs = {},
                      std::string* data = nullptr) {
        rpc::message m;
        m.kind = rpc::kind::host_call;
        m.fn = f;
        m.args = std::move(args);
        m.blobs = std::move(blobs);
        send(m);
        if (!rpc::needs_reply(f))
            return 0;
        for (;;) {
            rpc::message r = receive();
            if (r.kind == rpc::kind::quit) // the run ended while this callback was under way
                _exit(0);
            if (r.kind != rpc::kind::reply) {
                std::fprintf(stderr, "stacksim firmware process: expected a reply, got kind %d (ignored)\n",
                             static_cast<int>(r.kind));
                continue;
            }
            if (data)
                *data = r.blobs.empty() ? std::string() : std::move(r.blobs[0]);
            return static_cast<std::int64_t>(r.args[0]);
        }
    }

    std::uint64_t now_ns() override { return m_now_ns; }

    int i2c_write(std::uint8_t addr7, const std::uint8_t* data, std::size_t len) override {
        if (len > rpc::max_blob || (len && !data))
            return STACKSIM_FW_ERR_ARG;
        return static_cast<int>(call(rpc::fn::i2c_write, {addr7}, {bytes(data, len)}));
    }
    int i2c_read(std::uint8_t addr7, std::uint8_t* data, std::size_t len) override {
        if (len > rpc::max_blob || (len && !data))
            return STACKSIM_FW_ERR_ARG;
        std::string in;
        const int r = static_cast<int>(call(rpc::fn::i2c_read, {addr7, len}, {}, &in));
        std::memcpy(data, in.data(), std::min(len, in.size()));
        return r;
    }
    int i2c_write_read(std::uint8_t addr7, const std::uint8_t* wdata, std::size_t wlen, std::uint8_t* rdata,
                       std::size_t rlen) override {
        if (wlen > rpc::max_blob || rlen > rpc::max_blob || (wlen && !wdata) || (rlen && !rdata))
            return STACKSIM_FW_ERR_ARG;
        std::string in;
        const int r = static_cast<int>(call(rpc::fn::i2c_write_read, {addr7, rlen}, {bytes(wdata, wlen)}, &in));
        std::memcpy(rdata, in.data(), std::min(rlen, in.size()));
        return r;
    }
    int uart_write(unsigned port, const std::uint8_t* data, std::size_t len) override {
        if (len > rpc::max_blob || (len && !data))
            return STACKSIM_FW_ERR_ARG;
        return static_cast<int>(call(rpc::fn::uart_write, {port}, {bytes(data, len)}));
    }
    int can_send(const stacksim_fw_can_frame& f) override {
        if (f.dlc > 8)
            return STACKSIM_FW_ERR_ARG;
        return static_cast<int>(call(rpc::fn::can_send, {f.id, f.extended, f.rtr, f.dlc}, {bytes(f.data, f.dlc)}));
    }
    int gpio_write(unsigned pin, int level) override {
        return static_cast<int>(call(rpc::fn::gpio_write, {pin, level != 0 ? 1u : 0u}));
    }
    int gpio_read(unsigned pin) override { return static_cast<int>(call(rpc::fn::gpio_read, {pin})); }
    int timer_start(unsigned id, std::uint64_t delay_ns, std::uint64_t period_ns) override {
        return static_cast<int>(call(rpc::fn::timer_start, {id, delay_ns, period_ns}));
    }
    int timer_stop(unsigned id) override { return static_cast<int>(call(rpc::fn::timer_stop, {id})); }
    std::size_t nv_size() override {
        if (!m_nv_size_known) { // fixed for the instance's life
            m_nv_size = static_cast<std::size_t>(call(rpc::fn::nv_size, {}));
            m_nv_size_known = true;
        }
        return m_nv_size;
    }
    int nv_read(std::size_t offset, void* data, std::size_t len) override {
        if (len > rpc::max_blob || (len && !data))
            return STACKSIM_FW_ERR_ARG;
        std::string in;
        const int r = static_cast<int>(call(rpc::fn::nv_read, {offset, len}, {}, &in));
        if (r == STACKSIM_FW_OK)
            std::memcpy(data, in.data(), std::min(len, in.size()));
        return r;
    }
    int nv_write(std::size_t offset, const void* data, std::size_t len) override {
        if (len > rpc::max_blob || (len && !data))
            return STACKSIM_FW_ERR_ARG;
        return static_cast<int>(call(rpc::fn::nv_write, {offset}, {bytes(data, len)}));
    }
    const char* config(const char* key) override {
        const std::string k = clip(key);
        std::string value;
        if (call(rpc::fn::config, {}, {k}, &value) != 1)
            return nullptr;
        auto& slot = m_config[k]; // stable storage: the firmware may keep the pointer
        slot = value;
        return slot.c_str();
    }
    void log(int level, const char* component, const char* kind, const char* message) override {
        call(rpc::fn::log, {static_cast<std::uint64_t>(static_cast<std::int64_t>(level)), component ? 1u : 0u},
             {component ? clip(component) : std::string(), clip(kind), clip(message)});
    }
    void publish_module(const stacksim_fw_module_status& s) override {
        call(rpc::fn::publish_module,
             {s.valid, rpc::bits_of(s.soc_pct), rpc::bits_of(s.soh_pct), rpc::bits_of(s.cvl_v), rpc::bits_of(s.dvl_v),
              rpc::bits_of(s.ccl_a), rpc::bits_of(s.dcl_a), s.protection_bits, s.warning_bits, s.balance_mask,
              s.charge_enable, s.discharge_enable});
    }
    void publish_stack(const stacksim_fw_stack_status& s) override {
        call(rpc::fn::publish_stack,
             {s.valid, s.modules_present, rpc::bits_of(s.soc_pct), rpc::bits_of(s.soh_pct), rpc::bits_of(s.cvl_v),
              rpc::bits_of(s.dvl_v), rpc::bits_of(s.ccl_a), rpc::bits_of(s.dcl_a), rpc::bits_of(s.voltage_v),
              rpc::bits_of(s.current_a)});
    }

private:
    static std::string bytes(const void* p, std::size_t n) {
        return n ? std::string(static_cast<const char*>(p), n) : std::string();
    }
    static std::string clip(const char* s) {
        std::string t = s ? s : "";
        if (t.size() > rpc::max_blob)
            t.resize(rpc::max_blob);
        return t;
    }

    int m_fd;
    std::string m_buffer;
    std::uint64_t m_now_ns = 0;
    std::uint64_t m_malformed = 0;
    std::size_t m_nv_size = 0;
    bool m_nv_size_known = false;
    std::map<std::string, std::string> m_config;
};

void prepare_process(int fd) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::signal(SIGINT, SIG_IGN);
    std::signal(SIGTERM, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    // Only the socket and the standard streams stay open (stacksim's files and sockets do not).
    if (fd > 3)
        close_range(3, static_cast<unsigned>(fd) - 1, 0);
    close_range(static_cast<unsigned>(fd) + 1, ~0u, 0);
}

} // namespace

void run_firmware_child(int fd, const std::string& path) {
    prepare_process(fd);
    rpc_proxy_host host(fd);
    stacksim_fw_api api{};
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    try {
        if (!handle)
            throw firmware_load_error(path + ": " + dlerror());
        api = load_firmware_api(handle, path);
    } catch (const firmware_load_error& e) {
        rpc::message m;
        m.kind = rpc::kind::load_failed;
        m.blobs.push_back(e.what());
        host.send(m);
        _exit(0);
    }
    {
        rpc::message m;
        m.kind = rpc::kind::hello;
        m.args = {api.abi_version, api.size};
        m.blobs.push_back(api.name ? api.name : path);
        host.send(m);
    }
    const stacksim_fw_host table = make_host_table(host);
    rpc::message done;
    done.kind = rpc::kind::done;
    for (;;) {
        const rpc::message m = host.receive();
        const auto& a = m.args;
        switch (m.kind) {
        case rpc::kind::call_power_on:
            if (api.on_power_on)
                api.on_power_on(&table);
            break;
        case rpc::kind::call_power_off:
            if (api.on_power_off)
                api.on_power_off();
            break;
        case rpc::kind::call_timer:
            if (api.on_timer)
                api.on_timer(static_cast<unsigned>(a[0]));
            break;
        case rpc::kind::call_uart_rx: {
            // One frame's characters; a time for each (8 bytes LE), the shorter list bounds it.
            const std::string& chars = m.blobs[0];
            const std::string& times = m.blobs[1];
            for (std::size_t i = 0; api.on_uart_rx && i < chars.size() && 8 * i + 8 <= times.size(); ++i) {
                std::uint64_t t = 0;
                for (int b = 7; b >= 0; --b)
                    t = (t << 8) | static_cast<std::uint8_t>(times[8 * i + static_cast<std::size_t>(b)]);
                api.on_uart_rx(static_cast<unsigned>(a[0]), static_cast<std::uint8_t>(chars[i]), t);
            }
            break;
        }
        case rpc::kind::call_can_rx:
            if (api.on_can_rx) {
                stacksim_fw_can_frame f{};
                f.id = static_cast<std::uint32_t>(a[0]);
                f.extended = static_cast<std::uint8_t>(a[1]);
                f.rtr = static_cast<std::uint8_t>(a[2]);
                f.dlc = static_cast<std::uint8_t>(std::min<std::uint64_t>(a[3], 8));
                std::memcpy(f.data, m.blobs[0].data(), std::min<std::size_t>(m.blobs[0].size(), 8));
                api.on_can_rx(&f, a[4]);
            }
            break;
        case rpc::kind::call_gpio:
            if (api.on_gpio)
                api.on_gpio(static_cast<unsigned>(a[0]), static_cast<int>(static_cast<std::int64_t>(a[1])));
            break;
        case rpc::kind::quit: _exit(0);
        default:
            std::fprintf(stderr, "stacksim firmware process: unexpected message kind %d ignored\n",
                         static_cast<int>(m.kind));
            continue;
        }
        host.send(done);
    }
}

} // namespace stacksim::fw
