// link: proto_hep_logic
// The hep_tcp listener on loopback (IPv4 and IPv6): frames split at every
// byte boundary, 1000 frames in one write, garbage / TLS on the plain
// port, undecodable frames keep the connection, caps total and per IP,
// idle and stall timeouts, and the HepNet of what is handed on; the TCP
// sender: reconnect, batches, producers writing their stages (order, lone
// packets, a collector that stops reading, half-sent packets).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_tcp_listener.h"
#include "test/unit/modules/proto_hep/hep_listener_test_util.h"
#include "test/unit/modules/proto_hep/hep_producers.h"
#include "test/unit/modules/proto_hep/hep_raw_collector.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace std::chrono_literals;
using namespace testing;

using Running = testing::RunningListener;

int Connect(uint16_t port, const char* ip = "127.0.0.1") {
  SockAddr a{IpAddr::Parse(ip).value(), port};
  sockaddr_storage ss;
  socklen_t len = a.ToSockaddr(&ss);
  int fd = socket(ss.ss_family, SOCK_STREAM, 0);
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

bool WriteAll(int fd, std::string_view b) {
  while (!b.empty()) {
    ssize_t n = send(fd, b.data(), b.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    b.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// True when the peer closed `fd` within `ms` (read returns 0 or an error).
bool PeerClosed(int fd, int ms) {
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  char b[256];
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 20) == 1) {
      ssize_t n = recv(fd, b, sizeof(b), MSG_DONTWAIT);
      if (n <= 0) return true;
    }
  }
  return false;
}

TEST(HepTcp, SplitAtEveryByteBoundary) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Got got;
  got.Attach(svc);
  TcpListenOptions o;
  o.workers = 2;
  Running run(svc, o);
  ASSERT_TRUE(run.ok);
  int fd = Connect(run.port());
  ASSERT_GE(fd, 0);
  std::string two = Frame(1) + Frame(2);  // splits inside the first and across both
  size_t expected = 0;
  for (size_t cut = 1; cut < two.size(); ++cut) {
    ASSERT_TRUE(WriteAll(fd, two.substr(0, cut)));
    std::this_thread::sleep_for(1ms);  // separate segments, most of the time
    ASSERT_TRUE(WriteAll(fd, two.substr(cut)));
    expected += 2;
  }
  ASSERT_TRUE(WaitFor([&] { return got.size() == expected; })) << got.size() << " of " << expected;
  {
    std::lock_guard<std::mutex> l(got.mu);
    for (size_t i = 0; i < got.payloads.size(); ++i)
      ASSERT_EQ(got.payloads[i], "OPTIONS sip:" + std::to_string(1 + i % 2) + " SIP/2.0\r\n\r\n");
    EXPECT_EQ(got.nets[0].proto, Proto::kHepTcp);
    EXPECT_EQ(got.nets[0].src.ip.ToString(), "127.0.0.1");
    EXPECT_EQ(got.nets[0].dst.port, run.port());
    EXPECT_EQ(got.nets[0].listener, "hep_tcp:127.0.0.1:" + std::to_string(run.port()));
  }
  // Byte by byte, one write per byte.
  std::string f = Frame(3);
  for (char c : f) ASSERT_TRUE(WriteAll(fd, std::string_view(&c, 1)));
  ASSERT_TRUE(WaitFor([&] { return got.size() == expected + 1; }));
  EXPECT_EQ(svc.stats().tcp_accepted.Get(), 1);
  EXPECT_EQ(svc.stats().tcp_garbage.Get(), 0);
  EXPECT_EQ(svc.stats().tcp_current.Get(), 1);
  close(fd);
  ASSERT_TRUE(WaitFor([&] { return svc.stats().tcp_closed.Get() == 1; }));
  EXPECT_EQ(svc.stats().tcp_current.Get(), 0);
  EXPECT_EQ(run.listener->connections(), 0);
}

TEST(HepTcp, ThousandFramesInOneWriteAndMaxSizeFrame) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Got got;
  got.Attach(svc);
  Running run(svc, TcpListenOptions{});
  ASSERT_TRUE(run.ok);
  std::string all;
  for (int i = 0; i < 1000; ++i) all += Frame(i);
  // One frame of exactly 65535 bytes.
  std::string big_payload(65535 - 6 - 6, 'x');
  all += Hep3({Ch(15, big_payload)});
  ASSERT_EQ(Hep3({Ch(15, big_payload)}).size(), 65535u);
  int fd = Connect(run.port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteAll(fd, all));
  ASSERT_TRUE(WaitFor([&] { return got.size() == 1001; })) << got.size();
  std::lock_guard<std::mutex> l(got.mu);
  for (int i = 0; i < 1000; ++i)
    ASSERT_EQ(got.payloads[i], "OPTIONS sip:" + std::to_string(i) + " SIP/2.0\r\n\r\n");
  EXPECT_EQ(got.payloads[1000], big_payload);
  EXPECT_EQ(svc.stats().decoded.Get(), 1001);
  close(fd);
}

TEST(HepTcp, GarbageClosesTheConnection) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Got got;
  got.Attach(svc);
  Running run(svc, TcpListenOptions{});
  ASSERT_TRUE(run.ok);
  // A good frame, then garbage: the frame is delivered, then the close.
  int fd = Connect(run.port());
  ASSERT_TRUE(WriteAll(fd, Frame(1) + "GET / HTTP/1.1\r\n\r\n"));
  EXPECT_TRUE(PeerClosed(fd, 3000));
  close(fd);
  EXPECT_EQ(got.size(), 1u);
  // A TLS ClientHello start on the plain port.
  fd = Connect(run.port());
  ASSERT_TRUE(WriteAll(fd, std::string("\x16\x03\x01\x02\x00\x01", 6)));
  EXPECT_TRUE(PeerClosed(fd, 3000));
  close(fd);
  // A HEPv3 header with length < 6; a bad magic detected on its first byte.
  fd = Connect(run.port());
  ASSERT_TRUE(WriteAll(fd, std::string("HEP3\x00\x03", 6)));
  EXPECT_TRUE(PeerClosed(fd, 3000));
  close(fd);
  fd = Connect(run.port());
  ASSERT_TRUE(WriteAll(fd, "X"));
  EXPECT_TRUE(PeerClosed(fd, 3000));
  close(fd);
  EXPECT_TRUE(WaitFor([&] { return svc.stats().tcp_garbage.Get() == 4; }))
      << svc.stats().tcp_garbage.Get();
  // A well-framed but undecodable frame is counted and the connection stays.
  fd = Connect(run.port());
  ASSERT_TRUE(WriteAll(fd, Hep3({ChRawLen(15, 3, "")})));
  ASSERT_TRUE(WaitFor([&] { return svc.stats().received.Get() == 2; }));
  ASSERT_TRUE(WriteAll(fd, Frame(2)));
  ASSERT_TRUE(WaitFor([&] { return got.size() == 2; }));
  EXPECT_FALSE(PeerClosed(fd, 100));
  close(fd);
  EXPECT_EQ(svc.stats().tcp_garbage.Get(), 4);
}

TEST(HepTcp, CapsTotalAndPerIp) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  TcpListenOptions o;
  o.max_connections = 5;
  o.max_conns_per_ip = 3;
  Running run(svc, o);
  ASSERT_TRUE(run.ok);
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) fds.push_back(Connect(run.port()));
  ASSERT_TRUE(WaitFor([&] { return svc.stats().tcp_accepted.Get() == 3; }));
  int extra = Connect(run.port());  // 4th from 127.0.0.1: over the per-IP cap
  EXPECT_TRUE(PeerClosed(extra, 3000));
  close(extra);
  EXPECT_TRUE(WaitFor([&] { return svc.stats().tcp_rejected.Get() == 1; }))
      << svc.stats().tcp_rejected.Get();
  // Other source IPs (127.0.0.2/3 are loopback too) up to the total cap.
  auto from = [&](const char* src) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    SockAddr a{IpAddr::Parse(src).value(), 0};
    sockaddr_storage ss;
    socklen_t l = a.ToSockaddr(&ss);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&ss), l), 0);
    SockAddr d{IpAddr::Parse("127.0.0.1").value(), run.port()};
    l = d.ToSockaddr(&ss);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&ss), l), 0);
    return fd;
  };
  fds.push_back(from("127.0.0.2"));
  fds.push_back(from("127.0.0.2"));
  ASSERT_TRUE(WaitFor([&] { return svc.stats().tcp_accepted.Get() == 5; }));
  extra = from("127.0.0.3");  // over the total cap
  EXPECT_TRUE(PeerClosed(extra, 3000));
  close(extra);
  EXPECT_TRUE(WaitFor([&] { return svc.stats().tcp_rejected.Get() == 2; }))
      << svc.stats().tcp_rejected.Get();
  EXPECT_EQ(run.listener->connections(), 5);
  // Closing one frees a slot.
  close(fds[0]);
  fds.erase(fds.begin());
  ASSERT_TRUE(WaitFor([&] { return run.listener->connections() == 4; }));
  int again = Connect(run.port());
  ASSERT_TRUE(WaitFor([&] { return svc.stats().tcp_accepted.Get() == 6; }));
  EXPECT_FALSE(PeerClosed(again, 100));
  close(again);
  for (int fd : fds) close(fd);
}

TEST(HepTcp, IdleAndStallTimeouts) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Got got;
  got.Attach(svc);
  TcpListenOptions o;
  o.idle_timeout_ms = 600;
  o.stall_timeout_ms = 300;
  Running run(svc, o);
  ASSERT_TRUE(run.ok);
  int idle = Connect(run.port());
  ASSERT_TRUE(WriteAll(idle, Frame(1)));
  int stall = Connect(run.port());
  std::string f = Frame(2);
  // Keeps sending one byte every 100 ms: never idle, but the frame stalls.
  auto t0 = std::chrono::steady_clock::now();
  bool stall_closed = false;
  for (size_t i = 0; i + 1 < f.size() && !stall_closed; ++i) {
    WriteAll(stall, std::string_view(&f[i], 1));
    stall_closed = PeerClosed(stall, 100);
  }
  EXPECT_TRUE(stall_closed);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4000ms);  // generous: loaded CI hosts
  EXPECT_TRUE(WaitFor([&] { return svc.stats().tcp_stalled.Get() == 1; }))
      << svc.stats().tcp_stalled.Get();
  EXPECT_TRUE(PeerClosed(idle, 3000));
  EXPECT_TRUE(WaitFor([&] { return svc.stats().tcp_idle_closed.Get() == 1; }))
      << svc.stats().tcp_idle_closed.Get();
  EXPECT_EQ(got.size(), 1u);
  close(idle);
  close(stall);
}

TEST(HepTcp, Ipv6) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Got got;
  got.Attach(svc);
  Running run(svc, TcpListenOptions{}, "::1");
  if (!run.ok) GTEST_SKIP() << "no IPv6 loopback on this host";
  int fd = Connect(run.port(), "::1");
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(WriteAll(fd, Frame(7) + Frame(8)));
  ASSERT_TRUE(WaitFor([&] { return got.size() == 2; }));
  std::lock_guard<std::mutex> l(got.mu);
  EXPECT_EQ(got.nets[0].family, AF_INET6);
  EXPECT_EQ(got.nets[0].src.ip.ToString(), "::1");
  EXPECT_EQ(got.nets[0].listener, "hep_tcp:[::1]:" + std::to_string(run.port()));
  close(fd);
}

uint16_t UnusedTcpPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t sl = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl);
  close(fd);
  return ntohs(sa.sin_port);
}

TEST(HepSender, ConnectFailureKeepsPacketsForTheReconnect) {
  uint16_t port = UnusedTcpPort();
  HepService svc;
  svc.config().hep_send_queue_size = 3;
  ASSERT_TRUE(svc.Finalize().ok());
  Got got;
  got.Attach(svc);
  ASSERT_TRUE(svc.AddHepId("[t] 127.0.0.1:" + std::to_string(port) + "; transport=tcp").ok());
  for (int i = 0; i < 5; ++i) {
    Packet p;
    p.payload = "p" + std::to_string(i);
    p.Mark(kChunkPayload);
    EXPECT_EQ(svc.Send("t", p).ok(), i < 3) << i;  // the queue holds 3
  }
  ASSERT_TRUE(WaitFor([&] { return svc.stats().connect_failures.Get() >= 1; }));
  EXPECT_EQ(svc.stats().send_dropped.Get(), 2);
  EXPECT_EQ(svc.stats().send_dropped_full.Get(), 2);
  // The collector comes up on that port: the 3 queued packets arrive in order.
  ListenSpec spec;
  spec.host = "127.0.0.1";
  spec.port = port;
  HepTcpListener l(spec, TcpListenOptions{}, &svc.receiver(), nullptr);
  ASSERT_TRUE(l.Open().ok());
  std::atomic<bool> stop{false};
  std::thread t([&] { l.Serve(0, stop); });
  bool ok = WaitFor([&] { return got.size() == 3; }, 8000);
  stop = true;
  t.join();
  ASSERT_TRUE(ok) << got.size();
  std::lock_guard<std::mutex> g(got.mu);
  EXPECT_EQ(got.payloads, (std::vector<std::string>{"p0", "p1", "p2"}));
  EXPECT_EQ(svc.stats().sent.Get(), 3);
  EXPECT_EQ(svc.stats().send_dropped.Get(), 2);
}

// A hep_tcp collector on loopback serving into `got`, and id "t" of the
// same service pointing at it (plain TCP): the service sends to itself.
struct TcpCollector {
  HepService svc;
  Got got;
  std::unique_ptr<HepTcpListener> listener;
  std::atomic<bool> stop{false};
  std::thread serve;

  // queue: hep_send_queue_size.
  ::testing::AssertionResult Start(int queue = 10000) {
    svc.config().hep_send_queue_size = queue;
    if (!svc.Finalize().ok()) return ::testing::AssertionFailure() << "Finalize";
    got.Attach(svc);
    ListenSpec spec;
    spec.host = "127.0.0.1";
    spec.port = 0;
    listener = std::make_unique<HepTcpListener>(spec, TcpListenOptions{}, &svc.receiver(), nullptr);
    if (!listener->Open().ok()) return ::testing::AssertionFailure() << "Open";
    serve = std::thread([this] { listener->Serve(0, stop); });
    std::string id = "[t] 127.0.0.1:" + std::to_string(listener->local().port) + "; transport=tcp";
    if (!svc.AddHepId(id).ok()) return ::testing::AssertionFailure() << id;
    return ::testing::AssertionSuccess();
  }
  void Stop() {
    stop = true;
    if (serve.joinable()) serve.join();
  }
  ~TcpCollector() { Stop(); }
};

// Plain TCP without spool: a burst goes out in batched writes (several
// packets per sendmsg); every packet arrives, whole and in order.
TEST(HepSender, TcpBurstArrivesCompleteAndInOrder) {
  TcpCollector c;
  ASSERT_TRUE(c.Start(5000));
  HepService& svc = c.svc;
  Got& got = c.got;
  constexpr int kPackets = 3000;
  for (int i = 0; i < kPackets; ++i) {
    Packet p;
    p.payload = "packet-" + std::to_string(i) + std::string(static_cast<size_t>(i % 700), 'x');
    p.Mark(kChunkPayload);
    ASSERT_TRUE(svc.Send("t", p).ok()) << i;
  }
  bool ok = WaitFor([&] { return got.size() == size_t{kPackets}; }, 10000);
  c.Stop();
  ASSERT_TRUE(ok) << got.size();
  std::lock_guard<std::mutex> g(got.mu);
  for (int i = 0; i < kPackets; ++i)
    ASSERT_EQ(got.payloads[static_cast<size_t>(i)],
              "packet-" + std::to_string(i) + std::string(static_cast<size_t>(i % 700), 'x'));
  EXPECT_EQ(svc.stats().sent.Get(), kPackets);
  EXPECT_EQ(svc.stats().send_dropped.Get(), 0);
  EXPECT_EQ(svc.stats().send_errors.Get(), 0);
}

// Plain TCP, connected: producer threads write their stages (256 KB of
// packets) to the socket themselves. Four threads' packets all arrive,
// each thread's in its order, and most were written by the producers.
TEST(HepSender, TcpProducersWriteTheirStagesInOrder) {
  TcpCollector c;
  ASSERT_TRUE(c.Start(50000));
  HepService& svc = c.svc;
  Got& got = c.got;
  Packet first;  // connects (queued: not connected yet)
  first.payload = ProducerPayload(9, 0);
  first.Mark(kChunkPayload);
  ASSERT_TRUE(svc.Send("t", first).ok());
  // Counted sent: connected, and producers write their stages from now on.
  ASSERT_TRUE(WaitFor([&] { return got.size() == 1 && svc.stats().sent.Get() == 1; }));
  {
    std::lock_guard<std::mutex> g(got.mu);
    got.payloads.clear();
  }
  constexpr int kThreads = 4, kPer = 3000;
  Produce(svc, kThreads, kPer);
  bool ok = WaitFor([&] { return got.size() == size_t{kThreads * kPer}; }, 10000);
  c.Stop();
  ASSERT_TRUE(ok) << got.size();
  ExpectEveryProducerInOrder(got.payloads, kThreads, kPer);
  EXPECT_EQ(svc.stats().sent.Get(), kThreads * kPer + 1);
  EXPECT_GT(svc.stats().sent_direct.Get(), 0) << "none written by the producers";
  EXPECT_EQ(svc.stats().send_dropped.Get(), 0);
  EXPECT_EQ(svc.stats().send_errors.Get(), 0);
  EXPECT_EQ(svc.stats().tcp_garbage.Get(), 0);
}

// A few packets, far from filling a stage, still go out: the sender
// thread queues a stage that has waited its age (~100 ms) and sends it.
TEST(HepSender, TcpLonePacketsLeaveTheirStage) {
  TcpCollector c;
  ASSERT_TRUE(c.Start());
  HepService& svc = c.svc;
  Got& got = c.got;
  Produce(svc, 1, 1);  // connects
  // Counted sent: connected, and producers write their stages from now on.
  ASSERT_TRUE(WaitFor([&] { return got.size() == 1 && svc.stats().sent.Get() == 1; }));
  // Idle long enough for the thread to sleep until a packet comes.
  std::this_thread::sleep_for(600ms);
  auto start = std::chrono::steady_clock::now();
  Produce(svc, 2, 3);
  bool ok = WaitFor([&] { return got.size() == 7; }, 3000);
  auto took = std::chrono::steady_clock::now() - start;
  c.Stop();
  ASSERT_TRUE(ok) << got.size();
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(svc.stats().sent.Get(), 7);
  EXPECT_EQ(svc.stats().sent_direct.Get(), 0);  // all by the thread
}

// Stopping the sender right after a few packets (staged, far from a full
// stage and younger than its age) still sends them before the thread ends.
TEST(HepSender, TcpStopSendsWhatIsStaged) {
  TcpCollector c;
  ASSERT_TRUE(c.Start());
  Produce(c.svc, 1, 1);  // connects
  ASSERT_TRUE(WaitFor([&] { return c.got.size() == 1 && c.svc.stats().sent.Get() == 1; }));
  Produce(c.svc, 2, 5);
  EXPECT_EQ(c.svc.stats().sent.Get(), 1);  // staged, not sent yet
  c.svc.StopSenders();
  EXPECT_EQ(c.svc.stats().sent.Get(), 11);
  EXPECT_EQ(c.svc.stats().send_dropped.Get(), 0);
  EXPECT_TRUE(WaitFor([&] { return c.got.size() == 11; })) << c.got.size();
}

// A collector that does not read for 500 ms (a raw socket with a small
// receive buffer): producers' writes stop short and leave a packet
// half-written; the rest is queued with the half-sent packet first.
// send_timeout_ms decides what happens next: a long one finishes it on the
// same connection; the default 100 ms gives up on the connection, whose
// stream then ends in a truncated frame, and sends the packet whole on the
// next. Either way each connection's stream splits into whole frames (but
// for that truncated tail) and every producer's packet arrives once, in
// order.
void SlowCollector(int send_timeout_ms, bool expect_reconnect, int threads) {
  int lfd = BindLoopback(SOCK_STREAM, 0, 4096);  // a small receive buffer
  ASSERT_GE(lfd, 0);
  HepService svc;
  svc.config().hep_send_queue_size = 100000;
  svc.config().hep_send_timeout = send_timeout_ms;
  ASSERT_TRUE(svc.Finalize().ok());
  ASSERT_TRUE(
      svc.AddHepId("[t] 127.0.0.1:" + std::to_string(LocalPort(lfd)) + "; transport=tcp").ok());
  Produce(svc, 1, 1);  // connects
  ASSERT_TRUE(WaitFor([&] { return svc.stats().sent.Get() == 1; }));
  const int kThreads = threads, kPer = 9000 / threads;  // ~3.6 MB
  std::thread producers([&] { Produce(svc, kThreads, kPer); });
  std::this_thread::sleep_for(500ms);  // not reading
  size_t want = static_cast<size_t>(kThreads * kPer) + 1;
  RawReceived raw = Receive(lfd, SOCK_STREAM, want, 20000);
  producers.join();
  close(lfd);
  bool garbage = raw.garbage;
  std::vector<std::string> payloads;
  for (const std::string& frame : raw.packets) {
    auto pkt = Decode(std::string_view(frame));
    garbage = garbage || !pkt.ok();
    if (pkt.ok()) payloads.push_back(pkt->payload);
  }
  int connections = raw.connections;
  ASSERT_FALSE(garbage) << "after " << payloads.size() << " frames";
  ASSERT_EQ(payloads.size(), want);
  EXPECT_EQ(connections > 1, expect_reconnect) << connections;
  payloads.erase(payloads.begin());
  ExpectEveryProducerInOrder(payloads, kThreads, kPer);
  EXPECT_EQ(svc.stats().send_dropped.Get(), 0);
  EXPECT_EQ(svc.stats().sent.Get(), static_cast<int64_t>(want));
  EXPECT_GT(svc.stats().sent_direct.Get(), 0);
  EXPECT_LT(svc.stats().sent_direct.Get(), kThreads * kPer);  // some went through the queue
}

// One producer: its own write is the one that stops short.
TEST(HepSender, TcpSlowCollectorFinishesTheHalfSentPacket) { SlowCollector(5000, false, 1); }

TEST(HepSender, TcpSlowCollectorReconnectResendsTheHalfSentPacketWhole) {
  SlowCollector(100, true, 1);
}

TEST(HepSender, TcpSlowCollectorThreeProducers) {
  SlowCollector(5000, false, 3);
  SlowCollector(100, true, 3);
}

}  // namespace
}  // namespace sipcapd::hep
