// HEP v1/v2/v3 encoding and the zlib helpers (contract in hep_codec.h).
#include <zlib.h>

#include <cstring>

#include "modules/proto_hep/hep_codec.h"

namespace sipcapd::hep {
namespace {

void PutU8(std::string* o, uint8_t v) { o->push_back(static_cast<char>(v)); }
// Big-endian `bytes` (<= 8) low bytes of v into b.
void StoreBe(char* b, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, v >>= 8) b[i] = static_cast<char>(v & 0xff);
}
void PutBe(std::string* o, uint64_t v, int bytes) {
  char b[8];
  StoreBe(b, v, bytes);
  o->append(b, bytes);
}
void PutLe(std::string* o, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) o->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string_view IpBytes(const IpAddr& a) {
  return std::string_view(reinterpret_cast<const char*>(a.bytes.data()), a.size());
}

// Typed chunks emitted after the fixed header group, in type order.
uint64_t IntField(const PacketFields& p, uint16_t t) {
  switch (t) {
    case kChunkKeepAlive: return p.keep_alive;
    case kChunkVlanId: return p.vlan_id;
    case kChunkSrcMac: return p.src_mac;
    case kChunkDstMac: return p.dst_mac;
    case kChunkEthType: return p.eth_type;
    case kChunkTcpFlags: return p.tcp_flags;
    case kChunkIpTos: return p.ip_tos;
    case kChunkMos: return p.mos;
    case kChunkRFactor: return p.r_factor;
    case kChunkJitter: return p.jitter;
    case kChunkTagType: return p.tag_type;
    case kChunkEventType: return p.event_type;
    default: return 0;
  }
}
// The octet fields of a Packet (strings) or a PacketView (views).
template <class P>
const decltype(P::auth_key)* StrField(const P& p, uint16_t t) {
  switch (t) {
    case kChunkAuthKey: return &p.auth_key;
    case kChunkCorrelationId: return &p.correlation_id;
    case kChunkNodeName: return &p.node_name;
    case kChunkGeoLocation: return &p.geo_location;
    case kChunkTransactionType: return &p.transaction_type;
    case kChunkPayloadJsonKeys: return &p.payload_json_keys;
    case kChunkTagValues: return &p.tag_values;
    case kChunkGroupId: return &p.group_id;
    default: return nullptr;
  }
}

// The HEPv3 chunks of p, in wire order, handed to `sink` (the sizer, then
// the writer: one walk decides what is written, so the two cannot differ).
// `payload` is the payload chunk's data (deflated when p.compressed).
// P: Packet or PacketView (the same fields, owned or viewed).
template <class P, class Sink>
void WalkV3(const P& p, std::string_view payload, Sink& sink) {
  if (p.Has(kChunkIpFamily)) sink.Int(kChunkIpFamily, p.family);
  if (p.Has(kChunkIpProto)) sink.Int(kChunkIpProto, p.ip_proto);
  if ((p.Has(kChunkIp4Src) || p.Has(kChunkIp6Src)) && p.src_ip.is_set())
    sink.Data(0, p.src_ip.family == AF_INET ? kChunkIp4Src : kChunkIp6Src, IpBytes(p.src_ip));
  if ((p.Has(kChunkIp4Dst) || p.Has(kChunkIp6Dst)) && p.dst_ip.is_set())
    sink.Data(0, p.dst_ip.family == AF_INET ? kChunkIp4Dst : kChunkIp6Dst, IpBytes(p.dst_ip));
  if (p.Has(kChunkSrcPort)) sink.Int(kChunkSrcPort, p.src_port);
  if (p.Has(kChunkDstPort)) sink.Int(kChunkDstPort, p.dst_port);
  if (p.Has(kChunkTsSec)) sink.Int(kChunkTsSec, p.ts_sec);
  if (p.Has(kChunkTsUsec)) sink.Int(kChunkTsUsec, p.ts_usec);
  if (p.Has(kChunkProtoType)) sink.Int(kChunkProtoType, p.proto_type);
  if (p.Has(kChunkCaptureId)) sink.Int(kChunkCaptureId, p.capture_id);
  for (uint16_t t = kChunkKeepAlive; t <= kChunkMaxTyped; ++t) {
    if (!p.Has(t) || t == kChunkPayload || t == kChunkCompressedPayload) continue;
    if (const auto* s = StrField(p, t)) {
      sink.Data(0, t, *s);
    } else if (FixedChunkSize(t) != 0) {
      sink.Int(t, IntField(p, t));
    }
  }
  if (p.Has(kChunkPayload) || p.Has(kChunkCompressedPayload))
    sink.Data(0, p.compressed ? kChunkCompressedPayload : kChunkPayload, payload);
  for (const auto& c : p.extra) sink.Data(c.vendor, c.type, c.data);
}

struct V3Sizer {
  size_t size = kHeaderSize;
  void Int(uint16_t type, uint64_t) { size += kChunkHeaderSize + FixedChunkSize(type); }
  void Data(uint16_t, uint16_t, std::string_view d) { size += kChunkHeaderSize + d.size(); }
};

// Writes into a buffer the sizer has sized: no capacity checks per chunk.
struct V3Writer {
  char* w;
  void Header(uint16_t vendor, uint16_t type, size_t data_size) {
    StoreBe(w, vendor, 2);
    StoreBe(w + 2, type, 2);
    StoreBe(w + 4, kChunkHeaderSize + data_size, 2);
    w += kChunkHeaderSize;
  }
  void Int(uint16_t type, uint64_t v) {
    const int n = static_cast<int>(FixedChunkSize(type));
    Header(kVendorGeneric, type, n);
    StoreBe(w, v, n);
    w += n;
  }
  void Data(uint16_t vendor, uint16_t type, std::string_view d) {
    Header(vendor, type, d.size());
    if (!d.empty()) std::memcpy(w, d.data(), d.size());
    w += d.size();
  }
};

template <class P>
Status EncodeV3(const P& p, std::string* out) {
  std::string z;
  std::string_view payload = p.payload;
  if ((p.Has(kChunkPayload) || p.Has(kChunkCompressedPayload)) && p.compressed) {
    SIPCAPD_RETURN_IF_ERROR(Deflate(p.payload, &z));
    payload = z;
  }
  for (const auto& c : p.extra)
    if (c.data.size() > kMaxPacketSize) return Status::Invalid("HEPv3 chunk too large");
  V3Sizer sizer;
  WalkV3(p, payload, sizer);
  if (sizer.size > kMaxPacketSize)
    return Status::Invalid("HEPv3 packet of " + std::to_string(sizer.size) + " bytes > 65535");
  std::string& o = *out;
  o.resize(sizer.size);
  std::memcpy(o.data(), kMagicHep3, 4);
  StoreBe(o.data() + 4, sizer.size, 2);
  V3Writer writer{o.data() + kHeaderSize};
  WalkV3(p, payload, writer);
  return Status::Ok();
}

Status EncodeV12(const Packet& p, int version, std::string* out, EncodeReport* report) {
  uint8_t fam = p.family;
  if (fam != kAfInet && fam != kAfInet6) {
    int f = p.src_ip.is_set() ? p.src_ip.family : p.dst_ip.family;
    fam = f == AF_INET6 ? kAfInet6 : kAfInet;
  }
  int ipfam = fam == kAfInet ? AF_INET : AF_INET6;
  size_t alen = fam == kAfInet ? 4 : 16;
  std::string& o = *out;
  o.clear();
  o.reserve(p.payload.size() + 64);
  PutU8(&o, static_cast<uint8_t>(version));
  PutU8(&o, static_cast<uint8_t>(kV12FixedSize + 2 * alen));
  PutU8(&o, fam);
  PutU8(&o, p.ip_proto);
  PutBe(&o, p.src_port, 2);
  PutBe(&o, p.dst_port, 2);
  for (const IpAddr* a : {&p.src_ip, &p.dst_ip}) {
    if (a->family == ipfam) {
      o.append(IpBytes(*a));
    } else {
      o.append(alen, '\0');
    }
  }
  if (version == 2) {
    PutLe(&o, p.ts_sec, 4);
    PutLe(&o, p.ts_usec, 4);
    PutLe(&o, p.capture_id & 0xffff, 2);
    PutLe(&o, 0, 2);
  }
  o.append(p.payload);
  if (report) {
    for (uint16_t t = 1; t <= kChunkMaxTyped; ++t) {
      if (!p.Has(t)) continue;
      bool carried =
          t <= kChunkDstPort || t == kChunkPayload || t == kChunkCompressedPayload ||
          (t == kChunkProtoType && p.proto_type == kProtoSip) ||
          (version == 2 && (t == kChunkTsSec || t == kChunkTsUsec || t == kChunkCaptureId));
      if (!carried) report->dropped.push_back({kVendorGeneric, t, {}});
    }
    for (const Chunk& c : p.extra) report->dropped.push_back(c);
    report->capture_id_truncated = version == 2 && p.capture_id > 0xffff;
  }
  return Status::Ok();
}

}  // namespace

void PacketFields::SetAddresses(const SockAddr& src, const SockAddr& dst) {
  src_ip = src.ip;
  dst_ip = dst.ip;
  src_port = src.port;
  dst_port = dst.port;
  bool v6 = src.ip.family == AF_INET6 || dst.ip.family == AF_INET6;
  family = v6 ? kAfInet6 : kAfInet;
  for (uint16_t t : {kChunkIp4Src, kChunkIp4Dst, kChunkIp6Src, kChunkIp6Dst}) Unmark(t);
  Mark(kChunkIpFamily);
  Mark(v6 ? kChunkIp6Src : kChunkIp4Src);
  Mark(v6 ? kChunkIp6Dst : kChunkIp4Dst);
  Mark(kChunkSrcPort);
  Mark(kChunkDstPort);
}

const Chunk* Packet::FindExtra(uint16_t vendor, uint16_t type) const {
  for (const Chunk& c : extra)
    if (c.vendor == vendor && c.type == type) return &c;
  return nullptr;
}

Status Encode(const Packet& p, int version, std::string* out, EncodeReport* report) {
  if (report) *report = EncodeReport{};
  if (version == 3) return EncodeV3(p, out);
  if (version == 1 || version == 2) return EncodeV12(p, version, out, report);
  return Status::Invalid("HEP version " + std::to_string(version) + " not in 1..3");
}

Status Encode(const PacketView& p, int version, std::string* out, EncodeReport* report) {
  if (version != 3) return Encode(ToPacket(p), version, out, report);
  if (report) *report = EncodeReport{};
  return EncodeV3(p, out);
}

Status Inflate(std::string_view in, size_t cap, std::string* out, DecodeError* why) {
  z_stream zs;
  std::memset(&zs, 0, sizeof(zs));
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return Status::Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      if (why) *why = DecodeError::kBadCompressed;
      return Status::Invalid(std::string("bad_compressed: zlib error ") + std::to_string(rc));
    }
    size_t got = sizeof(buf) - zs.avail_out;
    if (out->size() + got > cap) {
      inflateEnd(&zs);
      if (why) *why = DecodeError::kInflateTooLarge;
      return Status::Invalid("inflate_too_large: compressed payload inflates past " +
                             std::to_string(cap) + " bytes");
    }
    out->append(buf, got);
    if (rc == Z_OK && got == 0 && zs.avail_in == 0) {
      inflateEnd(&zs);
      if (why) *why = DecodeError::kBadCompressed;
      return Status::Invalid("bad_compressed: stream ends early");
    }
  }
  inflateEnd(&zs);
  return Status::Ok();
}

Status Deflate(std::string_view in, std::string* out) {
  uLongf n = compressBound(static_cast<uLong>(in.size()));
  out->resize(n);
  int rc = compress2(reinterpret_cast<Bytef*>(out->data()), &n,
                     reinterpret_cast<const Bytef*>(in.data()), static_cast<uLong>(in.size()),
                     Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) return Status::Internal("deflate failed");
  out->resize(n);
  return Status::Ok();
}

}  // namespace sipcapd::hep
