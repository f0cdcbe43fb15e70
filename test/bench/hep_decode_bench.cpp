// link: proto_hep_logic
// HEPv3 decode time per packet for a typical 600-byte SIP packet (IPv4
// addresses, ports, time, proto type, capture id, node name, correlation
// id, SIP payload), single thread: zero-copy DecodeView (the receive
// path) and Decode to the owning Packet. Target: <= 100 ns/packet. Also
// the encode of the same packet into a reused buffer (what siptrace and
// HEP relays pay per packet sent).
//   hep_decode_bench [iterations]   (default 2,000,000; bounded)
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>

#include "modules/proto_hep/hep_codec.h"
#include "test/unit/modules/proto_hep/hep_test_util.h"

using namespace sipcapd;
using namespace sipcapd::hep;

namespace {
struct Timing {
  double cpu_ns, wall_ns;
};
template <typename F>
Timing Measure(long iters, F&& f) {
  timespec c0, c1;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0);
  auto t0 = std::chrono::steady_clock::now();
  for (long i = 0; i < iters; ++i) f();
  double wall =
      std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1);
  return {(c1.tv_sec - c0.tv_sec) * 1e9 + (c1.tv_nsec - c0.tv_nsec), wall};
}
}  // namespace

int main(int argc, char** argv) {
  long iters = argc > 1 ? std::atol(argv[1]) : 2000000;
  if (iters <= 0 || iters > 100000000) iters = 2000000;
  Packet p = testing::RichV3();  // the typed chunks of an ordinary capture
  p.node_name = "homer01";
  p.Mark(kChunkNodeName);
  p.correlation_id = "a84b4c76e66710@pc33.example.com";
  p.Mark(kChunkCorrelationId);
  std::string sip =
      "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
      "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
      "Max-Forwards: 70\r\nTo: Bob <sip:bob@biloxi.example.com>\r\n"
      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
      "Call-ID: a84b4c76e66710@pc33.example.com\r\nCSeq: 314159 INVITE\r\n"
      "Contact: <sip:alice@pc33.atlanta.example.com>\r\nContent-Type: application/sdp\r\n";
  std::string sdp =
      "v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
      "s=-\r\nc=IN IP4 192.0.2.101\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\n"
      "a=rtpmap:0 PCMU/8000\r\n";
  std::string out;
  // Cut the SIP text so the whole packet is 600 bytes.
  p.payload = sip + "Content-Length: " + std::to_string(sdp.size()) + "\r\n\r\n" + sdp;
  p.Mark(kChunkPayload);
  if (!Encode(p, 3, &out).ok()) return 1;
  if (out.size() > 600) p.payload.erase(0, out.size() - 600);
  if (!Encode(p, 3, &out).ok()) return 1;
  std::printf("hep_decode_bench: packet %zu bytes, %ld iterations\n", out.size(), iters);
  size_t sink = 0;
  for (int i = 0; i < 10000; ++i) sink += Decode(std::string_view(out)).value().payload.size();
  std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(out.data()), out.size());

  // Zero-copy decode (the receive path's form), then the owning decode
  // (decode + ToPacket: what a consumer that keeps the packet pays).
  PacketView view;
  Timing tv = Measure(iters, [&] {
    if (!DecodeView(bytes, {}, &view).ok()) std::abort();
    sink += view.payload.size() + view.correlation_id.size();
  });
  Timing to = Measure(iters, [&] {
    auto r = Decode(bytes);
    if (!r.ok()) std::abort();
    sink += r.value().payload.size();
  });
  std::string enc;
  Timing te = Measure(iters, [&] {
    if (!Encode(p, 3, &enc).ok()) std::abort();
    sink += enc.size();
  });
  // CPU time is the figure on a shared host; wall time includes preemption.
  std::printf(
      "hep_decode_bench: decode (view, zero-copy) %.1f ns/packet CPU time (%.1f ns wall; "
      "%.2f M packets/s per core; target <= 100 ns)%s\n",
      tv.cpu_ns / iters, tv.wall_ns / iters, iters / tv.cpu_ns * 1e3, sink == 0 ? " [sink 0]" : "");
  std::printf(
      "hep_decode_bench: decode to owning Packet %.1f ns/packet CPU time (%.1f ns wall; "
      "%.2f M packets/s per core)\n",
      to.cpu_ns / iters, to.wall_ns / iters, iters / to.cpu_ns * 1e3);
  std::printf(
      "hep_decode_bench: encode HEPv3 (reused buffer) %.1f ns/packet CPU time (%.1f ns wall; "
      "%.2f M packets/s per core)\n",
      te.cpu_ns / iters, te.wall_ns / iters, iters / te.cpu_ns * 1e3);
  return 0;
}
