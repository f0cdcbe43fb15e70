// link: proto_hep_logic
// Per-destination disk spool of the HEP sender (store-and-forward): a real
// TCP / UDP collector on 127.0.0.1 that is down, then up: every packet
// arrives, in order, byte-identical (original HEP timestamps kept); a new
// sender (process restart) replays what the previous one left; a full spool
// drops with a counter.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "modules/proto_hep/hep_codec.h"
#include "modules/proto_hep/hep_sender.h"
#include "test/unit/modules/proto_hep/hep_raw_collector.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace std::chrono_literals;
using testing::BindLoopback;
using testing::Receive;
using testing::WaitFor;

// Distinct packets: index in the payload and in the timestamps, ~600 bytes.
std::vector<std::string> MakePackets(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) {
    Packet p;
    p.SetAddresses({IpAddr::Parse("192.0.2.1").value(), 5060},
                   {IpAddr::Parse("192.0.2.2").value(), 5060});
    p.ts_sec = 1700000000 + static_cast<uint32_t>(i);
    p.ts_usec = 1000u * static_cast<uint32_t>(i);
    p.Mark(kChunkTsSec);
    p.Mark(kChunkTsUsec);
    p.payload = "MESSAGE sip:" + std::to_string(i) + " SIP/2.0\r\n" + std::string(550, 'x');
    p.Mark(kChunkPayload);
    std::string out;
    EXPECT_TRUE(Encode(p, 3, &out).ok());
    v.push_back(out);
  }
  return v;
}

// A port on 127.0.0.1 with nothing listening (bound to find it, then closed).
uint16_t FreePort(int type) {
  int fd = socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

class HepDestSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hep_spool_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<HepSender> MakeSender(Transport t, uint16_t port, uint64_t max_bytes = 1 << 20) {
    Destination d;
    d.name = "collector";
    d.host = "127.0.0.1";
    d.port = port;
    d.transport = t;
    d.version = 3;
    SenderOptions o;
    o.queue_max = 1000;
    o.connect_timeout_ms = 200;
    o.max_backoff_ms = 200;
    o.spool.dir = dir_;
    o.spool.max_bytes = max_bytes;
    return std::make_unique<HepSender>(d, o, &stats_);
  }

  // Down -> N packets -> up: all arrive in order, byte-identical.
  void DownThenUp(int type, Transport t) {
    uint16_t port = FreePort(type);
    auto pk = MakePackets(60);
    auto s = MakeSender(t, port);
    for (const auto& b : pk) ASSERT_TRUE(s->Enqueue(b));
    ASSERT_TRUE(WaitFor([&] { return stats_.spooled.Get() >= 60; }, 10000))
        << "spooled " << stats_.spooled.Get();
    EXPECT_GE(stats_.send_errors.Get(), 1);
    EXPECT_EQ(stats_.sent.Get(), 0);
    int lfd = BindLoopback(type, port);
    ASSERT_GE(lfd, 0) << "port " << port << " taken meanwhile";
    auto got = Receive(lfd, type, pk.size()).packets;
    close(lfd);
    ASSERT_EQ(got.size(), pk.size());
    for (size_t i = 0; i < pk.size(); ++i) ASSERT_EQ(got[i], pk[i]) << "packet " << i;
    EXPECT_TRUE(WaitFor([&] { return stats_.spool_replayed.Get() == 60; }, 10000));
    EXPECT_EQ(stats_.spool_dropped.Get(), 0);
    EXPECT_EQ(stats_.send_dropped.Get(), 0);
    // The first packet still carries its original timestamp.
    auto first = Decode(got[0]);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first->ts_sec, 1700000000u);
  }

  std::string dir_;
  HepStats stats_;
};

TEST_F(HepDestSpoolTest, TcpCollectorDownThenUp) { DownThenUp(SOCK_STREAM, Transport::kTcp); }

TEST_F(HepDestSpoolTest, UdpCollectorDownThenUp) { DownThenUp(SOCK_DGRAM, Transport::kUdp); }

TEST_F(HepDestSpoolTest, RestartReplaysTheSpool) {
  uint16_t port = FreePort(SOCK_STREAM);
  auto pk = MakePackets(40);
  {
    auto s = MakeSender(Transport::kTcp, port);
    for (const auto& b : pk) ASSERT_TRUE(s->Enqueue(b));
    // Stop at once: what is still in the memory queue goes to disk too.
  }
  EXPECT_EQ(stats_.send_dropped_shutdown.Get(), 0);
  EXPECT_EQ(stats_.spooled.Get(), 40);
  EXPECT_FALSE(std::filesystem::is_empty(dir_));
  int lfd = BindLoopback(SOCK_STREAM, port);
  ASSERT_GE(lfd, 0);
  auto s2 = MakeSender(Transport::kTcp, port);  // the "next process"
  auto got = Receive(lfd, SOCK_STREAM, pk.size()).packets;
  close(lfd);
  ASSERT_EQ(got.size(), pk.size());
  for (size_t i = 0; i < pk.size(); ++i) ASSERT_EQ(got[i], pk[i]) << "packet " << i;
  EXPECT_TRUE(WaitFor([&] { return stats_.spool_replayed.Get() == 40; }, 10000));
}

TEST_F(HepDestSpoolTest, FullSpoolDropsWithACounter) {
  uint16_t port = FreePort(SOCK_STREAM);
  auto pk = MakePackets(50);  // ~600 bytes each; the spool takes a handful
  auto s = MakeSender(Transport::kTcp, port, 8 * 1024);
  ASSERT_TRUE(s->Enqueue(pk[0]));
  ASSERT_TRUE(WaitFor([&] { return stats_.send_errors.Get() >= 1; }, 10000));  // down
  int accepted = 1;
  for (size_t i = 1; i < pk.size(); ++i) accepted += s->Enqueue(pk[i]) ? 1 : 0;
  EXPECT_LT(accepted, 50);
  EXPECT_GT(accepted, 1);
  EXPECT_EQ(stats_.spool_dropped.Get(), 50 - accepted);
  EXPECT_EQ(stats_.send_dropped.Get(), 50 - accepted);
  int lfd = BindLoopback(SOCK_STREAM, port);
  ASSERT_GE(lfd, 0);
  auto got = Receive(lfd, SOCK_STREAM, static_cast<size_t>(accepted)).packets;
  close(lfd);
  // What was kept is the oldest packets, in order.
  ASSERT_EQ(got.size(), static_cast<size_t>(accepted));
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], pk[i]) << "packet " << i;
}

}  // namespace
}  // namespace sipcapd::hep
