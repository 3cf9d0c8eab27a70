#include "firmware/firmware_bms.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fcntl.h>
#include <unistd.h>

#include "firmware/firmware_error.h"
#include "firmware/firmware_loader_registry.h"

namespace stacksim::models {

namespace {

constexpr double nan = std::numeric_limits<double>::quiet_NaN();
constexpr std::size_t max_i2c_bytes = 4096; // per transfer (a sanity bound, far above any AFE block)

sc_core::sc_time from_ns(std::uint64_t ns) { return sc_core::sc_time(static_cast<double>(ns), sc_core::SC_NS); }

bool is_name(const char* s) {
    if (!s || !*s)
        return false;
    for (; *s; ++s)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_'))
            return false;
    return true;
}

const char* level_name(int level) {
    switch (level) {
    case STACKSIM_FW_LOG_DEBUG: return "debug";
    case STACKSIM_FW_LOG_WARN: return "warn";
    case STACKSIM_FW_LOG_ERROR: return "error";
    default: return "info";
    }
}

} // namespace

firmware_bms::firmware_bms(const sc_core::sc_module_name& name, const battery_module_config& cfg,
                           module_plant_if& cells, event_sink& events)
    : sc_core::sc_module(name),
      bus::rs485_host("rs485"),
      i2c_out("i2c_out"),
      m_cfg(cfg.firmware),
      m_is_master(cfg.bms.address == cfg.bms.master_address),
      m_events(events),
      m_gate(cells) {
    m_report.address = cfg.bms.address;
    m_report.capacity_ah = cfg.bms.capacity_ah;
    // Nothing is known until the firmware publishes it (NaN: empty in the outputs).
    m_report.voltage_v = m_report.stack_v = m_report.current_a = nan;
    m_report.soc = m_report.soh = nan;
    m_report.cvl_v = m_report.dvl_v = m_report.ccl_a = m_report.dcl_a = nan;
    m_report.remaining_ah = nan;
    m_report.calibrated = true;
    m_report.joined = true;
    m_agg.cvl_v = m_agg.dvl_v = m_agg.ccl_a = m_agg.dcl_a = nan;
    m_agg.soc_pct = m_agg.soh_pct = m_agg.voltage_v = m_agg.current_a = m_agg.temp_c = nan;
    if (m_is_master) {
        const std::string node = (get_parent_object() ? std::string(get_parent_object()->name()) : std::string(this->name())) + ".can";
        m_can = std::make_unique<firmware_can_node>("can_tx", node, [this](const proto::can_frame& f) {
            if (!m_powered)
                return;
            pending p;
            p.kind = pending::can;
            p.frame.id = f.id;
            p.frame.extended = f.extended;
            p.frame.rtr = f.rtr;
            p.frame.dlc = f.dlc;
            std::memcpy(p.frame.data, f.data.data(), 8);
            p.t_ns = now_ns(); // the frame's end of frame is now
            push(p);
        });
    }
    m_i2c_ext.scl_hz = m_cfg.i2c_hz;
    m_nv.assign(m_cfg.nv_size, 0xFF);
    nv_load();
    load();
    SC_HAS_PROCESS(firmware_bms);
    SC_THREAD(dispatch_loop);
    set_stack_size(1u << 20); // the firmware's callbacks run on this stack in the in-process mode
    SC_METHOD(timer_method);
    sensitive << m_timer_ev;
    dont_initialize();
    SC_THREAD(tx_loop);
    SC_METHOD(run_release);
    sensitive << m_run_release_ev;
    dont_initialize();
    m_queue.push_back(pending{}); // power_on at t = 0
}

firmware_bms::~firmware_bms() = default;

std::string firmware_bms::module_label() const {
    return get_parent_object() ? get_parent_object()->basename() : basename();
}

std::string firmware_bms::rs485_node_name() const { return module_label(); }

void firmware_bms::load() {
    fw::firmware_options o;
    o.watchdog_s = m_cfg.watchdog_s;
    o.notice = [this](const std::string& what) {
        ++m_rpc_malformed;
        log_event("bms", "firmware_notice", {{"message", what}});
    };
    o.where = [this](const std::string& what) { return where("firmware " + what); };
    try {
        m_fw = fw::firmware_loader_registry::instance().load(m_cfg.isolation, m_cfg.path, *this, o);
    } catch (const fw::firmware_load_error& e) {
        throw std::invalid_argument(module_label() + " firmware (stack.firmware): " + e.what());
    }
    m_fw_name = m_fw->name();
}

void firmware_bms::nv_load() {
    if (m_cfg.nv_file.empty())
        return;
    std::ifstream in(m_cfg.nv_file, std::ios::binary);
    if (!in)
        return; // erased: first start
    in.read(reinterpret_cast<char*>(m_nv.data()), static_cast<std::streamsize>(m_nv.size()));
}

void firmware_bms::log_event(const std::string& component, const std::string& kind, const nlohmann::json& details) {
    const std::string base = get_parent_object() ? std::string(get_parent_object()->name()) : std::string(name());
    m_events.event(base + "." + component, kind, details);
}

// ---- the dispatcher ------------------------------------------------------------------------

void firmware_bms::push(const pending& p) {
    m_queue.push_back(p);
    m_work_ev.notify(sc_core::SC_ZERO_TIME);
}

void firmware_bms::dispatch_loop() {
    for (;;) {
        while (m_queue.empty())
            sc_core::wait(m_work_ev);
        if (!m_failure.empty())
            return;
        const pending p = m_queue.front();
        m_queue.pop_front();
        deliver(p);
        if (!m_failure.empty())
            return;
    }
}

std::string firmware_bms::describe(const pending& p) const {
    switch (p.kind) {
    case pending::power_on: return "on_power_on";
    case pending::power_off: return "on_power_off";
    case pending::timer: return "on_timer(" + std::to_string(p.a) + ")";
    case pending::uart: return "on_uart_rx(" + std::to_string(p.a) + ", a frame of " + std::to_string(p.chars.size()) + " characters)";
    case pending::can: {
        char buf[32];
        std::snprintf(buf, sizeof buf, "on_can_rx(0x%X)", static_cast<unsigned>(p.frame.id));
        return buf;
    }
    case pending::gpio: return "on_gpio(" + std::to_string(p.a) + ", " + std::to_string(p.level) + ")";
    }
    return "?";
}

std::string firmware_bms::where(const std::string& what) const {
    char t[48];
    std::snprintf(t, sizeof t, "%.3f", sc_core::sc_time_stamp().to_seconds());
    return module_label() + " " + what + " at t = " + t + " s during " + (m_during.empty() ? "-" : m_during) +
           "; last host call: " + m_last_call;
}

void firmware_bms::fail(const std::string& what, const std::string& during) {
    m_during = during;
    m_failure = where("firmware " + what);
    log_event("bms", "firmware_failure", {{"message", m_failure}, {"firmware", m_fw_name}});
    m_fw.reset(); // the child is gone (or killed); nothing is called again
    m_queue.clear();
    sc_core::sc_stop();
}

void firmware_bms::deliver(const pending& p) {
    if (!m_fw)
        return;
    if (!m_powered && p.kind != pending::power_off)
        return;
    const std::string during = describe(p);
    m_during = during;
    m_in_thread = true;
    ++m_callbacks;
    try {
        switch (p.kind) {
        case pending::power_on:
            outputs_off();
            m_fw->power_on();
            break;
        case pending::power_off:
            m_fw->power_off();
            outputs_off();
            m_fw.reset(); // a power-on loads a fresh instance
            break;
        case pending::timer: m_fw->timer(p.a); break;
        case pending::uart: m_fw->uart_rx(p.a, p.chars, p.char_t_ns); break;
        case pending::can: m_fw->can_rx(p.frame, p.t_ns); break;
        case pending::gpio: m_fw->gpio(p.a, p.level); break;
        }
    } catch (const fw::firmware_error& e) {
        m_in_thread = false;
        fail(e.what(), during);
        return;
    }
    m_in_thread = false;
}

// ---- power and pins ------------------------------------------------------------------------

void firmware_bms::outputs_off() {
    for (auto& t : m_timers)
        t.active = false;
    m_timer_ev.cancel();
    m_out.fill(0);
    m_gate.set_contactor(false);
    m_gate.set_precharge(false);
    m_report.switch_closed = m_gate.switch_closed();
    m_tx_chars.clear();
}

void firmware_bms::set_powered(bool on) {
    if (on == m_powered || !m_failure.empty())
        return;
    m_powered = on;
    m_report.powered = on;
    log_event("bms", "power", {{"on", on}});
    m_queue.clear();
    if (on) {
        try {
            load();
        } catch (const std::exception& e) {
            fail(std::string("could not be loaded again: ") + e.what(), "power-on");
            return;
        }
        push(pending{});
    } else {
        pending p;
        p.kind = pending::power_off;
        push(p);
    }
}

std::string firmware_bms::run_button(double press_s) {
    if (!m_powered) {
        // The button's hardware latch powers the module on (as the builtin's long press).
        set_powered(true);
        return "on";
    }
    m_run_pin = 1;
    pending p;
    p.kind = pending::gpio;
    p.a = STACKSIM_FW_GPIO_RUN_BUTTON;
    p.level = 1;
    push(p);
    m_run_release_ev.notify(sc_core::sc_time(press_s, sc_core::SC_SEC));
    return "pressed";
}

void firmware_bms::run_release() {
    m_run_pin = 0;
    if (!m_powered)
        return;
    pending p;
    p.kind = pending::gpio;
    p.a = STACKSIM_FW_GPIO_RUN_BUTTON;
    p.level = 0;
    push(p);
}

void firmware_bms::connect_alert(const sc_core::sc_event& ev, std::function<bool()> asserted) {
    m_alert_level = std::move(asserted);
    sc_core::sc_spawn_options opt;
    opt.spawn_method();
    opt.set_sensitivity(&ev);
    opt.dont_initialize();
    sc_core::sc_spawn([this] { alert_changed(); }, sc_core::sc_gen_unique_name("alert"), &opt);
}

void firmware_bms::alert_changed() {
    const int level = m_alert_level && m_alert_level() ? 1 : 0;
    if (level == m_alert_pin)
        return;
    m_alert_pin = level;
    if (!m_powered)
        return;
    pending p;
    p.kind = pending::gpio;
    p.a = STACKSIM_FW_GPIO_AFE_ALERT;
    p.level = level;
    push(p);
}

// ---- receiving -----------------------------------------------------------------------------

void firmware_bms::rs485_receive(const bus::rs485_frame& frame) { m_rx_arrivals.hold(frame); }

void firmware_bms::uart_heard(const bus::rs485_frame& frame) {
    if (!m_powered || !m_failure.empty())
        return;
    if (frame.garbled) {
        ++m_uart_framing_errors; // a real UART flags framing errors; the characters are dropped
        return;
    }
    const std::uint64_t ns = sc_core::sc_time(1, sc_core::SC_NS).value();
    pending p;
    p.kind = pending::uart;
    p.a = STACKSIM_FW_UART_RS485_A;
    p.chars = frame.chars;
    p.char_t_ns.reserve(frame.chars.size());
    for (std::size_t i = 0; i < frame.chars.size(); ++i)
        p.char_t_ns.push_back(frame.char_start(i + 1).value() / ns); // end of character i's stop bit, here
    push(p);
    m_uart_rx_chars += frame.chars.size();
}

// ---- timers --------------------------------------------------------------------------------

void firmware_bms::reschedule_timers() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    bool any = false;
    sc_core::sc_time next;
    for (const auto& t : m_timers)
        if (t.active && (!any || t.due < next)) {
            next = t.due;
            any = true;
        }
    m_timer_ev.cancel();
    if (any)
        m_timer_ev.notify(next > now ? next - now : sc_core::SC_ZERO_TIME);
}

void firmware_bms::timer_method() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    for (unsigned id = 0; id < m_timers.size(); ++id) {
        timer_slot& t = m_timers[id];
        if (!t.active || t.due > now)
            continue;
        pending p;
        p.kind = pending::timer;
        p.a = id;
        push(p);
        if (t.period > sc_core::SC_ZERO_TIME)
            t.due += t.period;
        else
            t.active = false;
    }
    reschedule_timers();
}

// ---- sending -------------------------------------------------------------------------------

void firmware_bms::tx_loop() {
    for (;;) {
        sc_core::wait(m_tx_ev);
        while (!m_tx_chars.empty()) {
            while (m_tx_free > sc_core::sc_time_stamp())
                sc_core::wait(m_tx_free - sc_core::sc_time_stamp());
            if (m_tx_chars.empty() || !m_powered)
                break;
            const std::string chars = std::move(m_tx_chars);
            m_tx_chars.clear();
            m_tx_free = rs485_send(chars);
        }
    }
}

// ---- the host table ------------------------------------------------------------------------

std::uint64_t firmware_bms::now_ns() {
    return sc_core::sc_time_stamp().value() / sc_core::sc_time(1, sc_core::SC_NS).value();
}

int firmware_bms::i2c_transfer(tlm::tlm_command cmd, std::uint8_t addr7, std::uint8_t* data, std::size_t len,
                               bool stop) {
    ++m_i2c_transfers;
    tlm::tlm_generic_payload gp;
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    gp.set_command(cmd);
    gp.set_address(addr7);
    gp.set_data_ptr(data);
    gp.set_data_length(static_cast<unsigned>(len));
    gp.set_streaming_width(static_cast<unsigned>(len));
    gp.set_byte_enable_ptr(nullptr);
    gp.set_dmi_allowed(false);
    gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    m_i2c_ext.stop = stop;
    m_i2c_ext.scl_hz = m_cfg.i2c_hz;
    gp.set_extension(&m_i2c_ext);
    i2c_out->b_transport(gp, delay);
    gp.clear_extension(&m_i2c_ext); // ours: not deleted with the payload
    if (m_in_thread && delay > sc_core::SC_ZERO_TIME)
        sc_core::wait(delay); // the firmware's clock moves by the transfer's duration
    return gp.get_response_status() == tlm::TLM_OK_RESPONSE ? STACKSIM_FW_OK : STACKSIM_FW_ERR_NACK;
}

int firmware_bms::i2c_write(std::uint8_t addr7, const std::uint8_t* data, std::size_t len) {
    ++m_host_calls;
    m_last_call = "i2c_write";
    if (addr7 > 0x7F || len > max_i2c_bytes || (len && !data))
        return STACKSIM_FW_ERR_ARG;
    std::vector<std::uint8_t> buf(data, data + len);
    return i2c_transfer(tlm::TLM_WRITE_COMMAND, addr7, buf.data(), len, true);
}

int firmware_bms::i2c_read(std::uint8_t addr7, std::uint8_t* data, std::size_t len) {
    ++m_host_calls;
    m_last_call = "i2c_read";
    if (addr7 > 0x7F || len > max_i2c_bytes || (len && !data))
        return STACKSIM_FW_ERR_ARG;
    return i2c_transfer(tlm::TLM_READ_COMMAND, addr7, data, len, true);
}

int firmware_bms::i2c_write_read(std::uint8_t addr7, const std::uint8_t* wdata, std::size_t wlen,
                                 std::uint8_t* rdata, std::size_t rlen) {
    ++m_host_calls;
    m_last_call = "i2c_write_read";
    if (addr7 > 0x7F || wlen > max_i2c_bytes || rlen > max_i2c_bytes || (wlen && !wdata) || (rlen && !rdata))
        return STACKSIM_FW_ERR_ARG;
    std::vector<std::uint8_t> buf(wdata, wdata + wlen);
    const int r = i2c_transfer(tlm::TLM_WRITE_COMMAND, addr7, buf.data(), wlen, false); // repeated START follows
    if (r != STACKSIM_FW_OK)
        return r;
    return i2c_transfer(tlm::TLM_READ_COMMAND, addr7, rdata, rlen, true);
}

int firmware_bms::uart_write(unsigned port, const std::uint8_t* data, std::size_t len) {
    ++m_host_calls;
    m_last_call = "uart_write";
    if (port > STACKSIM_FW_UART_RS485_B || (len && !data))
        return STACKSIM_FW_ERR_ARG;
    if (!m_powered || len == 0)
        return STACKSIM_FW_OK;
    m_tx_chars.append(reinterpret_cast<const char*>(data), len);
    m_tx_ev.notify(sc_core::SC_ZERO_TIME); // what this instant writes goes out as one transmission
    return STACKSIM_FW_OK;
}

int firmware_bms::can_send(const stacksim_fw_can_frame& f) {
    ++m_host_calls;
    m_last_call = "can_send";
    if (!m_can)
        return STACKSIM_FW_ERR_ABSENT;
    if (f.dlc > 8 || f.extended > 1 || f.rtr > 1 || f.id > (f.extended ? 0x1FFFFFFFu : 0x7FFu))
        return STACKSIM_FW_ERR_ARG;
    proto::can_frame c;
    c.id = f.id;
    c.extended = f.extended != 0;
    c.rtr = f.rtr != 0;
    c.dlc = f.dlc;
    if (!c.rtr)
        std::memcpy(c.data.data(), f.data, f.dlc);
    m_can->send(c);
    return STACKSIM_FW_OK;
}

int firmware_bms::gpio_write(unsigned pin, int level) {
    ++m_host_calls;
    m_last_call = "gpio_write";
    if (pin >= STACKSIM_FW_GPIO_OUT_COUNT)
        return STACKSIM_FW_ERR_ARG;
    const int v = level ? 1 : 0;
    if (m_out[pin] == v)
        return STACKSIM_FW_OK;
    m_out[pin] = v;
    if (pin == STACKSIM_FW_GPIO_CONTACTOR) {
        m_gate.set_contactor(v != 0);
        m_report.switch_closed = m_gate.switch_closed();
        log_event("bms", "contactor", {{"closed", v != 0}, {"switch_closed", m_gate.switch_closed()}});
    } else if (pin == STACKSIM_FW_GPIO_PRECHARGE) {
        m_gate.set_precharge(v != 0);
        log_event("bms", "precharge", {{"closed", v != 0}});
    }
    return STACKSIM_FW_OK;
}

int firmware_bms::gpio_read(unsigned pin) {
    ++m_host_calls;
    m_last_call = "gpio_read";
    if (pin < STACKSIM_FW_GPIO_OUT_COUNT)
        return m_out[pin];
    if (pin == STACKSIM_FW_GPIO_RUN_BUTTON)
        return m_run_pin;
    if (pin == STACKSIM_FW_GPIO_AFE_ALERT)
        return m_alert_level && m_alert_level() ? 1 : 0;
    return STACKSIM_FW_ERR_ARG;
}

int firmware_bms::timer_start(unsigned id, std::uint64_t delay_ns, std::uint64_t period_ns) {
    ++m_host_calls;
    m_last_call = "timer_start";
    constexpr std::uint64_t max_ns = std::uint64_t{1} << 53; // exact in the kernel's time (104 days)
    if (id >= m_timers.size() || delay_ns > max_ns || period_ns > max_ns)
        return STACKSIM_FW_ERR_ARG;
    timer_slot& t = m_timers[id];
    t.active = true;
    t.due = sc_core::sc_time_stamp() + from_ns(delay_ns);
    t.period = from_ns(period_ns);
    reschedule_timers();
    return STACKSIM_FW_OK;
}

int firmware_bms::timer_stop(unsigned id) {
    ++m_host_calls;
    m_last_call = "timer_stop";
    if (id >= m_timers.size())
        return STACKSIM_FW_ERR_ARG;
    m_timers[id].active = false;
    reschedule_timers();
    return STACKSIM_FW_OK;
}

int firmware_bms::nv_read(std::size_t offset, void* data, std::size_t len) {
    ++m_host_calls;
    m_last_call = "nv_read";
    if (offset > m_nv.size() || len > m_nv.size() - offset || (len && !data))
        return STACKSIM_FW_ERR_ARG;
    if (len)
        std::memcpy(data, m_nv.data() + offset, len);
    return STACKSIM_FW_OK;
}

int firmware_bms::nv_write(std::size_t offset, const void* data, std::size_t len) {
    ++m_host_calls;
    m_last_call = "nv_write";
    if (offset > m_nv.size() || len > m_nv.size() - offset || (len && !data))
        return STACKSIM_FW_ERR_ARG;
    if (len == 0)
        return STACKSIM_FW_OK;
    std::memcpy(m_nv.data() + offset, data, len);
    if (m_cfg.nv_file.empty())
        return STACKSIM_FW_OK;
    // Written through: the file holds what the firmware wrote even if the run ends abruptly.
    std::error_code ec;
    const std::filesystem::path file(m_cfg.nv_file);
    if (file.has_parent_path())
        std::filesystem::create_directories(file.parent_path(), ec);
    const int fd = ::open(m_cfg.nv_file.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return STACKSIM_FW_ERR_IO;
    bool ok = ::pwrite(fd, m_nv.data(), m_nv.size(), 0) == static_cast<ssize_t>(m_nv.size());
    ok = ::close(fd) == 0 && ok;
    return ok ? STACKSIM_FW_OK : STACKSIM_FW_ERR_IO;
}

const char* firmware_bms::config(const char* key) {
    ++m_host_calls;
    m_last_call = "config";
    const auto it = m_cfg.config.find(key);
    return it == m_cfg.config.end() ? nullptr : it->second.c_str();
}

void firmware_bms::log(int level, const char* component, const char* kind, const char* message) {
    ++m_host_calls;
    m_last_call = "log";
    // A message that is a JSON object becomes the event's details (as the builtin models give
    // theirs, so expectations' `contains` sees its fields); any other text is its "message".
    const char* text = message ? message : "";
    nlohmann::json details = nlohmann::json::parse(text, nullptr, false);
    if (!details.is_object())
        details = {{"message", text}};
    details["level"] = level_name(level);
    log_event(is_name(component) ? component : "bms", is_name(kind) ? kind : "log", details);
}

void firmware_bms::publish_module(const stacksim_fw_module_status& s) {
    ++m_host_calls;
    m_last_call = "publish_module";
    m_report.time_s = sc_core::sc_time_stamp().to_seconds();
    if (s.valid & STACKSIM_FW_MS_SOC)
        m_report.soc = s.soc_pct / 100.0;
    if (s.valid & STACKSIM_FW_MS_SOH)
        m_report.soh = s.soh_pct / 100.0;
    if (s.valid & STACKSIM_FW_MS_LIMITS) {
        m_report.cvl_v = s.cvl_v;
        m_report.dvl_v = s.dvl_v;
        m_report.ccl_a = s.ccl_a;
        m_report.dcl_a = s.dcl_a;
    }
    if (s.valid & STACKSIM_FW_MS_PROTECTION) {
        m_report.protection_bits = s.protection_bits;
        m_report.warning_bits = s.warning_bits;
        m_report.protection = s.protection_bits != 0;
    }
    if (s.valid & STACKSIM_FW_MS_BALANCE)
        m_report.balance_mask = s.balance_mask;
    if (s.valid & STACKSIM_FW_MS_ENABLE) {
        m_report.charge_enable = s.charge_enable != 0;
        m_report.discharge_enable = s.discharge_enable != 0;
    }
    m_ms_valid |= s.valid;
}

void firmware_bms::publish_stack(const stacksim_fw_stack_status& s) {
    ++m_host_calls;
    m_last_call = "publish_stack";
    if (!m_is_master)
        return;
    m_agg.time_s = sc_core::sc_time_stamp().to_seconds();
    if (s.valid & STACKSIM_FW_SS_PRESENT)
        m_agg.modules_present = s.modules_present;
    if (s.valid & STACKSIM_FW_SS_SOC) {
        m_agg.soc_pct = s.soc_pct;
        m_agg.soh_pct = s.soh_pct;
    }
    if (s.valid & STACKSIM_FW_SS_LIMITS) {
        m_agg.cvl_v = s.cvl_v;
        m_agg.dvl_v = s.dvl_v;
        m_agg.ccl_a = s.ccl_a;
        m_agg.dcl_a = s.dcl_a;
    }
    if (s.valid & STACKSIM_FW_SS_MEASURED) {
        m_agg.voltage_v = s.voltage_v;
        m_agg.current_a = s.current_a;
    }
    m_ss_valid |= s.valid;
}

bool firmware_bms::reported(report_group g) const {
    switch (g) {
    case report_group::soc: return m_ms_valid & STACKSIM_FW_MS_SOC;
    case report_group::soh: return m_ms_valid & STACKSIM_FW_MS_SOH;
    case report_group::limits: return m_ms_valid & STACKSIM_FW_MS_LIMITS;
    case report_group::protection: return m_ms_valid & STACKSIM_FW_MS_PROTECTION;
    case report_group::balance: return m_ms_valid & STACKSIM_FW_MS_BALANCE;
    case report_group::enable: return m_ms_valid & STACKSIM_FW_MS_ENABLE;
    }
    return false;
}

bool firmware_bms::aggregated(aggregate_group g) const {
    switch (g) {
    case aggregate_group::present: return m_ss_valid & STACKSIM_FW_SS_PRESENT;
    case aggregate_group::soc: return m_ss_valid & STACKSIM_FW_SS_SOC;
    case aggregate_group::limits: return m_ss_valid & STACKSIM_FW_SS_LIMITS;
    case aggregate_group::measured: return m_ss_valid & STACKSIM_FW_SS_MEASURED;
    case aggregate_group::first_start: return false;
    }
    return false;
}

void firmware_bms::end_of_run() {
    if (!m_fw || !m_powered || !m_failure.empty())
        return;
    // The run ended inside a callback (its thread waits on a bus transfer that would end after the
    // last instant): the firmware is frozen there, as a microcontroller whose supply drops
    // mid-instruction, and is not called again; on_power_off would run on top of the callback.
    if (m_in_thread) {
        m_fw.reset();
        return;
    }
    // Outside the kernel's processes: host calls cannot wait (I2C transfers take no time here).
    m_during = "on_power_off";
    m_in_thread = false;
    try {
        m_fw->power_off();
    } catch (const fw::firmware_error& e) {
        m_failure = where(std::string("firmware ") + e.what());
        log_event("bms", "firmware_failure", {{"message", m_failure}, {"firmware", m_fw_name}});
    }
    m_fw.reset();
}

} // namespace stacksim::models
