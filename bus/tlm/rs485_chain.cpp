#include "tlm/rs485_chain.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "perf/perf_registry.h"

namespace stacksim::bus {

rs485_chain::rs485_chain(const sc_core::sc_module_name& name, rs485_chain_config cfg, std::uint64_t seed)
    : sc_core::sc_module(name),
      rs485_rx("rs485_rx"),
      m_cfg(std::move(cfg)),
      m_lead(m_cfg.lead_node ? 1 : 0),
      m_driver_enable(m_cfg.driver_enable_s, sc_core::SC_SEC),
      m_driver_disable(m_cfg.driver_disable_s, sc_core::SC_SEC),
      m_char_time(m_cfg.format.bits_per_char() / m_cfg.format.baud, sc_core::SC_SEC),
      m_rng(seed) {
    rs485_rx.bind(static_cast<rs485_fw_if&>(*this));
    SC_HAS_PROCESS(rs485_chain);
    SC_METHOD(deliver_due);
    sensitive << m_wake;
    dont_initialize();
}

void rs485_chain::before_end_of_elaboration() {
    m_bw.clear();
    for (int i = 0; i < rs485_rx.size(); ++i)
        m_bw.push_back(rs485_rx[i]);
    if (m_lead > 0 && m_bw.size() < 2)
        throw std::logic_error(std::string(name()) + ": a lead node needs a node after it");
    const std::size_t hops = m_bw.empty() ? 0 : m_bw.size() - 1;
    m_cut.assign(hops, false);
    m_cfg.hop_length_m.resize(hops - std::min(hops, m_lead), 1.0);
    m_hop_len_m.clear();
    if (m_lead > 0)
        m_hop_len_m.push_back(m_cfg.lead_length_m);
    m_hop_len_m.insert(m_hop_len_m.end(), m_cfg.hop_length_m.begin(), m_cfg.hop_length_m.end());
    // The propagation delay between every two nodes, as kernel times: fixed once the chain is
    // built, and needed for every hop and receiver of every frame.
    const std::size_t n = m_bw.size();
    m_prop.assign(n * n, sc_core::SC_ZERO_TIME);
    for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b)
            m_prop[a * n + b] = sc_core::sc_time(distance_m(a, b) * m_cfg.propagation_s_per_m, sc_core::SC_SEC);
}

std::size_t rs485_chain::node_index(rs485_bw_if& sender) const {
    for (std::size_t i = 0; i < m_bw.size(); ++i)
        if (m_bw[i] == &sender)
            return i;
    throw std::logic_error(std::string(name()) + ": frame from a node that is not on the chain");
}

void rs485_chain::set_hop_cut(std::size_t hop, bool cut) {
    if (hop >= n_hops())
        throw std::out_of_range(std::string(name()) + ": no hop " + std::to_string(hop) + " (chain has " +
                                std::to_string(n_hops()) + ")");
    m_cut[hop + m_lead] = cut;
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
        d += m_hop_len_m[h];
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
    f.start = now + m_driver_enable;
    f.char_time = m_char_time;
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
        m_active.emplace_back();
        m_slot_used.push_back(true);
    } else {
        m_slot_used[id] = true;
    }
    transmission& t = m_active[id];
    t.node = node;
    t.frame = f;
    t.corrupted = corrupted;
    t.collided = collided;
    // Receivers in order of arrival (propagation grows with distance), as connected now.
    t.rx.clear();
    for (std::size_t j = 0; j < m_bw.size(); ++j)
        if (j != node && connected(node, j))
            t.rx.emplace_back(distance_m(node, j) * m_cfg.propagation_s_per_m, j);
    std::sort(t.rx.begin(), t.rx.end());
    ++m_frames;
    schedule(f.end, id);
    return f.end + m_driver_disable;
}

void rs485_chain::schedule(const sc_core::sc_time& at, std::size_t id) {
    m_queue.push_back({at, m_seq++, id});
    std::push_heap(m_queue.begin(), m_queue.end(), std::greater<>());
    m_wake.notify(at - sc_core::sc_time_stamp()); // replaces a later pending wake-up, never an earlier one
}

void rs485_chain::deliver_due() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    while (!m_queue.empty() && m_queue.front().at <= now) {
        std::pop_heap(m_queue.begin(), m_queue.end(), std::greater<>());
        const std::size_t id = m_queue.back().id;
        m_queue.pop_back();
        frame_ended(id);
    }
    if (!m_queue.empty())
        m_wake.notify(m_queue.front().at - now);
}

void rs485_chain::frame_ended(std::size_t id) {
    const perf::scope perf_scope(perf::layer::rs485);
    perf::count(perf::counter::rs485_frames);
    transmission& t = m_active[id];
    const std::size_t node = t.node;
    const rs485_frame& sent = t.frame;
    // Collisions are known once the frame has ended here (a later overlapping frame cannot start
    // after our end), so the flag is final now.
    rs485_frame at_sender = sent;
    at_sender.garbled = t.corrupted || t.collided;
    if (t.collided && !at_sender.chars.empty()) {
        // What receivers sample during an overlap is not a valid character: mark the middle one
        // as DEL, which no framing accepts (injected bit errors are already in the characters).
        at_sender.chars[at_sender.chars.size() / 2] = '\x7F';
    }
    if (m_on_frame || m_on_lead_frame) {
        // Each hop the frame physically reached, timed at the hop's end nearer the sender.
        for (std::size_t h = 0; h < m_cut.size(); ++h) {
            const std::size_t near = h >= node ? h : h + 1; // hop h joins nodes h and h+1
            if (m_cut[h] || !connected(node, near))
                continue;
            const sc_core::sc_time& prop = propagation(node, near);
            at_sender.start = sent.start + prop; // the one copy, retimed for each hop (and below
            at_sender.end = sent.end + prop;     // for each receiver)
            if (h < m_lead) {
                if (m_on_lead_frame)
                    m_on_lead_frame(at_sender);
            } else if (m_on_frame) {
                m_on_frame(at_sender, h - m_lead);
            }
        }
    }
    // Every receiver hears the frame now, at its end at the sender, in order of arrival; the
    // frame it gets is timed at the receiver (later by the propagation delay), and receivers time
    // their reactions from that. One kernel time point per frame, not one per receiver.
    // The slot is freed first: a receiver may transmit from its callback, which can reuse the
    // slot or grow m_active.
    m_rx_now.swap(t.rx);
    const sc_core::sc_time start = sent.start, end = sent.end;
    m_slot_used[id] = false;
    for (const auto& rx : m_rx_now) {
        const std::size_t j = rx.second;
        const sc_core::sc_time& prop = propagation(node, j);
        at_sender.start = start + prop;
        at_sender.end = end + prop;
        m_bw[j]->rs485_receive(at_sender);
    }
}

} // namespace stacksim::bus
