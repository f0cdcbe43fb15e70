// HEP v1/v2/v3 decoding (contract in hep_codec.h, grammar in
// doc/hep_format.md). Every read goes through a bounds-checked cursor.
#include <algorithm>
#include <cstring>
#include <optional>

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

uint64_t BeN(std::span<const uint8_t> v) {
  uint64_t r = 0;
  for (uint8_t c : v) r = r << 8 | c;
  return r;
}

std::string Str(std::span<const uint8_t> v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size());
}

IpAddr Ip(std::span<const uint8_t> v) {
  IpAddr a;
  a.family = v.size() == 4 ? AF_INET : AF_INET6;
  std::copy(v.begin(), v.end(), a.bytes.begin());
  return a;
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

bool IsTypedGeneric(uint16_t type) {
  if (type == 0 || type > kChunkMaxTyped) return false;
  return !(type >= 0x0019 && type <= 0x001f);  // unassigned / reserved
}

// Stores the value of a typed generic chunk (size already checked). Only
// 0x0010 can fail: false with *err set (no Status built on the hot path).
bool SetTyped(Packet& p, uint16_t type, std::span<const uint8_t> v, const DecodeOptions& opts,
              DecodeError* why, Status* err) {
  switch (type) {
    case kChunkIpFamily: p.family = v[0]; break;
    case kChunkIpProto: p.ip_proto = v[0]; break;
    case kChunkIp4Src:
    case kChunkIp6Src: p.src_ip = Ip(v); break;
    case kChunkIp4Dst:
    case kChunkIp6Dst: p.dst_ip = Ip(v); break;
    case kChunkSrcPort: p.src_port = static_cast<uint16_t>(BeN(v)); break;
    case kChunkDstPort: p.dst_port = static_cast<uint16_t>(BeN(v)); break;
    case kChunkTsSec: p.ts_sec = static_cast<uint32_t>(BeN(v)); break;
    case kChunkTsUsec: p.ts_usec = static_cast<uint32_t>(BeN(v)); break;
    case kChunkProtoType: p.proto_type = v[0]; break;
    case kChunkCaptureId: p.capture_id = static_cast<uint32_t>(BeN(v)); break;
    case kChunkKeepAlive: p.keep_alive = static_cast<uint16_t>(BeN(v)); break;
    case kChunkAuthKey: p.auth_key = Str(v); break;
    case kChunkPayload:
      p.payload = Str(v);
      p.compressed = false;
      break;
    case kChunkCompressedPayload: {
      std::string_view sv(reinterpret_cast<const char*>(v.data()), v.size());
      Status st = Inflate(sv, opts.max_inflated, &p.payload, why);
      if (!st.ok()) {
        *err = std::move(st);
        return false;
      }
      p.compressed = true;
      break;
    }
    case kChunkCorrelationId: p.correlation_id = Str(v); break;
    case kChunkVlanId: p.vlan_id = static_cast<uint16_t>(BeN(v)); break;
    case kChunkNodeName: p.node_name = Str(v); break;
    case kChunkSrcMac: p.src_mac = BeN(v); break;
    case kChunkDstMac: p.dst_mac = BeN(v); break;
    case kChunkEthType: p.eth_type = static_cast<uint16_t>(BeN(v)); break;
    case kChunkTcpFlags: p.tcp_flags = v[0]; break;
    case kChunkIpTos: p.ip_tos = v[0]; break;
    case kChunkMos: p.mos = static_cast<uint16_t>(BeN(v)); break;
    case kChunkRFactor: p.r_factor = static_cast<uint16_t>(BeN(v)); break;
    case kChunkGeoLocation: p.geo_location = Str(v); break;
    case kChunkJitter: p.jitter = static_cast<uint32_t>(BeN(v)); break;
    case kChunkTransactionType: p.transaction_type = Str(v); break;
    case kChunkPayloadJsonKeys: p.payload_json_keys = Str(v); break;
    case kChunkTagValues: p.tag_values = Str(v); break;
    case kChunkTagType: p.tag_type = static_cast<uint16_t>(BeN(v)); break;
    case kChunkEventType: p.event_type = static_cast<uint16_t>(BeN(v)); break;
    case kChunkGroupId: p.group_id = Str(v); break;
    default: break;
  }
  return true;
}

// An address chunk seen in the walk, resolved against the family at the end.
// At most one per address type (later ones are duplicates, kept in extra),
// so a fixed array; the value points into the input.
struct AddrSeen {
  uint16_t type;
  std::span<const uint8_t> data;
  size_t extra_pos;  // where it goes in `extra` if it is not used
};

Result<Packet> DecodeV3(std::span<const uint8_t> in, const DecodeOptions& opts, DecodeError* why) {
  Packet p;
  p.version = 3;
  p.eep1_magic = std::memcmp(in.data(), kMagicEep1, 4) == 0;
  uint16_t total = static_cast<uint16_t>(in[4] << 8 | in[5]);
  if (total < kHeaderSize)
    return Fail(DecodeError::kBadLength, why, "total length " + std::to_string(total) + " < 6");
  if (total > in.size())
    return Fail(DecodeError::kTruncated, why,
                "total length " + std::to_string(total) + " > " + std::to_string(in.size()) +
                    " bytes received");
  p.trailing_bytes = in.size() - total;
  Cursor c(in.subspan(0, total));
  std::span<const uint8_t> skip;
  c.Bytes(kHeaderSize, &skip);
  AddrSeen addrs[4];
  size_t n_addrs = 0;
  Status err;
  while (c.left() > 0) {
    size_t at = c.pos();
    uint16_t vendor = 0, type = 0, len = 0;
    if (c.left() < kChunkHeaderSize)
      return Fail(DecodeError::kChunkTruncated, why,
                  std::to_string(c.left()) + " stray bytes at offset " + std::to_string(at));
    c.U16Be(&vendor);
    c.U16Be(&type);
    c.U16Be(&len);
    if (len < kChunkHeaderSize)
      return Fail(DecodeError::kBadChunkLength, why,
                  "chunk " + Hex16(type) + " at offset " + std::to_string(at) + " has length " +
                      std::to_string(len));
    std::span<const uint8_t> v;
    if (!c.Bytes(len - kChunkHeaderSize, &v))
      return Fail(DecodeError::kChunkOverrun, why,
                  "chunk " + Hex16(type) + " at offset " + std::to_string(at) + " length " +
                      std::to_string(len) + " overruns the packet");
    if (vendor != kVendorGeneric || !IsTypedGeneric(type)) {
      p.extra.push_back({vendor, type, Str(v)});
      continue;
    }
    size_t fixed = FixedChunkSize(type);
    if (fixed != 0 && v.size() != fixed)
      return Fail(DecodeError::kBadChunkSize, why,
                  "chunk " + Hex16(type) + " has " + std::to_string(v.size()) +
                      " value bytes, expected " + std::to_string(fixed));
    bool dup = p.Has(type) || (type == kChunkPayload && p.Has(kChunkCompressedPayload)) ||
               (type == kChunkCompressedPayload && p.Has(kChunkPayload));
    if (dup) {
      p.extra.push_back({vendor, type, Str(v)});
      ++p.duplicate_chunks;
      continue;
    }
    if (type >= kChunkIp4Src && type <= kChunkIp6Dst) {
      addrs[n_addrs++] = {type, v, p.extra.size()};
      p.Mark(type);
      continue;
    }
    if (!SetTyped(p, type, v, opts, why, &err)) return err;
    p.Mark(type);
  }

  // Resolve the family against the address chunks.
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
      SetTyped(p, a.type, a.data, opts, why, &err);  // addresses cannot fail
    } else {
      p.Unmark(a.type);
      p.extra.insert(p.extra.begin() + static_cast<std::ptrdiff_t>(a.extra_pos),
                     Chunk{kVendorGeneric, a.type, Str(a.data)});
    }
  }
  if (opts.require_payload && !p.Has(kChunkPayload) && !p.Has(kChunkCompressedPayload))
    return Fail(DecodeError::kMissingPayload, why, "no payload chunk (0x000f / 0x0010)");
  return p;
}

Result<Packet> DecodeV12(std::span<const uint8_t> in, const DecodeOptions& opts, DecodeError* why) {
  Packet p;
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
  p.src_ip = Ip(src);
  p.dst_ip = Ip(dst);
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
  p.payload = Str(rest);
  p.Mark(kChunkPayload);
  return p;
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
    case DecodeError::kCount: break;
  }
  return "unknown";
}

Result<Packet> Decode(std::span<const uint8_t> in, const DecodeOptions& opts, DecodeError* why) {
  if (why) *why = DecodeError::kNone;
  if (in.empty()) return Fail(DecodeError::kTooShort, why, "empty input");
  if (in[0] == 1 || in[0] == 2) return DecodeV12(in, opts, why);
  size_t n = std::min<size_t>(in.size(), 4);
  bool hep3 = std::memcmp(in.data(), kMagicHep3, n) == 0;
  bool eep1 = std::memcmp(in.data(), kMagicEep1, n) == 0;
  if (!hep3 && !eep1) return Fail(DecodeError::kBadMagic, why, "not a HEP packet");
  if (in.size() < kHeaderSize)
    return Fail(DecodeError::kTooShort, why, std::to_string(in.size()) + " bytes < 6");
  return DecodeV3(in, opts, why);
}

FrameCheck NextFrame(std::span<const uint8_t> buf) {
  FrameCheck r;
  if (buf.empty()) return r;
  size_t n = std::min<size_t>(buf.size(), 4);
  if (std::memcmp(buf.data(), kMagicHep3, n) != 0 && std::memcmp(buf.data(), kMagicEep1, n) != 0) {
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
