#include "protocol/rs485_host_port.h"

#include <cmath>
#include <cstdio>
#include <utility>

namespace stacksim::proto {

namespace {
constexpr char soi = '~';
constexpr char eoi = '\r';

std::string seconds_text(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", s);
    return buf;
}
} // namespace

const char* to_string(rs485_tx_end e) {
    switch (e) {
    case rs485_tx_end::cr: return "cr";
    case rs485_tx_end::soi: return "soi";
    case rs485_tx_end::gap: return "gap";
    case rs485_tx_end::length: return "length";
    case rs485_tx_end::flush: return "flush";
    }
    return "unknown";
}

rs485_host_port::rs485_host_port(rs485_host_port_config cfg) : m_cfg(cfg) {
    if (!(m_cfg.idle_gap_s > 0.0) || !std::isfinite(m_cfg.idle_gap_s))
        m_cfg.idle_gap_s = rs485_host_port_config{}.idle_gap_s;
    if (m_cfg.max_chars == 0)
        m_cfg.max_chars = 1;
}

void rs485_host_port::close(rs485_tx_end why, std::vector<rs485_transmission>& out) {
    if (m_open.chars.empty())
        return;
    rs485_transmission t = std::move(m_open);
    m_open = rs485_transmission{};
    t.ended_by = why;
    switch (why) {
    case rs485_tx_end::cr: {
        const rs485_decoded d = decode_frame(t.chars);
        t.well_formed = d.ok;
        if (!d.ok)
            t.problem = d.error;
        break;
    }
    case rs485_tx_end::soi: t.problem = "no CR before the next '~'"; break;
    case rs485_tx_end::gap: t.problem = "no CR within " + seconds_text(m_cfg.idle_gap_s) + " s of silence"; break;
    case rs485_tx_end::length: t.problem = "no CR within " + std::to_string(m_cfg.max_chars) + " characters"; break;
    case rs485_tx_end::flush: t.problem = "the client left before the CR"; break;
    }
    ++m_transmissions;
    if (!t.well_formed)
        ++m_malformed;
    out.push_back(std::move(t));
}

void rs485_host_port::feed(std::string_view bytes, double t_s, std::vector<rs485_transmission>& out) {
    if (!(t_s >= m_last_s)) // earlier than the last call, or NaN: keep time from going backwards
        t_s = m_last_s;
    m_last_s = t_s;
    poll(t_s, out); // the time that passed may have ended the open transmission
    for (const char c : bytes) {
        ++m_bytes;
        if (c == soi && !m_open.chars.empty())
            close(rs485_tx_end::soi, out);
        if (m_open.chars.empty())
            m_open.first_s = t_s;
        m_open.chars.push_back(c);
        m_open.last_s = t_s;
        if (c == eoi)
            close(rs485_tx_end::cr, out);
        else if (m_open.chars.size() >= m_cfg.max_chars)
            close(rs485_tx_end::length, out);
    }
}

std::optional<double> rs485_host_port::gap_deadline() const {
    if (m_open.chars.empty())
        return std::nullopt;
    return m_open.last_s + m_cfg.idle_gap_s;
}

void rs485_host_port::poll(double t_s, std::vector<rs485_transmission>& out) {
    const auto deadline = gap_deadline();
    if (deadline && t_s >= *deadline)
        close(rs485_tx_end::gap, out);
}

void rs485_host_port::flush(std::vector<rs485_transmission>& out) { close(rs485_tx_end::flush, out); }

std::string escape_for_log(std::string_view chars, std::size_t max_chars) {
    std::string s;
    const std::size_t n = chars.size() < max_chars ? chars.size() : max_chars;
    for (std::size_t i = 0; i < n; ++i) {
        const auto c = static_cast<unsigned char>(chars[i]);
        if (c == '\\')
            s += "\\\\";
        else if (c == '\r')
            s += "\\r";
        else if (c == '\n')
            s += "\\n";
        else if (c >= 0x20 && c < 0x7F)
            s.push_back(static_cast<char>(c));
        else {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            s += buf;
        }
    }
    if (n < chars.size())
        s += "...";
    return s;
}

} // namespace stacksim::proto
