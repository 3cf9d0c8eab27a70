// A classical CAN bus: arbitration, exact frame timing, ACK, error counters.
//
// One SystemC method, woken at each phase of a frame, never per bit (no thread, so no context
// switch per frame): at each start of frame the bus picks the pending frame with the lowest
// arbitration field (ID, RTR/SRR, IDE, as the bits would decide it), computes its exact stuffed
// length (protocol/can_bits.h), and delivers it at the simulated end of frame. The next start of
// frame follows the 3-bit intermission (plus 8 bits of suspend transmission for an error-passive
// sender); every frame pending at that instant contends. With nothing pending at the end of a
// frame the bus does not wake at the intermission's end: a frame submitted before it waits for
// it, one submitted later starts at once. A frame that no other node acknowledges is an ACK
// error: error flag, counters per ISO 11898-1 (simplified, see docs/protocols/can.md), retransmit.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <systemc>

#include "tlm/can_socket.h"

namespace stacksim::bus {

enum class can_error_state { error_active, error_passive, bus_off };
const char* to_string(can_error_state s);

class can_bus : public sc_core::sc_module, public can_fw_if {
public:
    struct node_stats {
        std::string name;
        unsigned tec = 0; // transmit error counter
        unsigned rec = 0; // receive error counter
        can_error_state state = can_error_state::error_active;
        bool online = true;             // false: disconnected (fault injection)
        std::uint64_t frames_sent = 0;
        std::uint64_t frames_received = 0;
        std::uint64_t errors = 0;
    };
    // Called at the end of every successfully transmitted frame: frame, end-of-frame time, sender.
    using frame_observer = std::function<void(const proto::can_frame&, const sc_core::sc_time&, const std::string&)>;
    // Called on every error frame or state change: time, node, what happened.
    using event_observer = std::function<void(const sc_core::sc_time&, const std::string&, const std::string&)>;

    can_target_socket can_rx;

    can_bus(const sc_core::sc_module_name& name, double bitrate_bps);

    double bitrate_bps() const { return m_bitrate_bps; }
    sc_core::sc_time bit_time() const;
    void on_frame(frame_observer f) { m_on_frame = std::move(f); }
    void on_event(event_observer f) { m_on_event = std::move(f); }

    // Fault injection.
    void set_online(const std::string& node, bool online); // disconnect / reconnect a node
    void corrupt_next(unsigned n_frames);                  // next n frames get a bit error
    void drop_next(unsigned n_frames);                     // next n frames vanish unseen by receivers
    void set_shorted(bool shorted);                        // CAN-H/CAN-L short: nothing gets through

    // Statistics.
    const std::vector<node_stats>& nodes() const { return m_nodes; }
    double busy_s() const { return m_busy_s; } // time the bus carried frames, error frames and intermission
    std::uint64_t frames() const { return m_frames; }
    double load(double over_s) const { return over_s > 0 ? m_busy_s / over_s : 0.0; }

    void can_submit(can_bw_if& sender, const proto::can_frame& frame) override;

private:
    struct pending {
        proto::can_frame frame;
        std::size_t node;
        std::uint64_t order;
        unsigned retries = 0;
    };

    // Where the bus stands in a frame, and how the frame on the wire ends.
    enum class phase { start_of_frame, submitted, frame_sent, error_frame_sent, intermission };
    enum class outcome { ok, shorted, no_ack, corrupted };

    void before_end_of_elaboration() override;
    void run();
    void error_detected();
    void finish_frame(bool ok);
    std::size_t node_index(can_bw_if& sender);
    bool anyone_to_ack(std::size_t sender) const;
    void transmit_error(std::size_t sender, const std::string& what);
    void set_state(std::size_t node, can_error_state s);
    void log_event(const std::string& node, const std::string& what);

    double m_bitrate_bps;
    std::vector<node_stats> m_nodes;
    std::vector<can_bw_if*> m_bw; // backward interface of node i
    std::deque<pending> m_pending;
    std::uint64_t m_order = 0;
    sc_core::sc_event m_submitted;
    sc_core::sc_time m_bit;
    phase m_phase = phase::start_of_frame;
    sc_core::sc_time m_idle_at; // the end of the last intermission: no start of frame before it
    outcome m_outcome = outcome::ok;
    pending m_tx{};          // the frame on the wire
    unsigned m_tx_bits = 0;  // its stuffed length
    unsigned m_busy_bits = 0; // bus time of the frame (or error frame) and its intermission
    unsigned m_corrupt = 0;
    unsigned m_drop = 0;
    bool m_shorted = false;
    double m_busy_s = 0.0;
    std::uint64_t m_frames = 0;
    frame_observer m_on_frame;
    event_observer m_on_event;
};

} // namespace stacksim::bus
