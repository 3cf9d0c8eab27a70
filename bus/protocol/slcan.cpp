#include "protocol/slcan.h"

#include <cmath>
#include <stdexcept>

#include "protocol/hex.h"
#include "protocol/quoted.h"

namespace stacksim::proto {

namespace {

// t/T/r/R line -> frame; the reason on failure.
bool parse_transmit(std::string_view line, can_frame& f, std::string& why) {
    const char kind = line[0];
    f = can_frame{};
    f.extended = kind == 'T' || kind == 'R';
    f.rtr = kind == 'r' || kind == 'R';
    const std::size_t id_digits = f.extended ? 8 : 3;
    if (line.size() < 1 + id_digits + 1) {
        why = "too short for identifier and DLC";
        return false;
    }
    if (!parse_hex(line.substr(1, id_digits), 8, f.id)) {
        why = "identifier is not " + std::to_string(id_digits) + " hex digits";
        return false;
    }
    if (f.id > (f.extended ? can_ext_id_max : can_std_id_max)) {
        why = f.extended ? "identifier above 0x1FFFFFFF" : "identifier above 0x7FF";
        return false;
    }
    const char d = line[1 + id_digits];
    if (d < '0' || d > '8') {
        why = "DLC is not 0 to 8";
        return false;
    }
    f.dlc = static_cast<std::uint8_t>(d - '0');
    const std::string_view data = line.substr(2 + id_digits);
    const std::size_t want = f.rtr ? 0 : 2u * f.dlc;
    if (data.size() != want) {
        why = f.rtr ? "characters after the DLC of a remote frame"
                    : "DLC " + std::to_string(f.dlc) + " needs " + std::to_string(want) + " hex digits of data, got " +
                          std::to_string(data.size());
        return false;
    }
    for (unsigned i = 0; i < want / 2; ++i) {
        std::uint32_t b = 0;
        if (!parse_hex(data.substr(2 * i, 2), 2, b)) {
            why = "data byte " + std::to_string(i) + " is not 2 hex digits";
            return false;
        }
        f.data[i] = static_cast<std::uint8_t>(b);
    }
    return true;
}

} // namespace

void slcan_output::clear() {
    frames.clear();
    replies.clear();
    issues.clear();
    events.clear();
    units = 0;
}

int slcan_bitrate_index(std::uint32_t bitrate_bps) {
    for (std::size_t i = 0; i < slcan_bitrates_bps.size(); ++i)
        if (slcan_bitrates_bps[i] == bitrate_bps)
            return static_cast<int>(i);
    return -1;
}

slcan_session::slcan_session(std::uint32_t bus_bitrate_bps) : m_bus_bitrate_bps(bus_bitrate_bps) {}

void slcan_session::reset() {
    m_line.clear();
    m_skipping = false;
    m_open = false;
    m_listen_only = false;
    m_timestamps = false;
    m_overrun = false;
}

void slcan_session::issue(slcan_issue_kind kind, std::string reason, slcan_output& out) {
    out.issues.push_back({kind, std::move(reason)});
    out.replies.push_back(slcan_error);
}

void slcan_session::feed(std::string_view bytes, slcan_output& out) {
    for (char c : bytes) {
        if (c == '\r' || c == '\n') {
            if (m_skipping) {
                m_skipping = false;
            } else if (!m_line.empty()) {
                const std::string line = std::move(m_line);
                m_line.clear();
                ++out.units;
                handle_line(line, out);
            }
            continue;
        }
        if (m_skipping)
            continue;
        if (m_line.size() >= slcan_max_line_chars) {
            ++out.units;
            issue(slcan_issue_kind::malformed,
                  "line longer than " + std::to_string(slcan_max_line_chars) + " characters: " + quoted(m_line), out);
            m_line.clear();
            m_skipping = true;
            continue;
        }
        m_line.push_back(c);
    }
}

void slcan_session::handle_line(std::string_view line, slcan_output& out) {
    for (char c : line) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x20 || u >= 0x7F) {
            issue(slcan_issue_kind::malformed, "character outside printable ASCII in " + quoted(line), out);
            return;
        }
    }
    const auto malformed = [&](const std::string& why) {
        issue(slcan_issue_kind::malformed, why + ": " + quoted(line), out);
    };
    const auto refused = [&](const std::string& why) {
        issue(slcan_issue_kind::refused, why + ": " + quoted(line), out);
    };
    const char cmd = line[0];
    const bool single = line.size() == 1;
    switch (cmd) {
    case 'S': {
        if (line.size() != 2 || line[1] < '0' || line[1] > '8') {
            malformed("S needs one digit 0 to 8");
            return;
        }
        if (m_open) {
            refused("bit rate set while the channel is open");
            return;
        }
        const std::uint32_t bps = slcan_bitrates_bps[static_cast<std::size_t>(line[1] - '0')];
        if (bps != m_bus_bitrate_bps) {
            issue(slcan_issue_kind::bitrate_mismatch,
                  "S" + std::string(1, line[1]) + " asks for " + std::to_string(bps) +
                      " bit/s, the simulated bus runs at " + std::to_string(m_bus_bitrate_bps) + " bit/s",
                  out);
            return;
        }
        out.replies.push_back(slcan_ok);
        return;
    }
    case 'O':
    case 'L':
        if (!single) {
            malformed(std::string(1, cmd) + " takes no argument");
        } else if (m_open && m_listen_only == (cmd == 'L')) {
            out.replies.push_back(slcan_ok); // open already in this mode (python-can sends O twice)
        } else if (m_open) {
            refused(m_listen_only ? "channel open listen-only" : "channel open in normal mode");
        } else {
            m_open = true;
            m_listen_only = cmd == 'L';
            out.replies.push_back(slcan_ok);
            out.events.push_back(m_listen_only ? "open listen-only" : "open");
        }
        return;
    case 'C':
        if (!single) {
            malformed("C takes no argument");
            return;
        }
        if (m_open)
            out.events.push_back("closed");
        m_open = false;
        m_listen_only = false;
        out.replies.push_back(slcan_ok);
        return;
    case 't':
    case 'T':
    case 'r':
    case 'R': {
        can_frame f;
        std::string why;
        if (!parse_transmit(line, f, why)) {
            malformed(std::string(1, cmd) + ": " + why);
        } else if (!m_open) {
            refused("transmit while the channel is closed");
        } else if (m_listen_only) {
            refused("transmit while the channel is open listen-only");
        } else {
            out.frames.push_back(f);
            out.replies += f.extended ? "Z\r" : "z\r";
        }
        return;
    }
    case 'V':
        if (!single)
            malformed("V takes no argument");
        else
            out.replies += "V0100\r";
        return;
    case 'N':
        if (!single)
            malformed("N takes no argument");
        else
            out.replies += "NSTSM\r";
        return;
    case 'F':
        if (!single) {
            malformed("F takes no argument");
        } else if (!m_open) {
            refused("status flags read while the channel is closed");
        } else {
            out.replies += m_overrun ? "F08\r" : "F00\r";
            m_overrun = false;
        }
        return;
    case 'Z':
        if (line.size() != 2 || (line[1] != '0' && line[1] != '1')) {
            malformed("Z needs 0 or 1");
        } else if (m_open) {
            refused("timestamps switched while the channel is open");
        } else {
            m_timestamps = line[1] == '1';
            out.replies.push_back(slcan_ok);
            out.events.push_back(m_timestamps ? "timestamps on" : "timestamps off");
        }
        return;
    default:
        malformed("unknown or unsupported command");
        return;
    }
}

std::string slcan_session::frame_to_host(const can_frame& f, double t_s) const {
    if (!m_open)
        return {};
    return format_slcan_frame(f, m_timestamps, t_s);
}

std::string format_slcan_frame(const can_frame& f, bool with_timestamp, double t_s) {
    if (!is_valid(f))
        throw std::invalid_argument("format_slcan_frame: invalid CAN frame");
    std::string s;
    s.reserve(32);
    s.push_back(f.rtr ? (f.extended ? 'R' : 'r') : (f.extended ? 'T' : 't'));
    append_hex(s, f.id, f.extended ? 8u : 3u);
    s.push_back(static_cast<char>('0' + f.dlc));
    for (unsigned i = 0; i < f.payload_bytes(); ++i)
        append_hex(s, f.data[i], 2);
    if (with_timestamp) {
        const double t = std::isfinite(t_s) && t_s > 0 ? t_s : 0.0;
        double ms = std::floor(std::fmod(t * 1000.0, 60000.0));
        if (!(ms >= 0.0 && ms < 60000.0)) // t so large that t * 1000 is infinite
            ms = 0.0;
        append_hex(s, static_cast<std::uint32_t>(ms), 4);
    }
    s.push_back(slcan_ok);
    return s;
}

std::string format_slcan_transmit(const can_frame& f) { return format_slcan_frame(f, false, 0.0); }

} // namespace stacksim::proto
