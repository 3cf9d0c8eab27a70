#include "tlm/rs485_bridge.h"

#include <chrono>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace stacksim::bus {

rs485_bridge::rs485_bridge(const sc_core::sc_module_name& name, std::string stream, stream_opener open,
                           rs485_bridge_config cfg)
    : sc_core::sc_module(name),
      rs485_host("rs485"),
      m_cfg(std::move(cfg)),
      m_stream(std::move(stream)),
      m_open(std::move(open)),
      m_framer(m_cfg.framing) {
    if (!m_open)
        throw std::invalid_argument(std::string(this->name()) + ": no way to open the stream " + m_stream);
    if (!m_cfg.clock)
        m_cfg.clock = [] { return host::wall_clock::now(); };
    m_epoch = m_cfg.clock();
    SC_HAS_PROCESS(rs485_bridge);
    SC_THREAD(transmit_loop);
}

rs485_bridge::~rs485_bridge() { stop(); }

std::string rs485_bridge::describe() const {
    return "rs485 bridge @" + m_cfg.position + ": " + (m_port ? m_port->describe() : m_stream);
}

void rs485_bridge::open() {
    if (m_port)
        return;
    m_port = m_open();
    if (!m_port)
        throw std::invalid_argument(std::string(name()) + ": opening " + m_stream + " gave no stream");
}

void rs485_bridge::start(std::function<void()> wake) {
    if (m_started)
        return;
    open();
    m_started = true;
    m_wake = std::move(wake);
    m_port->start([this](std::string_view b, host::wall_clock::time_point t) { on_bytes(b, t); },
                  [this](bool c, const std::string& peer) { on_link(c, peer); },
                  [this](host::notice n) { on_notice(std::move(n)); });
}

void rs485_bridge::stop() {
    if (m_port)
        m_port->stop();
}

double rs485_bridge::to_s(host::wall_clock::time_point t) const {
    return std::chrono::duration<double>(t - m_epoch).count();
}

host::wall_clock::time_point rs485_bridge::to_wall(double s) const {
    return m_epoch + std::chrono::round<host::wall_clock::duration>(std::chrono::duration<double>(s));
}

void rs485_bridge::queue_notice(host::notice n) {
    if (m_notices.size() >= m_cfg.max_notices) {
        ++m_stats.notices_dropped;
        return;
    }
    m_notices.push_back(std::move(n));
}

// Completed transmissions: counted, the malformed ones reported, all queued for delivery.
void rs485_bridge::accept(std::vector<proto::rs485_transmission>& done) {
    for (proto::rs485_transmission& t : done) {
        ++m_stats.rx;
        const host::wall_clock::time_point first = to_wall(t.first_s);
        if (!t.well_formed) {
            ++m_stats.malformed;
            queue_notice({to_wall(t.last_s), "malformed",
                          t.problem + " (" + std::to_string(t.chars.size()) + " characters, sent to the line as they "
                          "came): \"" + proto::escape_for_log(t.chars) + "\""});
        }
        if (m_ready.size() >= m_cfg.max_pending) {
            ++m_stats.rx_dropped;
            queue_notice({first, "dropped", "input queue full (" + std::to_string(m_cfg.max_pending) +
                                                " transmissions): the simulation is not keeping up"});
            continue;
        }
        m_ready.push_back({std::move(t.chars), first});
    }
    done.clear();
}

void rs485_bridge::on_bytes(std::string_view bytes, host::wall_clock::time_point arrival) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        std::vector<proto::rs485_transmission> done;
        m_framer.feed(bytes, to_s(arrival), done);
        accept(done);
    }
    // Also when nothing completed: an open transmission has a new silence deadline.
    if (m_wake)
        m_wake();
}

// (The stream reports connects and disconnects as notices itself.)
void rs485_bridge::on_link(bool connected, const std::string&) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (connected) {
            ++m_stats.connects;
        } else {
            std::vector<proto::rs485_transmission> done;
            m_framer.flush(done); // what the client left unfinished was on the wire all the same
            accept(done);
        }
    }
    if (m_wake)
        m_wake();
}

void rs485_bridge::on_notice(host::notice n) {
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        queue_notice(std::move(n));
    }
    if (m_wake)
        m_wake();
}

std::optional<host::wall_clock::time_point> rs485_bridge::next_arrival() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_ready.empty())
        return m_ready.front().arrival;
    if (const auto deadline = m_framer.gap_deadline())
        return to_wall(*deadline);
    return std::nullopt;
}

void rs485_bridge::deliver_next() {
    std::string chars;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_ready.empty()) {
            // Only an unfinished transmission: its silence has ended it if no byte came since.
            std::vector<proto::rs485_transmission> done;
            m_framer.poll(to_s(m_cfg.clock()), done);
            accept(done);
        }
        if (m_ready.empty())
            return; // more bytes came: the transmission goes on
        chars = std::move(m_ready.front().chars);
        m_ready.pop_front();
    }
    m_tx.push_back(std::move(chars));
    m_tx_ev.notify(sc_core::SC_ZERO_TIME); // the transmit process sends it at this instant
}

void rs485_bridge::transmit_loop() {
    for (;;) {
        while (m_tx.empty())
            sc_core::wait(m_tx_ev);
        const sc_core::sc_time now = sc_core::sc_time_stamp();
        if (m_line_free > now) {
            sc_core::wait(m_line_free - now); // one UART: right behind our previous transmission
            continue;
        }
        const std::string chars = std::move(m_tx.front());
        m_tx.pop_front();
        m_line_free = rs485_send(chars);
        ++m_sent;
    }
}

void rs485_bridge::rs485_receive(const rs485_frame& frame) { m_rx_arrivals.hold(frame); }

void rs485_bridge::write_to_host(const rs485_frame& frame) {
    const bool written = m_port && m_port->write(frame.chars);
    std::lock_guard<std::mutex> lock(m_mutex);
    if (written)
        ++m_stats.tx;
    else
        ++m_stats.dropped;
}

void rs485_bridge::take_notices(std::vector<host::notice>& out) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (host::notice& n : m_notices)
        out.push_back(std::move(n));
    m_notices.clear();
}

host::endpoint_stats rs485_bridge::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_stats;
}

} // namespace stacksim::bus
