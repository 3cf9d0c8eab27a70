// can_endpoint_probe: a CAN endpoint (host/can_endpoint.h) with a stand-in for the simulation, for
// tests that drive the backends with real host clients (tests/python/test_host_can_endpoints.py).
//
//   can_endpoint_probe SPEC [--bitrate BPS] [--max-seconds S] [--period-ms MS]
//
// Opens SPEC (socketcand[:HOST]:PORT, slcan:PATH, socketcan:IFNAME) with the bus bit rate BPS
// (500000), prints one JSON line {"ready": true, "port": P, "describe": "..."} and then, until
// SIGTERM/SIGINT or S seconds (60):
//   - echoes every frame from the host back with identifier + 1 (same format, data, DLC);
//   - sends a counter frame every MS milliseconds (100): identifier 0x7F0, 4 data bytes, the count
//     little-endian from 0;
//   - the "simulated time" of every frame it sends is the wall time since its start, in seconds;
//   - writes each notice to stderr as "notice KIND: DETAIL".
// At the end it stops the endpoint and prints one JSON line: {"stats": {rx, tx, malformed,
// dropped, connects, rx_dropped, notices_dropped}, "received": N, "notices": [{"kind", "detail"}]}
// (the first 1000 notices). Exit status 0, or 2 when SPEC cannot be opened (the reason on stderr).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <csignal>
#include <poll.h>
#include <sys/signalfd.h>

#include <nlohmann/json.hpp>

#include "host/can_endpoint.h"
#include "host/wake_event.h"

using namespace stacksim;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s SPEC [--bitrate BPS] [--max-seconds S] [--period-ms MS]\n", argv[0]);
        return 2;
    }
    const std::string spec = argv[1];
    double bitrate = 500000, max_s = 60;
    int period_ms = 100;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--bitrate")
            bitrate = std::atof(argv[i + 1]);
        else if (k == "--max-seconds")
            max_s = std::atof(argv[i + 1]);
        else if (k == "--period-ms")
            period_ms = std::atoi(argv[i + 1]);
    }
    if (period_ms < 1)
        period_ms = 1;

    // SIGTERM/SIGINT through a signalfd, blocked in every thread (the endpoint's start after this).
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
    const int sigfd = signalfd(-1, &sigs, SFD_CLOEXEC);

    std::unique_ptr<host::can_endpoint> ep;
    try {
        ep = host::make_can_endpoint(spec, bitrate);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "can_endpoint_probe: %s\n", e.what());
        return 2;
    }
    host::wake_event wake;
    ep->start([&wake] { wake.signal(); });
    std::cout << nlohmann::json{{"ready", true}, {"port", ep->port()}, {"describe", ep->describe()}}.dump()
              << std::endl;

    const auto t0 = clock_type::now();
    const auto end = t0 + std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(max_s));
    const auto period = std::chrono::milliseconds(period_ms);
    auto next_tick = t0;
    std::uint32_t counter = 0;
    std::uint64_t received = 0;
    nlohmann::json notices = nlohmann::json::array();
    std::vector<host::inbound_frame> frames;
    std::vector<host::notice> news;
    const auto now_s = [&] { return std::chrono::duration<double>(clock_type::now() - t0).count(); };

    for (bool running = true; running;) {
        const auto now = clock_type::now();
        if (now >= end)
            break;
        if (now >= next_tick) {
            proto::can_frame f = proto::make_can_frame(
                0x7F0, {static_cast<std::uint8_t>(counter), static_cast<std::uint8_t>(counter >> 8),
                        static_cast<std::uint8_t>(counter >> 16), static_cast<std::uint8_t>(counter >> 24)});
            ep->send(f, now_s());
            ++counter;
            next_tick += period;
        }
        const auto until = std::min(next_tick, end);
        const int timeout_ms = static_cast<int>(
            std::chrono::ceil<std::chrono::milliseconds>(std::max(until - clock_type::now(), clock_type::duration::zero()))
                .count());
        pollfd fds[2] = {{wake.fd(), POLLIN, 0}, {sigfd, POLLIN, 0}};
        if (::poll(fds, 2, timeout_ms) > 0) {
            if (fds[0].revents & POLLIN)
                wake.drain();
            if (fds[1].revents & POLLIN)
                running = false;
        }
        frames.clear();
        news.clear();
        ep->take(frames, news);
        for (const host::inbound_frame& in : frames) {
            ++received;
            proto::can_frame echo = in.frame;
            echo.id = (echo.id + 1) & (echo.extended ? proto::can_ext_id_max : proto::can_std_id_max);
            ep->send(echo, now_s());
        }
        for (const host::notice& n : news) {
            std::fprintf(stderr, "notice %s: %s\n", n.kind.c_str(), n.detail.c_str());
            if (notices.size() < 1000)
                notices.push_back({{"kind", n.kind}, {"detail", n.detail}});
        }
    }
    ep->stop();
    news.clear();
    frames.clear();
    ep->take(frames, news);
    for (const host::notice& n : news)
        if (notices.size() < 1000)
            notices.push_back({{"kind", n.kind}, {"detail", n.detail}});
    const host::endpoint_stats s = ep->stats();
    std::cout << nlohmann::json{{"stats",
                                 {{"rx", s.rx},
                                  {"tx", s.tx},
                                  {"malformed", s.malformed},
                                  {"dropped", s.dropped},
                                  {"connects", s.connects},
                                  {"rx_dropped", s.rx_dropped},
                                  {"notices_dropped", s.notices_dropped}}},
                                {"received", received},
                                {"notices", notices}}
                     .dump()
              << std::endl;
    return 0;
}
