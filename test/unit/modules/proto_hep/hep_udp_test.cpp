// link: proto_hep_logic
// The hep_udp listener, receive pipeline and sender on loopback: our
// sender -> our listener -> callback, counters for unhandled / bad /
// auth, connect failures of the TCP sender.
#include <gtest/gtest.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_udp_listener.h"
#include "test/unit/modules/proto_hep/hep_producers.h"
#include "test/unit/modules/proto_hep/hep_raw_collector.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace std::chrono_literals;
using testing::ExpectEveryProducerInOrder;
using testing::Produce;
using testing::WaitFor;

struct Running {
  explicit Running(HepService& svc, int rcvbuf = 1 << 20) {
    ListenSpec spec;
    spec.host = "127.0.0.1";
    spec.port = 0;
    listener =
        std::make_unique<HepUdpListener>(spec, UdpOptions{1, rcvbuf}, &svc.receiver(), nullptr);
    EXPECT_TRUE(listener->Open().ok());
    thread = std::thread([this] { listener->Serve(0, stop); });
  }
  ~Running() {
    stop = true;
    listener->Shutdown();
    thread.join();
  }
  std::unique_ptr<HepUdpListener> listener;
  std::atomic<bool> stop{false};
  std::thread thread;
};

void SendRawUdp(uint16_t port, const std::string& bytes) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_storage ss;
  SockAddr{IpAddr::Parse("127.0.0.1").value(), port}.ToSockaddr(&ss);
  sendto(fd, bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in));
  close(fd);
}

TEST(HepUdp, SenderToListenerToCallback) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  std::mutex mu;
  std::vector<std::string> payloads;
  std::vector<std::string> srcs;
  std::vector<int> versions;
  svc.RegisterReceiveCallback([&](MsgContext& ctx) {
    const HepContext* h = GetHepContext(ctx);
    std::lock_guard<std::mutex> l(mu);
    payloads.push_back(ctx.buf);
    srcs.push_back(ctx.rcv.src.ToString());
    versions.push_back(h ? h->version : -1);
  });
  Running run(svc);
  uint16_t port = run.listener->local().port;
  ASSERT_NE(port, 0);
  EXPECT_GT(run.listener->effective_rcvbuf(), 0);
  for (int v : {3, 2}) {
    ASSERT_TRUE(svc.AddHepId("[d" + std::to_string(v) + "] 127.0.0.1:" + std::to_string(port) +
                             "; transport=udp; version=" + std::to_string(v))
                    .ok());
  }
  MsgContext ctx;
  ctx.buf = "INVITE sip:bob@example.com SIP/2.0\r\n\r\n";
  ctx.rcv.src = {IpAddr::Parse("10.0.0.1").value(), 5060};
  ctx.rcv.dst = {IpAddr::Parse("10.0.0.2").value(), 5070};
  ctx.rcv.proto = Proto::kUdp;
  ctx.recv_time_us = 1700000000123456;
  Packet p = svc.BuildPacket(ctx, kProtoSip);
  EXPECT_EQ(p.capture_id, 1u);
  ASSERT_TRUE(svc.Send("d3", p).ok());
  ASSERT_TRUE(svc.Send("d2", p).ok());
  EXPECT_FALSE(svc.Send("nope", p).ok());
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return payloads.size() == 2;
  }));
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(payloads[0], ctx.buf);
  EXPECT_EQ(payloads[1], ctx.buf);
  EXPECT_EQ(srcs[0], "10.0.0.1:5060");
  EXPECT_EQ(versions.size(), 2u);
  EXPECT_EQ(svc.stats().sent.Get(), 2);
  EXPECT_EQ(svc.stats().decoded.Get(), 2);
}

// Bursts with pauses of several lengths take the sender from paced batches
// to idle and back (4 empty 1 ms waits) and the listener from pausing
// between reads to sleeping on the socket and back: every packet arrives,
// in order, through one sender (a declared hep_id, found without its key).
TEST(HepUdp, BurstsAndPausesArriveCompleteAndInOrder) {
  HepService svc;
  std::mutex mu;
  std::vector<std::string> payloads;
  svc.RegisterReceiveCallback([&](MsgContext& ctx) {
    std::lock_guard<std::mutex> l(mu);
    payloads.push_back(ctx.buf);
  });
  Running run(svc);
  ASSERT_TRUE(svc.AddHepId("[d] 127.0.0.1:" + std::to_string(run.listener->local().port) +
                           "; transport=udp; version=3")
                  .ok());
  ASSERT_TRUE(svc.Finalize().ok());
  MsgContext ctx;
  ctx.rcv.src = {IpAddr::Parse("10.0.0.1").value(), 5060};
  ctx.rcv.dst = {IpAddr::Parse("10.0.0.2").value(), 5070};
  ctx.rcv.proto = Proto::kUdp;
  int seq = 0;
  for (auto pause : {0ms, 1ms, 3ms, 10ms, 50ms, 0ms}) {
    std::this_thread::sleep_for(pause);
    for (int i = 0; i < 300; ++i) {
      ctx.buf = "OPTIONS sip:" + std::to_string(seq++) + "@example.com SIP/2.0\r\n\r\n";
      ASSERT_TRUE(svc.Send("d", svc.BuildPacket(ctx, kProtoSip)).ok());
    }
  }
  ASSERT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return payloads.size() == 1800;
  })) << payloads.size();
  {
    std::lock_guard<std::mutex> l(mu);
    for (int i = 0; i < 1800; ++i)
      ASSERT_EQ(payloads[i], "OPTIONS sip:" + std::to_string(i) + "@example.com SIP/2.0\r\n\r\n");
  }
  EXPECT_EQ(svc.stats().sent.Get(), 1800);
  EXPECT_EQ(svc.stats().connects.Get(), 1);
  EXPECT_EQ(svc.stats().send_dropped.Get(), 0);
  // A lone packet after the sender went idle still goes out.
  std::this_thread::sleep_for(20ms);
  ctx.buf = "lone";
  ASSERT_TRUE(svc.Send("d", svc.BuildPacket(ctx, kProtoSip)).ok());
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> l(mu);
    return payloads.size() == 1801 && payloads.back() == "lone";
  }));
}

// A worker that emptied the socket pauses before reading again; a burst
// starting meanwhile must fit in half the receive buffer as the kernel
// counts it: each datagram's whole buffer (measured here with SO_MEMINFO,
// more than twice a 1 KB payload), at 200k datagrams/s, with the kernel's
// default buffer. Sized by payload bytes the pause let such a burst
// overflow the default buffer (2.3x its half).
TEST(HepUdp, ReadPauseLeavesRoomForABurstAsTheKernelCountsIt) {
  int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(r, 0);
  ASSERT_GE(s, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(r, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t al = sizeof(a);
  ASSERT_EQ(getsockname(r, reinterpret_cast<sockaddr*>(&a), &al), 0);
  ASSERT_EQ(connect(s, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  const int kDatagrams = 20;
  std::string payload(1000, 'x');
  for (int i = 0; i < kDatagrams; ++i)
    ASSERT_EQ(send(s, payload.data(), payload.size(), 0), static_cast<ssize_t>(payload.size()));
  uint32_t mem[SK_MEMINFO_VARS] = {};
  socklen_t ml = sizeof(mem);
  ASSERT_EQ(getsockopt(r, SOL_SOCKET, SO_MEMINFO, mem, &ml), 0);
  double per_datagram = mem[SK_MEMINFO_RMEM_ALLOC] / static_cast<double>(kDatagrams);
  EXPECT_GT(per_datagram, 2.0 * payload.size());
  int rcvbuf = 0;
  socklen_t il = sizeof(rcvbuf);
  ASSERT_EQ(getsockopt(r, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &il), 0);
  double burst_bytes = ReadPauseNs(rcvbuf) * 1e-9 * 200000 * per_datagram;
  EXPECT_LE(burst_bytes, rcvbuf / 2.0)
      << "pause " << ReadPauseNs(rcvbuf) << " ns, " << per_datagram << " bytes a datagram";
  EXPECT_EQ(ReadPauseNs(64 << 20), 1000000);  // at most 1 ms
  close(r);
  close(s);
}

// EnqueueSwap hands back buffers the thread has sent (emptied, capacity
// kept); what was queued goes out unchanged.
TEST(HepSender, EnqueueSwapRecyclesSentBuffers) {
  HepService svc;
  // Longer than a moved-from string's inline capacity.
  auto payload = [](int i) { return "payload " + std::to_string(i) + std::string(300, '.'); };
  std::atomic<int> got{0};
  svc.RegisterReceiveCallback([&](MsgContext& ctx) {
    if (ctx.buf == payload(got.load())) ++got;
  });
  ASSERT_TRUE(svc.Finalize().ok());
  Running run(svc);
  Destination d = ParseHepId("[x] 127.0.0.1:" + std::to_string(run.listener->local().port) +
                             "; transport=udp; version=3")
                      .value();
  HepSender sender(d, SenderOptions{}, &svc.stats());
  MsgContext ctx;
  ctx.rcv.src = {IpAddr::Parse("10.0.0.1").value(), 5060};
  ctx.rcv.dst = {IpAddr::Parse("10.0.0.2").value(), 5070};
  ctx.rcv.proto = Proto::kUdp;
  std::string buf;
  for (int i = 0; i < 10; ++i) {
    ctx.buf = payload(i);
    ASSERT_TRUE(Encode(svc.BuildPacket(ctx, kProtoSip), 3, &buf).ok());
    ASSERT_TRUE(sender.EnqueueSwap(&buf));
    ASSERT_TRUE(buf.empty());
  }
  ASSERT_TRUE(WaitFor([&] { return got.load() == 10; })) << got.load();
  // The thread recycles a batch just after sending it: a few more packets
  // at most until one comes back.
  int n = 10;
  bool recycled = false;
  while (!recycled && n < 100) {
    ctx.buf = payload(n++);
    ASSERT_TRUE(Encode(svc.BuildPacket(ctx, kProtoSip), 3, &buf).ok());
    ASSERT_TRUE(sender.EnqueueSwap(&buf));
    EXPECT_TRUE(buf.empty());
    recycled = buf.capacity() > ctx.buf.size();  // a sent packet's buffer
    if (!recycled) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(recycled);
  EXPECT_TRUE(WaitFor([&] { return got.load() == n; })) << got.load();
}

// A HepService sending to its own hep_udp listener through hep_id "t",
// with the payloads its receive callback got.
struct UdpLoop {
  explicit UdpLoop(int rcvbuf = 1 << 20) {
    EXPECT_TRUE(svc.Finalize().ok());
    svc.RegisterReceiveCallback([this](MsgContext& ctx) {
      std::lock_guard<std::mutex> l(mu);
      payloads.push_back(ctx.buf);
    });
    run = std::make_unique<Running>(svc, rcvbuf);
    EXPECT_TRUE(svc.AddHepId("[t] 127.0.0.1:" + std::to_string(run->listener->local().port) +
                             "; transport=udp")
                    .ok());
  }
  size_t size() {
    std::lock_guard<std::mutex> l(mu);
    return payloads.size();
  }
  // Sends one packet and waits for it: the sender is connected after, and
  // producers send their stages themselves (it counted the packet sent).
  ::testing::AssertionResult Connect() {
    Produce(svc, 1, 1, 1000000);
    if (!WaitFor([&] { return size() == 1 && svc.stats().sent.Get() == 1; }))
      return ::testing::AssertionFailure() << size();
    std::lock_guard<std::mutex> l(mu);
    payloads.clear();
    return ::testing::AssertionSuccess();
  }
  HepService svc;
  std::mutex mu;
  std::vector<std::string> payloads;
  std::unique_ptr<Running> run;
};

// UDP, connected: producer threads sendmmsg their stages (128 datagrams)
// themselves. Four threads, in rounds of 4 stages each (what a round puts
// in flight fits the listener's 8 MB buffer, so none is lost): every
// packet arrives once, each thread's in its order, most written by the
// producers.
TEST(HepSender, UdpProducersWriteTheirStagesInOrder) {
  UdpLoop c(4 << 20);
  ASSERT_TRUE(c.Connect());
  constexpr int kThreads = 4, kRound = 4 * 128, kRounds = 6;
  for (int r = 0; r < kRounds; ++r) {
    Produce(c.svc, kThreads, kRound, r * kRound);
    size_t want = static_cast<size_t>(kThreads * kRound * (r + 1));
    ASSERT_TRUE(WaitFor([&] { return c.size() == want; })) << c.size() << " of " << want;
  }
  c.svc.StopSenders();
  std::lock_guard<std::mutex> l(c.mu);
  ExpectEveryProducerInOrder(c.payloads, kThreads, kRound * kRounds);
  EXPECT_EQ(c.svc.stats().sent.Get(), kThreads * kRound * kRounds + 1);
  EXPECT_GT(c.svc.stats().sent_direct.Get(), kThreads * kRound * kRounds / 2);
  EXPECT_EQ(c.svc.stats().send_dropped.Get(), 0);
  EXPECT_EQ(c.svc.stats().send_errors.Get(), 0);
}

// A few datagrams, far from filling a stage, still go out: the sender
// thread queues a stage that has waited its age (~100 ms) and sends it.
TEST(HepSender, UdpLonePacketsLeaveTheirStage) {
  UdpLoop c;
  ASSERT_TRUE(c.Connect());
  // Idle long enough for the thread to sleep until a packet comes.
  std::this_thread::sleep_for(600ms);
  auto start = std::chrono::steady_clock::now();
  Produce(c.svc, 2, 3);
  bool ok = WaitFor([&] { return c.size() == 6; }, 3000);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(ok) << c.size();
  EXPECT_LT(took, 1000ms);
  EXPECT_EQ(c.svc.stats().sent.Get(), 7);
  EXPECT_EQ(c.svc.stats().sent_direct.Get(), 0);  // all by the thread
}

// Stopping the sender right after a few packets (staged, younger than
// their age) still sends them before the thread ends.
TEST(HepSender, UdpStopSendsWhatIsStaged) {
  UdpLoop c;
  ASSERT_TRUE(c.Connect());
  Produce(c.svc, 2, 5);
  EXPECT_EQ(c.svc.stats().sent.Get(), 1);  // staged, not sent yet
  c.svc.StopSenders();
  EXPECT_EQ(c.svc.stats().sent.Get(), 11);
  EXPECT_EQ(c.svc.stats().send_dropped.Get(), 0);
  EXPECT_TRUE(WaitFor([&] { return c.size() == 10; })) << c.size();
}

// Nothing listens at the destination: a datagram brings an ICMP port
// unreachable (as many as the kernel's ICMP rate limit lets out), which
// fails a later send. The producers' sendmmsg of their stages loses one
// datagram per error, counts it (send_dropped_write) and carries on with
// the rest; every packet is either sent or counted.
TEST(HepSender, UdpRefusedDatagramsAreCounted) {
  int hole = testing::BindLoopback(SOCK_DGRAM, 0);
  ASSERT_GE(hole, 0);
  uint16_t port = testing::LocalPort(hole);
  close(hole);  // the port is free: nothing listens there
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  ASSERT_TRUE(svc.AddHepId("[t] 127.0.0.1:" + std::to_string(port) + "; transport=udp").ok());
  Produce(svc, 1, 1, 1000000);  // connects
  ASSERT_TRUE(WaitFor([&] { return svc.stats().sent.Get() == 1; }));
  constexpr int kThreads = 2, kPer = 10 * 128;
  Produce(svc, kThreads, kPer);
  svc.StopSenders();
  const HepStats& st = svc.stats();
  EXPECT_EQ(st.sent.Get() + st.send_dropped_write.Get(), kThreads * kPer + 1);
  EXPECT_GT(st.send_dropped_write.Get(), 0);
  EXPECT_GT(st.sent_direct.Get(), 0);
  EXPECT_EQ(st.send_dropped.Get(), st.send_dropped_write.Get());
  EXPECT_EQ(st.send_errors.Get(), st.send_dropped_write.Get());
}

// The UDP packets' payloads an AF_PACKET socket (bound to one interface,
// IPv4 only) sees, up to n within ms: HEP packets decoded, in order.
std::vector<std::string> SniffHep(int fd, size_t n, int ms) {
  std::vector<std::string> out;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (out.size() < n && std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) != 1) continue;
    unsigned char b[65536];
    ssize_t r = recv(fd, b, sizeof(b), 0);
    if (r < 20 || b[9] != IPPROTO_UDP) continue;
    size_t ip_len = static_cast<size_t>(b[0] & 15) * 4;
    if (static_cast<size_t>(r) < ip_len + 8) continue;
    std::string_view udp(reinterpret_cast<const char*>(b) + ip_len + 8,
                         static_cast<size_t>(r) - ip_len - 8);
    auto pkt = Decode(udp);
    out.push_back(pkt.ok() ? pkt->payload : "undecodable");
  }
  return out;
}

// A collector behind a slow link: in a network namespace of its own the
// datagrams leave through a veth whose queue (tbf, 20 Mbit/s) holds them,
// so the sender's socket buffer fills and producers' sendmmsg stop short
// (EAGAIN). What a stage's send left goes into the queue in order and the
// sender thread sends it as room comes (waiting up to hep_send_timeout):
// every datagram leaves once, each producer's in its order, none dropped.
// The datagrams are read off the veth's far end with a packet socket.
// Needs root (CI runs as root); skipped, saying so, without it.
TEST(HepSender, UdpSocketWithoutRoomQueuesTheRestInOrder) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root for a network namespace";
  // A thread of its own enters the namespace: the sender thread it starts
  // inherits it, the rest of the test binary stays outside. It and the
  // threads it starts keep to one CPU: the veth hands each datagram to the
  // backlog of the CPU that sends it (or runs the qdisc's timer), and two
  // CPUs' backlogs would reorder what our sender sent in order.
  std::thread t([] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(sched_getcpu(), &one);
    ASSERT_EQ(sched_setaffinity(0, sizeof(one), &one), 0) << std::strerror(errno);
    ASSERT_EQ(unshare(CLONE_NEWNET), 0) << std::strerror(errno);
    ASSERT_EQ(std::system("ip link set lo up && ip link add hepx type veth peer name hepy && "
                          "ip link set hepy address 02:00:00:00:00:02 && ip link set hepx up && "
                          "ip link set hepy up && ip addr add 10.98.0.1/24 dev hepx && "
                          "ip neigh add 10.98.0.2 dev hepx lladdr 02:00:00:00:00:02 nud permanent "
                          "&& tc qdisc add dev hepx root tbf rate 20mbit burst 32k limit 8m"),
              0);
    int sniff = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
    ASSERT_GE(sniff, 0) << std::strerror(errno);
    int big = 16 << 20;
    setsockopt(sniff, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
    sockaddr_ll ll{};
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = static_cast<int>(if_nametoindex("hepy"));
    ASSERT_EQ(bind(sniff, reinterpret_cast<sockaddr*>(&ll), sizeof(ll)), 0) << std::strerror(errno);
    {
      HepService svc;
      svc.config().hep_send_timeout = 5000;
      svc.config().hep_send_queue_size = 100000;
      ASSERT_TRUE(svc.Finalize().ok());
      ASSERT_TRUE(svc.AddHepId("[t] 10.98.0.2:9060; transport=udp").ok());
      Produce(svc, 1, 1, 1000000);  // connects
      ASSERT_EQ(SniffHep(sniff, 1, 5000).size(), 1u);
      ASSERT_TRUE(WaitFor([&] { return svc.stats().sent.Get() == 1; }));
      constexpr int kThreads = 2, kPer = 1500;  // ~1.4 MB: ~0.55 s at 20 Mbit/s
      std::vector<std::string> got;
      std::thread reader([&] { got = SniffHep(sniff, kThreads * kPer, 20000); });
      Produce(svc, kThreads, kPer);
      reader.join();
      ExpectEveryProducerInOrder(got, kThreads, kPer);
      const HepStats& st = svc.stats();
      EXPECT_EQ(st.sent.Get(), kThreads * kPer + 1);
      EXPECT_EQ(st.send_dropped.Get(), 0);
      EXPECT_EQ(st.send_errors.Get(), 0);
      EXPECT_GT(st.sent_direct.Get(), 0);
      EXPECT_LT(st.sent_direct.Get(), kThreads * kPer) << "no producer's send stopped short";
    }
    close(sniff);
  });
  t.join();
}

// Ad-hoc destinations (a HEP relay URI, an inline trace id) find their
// sender through a cache of 64 slots by target: more targets than slots,
// each sent to twice through temporary Destination objects, each gets
// exactly its own packets (a shared slot never hands out another's sender).
TEST(HepSender, AdHocDestinationsGetTheirOwnSenders) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  constexpr int kTargets = 80;
  std::vector<int> fds;
  std::vector<uint16_t> ports;
  for (int i = 0; i < kTargets; ++i) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    socklen_t len = sizeof(a);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    fds.push_back(fd);
    ports.push_back(ntohs(a.sin_port));
  }
  Packet p = testing::RichV3();
  for (int round = 0; round < 2; ++round) {
    for (int i = 0; i < kTargets; ++i) {
      auto d =
          ParseHepId("127.0.0.1:" + std::to_string(ports[i]) + "; transport=udp; version=3", false);
      ASSERT_TRUE(d.ok());
      p.payload = "to " + std::to_string(ports[i]);
      ASSERT_TRUE(svc.SendTo(*d, p).ok());
    }
  }
  for (int i = 0; i < kTargets; ++i) {
    for (int n = 0; n < 2; ++n) {
      pollfd pf{fds[i], POLLIN, 0};
      ASSERT_EQ(::poll(&pf, 1, 3000), 1) << "target " << i << " packet " << n;
      char buf[2048];
      ssize_t got = ::recv(fds[i], buf, sizeof(buf), 0);
      ASSERT_GT(got, 0);
      auto r = Decode(std::string_view(buf, static_cast<size_t>(got)));
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->payload, "to " + std::to_string(ports[i]));
    }
    pollfd pf{fds[i], POLLIN, 0};
    EXPECT_EQ(::poll(&pf, 1, 0), 0) << "target " << i << " got a third packet";
  }
  svc.StopSenders();
  for (int fd : fds) ::close(fd);
}

TEST(HepUdp, UnhandledBadAndAuthAreCounted) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Running run(svc);
  uint16_t port = run.listener->local().port;
  SendRawUdp(port, testing::SpecVector());
  SendRawUdp(port, "GET / HTTP/1.1\r\n\r\n");
  // "received" is counted before the verdict, and the two packets may be
  // handled by the two workers at once: wait for both verdicts.
  auto& bad_magic = svc.stats().errors[static_cast<size_t>(DecodeError::kBadMagic)];
  ASSERT_TRUE(WaitFor([&] {
    return svc.stats().received.Get() == 2 && svc.stats().unhandled.Get() + bad_magic.Get() >= 2;
  }));
  EXPECT_EQ(svc.stats().unhandled.Get(), 1);
  EXPECT_EQ(svc.stats().errors[static_cast<size_t>(DecodeError::kBadMagic)].Get(), 1);
}

TEST(HepUdp, AuthEnforce) {
  HepService svc;
  svc.config().hep_auth_check = "enforce";
  svc.config().hep_auth_key = "pw";
  ASSERT_TRUE(svc.Finalize().ok());
  std::atomic<int> got{0};
  svc.RegisterReceiveCallback([&](MsgContext&) { got++; });
  Running run(svc);
  uint16_t port = run.listener->local().port;
  using namespace testing;
  SendRawUdp(port, Hep3({Ch(15, "a")}));
  SendRawUdp(port, Hep3({Ch(14, "wrong"), Ch(15, "b")}));
  SendRawUdp(port, Hep3({Ch(14, "pw"), Ch(15, "c")}));
  ASSERT_TRUE(WaitFor([&] { return svc.stats().received.Get() == 3; }));
  ASSERT_TRUE(WaitFor([&] { return got.load() == 1; }));
  EXPECT_EQ(svc.stats().auth_missing.Get(), 1);
  EXPECT_EQ(svc.stats().auth_failed.Get(), 1);
  HepService bad;
  bad.config().hep_auth_check = "enforce";
  EXPECT_FALSE(bad.Finalize().ok());
}

// hep_dns_refresh: seconds, 0 (resolve only at connect) .. 86400.
TEST(HepService, DnsRefreshRange) {
  for (int v : {-1, 86401}) {
    HepService svc;
    svc.config().hep_dns_refresh = v;
    auto st = svc.Finalize();
    EXPECT_FALSE(st.ok()) << v;
    EXPECT_NE(st.message().find("hep_dns_refresh"), std::string::npos) << st.message();
  }
  for (int v : {0, 1, 86400}) {
    HepService svc;
    svc.config().hep_dns_refresh = v;
    EXPECT_TRUE(svc.Finalize().ok()) << v;
  }
}

TEST(HepSender, TcpConnectFailureIsCountedAndNeverBlocks) {
  // A port with no listener: bind a socket, read its port, close it.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  socklen_t sl = sizeof(sa);
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &sl);
  close(fd);
  HepService svc;
  svc.config().hep_send_queue_size = 4;
  ASSERT_TRUE(svc.Finalize().ok());
  ASSERT_TRUE(svc.AddHepId("[t] 127.0.0.1:" + std::to_string(ntohs(sa.sin_port))).ok());
  Packet p;
  p.payload = "x";
  p.Mark(kChunkPayload);
  auto t0 = std::chrono::steady_clock::now();
  int refused = 0;
  for (int i = 0; i < 100; ++i)
    if (!svc.Send("t", p).ok()) ++refused;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(svc.stats().send_dropped.Get(), refused);
  ASSERT_TRUE(WaitFor([&] { return svc.stats().connect_failures.Get() >= 1; }));
}

TEST(HepApiEncap, Homer5And6) {
  HepService svc;
  ASSERT_TRUE(svc.Finalize().ok());
  Packet p;
  svc.Encapsulate(&p, {{"Event", "ERROR"}, {"text", "boom"}}, {{"sip", "cid1"}, {"net", "7"}});
  EXPECT_EQ(p.payload, "ERROR:boom");
  EXPECT_EQ(p.correlation_id, "cid1");
  EXPECT_EQ(svc.homer_version(), 5);
  svc.config().homer5_on = 0;
  Packet q;
  svc.Encapsulate(&q, {{"payload", "INVITE"}}, {{"net", "7"}});
  EXPECT_NE(q.payload.find("\"payload\":\t\"INVITE\""), std::string::npos) << q.payload;
  ASSERT_NE(q.FindExtra(0, kChunkExtraCorrelation), nullptr);
  EXPECT_EQ(q.FindExtra(0, kChunkExtraCorrelation)->data, "{\"net\":\"7\"}");
}

}  // namespace
}  // namespace sipcapd::hep
