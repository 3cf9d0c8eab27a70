// A host program on the RS485 chain: a node whose characters come from, and go to, a byte stream
// outside the process (host/stream_port.h: a pty or a TCP client standing in for a USB-RS485
// adapter). The stack places it at the master's free port (`link`) or in the master's place (`m0`).
//
// Host -> line. The stream's I/O thread hands every chunk of bytes, stamped with its wall-clock
// arrival, to proto::rs485_host_port, which groups them into transmissions (a frame ends at its
// CR; a '~', a silence of idle_gap_s or the length bound also end one). Complete transmissions
// wait, in arrival order, for the wall-clock pacer (host_io.h): next_arrival() is the arrival of
// the first byte of the oldest (or, while only an unfinished one is open, the instant its
// silence ends it), and deliver_next() -- called with the kernel paused at the simulated instant
// of that arrival -- hands it to this node, which drives it onto the line at once, or right
// behind its own previous transmission if that still holds the line (one UART). The chain then
// times its characters at the baud rate and lets it collide like any node's frame. Garbage is
// sent as it came (the receivers reject it); each malformed transmission is counted and reported
// as a notice with its reason and its characters (escaped, cut to 80).
//
// Line -> host. Every frame the chain delivers here (at its simulated end time at this node,
// garbled ones as they were sampled) is written to the stream at once; in wall-clock mode that
// is its end time on the wall clock. No client, no stream yet or a full queue: dropped, counted.
//
// The stream opens in open() (the simulation calls it before any output file exists, so that a
// port in use is bad input) or at the latest in start() (the pacer's start of a wall-clock run);
// until then the node is on the chain and hears frames, but has nobody to pass them to.
//
// Threads: the stream's I/O thread only touches the framer, the queue of transmissions, the
// notices and the statistics, under one mutex; every SystemC call happens on the simulation
// thread (deliver_next, rs485_receive, the transmit process).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <systemc>

#include "host/host_io.h"
#include "host/stream_port.h"
#include "protocol/rs485_host_port.h"
#include "tlm/rs485_arrivals.h"
#include "tlm/rs485_socket.h"

namespace stacksim::bus {

struct rs485_bridge_config {
    proto::rs485_host_port_config framing;     // idle gap, length bound
    std::string position = "link";             // where the stack put it (for describe() and logs)
    std::size_t max_pending = 4096;            // transmissions awaiting delivery; beyond: dropped
    std::size_t max_notices = 1000;            // notices awaiting take_notices; beyond: counted only
    // The wall clock (steady); tests give a fake one. Empty: host::wall_clock::now.
    std::function<host::wall_clock::time_point()> clock;
};

class rs485_bridge : public sc_core::sc_module, public rs485_host, public host::host_input {
public:
    // Opens the host stream (host::open_stream_port bound to a spec, or a test's fake).
    using stream_opener = std::function<std::unique_ptr<host::stream_port>()>;

    // `stream` names the stream for describe() until it is open ("tcp:0", "pty:/tmp/x").
    rs485_bridge(const sc_core::sc_module_name& name, std::string stream, stream_opener open, rs485_bridge_config cfg);
    ~rs485_bridge() override;

    // host::host_input (the pacer)
    std::string describe() const override;
    // Opens the stream if open() has not, and starts its I/O thread.
    void start(std::function<void()> wake) override;
    void stop() override;
    std::optional<host::wall_clock::time_point> next_arrival() override;
    void deliver_next() override;
    void take_notices(std::vector<host::notice>& out) override;
    // rx / tx: transmissions from the host / frames to it; malformed; dropped (for the host);
    // rx_dropped (transmissions lost to a full queue); notices_dropped.
    host::endpoint_stats stats() const override;
    // Opens the stream now (binds the TCP port, creates the pty); idempotent. Its errors propagate
    // (std::invalid_argument naming the spec and the reason).
    void open();

    // rs485_bw_if
    void rs485_receive(const rs485_frame& frame) override;
    std::string rs485_node_name() const override { return basename(); }

    const rs485_bridge_config& config() const { return m_cfg; }
    host::stream_port* port() { return m_port.get(); } // nullptr until start()
    std::uint64_t frames_sent() const { return m_sent; } // transmissions driven onto the line

private:
    struct pending {
        std::string chars;
        host::wall_clock::time_point arrival; // of its first byte
    };
    // I/O thread
    void on_bytes(std::string_view bytes, host::wall_clock::time_point arrival);
    void on_link(bool connected, const std::string& peer);
    void on_notice(host::notice n);
    // with m_mutex held
    double to_s(host::wall_clock::time_point t) const;
    host::wall_clock::time_point to_wall(double s) const;
    void accept(std::vector<proto::rs485_transmission>& done);
    void queue_notice(host::notice n);
    // simulation thread
    void transmit_loop();

    rs485_bridge_config m_cfg;
    std::string m_stream;
    stream_opener m_open;
    std::unique_ptr<host::stream_port> m_port; // from start() on
    host::wall_clock::time_point m_epoch; // second 0 of the framer's clock
    std::function<void()> m_wake;
    bool m_started = false;

    mutable std::mutex m_mutex; // guards the members up to m_stats
    proto::rs485_host_port m_framer;
    std::deque<pending> m_ready;
    std::vector<host::notice> m_notices;
    host::endpoint_stats m_stats;

    std::deque<std::string> m_tx;         // delivered, not yet on the line
    sc_core::sc_event m_tx_ev;
    sc_core::sc_time m_line_free;         // this node's driver is released
    std::uint64_t m_sent = 0;

    // Each frame heard goes to the stream at its end here (in wall-clock mode: that instant on the
    // wall clock), not at the sender's end when the chain announces it.
    void write_to_host(const rs485_frame& frame);
    rs485_arrivals m_rx_arrivals{"rx_arrivals", [this](const rs485_frame& f) { write_to_host(f); }};
};

} // namespace stacksim::bus
