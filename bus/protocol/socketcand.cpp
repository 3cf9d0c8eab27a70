#include "protocol/socketcand.h"

#include <cmath>
#include <stdexcept>

#include "protocol/hex.h"
#include "protocol/quoted.h"

namespace stacksim::proto {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::vector<std::string_view> tokens_of(std::string_view s) {
    std::vector<std::string_view> t;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_blank(s[i]))
            ++i;
        const std::size_t start = i;
        while (i < s.size() && !is_blank(s[i]))
            ++i;
        if (i > start)
            t.push_back(s.substr(start, i - start));
    }
    return t;
}

// A DLC: one or two decimal digits, value 0..8.
bool parse_dlc(std::string_view s, std::uint8_t& dlc) {
    if (s.empty() || s.size() > 2)
        return false;
    unsigned v = 0;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > can_max_dlc)
        return false;
    dlc = static_cast<std::uint8_t>(v);
    return true;
}

// The identifier of a send: up to 8 hex digits; 8 digits or a value above 0x7FF is 29-bit.
bool parse_id(std::string_view s, can_frame& f, std::string& why) {
    std::uint32_t id = 0;
    if (!parse_hex(s, 8, id)) {
        why = "identifier is not 1 to 8 hex digits";
        return false;
    }
    if (id > can_ext_id_max) {
        why = "identifier above 0x1FFFFFFF";
        return false;
    }
    f.id = id;
    f.extended = s.size() == 8 || id > can_std_id_max;
    return true;
}

void append_id(std::string& s, const can_frame& f) { append_hex(s, f.id, f.extended ? 8u : 3u); }

} // namespace

void socketcand_output::clear() {
    frames.clear();
    replies.clear();
    malformed.clear();
    events.clear();
    units = 0;
}

void socketcand_session::reset() {
    m_scan = scan::outside;
    m_element.clear();
    m_stray.clear();
    m_stray_chars = 0;
    m_mode = socketcand_mode::no_bus;
    m_bus.clear();
}

void socketcand_session::reject(std::string reason, std::string_view reply_text, socketcand_output& out) {
    out.malformed.push_back(std::move(reason));
    if (!reply_text.empty()) {
        out.replies += "< error ";
        out.replies += reply_text;
        out.replies += " >";
    }
}

void socketcand_session::end_stray(socketcand_output& out) {
    if (m_stray_chars == 0)
        return;
    ++out.units;
    reject("text outside an element: " + quoted(m_stray) +
               (m_stray_chars > m_stray.size() ? " (" + std::to_string(m_stray_chars) + " characters)" : ""),
           {}, out);
    m_stray.clear();
    m_stray_chars = 0;
}

void socketcand_session::feed(std::string_view bytes, socketcand_output& out) {
    constexpr std::size_t quote_chars = 80;
    for (char c : bytes) {
        switch (m_scan) {
        case scan::outside:
            if (c == '<') {
                end_stray(out);
                m_element.assign(1, c);
                m_scan = scan::element;
            } else if (c == '\r' || c == '\n') {
                end_stray(out);
            } else if (m_stray_chars > 0 || !is_blank(c)) {
                if (m_stray.size() < quote_chars)
                    m_stray.push_back(c);
                if (++m_stray_chars >= socketcand_max_element_chars)
                    end_stray(out); // one unit per bound's worth of text without a line end
            }
            break;
        case scan::element:
            if (c == '>') {
                m_element.push_back(c);
                ++out.units;
                const std::string element = std::move(m_element);
                m_element.clear();
                m_scan = scan::outside;
                handle_element(element, out);
            } else if (c == '<') {
                ++out.units;
                reject("element not closed before the next '<': " + quoted(m_element), "element not closed", out);
                m_element.assign(1, c);
            } else if (m_element.size() + 1 >= socketcand_max_element_chars) {
                ++out.units;
                reject("element longer than " + std::to_string(socketcand_max_element_chars) +
                           " characters: " + quoted(m_element, quote_chars),
                       "element too long", out);
                m_element.clear();
                m_scan = scan::skip_to_open;
            } else {
                m_element.push_back(c);
            }
            break;
        case scan::skip_to_open:
            if (c == '<') {
                m_element.assign(1, c);
                m_scan = scan::element;
            }
            break;
        }
    }
}

void socketcand_session::handle_element(std::string_view element, socketcand_output& out) {
    const std::string_view inner = element.substr(1, element.size() - 2);
    for (char c : inner) {
        const unsigned char u = static_cast<unsigned char>(c);
        if ((u < 0x20 && !is_blank(c)) || u >= 0x7F) {
            reject("character outside printable ASCII in " + quoted(element), "syntax error", out);
            return;
        }
    }
    const std::vector<std::string_view> t = tokens_of(inner);
    if (t.empty()) {
        reject("empty element " + quoted(element), "unknown command", out);
        return;
    }
    const std::string_view cmd = t[0];
    const bool bus_open = m_mode != socketcand_mode::no_bus;

    if (cmd == "echo" && t.size() == 1) {
        out.replies += "< echo >";
        return;
    }
    if (cmd == "open") {
        if (bus_open) {
            reject("open while bus " + m_bus + " is open: " + quoted(element), "bus already open", out);
        } else if (t.size() != 2 || t[1].size() > socketcand_max_bus_name_chars) {
            reject("open needs one bus name of at most 16 characters: " + quoted(element), "could not open bus", out);
        } else {
            m_bus.assign(t[1]);
            m_mode = socketcand_mode::bcm;
            out.replies += "< ok >";
            out.events.push_back("opened bus " + m_bus);
        }
        return;
    }
    if ((cmd == "rawmode" || cmd == "bcmmode") && t.size() == 1) {
        if (!bus_open) {
            reject(std::string(cmd) + " before a bus is open: " + quoted(element), "no bus open", out);
            return;
        }
        m_mode = cmd == "rawmode" ? socketcand_mode::raw : socketcand_mode::bcm;
        out.replies += "< ok >";
        out.events.push_back(cmd == "rawmode" ? "raw mode" : "bcm mode");
        return;
    }
    if (cmd == "send" || cmd == "sendrtr") {
        const bool rtr = cmd == "sendrtr";
        if (!bus_open) {
            reject(std::string(cmd) + " before a bus is open: " + quoted(element), "no bus open", out);
            return;
        }
        can_frame f;
        f.rtr = rtr;
        std::string why;
        if (t.size() < 3) {
            why = "needs an identifier and a DLC";
        } else if (!parse_id(t[1], f, why)) {
        } else if (!parse_dlc(t[2], f.dlc)) {
            why = "DLC is not 0 to 8";
        } else if (rtr && t.size() != 3) {
            why = "a remote frame has no data bytes";
        } else if (!rtr && t.size() - 3 != f.dlc) {
            why = "DLC " + std::to_string(f.dlc) + " but " + std::to_string(t.size() - 3) + " data bytes";
        } else {
            for (std::size_t i = 0; !rtr && i < f.dlc; ++i) {
                std::uint32_t b = 0;
                if (!parse_hex(t[3 + i], 2, b)) {
                    why = "data byte " + std::to_string(i) + " is not 1 or 2 hex digits";
                    break;
                }
                f.data[i] = static_cast<std::uint8_t>(b);
            }
        }
        if (!why.empty()) {
            reject(std::string(cmd) + ": " + why + ": " + quoted(element), "syntax error in " + std::string(cmd), out);
            return;
        }
        out.frames.push_back(f);
        return;
    }
    static constexpr std::string_view unsupported[] = {"add", "update", "delete", "filter", "muxfilter",
                                                       "subscribe", "unsubscribe", "controlmode", "statistics",
                                                       "isotpmode", "isotpconf", "sendpdu", "fdsend"};
    for (std::string_view u : unsupported)
        if (cmd == u) {
            reject("unsupported command (only raw mode is served): " + quoted(element), "unsupported command", out);
            return;
        }
    reject("unknown command: " + quoted(element), "unknown command", out);
}

std::string format_socketcand_frame(const can_frame& f, double t_s) {
    if (!is_valid(f))
        throw std::invalid_argument("format_socketcand_frame: invalid CAN frame");
    // Up to about 31 700 years: far beyond any run, and the microseconds stay exact in an int64.
    constexpr double max_s = 1e12;
    const double t = std::isfinite(t_s) && t_s > 0 ? (t_s < max_s ? t_s : max_s) : 0.0;
    const long long us = std::llround(t * 1e6);
    std::string usecs = std::to_string(us % 1000000);
    std::string s = f.rtr ? "< rtr " : "< frame ";
    append_id(s, f);
    s += ' ';
    s += std::to_string(us / 1000000);
    s += '.';
    s.append(6 - usecs.size(), '0');
    s += usecs;
    s += ' ';
    if (f.rtr) {
        s += std::to_string(f.dlc);
        s += " >";
        return s;
    }
    for (unsigned i = 0; i < f.dlc; ++i)
        append_hex(s, f.data[i], 2);
    s += " >";
    return s;
}

std::string format_socketcand_send(const can_frame& f) {
    if (!is_valid(f))
        throw std::invalid_argument("format_socketcand_send: invalid CAN frame");
    std::string s = f.rtr ? "< sendrtr " : "< send ";
    append_id(s, f);
    s += ' ';
    s += std::to_string(f.dlc);
    for (unsigned i = 0; i < f.payload_bytes(); ++i) {
        s += ' ';
        append_hex(s, f.data[i], 2);
    }
    s += " >";
    return s;
}

} // namespace stacksim::proto
