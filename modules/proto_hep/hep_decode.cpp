// HEP v1/v2/v3 decoding (contract in hep_codec.h, grammar in
// doc/hep_format.md). Every read goes through a bounds-checked cursor.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "modules/proto_hep/hep_codec.h"

namespace sipcapd::hep {
namespace {

// Bounds-checked big/little-endian reads over a byte span.
class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> b) : b_(b) {}
  size_t left() const { return b_.size() - pos_; }
  size_t pos() const { return pos_; }
  bool U8(uint8_t* v) {
    if (left() < 1) return false;
    *v = b_[pos_++];
    return true;
  }
  bool U16Be(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(b_[pos_] << 8 | b_[pos_ + 1]);
    pos_ += 2;
    return true;
  }
  bool U32Le(uint32_t* v) {
    if (left() < 4) return false;
    *v = uint32_t{b_[pos_]} | uint32_t{b_[pos_ + 1]} << 8 | uint32_t{b_[pos_ + 2]} << 16 |
         uint32_t{b_[pos_ + 3]} << 24;
    pos_ += 4;
    return true;
  }
  bool U16Le(uint16_t* v) {
    if (left() < 2) return false;
    *v = static_cast<uint16_t>(b_[pos_] | b_[pos_ + 1] << 8);
    pos_ += 2;
    return true;
  }
  bool Bytes(size_t n, std::span<const uint8_t>* out) {
    if (left() < n) return false;
    *out = b_.subspan(pos_, n);
    pos_ += n;
    return true;
  }
  std::span<const uint8_t> Rest() const { return b_.subspan(pos_); }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

inline uint16_t Be16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t Be32(const uint8_t* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | uint32_t{p[3]};
}
inline uint64_t Be64(const uint8_t* p) { return uint64_t{Be32(p)} << 32 | Be32(p + 4); }

std::string_view Sv(std::span<const uint8_t> v) {
  return std::string_view(reinterpret_cast<const char*>(v.data()), v.size());
}

// Writes a 4- or 16-byte address in place (constant-size copies: no
// store-forwarding stall from a variable memcpy into a temporary).
void SetIp(IpAddr& a, const uint8_t* v, size_t n) {
  if (n == 4) {
    a.family = AF_INET;
    a.bytes.fill(0);
    std::memcpy(a.bytes.data(), v, 4);
  } else {
    a.family = AF_INET6;
    std::memcpy(a.bytes.data(), v, 16);
  }
}

char Hex(int n) { return "0123456789abcdef"[n & 15]; }
std::string Hex16(uint16_t v) {
  std::string s = "0x";
  for (int sh = 12; sh >= 0; sh -= 4) s += Hex(v >> sh);
  return s;
}

Status Fail(DecodeError e, DecodeError* why, const std::string& detail) {
  if (why) *why = e;
  StatusCode code = (e == DecodeError::kTruncated || e == DecodeError::kTooShort ||
                     e == DecodeError::kChunkTruncated)
                        ? StatusCode::kTruncated
                        : StatusCode::kInvalidArgument;
  return Status(code, std::string(DecodeErrorName(e)) + ": " + detail);
}

// Per generic type 0..kChunkMaxTyped: the fixed value size, 0 for octet
// strings, kNotTyped for types without a typed field (0, 0x19..0x1f).
constexpr uint8_t kNotTyped = 0xff;
constexpr auto kTypeTable = [] {
  std::array<uint8_t, kChunkMaxTyped + 1> t{};
  for (uint16_t i = 0; i <= kChunkMaxTyped; ++i) {
    bool typed = i != 0 && !(i >= 0x0019 && i <= 0x001f);
    t[i] = typed ? static_cast<uint8_t>(FixedChunkSize(i)) : kNotTyped;
  }
  return t;
}();

// True if `in` is "HEP3" / "EEP1" or a prefix of one (a cut header).
bool MagicPrefix(std::span<const uint8_t> in) {
  if (in.size() >= 4) {
    uint32_t m;
    std::memcpy(&m, in.data(), 4);
    uint32_t h, e;
    std::memcpy(&h, kMagicHep3, 4);
    std::memcpy(&e, kMagicEep1, 4);
    return m == h || m == e;
  }
  return std::memcmp(in.data(), kMagicHep3, in.size()) == 0 ||
         std::memcmp(in.data(), kMagicEep1, in.size()) == 0;
}

constexpr uint64_t Bit(uint16_t t) { return uint64_t{1} << t; }
constexpr uint64_t kPayloadBits = Bit(kChunkPayload) | Bit(kChunkCompressedPayload);

// Stores the value of a typed generic chunk (size already checked). Only
// 0x0010 can fail: false with *err set.
bool SetTyped(PacketView& p, uint16_t type, const uint8_t* v, size_t n, const DecodeOptions& opts,
              DecodeError* why, Status* err) {
  std::string_view s(reinterpret_cast<const char*>(v), n);
  switch (type) {
    case kChunkIpFamily: p.family = v[0]; break;
    case kChunkIpProto: p.ip_proto = v[0]; break;
    case kChunkSrcPort: p.src_port = Be16(v); break;
    case kChunkDstPort: p.dst_port = Be16(v); break;
    case kChunkTsSec: p.ts_sec = Be32(v); break;
    case kChunkTsUsec: p.ts_usec = Be32(v); break;
    case kChunkProtoType: p.proto_type = v[0]; break;
    case kChunkCaptureId: p.capture_id = Be32(v); break;
    case kChunkKeepAlive: p.keep_alive = Be16(v); break;
    case kChunkAuthKey: p.auth_key = s; break;
    case kChunkPayload:
      p.payload = s;
      p.compressed = false;
      break;
    case kChunkCompressedPayload: {
      Status st = Inflate(s, opts.max_inflated, &p.inflated, why);
      if (!st.ok()) {
        *err = std::move(st);
        return false;
      }
      p.payload = p.inflated;
      p.compressed = true;
      break;
    }
    case kChunkCorrelationId: p.correlation_id = s; break;
    case kChunkVlanId: p.vlan_id = Be16(v); break;
    case kChunkNodeName: p.node_name = s; break;
    case kChunkSrcMac: p.src_mac = Be64(v); break;
    case kChunkDstMac: p.dst_mac = Be64(v); break;
    case kChunkEthType: p.eth_type = Be16(v); break;
    case kChunkTcpFlags: p.tcp_flags = v[0]; break;
    case kChunkIpTos: p.ip_tos = v[0]; break;
    case kChunkMos: p.mos = Be16(v); break;
    case kChunkRFactor: p.r_factor = Be16(v); break;
    case kChunkGeoLocation: p.geo_location = s; break;
    case kChunkJitter: p.jitter = Be32(v); break;
    case kChunkTransactionType: p.transaction_type = s; break;
    case kChunkPayloadJsonKeys: p.payload_json_keys = s; break;
    case kChunkTagValues: p.tag_values = s; break;
    case kChunkTagType: p.tag_type = Be16(v); break;
    case kChunkEventType: p.event_type = Be16(v); break;
    case kChunkGroupId: p.group_id = s; break;
    default: break;
  }
  return true;
}

// An address chunk seen in the walk, resolved against the family at the end.
// At most one per address type (later ones are duplicates, kept in extra),
// so a fixed array; the value points into the input.
struct AddrSeen {
  uint16_t type;
  const uint8_t* data;
  size_t size;
  size_t extra_pos;  // where it goes in `extra` if it is not used
};

// Resolves the family against the address chunks seen (rules in hep_codec.h).
Status ResolveFamily(PacketView& p, const AddrSeen* addrs, size_t n_addrs, DecodeError* why) {
  bool has4 = p.Has(kChunkIp4Src) || p.Has(kChunkIp4Dst);
  bool has6 = p.Has(kChunkIp6Src) || p.Has(kChunkIp6Dst);
  uint8_t fam = 0;
  if (p.Has(kChunkIpFamily)) {
    if (p.family != kAfInet && p.family != kAfInet6)
      return Fail(DecodeError::kBadFamily, why, "family " + std::to_string(p.family));
    fam = p.family;
  } else if (has4) {
    fam = kAfInet;
  } else if (has6) {
    fam = kAfInet6;
  }
  bool v4 = fam == kAfInet;
  uint16_t own_src = v4 ? kChunkIp4Src : kChunkIp6Src, own_dst = v4 ? kChunkIp4Dst : kChunkIp6Dst;
  uint16_t other_src = v4 ? kChunkIp6Src : kChunkIp4Src,
           other_dst = v4 ? kChunkIp6Dst : kChunkIp4Dst;
  if ((p.Has(other_src) && !p.Has(own_src)) || (p.Has(other_dst) && !p.Has(own_dst)))
    return Fail(DecodeError::kFamilyMismatch, why,
                std::string("address chunks do not match family ") + (v4 ? "IPv4" : "IPv6"));
  for (size_t i = n_addrs; i-- > 0;) {
    const AddrSeen& a = addrs[i];
    if (a.type == own_src || a.type == own_dst) {
      SetIp(a.type == own_src ? p.src_ip : p.dst_ip, a.data, a.size);
    } else {
      p.Unmark(a.type);
      p.extra.Insert(a.extra_pos,
                     {kVendorGeneric, a.type,
                      std::string_view(reinterpret_cast<const char*>(a.data), a.size)});
    }
  }
  return Status::Ok();
}

// One pass over the chunks; nothing is copied except an inflated payload.
Status DecodeV3(std::span<const uint8_t> in, const DecodeOptions& opts, PacketView& p,
                DecodeError* why) {
  p.version = 3;
  p.eep1_magic = in[0] == kMagicEep1[0];
  size_t total = Be16(in.data() + 4);
  if (total < kHeaderSize)
    return Fail(DecodeError::kBadLength, why, "total length " + std::to_string(total) + " < 6");
  if (total > in.size())
    return Fail(DecodeError::kTruncated, why,
                "total length " + std::to_string(total) + " > " + std::to_string(in.size()) +
                    " bytes received");
  p.trailing_bytes = in.size() - total;
  const uint8_t* base = in.data();
  const uint8_t* c = base + kHeaderSize;
  const uint8_t* end = base + total;
  const size_t max_chunks = opts.max_chunks ? opts.max_chunks : SIZE_MAX;
  AddrSeen addrs[4];
  size_t n_addrs = 0, count = 0;
  Status err;
  while (c < end) {
    size_t left = static_cast<size_t>(end - c), at = static_cast<size_t>(c - base);
    if (left < kChunkHeaderSize)
      return Fail(DecodeError::kChunkTruncated, why,
                  std::to_string(left) + " stray bytes at offset " + std::to_string(at));
    uint16_t vendor = Be16(c), type = Be16(c + 2), len = Be16(c + 4);
    if (len < kChunkHeaderSize)
      return Fail(DecodeError::kBadChunkLength, why,
                  "chunk " + Hex16(type) + " at offset " + std::to_string(at) + " has length " +
                      std::to_string(len));
    if (len > left)
      return Fail(DecodeError::kChunkOverrun, why,
                  "chunk " + Hex16(type) + " at offset " + std::to_string(at) + " length " +
                      std::to_string(len) + " overruns the packet");
    if (++count > max_chunks)
      return Fail(DecodeError::kTooManyChunks, why,
                  "more than " + std::to_string(max_chunks) + " chunks");
    const uint8_t* v = c + kChunkHeaderSize;
    size_t n = len - kChunkHeaderSize;
    c += len;
    uint8_t fixed =
        (vendor == kVendorGeneric && type <= kChunkMaxTyped) ? kTypeTable[type] : kNotTyped;
    if (fixed == kNotTyped) {
      p.extra.push_back({vendor, type, std::string_view(reinterpret_cast<const char*>(v), n)});
      continue;
    }
    if (fixed != 0 && n != fixed)
      return Fail(DecodeError::kBadChunkSize, why,
                  "chunk " + Hex16(type) + " has " + std::to_string(n) + " value bytes, expected " +
                      std::to_string(fixed));
    uint64_t clash = (Bit(type) & kPayloadBits) ? kPayloadBits : Bit(type);
    if (p.present & clash) {
      p.extra.push_back({vendor, type, std::string_view(reinterpret_cast<const char*>(v), n)});
      ++p.duplicate_chunks;
      continue;
    }
    p.present |= Bit(type);
    if (type >= kChunkIp4Src && type <= kChunkIp6Dst) {
      addrs[n_addrs++] = {type, v, n, p.extra.size()};
      continue;
    }
    if (!SetTyped(p, type, v, n, opts, why, &err)) return err;
  }
  p.chunk_count = count;
  Status st = ResolveFamily(p, addrs, n_addrs, why);
  if (!st.ok()) return st;
  if (opts.require_payload && !(p.present & kPayloadBits))
    return Fail(DecodeError::kMissingPayload, why, "no payload chunk (0x000f / 0x0010)");
  return Status::Ok();
}

Status DecodeV12(std::span<const uint8_t> in, const DecodeOptions& opts, PacketView& p,
                 DecodeError* why) {
  Cursor c(in);
  uint8_t v = 0, hl = 0, fam = 0, proto = 0;
  uint16_t sport = 0, dport = 0;
  if (in.size() < kV12FixedSize)
    return Fail(DecodeError::kTooShort, why,
                "HEPv1/v2 needs 8 header bytes, got " + std::to_string(in.size()));
  c.U8(&v);
  c.U8(&hl);
  c.U8(&fam);
  c.U8(&proto);
  c.U16Be(&sport);
  c.U16Be(&dport);
  size_t alen = fam == kAfInet ? 4 : fam == kAfInet6 ? 16 : 0;
  if (alen == 0) return Fail(DecodeError::kBadFamily, why, "hp_f " + std::to_string(fam));
  if (hl != kV12FixedSize + 2 * alen)
    return Fail(DecodeError::kBadHeaderLength, why,
                "hp_l " + std::to_string(hl) + ", expected " + std::to_string(8 + 2 * alen));
  std::span<const uint8_t> src, dst;
  if (!c.Bytes(alen, &src) || !c.Bytes(alen, &dst))
    return Fail(DecodeError::kTruncated, why, "address block cut");
  p.version = v;
  p.family = fam;
  p.ip_proto = proto;
  p.src_port = sport;
  p.dst_port = dport;
  SetIp(p.src_ip, src.data(), alen);
  SetIp(p.dst_ip, dst.data(), alen);
  for (uint16_t t : {kChunkIpFamily, kChunkIpProto, kChunkSrcPort, kChunkDstPort}) p.Mark(t);
  p.Mark(alen == 4 ? kChunkIp4Src : kChunkIp6Src);
  p.Mark(alen == 4 ? kChunkIp4Dst : kChunkIp6Dst);
  if (v == 2) {
    uint16_t captid = 0, pad = 0;
    if (c.left() < kV2TimeBlockSize)
      return Fail(DecodeError::kTruncated, why, "HEPv2 time block cut");
    c.U32Le(&p.ts_sec);
    c.U32Le(&p.ts_usec);
    c.U16Le(&captid);
    c.U16Le(&pad);
    p.capture_id = captid;
    p.Mark(kChunkTsSec);
    p.Mark(kChunkTsUsec);
    p.Mark(kChunkCaptureId);
  }
  p.proto_type = kProtoSip;
  p.Mark(kChunkProtoType);
  std::span<const uint8_t> rest = c.Rest();
  if (rest.empty() && opts.require_payload)
    return Fail(DecodeError::kMissingPayload, why, "empty HEPv1/v2 payload");
  p.payload = Sv(rest);
  p.Mark(kChunkPayload);
  return Status::Ok();
}

}  // namespace

const char* DecodeErrorName(DecodeError e) {
  switch (e) {
    case DecodeError::kNone: return "none";
    case DecodeError::kTooShort: return "too_short";
    case DecodeError::kBadMagic: return "bad_magic";
    case DecodeError::kBadLength: return "bad_length";
    case DecodeError::kTruncated: return "truncated";
    case DecodeError::kChunkTruncated: return "chunk_truncated";
    case DecodeError::kBadChunkLength: return "bad_chunk_length";
    case DecodeError::kChunkOverrun: return "chunk_overrun";
    case DecodeError::kBadChunkSize: return "bad_chunk_size";
    case DecodeError::kBadFamily: return "bad_family";
    case DecodeError::kFamilyMismatch: return "family_mismatch";
    case DecodeError::kMissingPayload: return "missing_payload";
    case DecodeError::kBadCompressed: return "bad_compressed";
    case DecodeError::kInflateTooLarge: return "inflate_too_large";
    case DecodeError::kBadHeaderLength: return "bad_header_length";
    case DecodeError::kTooManyChunks: return "too_many_chunks";
    case DecodeError::kCount: break;
  }
  return "unknown";
}

void ChunkViews::Insert(size_t pos, const ChunkView& c) {
  if (heap_.empty() && n_ < kInline) {
    for (size_t i = n_; i > pos; --i) inline_[i] = inline_[i - 1];
    inline_[pos] = c;
  } else {
    if (heap_.empty()) heap_.assign(inline_, inline_ + n_);
    heap_.insert(heap_.begin() + static_cast<std::ptrdiff_t>(pos), c);
  }
  ++n_;
}

void PacketView::Clear() {
  static const PacketFields kDefault;
  static_cast<PacketFields&>(*this) = kDefault;
  auth_key = payload = correlation_id = node_name = geo_location = transaction_type =
      payload_json_keys = tag_values = group_id = {};
  extra.clear();
  inflated.clear();
}

Packet ToPacket(const PacketView& v) {
  Packet p;
  static_cast<PacketFields&>(p) = v;
  p.auth_key = v.auth_key;
  p.payload = v.payload;
  p.correlation_id = v.correlation_id;
  p.node_name = v.node_name;
  p.geo_location = v.geo_location;
  p.transaction_type = v.transaction_type;
  p.payload_json_keys = v.payload_json_keys;
  p.tag_values = v.tag_values;
  p.group_id = v.group_id;
  if (!v.extra.empty()) {
    p.extra.reserve(v.extra.size());
    for (const ChunkView& c : v.extra) p.extra.push_back({c.vendor, c.type, std::string(c.data)});
  }
  return p;
}

namespace {
// DecodeView into a view in its default state.
Status DecodeFresh(std::span<const uint8_t> in, const DecodeOptions& opts, PacketView* out,
                   DecodeError* why) {
  if (why) *why = DecodeError::kNone;
  if (in.empty()) return Fail(DecodeError::kTooShort, why, "empty input");
  if (in[0] == 1 || in[0] == 2) return DecodeV12(in, opts, *out, why);
  if (!MagicPrefix(in)) return Fail(DecodeError::kBadMagic, why, "not a HEP packet");
  if (in.size() < kHeaderSize)
    return Fail(DecodeError::kTooShort, why, std::to_string(in.size()) + " bytes < 6");
  return DecodeV3(in, opts, *out, why);
}
}  // namespace

Status DecodeView(std::span<const uint8_t> in, const DecodeOptions& opts, PacketView* out,
                  DecodeError* why) {
  out->Clear();
  return DecodeFresh(in, opts, out, why);
}

Result<Packet> Decode(std::span<const uint8_t> in, const DecodeOptions& opts, DecodeError* why) {
  PacketView v;
  Status st = DecodeFresh(in, opts, &v, why);
  if (!st.ok()) return st;
  return ToPacket(v);
}

FrameCheck NextFrame(std::span<const uint8_t> buf) {
  FrameCheck r;
  if (buf.empty()) return r;
  if (!MagicPrefix(buf)) {
    r.state = FrameState::kGarbage;
    r.reason = DecodeError::kBadMagic;
    return r;
  }
  if (buf.size() < kHeaderSize) return r;
  size_t len = static_cast<size_t>(buf[4] << 8 | buf[5]);
  if (len < kHeaderSize) {
    r.state = FrameState::kGarbage;
    r.reason = DecodeError::kBadLength;
    return r;
  }
  r.length = len;
  r.state = buf.size() >= len ? FrameState::kFrame : FrameState::kNeedMore;
  return r;
}

}  // namespace sipcapd::hep
