// link: proto_hep_logic
// libFuzzer target for the HEP codec: Decode must never crash or read out
// of bounds; a decoded packet re-encoded as v3 must decode to the same
// fields (decode -> encode -> decode consistency); v2 encoding must not
// crash; the TCP framer must agree with the decoder on frame lengths.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

#include "modules/proto_hep/hep_codec.h"

namespace {
using namespace sipcapd::hep;

bool SameFields(const Packet& a, const Packet& b) {
  return a.present == b.present && a.family == b.family && a.ip_proto == b.ip_proto &&
         a.src_ip == b.src_ip && a.dst_ip == b.dst_ip && a.src_port == b.src_port &&
         a.dst_port == b.dst_port && a.ts_sec == b.ts_sec && a.ts_usec == b.ts_usec &&
         a.proto_type == b.proto_type && a.capture_id == b.capture_id &&
         a.keep_alive == b.keep_alive && a.auth_key == b.auth_key && a.payload == b.payload &&
         a.compressed == b.compressed && a.correlation_id == b.correlation_id &&
         a.vlan_id == b.vlan_id && a.node_name == b.node_name && a.src_mac == b.src_mac &&
         a.dst_mac == b.dst_mac && a.eth_type == b.eth_type && a.tcp_flags == b.tcp_flags &&
         a.ip_tos == b.ip_tos && a.mos == b.mos && a.r_factor == b.r_factor &&
         a.geo_location == b.geo_location && a.jitter == b.jitter &&
         a.transaction_type == b.transaction_type && a.payload_json_keys == b.payload_json_keys &&
         a.tag_values == b.tag_values && a.tag_type == b.tag_type && a.event_type == b.event_type &&
         a.group_id == b.group_id && a.extra == b.extra;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  FrameCheck fc = NextFrame(in);
  if (fc.state == FrameState::kFrame && (fc.length < 6 || fc.length > size)) abort();

  DecodeError why = DecodeError::kCount;
  auto r = Decode(in, {}, &why);
  if (r.ok() != (why == DecodeError::kNone)) abort();
  if (!r.ok()) return 0;
  const Packet& p = r.value();
  // The zero-copy view agrees with the owning decode, and the chunk limit
  // is exact: max_chunks = the count passes, one less fails.
  PacketView view;
  if (!DecodeView(in, {}, &view).ok() || !SameFields(p, ToPacket(view))) abort();
  {
    // Encoding the view writes the bytes of encoding the owning packet.
    std::string from_view, from_packet;
    bool a = Encode(view, 3, &from_view).ok(), b = Encode(p, 3, &from_packet).ok();
    if (a != b || from_view != from_packet) abort();
  }
  if (p.version == 3 && view.chunk_count > 0) {
    DecodeOptions lim;
    lim.max_chunks = view.chunk_count;
    if (!DecodeView(in, lim, &view).ok()) abort();
    lim.max_chunks = view.chunk_count - 1;
    DecodeError w = DecodeError::kNone;
    bool ok = DecodeView(in, lim, &view, &w).ok();
    if (lim.max_chunks > 0 && (ok || w != DecodeError::kTooManyChunks)) abort();
  }
  std::string v3;
  if (Encode(p, 3, &v3).ok()) {
    FrameCheck f3 =
        NextFrame(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(v3.data()), v3.size()));
    if (f3.state != FrameState::kFrame || f3.length != v3.size()) abort();
    auto again = Decode(v3);
    if (!again.ok()) abort();
    if (!SameFields(p, again.value())) abort();
    std::string v3b;
    if (!Encode(again.value(), 3, &v3b).ok()) abort();
    // Deflate output is deterministic, so even compressed packets re-encode equal.
    if (v3b != v3) abort();
  }
  std::string v2;
  EncodeReport rep;
  if (Encode(p, 2, &v2, &rep).ok()) {
    auto back = Decode(v2);
    if (back.ok() && back->payload != p.payload) abort();
  }
  return 0;
}
