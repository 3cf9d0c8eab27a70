// The stack's RS485 daisy chain: master port B -> Sub#1 port A, Sub#1 B -> Sub#2 A, ...
//
// Electrically one half-duplex multi-drop line cabled hop by hop. Nodes bind in chain order
// (node 0 = master); hop k is the cable between node k's port B and node k+1's port A.
// Timing per frame, computed analytically: driver-enable turnaround, then n characters of
// (1 + data + parity + stop) bits at the baud rate, then propagation along the cable
// (ns per metre) to each receiver. Two frames overlapping in time garble each other for
// every receiver. A cut hop separates the chain: nodes beyond it hear nothing of this side.
//
// Lead node (rs485_chain_config::lead_node): the first node bound sits at the master's free port A,
// before node 1 (the master), joined to it by the lead cable (lead_length_m). It takes part like
// any node (timing, collisions, propagation), but the hop numbering stays that of the modules:
// hop k is still the cable from the k-th to the (k+1)-th node after the lead, frames on the lead
// cable go to the lead observer (on_lead_frame) instead of on_frame, and set_hop_cut(k) cuts hop k.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <systemc>

#include "protocol/uart_timing.h"
#include "tlm/rs485_chain_config.h"
#include "tlm/rs485_socket.h"

namespace stacksim::bus {

class rs485_chain : public sc_core::sc_module, public rs485_fw_if {
public:
    // Every frame as it appears on one hop (segment): frame timing at the hop's end nearer the sender.
    using frame_observer = std::function<void(const rs485_frame&, std::size_t hop)>;

    rs485_target_socket rs485_rx;

    rs485_chain(const sc_core::sc_module_name& name, rs485_chain_config cfg, std::uint64_t seed);

    void on_frame(frame_observer f) { m_on_frame = std::move(f); }
    // Every frame on the lead cable, timed at its end nearer the sender (lead node only).
    void on_lead_frame(std::function<void(const rs485_frame&)> f) { m_on_lead_frame = std::move(f); }
    std::size_t n_nodes() const { return m_bw.size(); } // every node bound, the lead included
    std::size_t n_hops() const { return m_cut.size() > m_lead ? m_cut.size() - m_lead : 0; } // the lead not counted
    const rs485_chain_config& config() const { return m_cfg; }

    // Fault injection (hop numbers as in on_frame).
    void set_hop_cut(std::size_t hop, bool cut);
    bool hop_cut(std::size_t hop) const { return hop < n_hops() && m_cut[hop + m_lead]; }
    void corrupt_next(unsigned n_frames); // flip one bit of one character of the next frames

    std::uint64_t frames() const { return m_frames; }
    std::uint64_t collisions() const { return m_collisions; }

    sc_core::sc_time rs485_transmit(rs485_bw_if& sender, const std::string& chars) override;

private:
    struct transmission {
        std::size_t node = 0;
        rs485_frame frame;
        bool corrupted = false; // injected bit error (already in frame.chars)
        bool collided = false;  // overlapped another frame
        std::vector<std::pair<double, std::size_t>> rx; // (propagation delay s, receiver), by arrival
    };
    // The delivery process's pending work: the end of a frame, at the sender. Ordered by time,
    // then by insertion (deterministic).
    struct delivery {
        sc_core::sc_time at;
        std::uint64_t seq;
        std::size_t id;
        bool operator>(const delivery& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    void before_end_of_elaboration() override;
    const sc_core::sc_time& propagation(std::size_t from, std::size_t to) const { return m_prop[from * m_bw.size() + to]; }
    std::size_t node_index(rs485_bw_if& sender) const;
    bool connected(std::size_t a, std::size_t b) const;
    double distance_m(std::size_t a, std::size_t b) const;
    void schedule(const sc_core::sc_time& at, std::size_t id);
    // One method for every frame in flight (no thread per frame): woken by m_wake at the earliest
    // pending frame end, it ends every frame due now, in (at, seq) order.
    void deliver_due();
    // The frame's end at its sender: final garbling, the hop observers, and every receiver.
    void frame_ended(std::size_t id);

    rs485_chain_config m_cfg;
    std::size_t m_lead = 0;          // 1 with a lead node: physical hop h is numbered h - m_lead
    sc_core::sc_time m_driver_enable, m_driver_disable, m_char_time; // from m_cfg, as kernel times
    std::vector<rs485_bw_if*> m_bw;
    std::vector<bool> m_cut;         // by physical hop (the lead cable first, if any)
    std::vector<double> m_hop_len_m; // by physical hop
    std::vector<sc_core::sc_time> m_prop; // propagation delay from node a to node b at [a * nodes + b]
    std::vector<transmission> m_active; // in flight, indexed by id (slots reused)
    std::vector<bool> m_slot_used;
    std::vector<delivery> m_queue; // min-heap on (at, seq)
    std::vector<std::pair<double, std::size_t>> m_rx_now; // the receivers of the frame ending now
    std::uint64_t m_seq = 0;
    sc_core::sc_event m_wake; // notified for the queue's earliest time (an earlier notification wins)
    unsigned m_corrupt = 0;
    std::mt19937_64 m_rng;
    std::uint64_t m_frames = 0;
    std::uint64_t m_collisions = 0;
    frame_observer m_on_frame;
    std::function<void(const rs485_frame&)> m_on_lead_frame;
};

} // namespace stacksim::bus
