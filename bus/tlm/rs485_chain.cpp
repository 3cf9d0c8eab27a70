#include "tlm/rs485_chain.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace stacksim::bus {

rs485_chain::rs485_chain(const sc_core::sc_module_name& name, rs485_chain_config cfg, std::uint64_t seed)
    : sc_core::sc_module(name), rs485_rx("rs485_rx"), m_cfg(std::move(cfg)), m_rng(seed) {
    rs485_rx.bind(static_cast<rs485_fw_if&>(*this));
}

void rs485_chain::before_end_of_elaboration() {
    m_bw.clear();
    for (int i = 0; i < rs485_rx.size(); ++i)
        m_bw.push_back(rs485_rx[i]);
    const std::size_t hops = m_bw.empty() ? 0 : m_bw.size() - 1;
    m_cut.assign(hops, false);
    m_cfg.hop_length_m.resize(hops, 1.0);
}

std::size_t rs485_chain::node_index(rs485_bw_if& sender) const {
    for (std::size_t i = 0; i < m_bw.size(); ++i)
        if (m_bw[i] == &sender)
            return i;
    throw std::logic_error(std::string(name()) + ": frame from a node that is not on the chain");
}

void rs485_chain::set_hop_cut(std::size_t hop, bool cut) {
    if (hop >= m_cut.size())
        throw std::out_of_range(std::string(name()) + ": no hop " + std::to_string(hop) + " (chain has " +
                                std::to_string(m_cut.size()) + ")");
    m_cut[hop] = cut;
}

void rs485_chain::corrupt_next(unsigned n_frames) { m_corrupt += n_frames; }

bool rs485_chain::connected(std::size_t a, std::size_t b) const {
    const std::size_t lo = std::min(a, b), hi = std::max(a, b);
    for (std::size_t h = lo; h < hi; ++h)
        if (m_cut[h])
            return false;
    return true;
}

double rs485_chain::distance_m(std::size_t a, std::size_t b) const {
    const std::size_t lo = std::min(a, b), hi = std::max(a, b);
    double d = 0.0;
    for (std::size_t h = lo; h < hi; ++h)
        d += m_cfg.hop_length_m[h];
    return d;
}

sc_core::sc_time rs485_chain::rs485_transmit(rs485_bw_if& sender, const std::string& chars) {
    const std::size_t node = node_index(sender);
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const double bits = m_cfg.format.bits_per_char();
    const double baud = m_cfg.format.baud;

    rs485_frame f;
    f.chars = chars;
    f.sender = sender.rs485_node_name();
    f.start = now + sc_core::sc_time(m_cfg.driver_enable_s, sc_core::SC_SEC);
    f.char_time = sc_core::sc_time(bits / baud, sc_core::SC_SEC);
    f.bits_per_char = m_cfg.format.bits_per_char();
    f.baud = baud;
    // One rounding for the whole frame: n characters * bits / baud.
    f.end = f.start + sc_core::sc_time(static_cast<double>(chars.size()) * bits / baud, sc_core::SC_SEC);

    bool corrupted = false;
    bool collided = false;
    if (m_corrupt > 0 && !chars.empty()) {
        --m_corrupt;
        std::uniform_int_distribution<std::size_t> pick_char(0, chars.size() - 1);
        std::uniform_int_distribution<int> pick_bit(0, m_cfg.format.data_bits - 1);
        f.chars[pick_char(m_rng)] ^= static_cast<char>(1 << pick_bit(m_rng));
        corrupted = true;
    }
    // Half-duplex contention: overlap in time with any frame still on the line.
    for (std::size_t i = 0; i < m_active.size(); ++i) {
        if (!m_slot_used[i])
            continue;
        transmission& other = m_active[i];
        if (other.frame.end > f.start && f.end > other.frame.start && connected(node, other.node)) {
            other.collided = true;
            collided = true;
            ++m_collisions;
        }
    }

    std::size_t id = 0;
    while (id < m_slot_used.size() && m_slot_used[id])
        ++id;
    if (id == m_slot_used.size()) {
        m_active.push_back({node, f, corrupted, collided});
        m_slot_used.push_back(true);
    } else {
        m_active[id] = {node, f, corrupted, collided};
        m_slot_used[id] = true;
    }
    ++m_frames;
    sc_core::sc_spawn([this, id] { deliver(id); });
    return f.end + sc_core::sc_time(m_cfg.driver_disable_s, sc_core::SC_SEC);
}

void rs485_chain::deliver(std::size_t id) {
    const std::size_t node = m_active[id].node;
    const rs485_frame sent = m_active[id].frame;

    // Receivers in order of arrival (propagation grows with distance).
    std::vector<std::pair<double, std::size_t>> rx;
    for (std::size_t j = 0; j < m_bw.size(); ++j)
        if (j != node && connected(node, j))
            rx.emplace_back(distance_m(node, j) * m_cfg.propagation_s_per_m, j);
    std::sort(rx.begin(), rx.end());

    sc_core::wait(sent.end - sc_core::sc_time_stamp());
    // Collisions are known once the frame has ended here (a later overlapping frame cannot start
    // after our end), so the flag is final now.
    rs485_frame at_sender = sent;
    at_sender.garbled = m_active[id].corrupted || m_active[id].collided;
    if (m_active[id].collided && !at_sender.chars.empty()) {
        // What receivers sample during an overlap is not a valid character: mark the middle one
        // as DEL, which no framing accepts (injected bit errors are already in the characters).
        at_sender.chars[at_sender.chars.size() / 2] = '\x7F';
    }
    if (m_on_frame) {
        // Each hop the frame physically reached, timed at the hop's end nearer the sender.
        for (std::size_t h = 0; h < m_cut.size(); ++h) {
            const std::size_t near = h >= node ? h : h + 1; // hop h joins nodes h and h+1
            if (m_cut[h] || !connected(node, near))
                continue;
            rs485_frame seg = at_sender;
            const sc_core::sc_time prop(distance_m(node, near) * m_cfg.propagation_s_per_m, sc_core::SC_SEC);
            seg.start = sent.start + prop;
            seg.end = sent.end + prop;
            m_on_frame(seg, h);
        }
    }
    sc_core::sc_time elapsed = sc_core::SC_ZERO_TIME;
    for (const auto& [delay_s, j] : rx) {
        const sc_core::sc_time prop(delay_s, sc_core::SC_SEC);
        if (prop > elapsed) {
            sc_core::wait(prop - elapsed);
            elapsed = prop;
        }
        rs485_frame here = at_sender;
        here.start = sent.start + prop;
        here.end = sent.end + prop;
        m_bw[j]->rs485_receive(here);
    }
    m_slot_used[id] = false;
}

} // namespace stacksim::bus
