// The SocketCAN backend (host/socketcan_endpoint.h) on a socketpair(AF_UNIX, SOCK_SEQPACKET) that
// carries struct can_frame records as a CAN_RAW socket does (this machine has no vcan). The peer's
// records are built from <linux/can.h> here, independently of protocol/socketcan_frame.cpp.
#include <condition_variable>
#include <cstring>
#include <vector>

#include <gtest/gtest.h>

#include <linux/can.h>

#include "host/can_endpoint.h"
#include "host_test_util.h"

namespace stacksim::host {
namespace {

using namespace testing;

std::vector<std::uint8_t> kernel_record(canid_t id, std::uint8_t len, std::vector<std::uint8_t> data) {
    ::can_frame k{};
    k.can_id = id;
    k.can_dlc = len;
    std::memcpy(k.data, data.data(), data.size());
    std::vector<std::uint8_t> r(sizeof k);
    std::memcpy(r.data(), &k, sizeof k);
    return r;
}

class host_socketcan_endpoint : public ::testing::Test {
protected:
    void SetUp() override {
        int sv[2];
        ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
        peer.reset(sv[1]);
        ep = make_socketcan_endpoint_on_fd(sv[0], "pair0");
        ep->start([this] {
            std::lock_guard<std::mutex> l(m);
            ++wakes;
        });
    }

    void peer_send(const std::vector<std::uint8_t>& rec) {
        ASSERT_EQ(::send(peer.get(), rec.data(), rec.size(), MSG_NOSIGNAL), static_cast<ssize_t>(rec.size()));
    }
    // Takes from the endpoint until `n` frames arrived (bounded).
    bool take_frames(std::size_t n) {
        return eventually([&] {
            ep->take(frames, notices);
            return frames.size() >= n;
        });
    }
    std::size_t notices_of(const std::string& kind) {
        ep->take(frames, notices);
        std::size_t c = 0;
        for (const notice& x : notices)
            c += x.kind == kind;
        return c;
    }

    unique_fd peer;
    std::unique_ptr<can_endpoint> ep;
    std::vector<inbound_frame> frames;
    std::vector<notice> notices;
    std::mutex m;
    int wakes = 0;
};

TEST_F(host_socketcan_endpoint, frames_from_the_peer_arrive_stamped) {
    const auto before = wall_clock::now();
    peer_send(kernel_record(0x305, 8, {1, 2, 3, 4, 5, 6, 7, 8}));
    peer_send(kernel_record(0x98FF50E5u, 2, {0xAB, 0xCD}));
    peer_send(kernel_record(0x40000123u, 5, {}));
    ASSERT_TRUE(take_frames(3));
    const auto after = wall_clock::now();
    EXPECT_EQ(frames[0].frame, proto::make_can_frame(0x305, {1, 2, 3, 4, 5, 6, 7, 8}));
    EXPECT_EQ(frames[1].frame, proto::make_can_frame(0x18FF50E5, {0xAB, 0xCD}, true));
    EXPECT_EQ(frames[2].frame, proto::make_can_remote(0x123, 5));
    for (const inbound_frame& f : frames) {
        EXPECT_GE(f.arrival, before);
        EXPECT_LE(f.arrival, after);
    }
    EXPECT_EQ(ep->stats().rx, 3u);
    std::lock_guard<std::mutex> l(m);
    EXPECT_GE(wakes, 1);
}

TEST_F(host_socketcan_endpoint, frames_to_the_peer_are_one_record_each) {
    ep->send(proto::make_can_frame(0x351, {0x2C, 0x02, 0xE8, 0x03}), 1.0);
    ep->send(proto::make_can_remote(0x1AAAAAAA, 2, true), 1.1);
    for (const auto& want : {kernel_record(0x351, 4, {0x2C, 0x02, 0xE8, 0x03}), kernel_record(0xDAAAAAAAu, 2, {})}) {
        const read_result r = read_until(peer.get(), [](const std::string& s) { return !s.empty(); });
        ASSERT_EQ(r.bytes.size(), 16u);
        EXPECT_EQ(std::vector<std::uint8_t>(r.bytes.begin(), r.bytes.end()), want);
    }
    EXPECT_TRUE(eventually([&] { return ep->stats().tx == 2; }));
    EXPECT_EQ(ep->stats().dropped, 0u);
}

TEST_F(host_socketcan_endpoint, refused_records_are_counted_and_the_endpoint_goes_on) {
    peer_send(kernel_record(0x20000004u, 8, {})); // error frame
    peer_send(kernel_record(0x123, 9, {}));       // len above 8
    peer_send(kernel_record(0x800, 0, {}));       // 11-bit id with bit 11 set
    peer_send(std::vector<std::uint8_t>(5, 0));   // short record
    peer_send(std::vector<std::uint8_t>(72, 0));  // CAN FD record
    peer_send(std::vector<std::uint8_t>(200, 0)); // longer than anything
    peer_send(kernel_record(0x123, 1, {0xAA}));
    ASSERT_TRUE(take_frames(1));
    EXPECT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0].frame, proto::make_can_frame(0x123, {0xAA}));
    EXPECT_TRUE(eventually([&] { return ep->stats().malformed == 6; })) << ep->stats().malformed;
    EXPECT_EQ(ep->stats().rx, 7u);
    EXPECT_EQ(notices_of("malformed"), 6u);
    bool saw_fd = false, saw_200 = false;
    for (const notice& n : notices) {
        if (n.kind != "malformed")
            continue;
        saw_fd |= n.detail.find("CAN FD") != std::string::npos;
        saw_200 |= n.detail.find("200 bytes") != std::string::npos;
        EXPECT_EQ(n.detail.rfind("pair0", 0), 0u) << n.detail;
    }
    EXPECT_TRUE(saw_fd);
    EXPECT_TRUE(saw_200);
}

TEST_F(host_socketcan_endpoint, a_peer_that_closes_is_reported_and_frames_are_dropped) {
    EXPECT_TRUE(eventually([&] { return notices_of("connected") == 1; }));
    EXPECT_EQ(ep->stats().connects, 1u);
    peer.reset();
    EXPECT_TRUE(eventually([&] { return notices_of("disconnected") == 1; }));
    ep->send(proto::make_can_frame(0x351, {1}), 2.0);
    ep->send(proto::make_can_frame(0x351, {2}), 2.1);
    EXPECT_EQ(ep->stats().dropped, 2u);
    EXPECT_EQ(notices_of("dropped"), 1u); // one notice per episode
    ep->stop();
    ep->stop();
}

TEST(host_socketcan, a_missing_interface_is_an_error_naming_the_spec) {
    try {
        make_can_endpoint("socketcan:nosuchcan9", 500000);
        ADD_FAILURE() << "opened";
    } catch (const std::invalid_argument& e) {
        EXPECT_EQ(std::string(e.what()).rfind("socketcan:nosuchcan9: ", 0), 0u) << e.what();
    }
    EXPECT_THROW(make_can_endpoint("socketcan:an_interface_name_too_long", 500000), std::invalid_argument);
}

} // namespace
} // namespace stacksim::host
