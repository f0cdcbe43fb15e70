// link: proto_hep_logic
// HEP UDP load generator and hep_udp ingest benchmark.
//
//   hep_loadgen_bench
//       (what `make bench` runs) in-process: a hep_udp listener on
//       127.0.0.1 with 2 workers and a counting receive callback; one
//       sender thread sends 600-byte HEPv3 SIP packets with sendmmsg at
//       --rate for --secs, then prints sent / decoded / kernel drops and
//       the receive rate. Target: >= 300k packets/s, no kernel drops.
//   hep_loadgen_bench --target IP:PORT [--rate R] [--secs S] [--count N]
//       only sends (to a running sipcapd), then prints what it sent.
// --rate 0 sends as fast as possible. Everything is bounded: --secs <= 60,
// --count <= 100M; the target must be a loopback address.
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "modules/proto_hep/hep_service.h"
#include "modules/proto_hep/hep_udp_listener.h"

using namespace sipcapd;
using namespace sipcapd::hep;
using Clock = std::chrono::steady_clock;

namespace {

std::string MakePacket() {
  Packet p;
  p.SetAddresses({IpAddr::Parse("192.0.2.10").value(), 5060},
                 {IpAddr::Parse("192.0.2.20").value(), 5080});
  p.ip_proto = 17;
  p.ts_sec = 1700000000;
  p.ts_usec = 1;
  p.proto_type = kProtoSip;
  p.capture_id = 2001;
  p.correlation_id = "a84b4c76e66710@pc33.example.com";
  for (uint16_t t : {kChunkIpProto, kChunkTsSec, kChunkTsUsec, kChunkProtoType, kChunkCaptureId,
                     kChunkCorrelationId, kChunkPayload})
    p.Mark(t);
  p.payload =
      "OPTIONS sip:bob@biloxi.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 1 OPTIONS\r\n"
      "Content-Length: 0\r\n\r\n";
  std::string out;
  Encode(p, 3, &out);
  if (out.size() < 600) {
    p.payload.insert(p.payload.size() - 2,
                     "X-Pad: " + std::string(600 - out.size() - 9, 'p') + "\r\n");
    Encode(p, 3, &out);
  }
  return out;
}

struct SendResult {
  long sent = 0;
  double secs = 0;
};

// Sends `pkt` to `to` at `rate` packets/s (0: max) until `count` or `secs`.
SendResult Send(const SockAddr& to, const std::string& pkt, long rate, double secs, long count) {
  sockaddr_storage ss;
  socklen_t sl = to.ToSockaddr(&ss);
  int fd = socket(ss.ss_family, SOCK_DGRAM, 0);
  int sndbuf = 4 << 20;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
  if (connect(fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0) {
    std::perror("connect");
    close(fd);
    return {};
  }
  constexpr int kBatch = 32;
  mmsghdr msgs[kBatch];
  iovec iov{const_cast<char*>(pkt.data()), pkt.size()};
  for (auto& m : msgs) {
    std::memset(&m, 0, sizeof(m));
    m.msg_hdr.msg_iov = &iov;
    m.msg_hdr.msg_iovlen = 1;
  }
  SendResult r;
  auto t0 = Clock::now();
  auto end = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
  while (r.sent < count) {
    auto now = Clock::now();
    if (now >= end) break;
    if (rate > 0) {
      auto due = t0 + std::chrono::nanoseconds(static_cast<int64_t>(r.sent * 1e9 / rate));
      if (due > now) {
        std::this_thread::sleep_for(due - now);
        continue;
      }
    }
    int n = static_cast<int>(std::min<long>(kBatch, count - r.sent));
    int s = sendmmsg(fd, msgs, n, 0);
    if (s > 0)
      r.sent += s;
    else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
      break;
  }
  r.secs = std::chrono::duration<double>(Clock::now() - t0).count();
  close(fd);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  std::string target;
  long rate = 300000, count = 100000000;
  double secs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--target")
      target = argv[i + 1];
    else if (k == "--rate")
      rate = std::atol(argv[i + 1]);
    else if (k == "--secs")
      secs = std::atof(argv[i + 1]);
    else if (k == "--count")
      count = std::atol(argv[i + 1]);
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (secs <= 0 || secs > 60) secs = 3;
  if (count <= 0 || count > 100000000) count = 100000000;
  std::string pkt = MakePacket();

  if (!target.empty()) {
    size_t c = target.rfind(':');
    auto ip = IpAddr::Parse(target.substr(0, c));
    if (c == std::string::npos || !ip) {
      std::fprintf(stderr, "bad --target\n");
      return 2;
    }
    if (!(ip->family == AF_INET ? ip->bytes[0] == 127 : ip->ToString() == "::1")) {
      std::fprintf(stderr, "--target must be a loopback address\n");
      return 2;
    }
    SendResult r = Send({*ip, static_cast<uint16_t>(std::atoi(target.c_str() + c + 1))}, pkt, rate,
                        secs, count);
    std::printf("hep_loadgen: sent %ld packets of %zu bytes in %.2f s (%.0f packets/s)\n", r.sent,
                pkt.size(), r.secs, r.sent / r.secs);
    return r.sent > 0 ? 0 : 1;
  }

  HepService svc;
  if (!svc.Finalize().ok()) return 1;
  std::atomic<long> handled{0};
  svc.RegisterReceiveCallback([&](MsgContext& ctx) {
    if (!ctx.buf.empty()) handled.fetch_add(1, std::memory_order_relaxed);
  });
  ListenSpec spec;
  spec.host = "127.0.0.1";
  HepUdpListener l(spec, UdpOptions{2, 32 << 20}, &svc.receiver(), nullptr);
  if (!l.Open().ok()) return 1;
  std::atomic<bool> stop{false};
  std::vector<std::thread> workers;
  for (int i = 0; i < 2; ++i) workers.emplace_back([&, i] { l.Serve(i, stop); });
  std::printf(
      "hep_loadgen_bench: hep_udp 2 workers, rcvbuf %d, %zu-byte HEPv3 packets, rate %s, "
      "%.1f s\n",
      l.effective_rcvbuf(), pkt.size(), rate > 0 ? std::to_string(rate).c_str() : "max", secs);
  auto t0 = Clock::now();
  SendResult r = Send(l.local(), pkt, rate, secs, count);
  // Drain: until everything sent is handled or the count stops moving for
  // 200 ms (at most 2 s).
  long last = -1;
  for (int i = 0, still = 0; i < 2000 && still < 200; ++i) {
    long now = handled.load();
    if (now >= r.sent) break;
    still = now == last ? still + 1 : 0;
    last = now;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  double total = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  l.Shutdown();
  for (auto& t : workers) t.join();
  long got = handled.load();
  std::printf(
      "hep_loadgen_bench: sent %ld (%.0f/s), decoded+handed %ld, lost %ld, kernel drops "
      "%ld, decode errors %ld\n",
      r.sent, r.sent / r.secs, got, r.sent - got, static_cast<long>(svc.stats().kernel_drops.Get()),
      static_cast<long>(svc.stats().received.Get() - svc.stats().decoded.Get()));
  std::printf(
      "hep_loadgen_bench: ingest %.0f packets/s over %.2f s incl. drain (target >= 300000, "
      "no drops)\n",
      got / total, total);
  return 0;
}
