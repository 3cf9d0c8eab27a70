#include "tlm/can_bus.h"

#include <algorithm>
#include <stdexcept>

#include "protocol/can_bits.h"
#include "perf/perf_registry.h"

namespace stacksim::bus {

namespace {

// ISO 11898-1 figures used by the error model.
constexpr unsigned error_flag_bits = 6;       // active or passive error flag
constexpr unsigned error_delimiter_bits = 8;
constexpr unsigned intermission_bits = 3;
constexpr unsigned suspend_transmission_bits = 8; // error-passive transmitter after its frame
constexpr unsigned ack_slot_to_eof_end_bits = 8;  // ACK delimiter + 7 EOF bits follow the ACK slot
constexpr unsigned error_passive_limit = 128;
constexpr unsigned bus_off_limit = 256;
constexpr unsigned bus_off_recovery_sequences = 128; // of 11 recessive bits

// Arbitration key: the bits ID..RTR as they appear on the wire, lower wins (dominant = 0).
// Standard: ID10..0, RTR, IDE=0.  Extended: ID28..18, SRR=1, IDE=1, ID17..0, RTR.
std::uint64_t arbitration_key(const proto::can_frame& f) {
    if (!f.extended) {
        const std::uint64_t base = f.id & 0x7FFu;
        return (base << 21) | (std::uint64_t(f.rtr ? 1 : 0) << 20); // IDE = 0 and nothing after
    }
    const std::uint64_t base = (f.id >> 18) & 0x7FFu;
    const std::uint64_t ext = f.id & 0x3FFFFu;
    return (base << 21) | (1ull << 20) | (1ull << 19) | (ext << 1) | std::uint64_t(f.rtr ? 1 : 0);
}

} // namespace

const char* to_string(can_error_state s) {
    switch (s) {
    case can_error_state::error_active: return "error-active";
    case can_error_state::error_passive: return "error-passive";
    case can_error_state::bus_off: return "bus-off";
    }
    return "?";
}

can_bus::can_bus(const sc_core::sc_module_name& name, double bitrate_bps)
    : sc_core::sc_module(name), can_rx("can_rx"), m_bitrate_bps(bitrate_bps) {
    if (!(bitrate_bps > 0))
        throw std::invalid_argument(std::string(this->name()) + ": CAN bit rate must be positive");
    can_rx.bind(static_cast<can_fw_if&>(*this));
    m_bit = bit_time();
    SC_HAS_PROCESS(can_bus);
    SC_METHOD(run); // runs at time 0: waits for the first frame
}

sc_core::sc_time can_bus::bit_time() const { return sc_core::sc_time(1.0 / m_bitrate_bps, sc_core::SC_SEC); }

void can_bus::before_end_of_elaboration() {
    m_bw.clear();
    m_nodes.clear();
    for (int i = 0; i < can_rx.size(); ++i) {
        m_bw.push_back(can_rx[i]);
        node_stats s;
        s.name = can_rx[i]->can_node_name();
        m_nodes.push_back(s);
    }
}

std::size_t can_bus::node_index(can_bw_if& sender) {
    for (std::size_t i = 0; i < m_bw.size(); ++i)
        if (m_bw[i] == &sender)
            return i;
    throw std::logic_error(std::string(name()) + ": frame from a node that is not bound to the bus");
}

void can_bus::can_submit(can_bw_if& sender, const proto::can_frame& frame) {
    const perf::scope perf_scope(perf::layer::can);
    const std::size_t i = node_index(sender);
    if (m_nodes[i].state == can_error_state::bus_off || !m_nodes[i].online)
        return; // a bus-off or disconnected controller cannot transmit
    m_pending.push_back({frame, i, m_order++, 0});
    m_submitted.notify(sc_core::SC_ZERO_TIME);
}

void can_bus::set_online(const std::string& node, bool online) {
    for (auto& n : m_nodes)
        if (n.name == node) {
            n.online = online;
            log_event(node, online ? "reconnected" : "disconnected");
            return;
        }
    throw std::invalid_argument(std::string(name()) + ": no CAN node named '" + node + "'");
}

void can_bus::corrupt_next(unsigned n_frames) { m_corrupt += n_frames; }
void can_bus::drop_next(unsigned n_frames) { m_drop += n_frames; }
void can_bus::set_shorted(bool shorted) {
    m_shorted = shorted;
    log_event(name(), shorted ? "bus shorted" : "short removed");
}

bool can_bus::anyone_to_ack(std::size_t sender) const {
    for (std::size_t i = 0; i < m_nodes.size(); ++i)
        if (i != sender && m_nodes[i].online && m_nodes[i].state != can_error_state::bus_off)
            return true;
    return false;
}

void can_bus::log_event(const std::string& node, const std::string& what) {
    if (m_on_event)
        m_on_event(sc_core::sc_time_stamp(), node, what);
}

void can_bus::set_state(std::size_t node, can_error_state s) {
    if (m_nodes[node].state == s)
        return;
    m_nodes[node].state = s;
    log_event(m_nodes[node].name, std::string("error state ") + to_string(s));
}

void can_bus::transmit_error(std::size_t sender, const std::string& what) {
    node_stats& n = m_nodes[sender];
    ++n.errors;
    n.tec += 8;
    log_event(n.name, what + " (TEC " + std::to_string(n.tec) + ")");
    if (n.tec >= bus_off_limit)
        set_state(sender, can_error_state::bus_off);
    else if (n.tec >= error_passive_limit || n.rec >= error_passive_limit)
        set_state(sender, can_error_state::error_passive);
}

// The bus is one method that steps through a frame's phases (no thread switch per frame): each
// case below ends where a thread would wait, and says which phase follows after that wait.
void can_bus::run() {
    const sc_core::sc_time& bit = m_bit;
    for (;;) {
        switch (m_phase) {
        case phase::start_of_frame: {
            // Drop what a bus-off or disconnected node left queued.
            m_pending.erase(std::remove_if(m_pending.begin(), m_pending.end(),
                                           [this](const pending& p) {
                                               return m_nodes[p.node].state == can_error_state::bus_off ||
                                                      !m_nodes[p.node].online;
                                           }),
                            m_pending.end());
            if (m_pending.empty()) {
                m_phase = phase::submitted;
                next_trigger(m_submitted);
                return;
            }
            // Arbitration among every frame pending at this start of frame.
            auto win = std::min_element(m_pending.begin(), m_pending.end(), [](const pending& a, const pending& b) {
                const auto ka = arbitration_key(a.frame), kb = arbitration_key(b.frame);
                return ka != kb ? ka < kb : a.order < b.order;
            });
            m_tx = *win;
            m_pending.erase(win);
            m_tx_bits = proto::can_frame_bits(m_tx.frame, false);
            if (m_shorted) {
                // Nothing can be driven: the sender sees a bit error at the start of frame.
                m_outcome = outcome::shorted;
                next_trigger(bit);
            } else if (!anyone_to_ack(m_tx.node)) {
                m_outcome = outcome::no_ack;
                next_trigger(bit * (m_tx_bits - ack_slot_to_eof_end_bits));
            } else if (m_corrupt > 0) {
                --m_corrupt;
                m_outcome = outcome::corrupted;
                next_trigger(bit * (m_tx_bits - (ack_slot_to_eof_end_bits - 1)));
            } else {
                m_outcome = outcome::ok;
                next_trigger(bit * m_tx_bits);
            }
            m_phase = phase::frame_sent;
            return;
        }
        case phase::submitted:
            m_phase = phase::start_of_frame;
            if (sc_core::sc_time_stamp() < m_idle_at) {
                // Submitted during the intermission that followed the last frame: the next
                // start of frame is its end, with every frame pending by then.
                next_trigger(m_idle_at - sc_core::sc_time_stamp());
                return;
            }
            // Frames submitted in the same instant contend in the same arbitration.
            next_trigger(sc_core::SC_ZERO_TIME);
            return;
        case phase::frame_sent:
            if (m_outcome == outcome::ok) {
                m_busy_bits = m_tx_bits;
                finish_frame(true);
                continue; // the intermission is set up in the same activation
            }
            error_detected();
            m_phase = phase::error_frame_sent;
            next_trigger(bit * (error_flag_bits + error_delimiter_bits));
            return;
        case phase::error_frame_sent:
            finish_frame(false);
            continue;
        case phase::intermission: {
            // Intermission, plus suspend transmission after an error-passive sender's frame.
            unsigned gap = intermission_bits;
            if (m_nodes[m_tx.node].state == can_error_state::error_passive)
                gap += suspend_transmission_bits;
            m_busy_bits += intermission_bits;
            m_busy_s += m_busy_bits / m_bitrate_bps;
            if (m_pending.empty()) {
                // Nothing waits: no wake-up at the intermission's end, only at the next
                // submission (which then waits for that end, if it comes before).
                m_idle_at = sc_core::sc_time_stamp() + bit * gap;
                m_phase = phase::submitted;
                next_trigger(m_submitted);
                return;
            }
            m_phase = phase::start_of_frame;
            next_trigger(bit * gap);
            return;
        }
        }
    }
}

// The point where the sender or the receivers see the error, then the error flag follows.
void can_bus::error_detected() {
    node_stats& sender = m_nodes[m_tx.node];
    switch (m_outcome) {
    case outcome::shorted:
        transmit_error(m_tx.node, "bit error (bus shorted)");
        m_busy_bits = 1 + error_flag_bits + error_delimiter_bits;
        break;
    case outcome::no_ack:
        // ACK error at the ACK slot, then an error flag. An error-passive sender that sees no
        // dominant bit during its passive flag does not count it (ISO 11898-1 fault
        // confinement exception), so a lone node stays error-passive instead of bus-off.
        if (sender.state == can_error_state::error_passive)
            ++sender.errors;
        else
            transmit_error(m_tx.node, "ACK error");
        m_busy_bits = m_tx_bits - ack_slot_to_eof_end_bits + error_flag_bits + error_delimiter_bits;
        break;
    case outcome::corrupted:
        // A corrupted bit: receivers detect it (CRC) and signal an error frame after the ACK
        // delimiter; the sender counts a transmit error, the receivers a receive error.
        transmit_error(m_tx.node, "bit error in frame " + proto::can_id_text(m_tx.frame.id, m_tx.frame.extended));
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (i == m_tx.node || !m_nodes[i].online || m_nodes[i].state == can_error_state::bus_off)
                continue;
            ++m_nodes[i].rec;
            if (m_nodes[i].rec >= error_passive_limit)
                set_state(i, can_error_state::error_passive);
        }
        m_busy_bits = m_tx_bits - (ack_slot_to_eof_end_bits - 1) + error_flag_bits + error_delimiter_bits;
        break;
    case outcome::ok:
        break;
    }
}

// The end of a frame (ok) or of its error frame: delivery and counters, or the retransmission.
void can_bus::finish_frame(bool ok) {
    node_stats& sender = m_nodes[m_tx.node];
    if (ok) {
        const perf::scope perf_scope(perf::layer::can);
        perf::count(perf::counter::can_frames);
        ++m_frames;
        ++sender.frames_sent;
        if (sender.tec > 0)
            --sender.tec;
        if (sender.state == can_error_state::error_passive && sender.tec < error_passive_limit &&
            sender.rec < error_passive_limit)
            set_state(m_tx.node, can_error_state::error_active);
        const bool dropped = m_drop > 0;
        if (dropped)
            --m_drop;
        if (m_on_frame && !dropped)
            m_on_frame(m_tx.frame, sc_core::sc_time_stamp(), sender.name);
        for (std::size_t i = 0; i < m_nodes.size(); ++i) {
            if (i == m_tx.node || !m_nodes[i].online || m_nodes[i].state == can_error_state::bus_off)
                continue;
            node_stats& r = m_nodes[i];
            if (r.rec > 0)
                r.rec = r.rec > error_passive_limit ? 119 : r.rec - 1;
            if (r.state == can_error_state::error_passive && r.tec < error_passive_limit &&
                r.rec < error_passive_limit)
                set_state(i, can_error_state::error_active);
            if (!dropped) {
                ++r.frames_received;
                m_bw[i]->can_receive(m_tx.frame);
            }
        }
        m_bw[m_tx.node]->can_sent(m_tx.frame, m_tx.retries);
    } else if (sender.state != can_error_state::bus_off) {
        ++m_tx.retries;
        m_pending.push_back(m_tx); // automatic retransmission; keeps its arbitration priority
    } else {
        // Bus-off: the controller leaves the bus and recovers after 128 x 11 recessive bits.
        const std::size_t node = m_tx.node;
        const sc_core::sc_time bit = m_bit;
        sc_core::sc_spawn([this, node, bit] {
            sc_core::wait(bit * (bus_off_recovery_sequences * 11));
            m_nodes[node].tec = 0;
            m_nodes[node].rec = 0;
            set_state(node, can_error_state::error_active);
            m_submitted.notify(sc_core::SC_ZERO_TIME);
        });
    }
    m_phase = phase::intermission;
}

} // namespace stacksim::bus
