#include "sim/control_port.h"

#include <utility>

namespace stacksim::sim {

namespace {
constexpr std::size_t max_queued_requests = 1024; // beyond: refused with an error reply (a flood)
}

control_port::control_port(std::unique_ptr<host::stream_port> stream, handler on_request)
    : m_stream(std::move(stream)), m_handler(std::move(on_request)) {}

control_port::~control_port() { stop(); }

std::string control_port::describe() const { return "control " + m_stream->describe(); }

void control_port::start(std::function<void()> wake) {
    if (m_started)
        return;
    m_started = true;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_wake = std::move(wake);
    }
    m_stream->start([this](std::string_view b, host::wall_clock::time_point a) { on_bytes(b, a); },
                    [this](bool connected, const std::string&) {
                        // (the stream reports the connection itself, as a notice)
                        std::lock_guard<std::mutex> lock(m_mutex);
                        m_stats.connects += connected ? 1 : 0;
                    },
                    [this](host::notice n) { notify(std::move(n)); });
}

void control_port::stop() {
    if (m_started)
        m_stream->stop();
    m_started = false;
}

void control_port::notify(host::notice n) {
    std::function<void()> wake;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        m_notices.push_back(std::move(n));
        wake = m_wake;
    }
    if (wake)
        wake();
}

void control_port::on_bytes(std::string_view bytes, host::wall_clock::time_point arrival) {
    m_reader.feed(
        bytes,
        [&](control_request r) {
            std::function<void()> wake;
            bool full = false;
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                ++m_stats.rx;
                full = m_queue.size() >= max_queued_requests;
                if (full)
                    ++m_stats.dropped;
                else
                    m_queue.push_back({std::move(r), arrival});
                wake = m_wake;
            }
            if (full)
                m_stream->write(control_error_line("too many requests queued; this one was dropped", r.id));
            else if (wake)
                wake();
        },
        [&](const std::string& reason, const nlohmann::json& id) {
            {
                std::lock_guard<std::mutex> lock(m_mutex);
                ++m_stats.rx;
                ++m_stats.malformed;
            }
            m_stream->write(control_error_line(reason, id));
            notify({arrival, "malformed", reason});
        });
}

std::optional<host::wall_clock::time_point> control_port::next_arrival() {
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_queue.empty())
        return std::nullopt;
    return m_queue.front().arrival;
}

void control_port::deliver_next() {
    control_request r;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (m_queue.empty())
            return;
        r = std::move(m_queue.front().request);
        m_queue.pop_front();
    }
    const std::string line = control_reply_line(m_handler(r), r.id);
    const bool sent = m_stream->write(line);
    std::lock_guard<std::mutex> lock(m_mutex);
    ++(sent ? m_stats.tx : m_stats.dropped);
}

void control_port::take_notices(std::vector<host::notice>& out) {
    std::lock_guard<std::mutex> lock(m_mutex);
    for (auto& n : m_notices)
        out.push_back(std::move(n));
    m_notices.clear();
}

host::endpoint_stats control_port::stats() const {
    std::lock_guard<std::mutex> lock(m_mutex);
    return m_stats;
}

} // namespace stacksim::sim
