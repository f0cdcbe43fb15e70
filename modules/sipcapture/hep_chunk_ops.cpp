#include "modules/sipcapture/hep_chunk_ops.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace sipcapd::sipcapture {
namespace {

bool IEq(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Decimal or 0x-hex unsigned integer (whole string).
Result<uint64_t> ParseUint(std::string_view s) {
  int base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty() || s.size() > 18) return Status::Invalid("not a number");
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    else
      return Status::Invalid("not a number");
    v = v * base + d;
  }
  return v;
}

struct RawChunk {
  uint16_t vendor, type;
  std::string data;
};

uint16_t Be16(const std::string& s, size_t o) {
  return static_cast<uint16_t>((static_cast<uint8_t>(s[o]) << 8) | static_cast<uint8_t>(s[o + 1]));
}
void PutBe16(std::string* s, uint16_t v) {
  s->push_back(static_cast<char>(v >> 8));
  s->push_back(static_cast<char>(v & 0xff));
}

// The packet's v3 chunks as the encoder writes them.
Result<std::vector<RawChunk>> Chunks(const hep::Packet& p) {
  std::string wire;
  SIPCAPD_RETURN_IF_ERROR(hep::Encode(p, 3, &wire));
  std::vector<RawChunk> out;
  size_t pos = hep::kHeaderSize;
  while (pos + hep::kChunkHeaderSize <= wire.size()) {
    uint16_t len = Be16(wire, pos + 4);
    if (len < hep::kChunkHeaderSize || pos + len > wire.size()) break;
    out.push_back({Be16(wire, pos), Be16(wire, pos + 2),
                   wire.substr(pos + hep::kChunkHeaderSize, len - hep::kChunkHeaderSize)});
    pos += len;
  }
  return out;
}

// Rebuilds *p from a chunk list (keeps what the decoder keeps).
Status FromChunks(const std::vector<RawChunk>& chunks, hep::Packet* p) {
  std::string wire("HEP3\0\0", 6);
  for (const auto& c : chunks) {
    PutBe16(&wire, c.vendor);
    PutBe16(&wire, c.type);
    PutBe16(&wire, static_cast<uint16_t>(c.data.size() + hep::kChunkHeaderSize));
    wire += c.data;
  }
  if (wire.size() > hep::kMaxPacketSize) return Status::Invalid("packet would exceed 65535 bytes");
  wire[4] = static_cast<char>(wire.size() >> 8);
  wire[5] = static_cast<char>(wire.size() & 0xff);
  hep::DecodeOptions o;
  o.require_payload = false;
  auto np = hep::Decode(wire, o);
  if (!np.ok()) return Status::Invalid("chunk value rejected: " + np.status().message());
  bool eep1 = p->eep1_magic;
  int version = p->version;
  *p = std::move(np).value();
  p->eep1_magic = eep1;
  p->version = version;
  return Status::Ok();
}

bool IsTypedGeneric(uint16_t id) {
  return id >= 0x0d && id <= hep::kChunkMaxTyped && !IsStructChunk(id);
}

Result<std::string> ToBytes(DataType t, std::string_view v) {
  std::string out;
  switch (t) {
    case DataType::kUint8:
    case DataType::kUint16:
    case DataType::kUint32: {
      auto n = ParseUint(v);
      if (!n.ok()) return Status::Invalid("'" + std::string(v) + "' is not an unsigned integer");
      int size = t == DataType::kUint8 ? 1 : t == DataType::kUint16 ? 2 : 4;
      if (*n >> (8 * size)) return Status::Invalid("'" + std::string(v) + "' does not fit");
      for (int i = size - 1; i >= 0; --i) out.push_back(static_cast<char>((*n >> (8 * i)) & 0xff));
      return out;
    }
    case DataType::kInet4:
    case DataType::kInet6: {
      auto ip = IpAddr::Parse(v);
      int fam = t == DataType::kInet4 ? AF_INET : AF_INET6;
      if (!ip || ip->family != fam)
        return Status::Invalid("'" + std::string(v) + "' is not an " +
                               (fam == AF_INET ? "IPv4" : "IPv6") + " address");
      return std::string(reinterpret_cast<const char*>(ip->bytes.data()), ip->size());
    }
    default: return std::string(v);
  }
}

Result<Value> FromBytes(DataType t, const std::string& d) {
  auto u = [&d](size_t n) -> Result<Value> {
    if (d.size() != n) return Status::Invalid("chunk has " + std::to_string(d.size()) + " bytes");
    int64_t v = 0;
    for (char c : d) v = (v << 8) | static_cast<uint8_t>(c);
    return Value::Int(v);
  };
  switch (t) {
    case DataType::kUint8: return u(1);
    case DataType::kUint16: return u(2);
    case DataType::kUint32: return u(4);
    case DataType::kInet4:
    case DataType::kInet6: {
      IpAddr a;
      a.family = t == DataType::kInet4 ? AF_INET : AF_INET6;
      if (d.size() != a.size()) return Status::Invalid("chunk is not an address");
      std::copy(d.begin(), d.end(), a.bytes.begin());
      return Value::Str(a.ToString());
    }
    default: return Value::Str(d);
  }
}

constexpr const char* kProtoTypeGetNames[] = {"reserved",
                                              "SIP",
                                              "XMPP",
                                              "SDP",
                                              "RTP",
                                              "RTCP",
                                              "MGCP",
                                              "MEGACO(H.248)",
                                              "M2UA(SS7/SIGTRAN)",
                                              "M3UA(SS7/SIGTRAN)",
                                              "IAX",
                                              "H322",
                                              "H321"};
constexpr const char* kProtoTypeSetNames[] = {"SIP",    "XMPP", "SDP",  "RTP", "RTCP", "MGCP",
                                              "MEGACO", "M2UA", "M3UA", "IAX", "H322", "H321"};

struct IpProtoName {
  const char* name;
  uint8_t ipproto;
};
constexpr IpProtoName kIpProtos[] = {
    {"udp", 17}, {"tcp", 6}, {"tls", 22}, {"sctp", 132}, {"ws", 50}};

}  // namespace

bool IsStructChunk(uint16_t id) { return (id >= 1 && id <= 12) || id == 15 || id == 16; }

Result<DataType> ParseDataType(std::string_view s) {
  static const std::pair<const char*, DataType> kTypes[] = {
      {"uint8", DataType::kUint8},       {"uint16", DataType::kUint16},
      {"uint32", DataType::kUint32},     {"inet4-addr", DataType::kInet4},
      {"inet6-addr", DataType::kInet6},  {"utf8-string", DataType::kUtf8},
      {"octet-string", DataType::kOctet}};
  for (const auto& [n, t] : kTypes)
    if (IEq(s, n)) return t;
  return Status::Invalid("unknown data type '" + std::string(s) + "'");
}

Result<uint16_t> ParseChunkId(std::string_view s) {
  static const std::pair<const char*, uint16_t> kNames[] = {
      {"proto_family", 1}, {"proto_id", 2},      {"src_ip", 3},    {"dst_ip", 4},
      {"src_port", 7},     {"dst_port", 8},      {"timestamp", 9}, {"timestamp_us", 10},
      {"proto_type", 11},  {"captagent_id", 12}, {"payload", 15}};
  for (const auto& [n, id] : kNames)
    if (IEq(s, n)) return id;
  auto n = ParseUint(s);
  if (!n.ok() || *n == 0 || *n > 0xffff)
    return Status::Invalid("unknown chunk id '" + std::string(s) + "'");
  return static_cast<uint16_t>(*n);
}

Result<uint16_t> ParseVendorId(std::string_view s) {
  auto n = ParseUint(s);
  if (!n.ok() || *n > 0xffff) return Status::Invalid("bad vendor id '" + std::string(s) + "'");
  return static_cast<uint16_t>(*n);
}

std::string ProtoTypeName(uint8_t t) {
  if (t < std::size(kProtoTypeGetNames)) return kProtoTypeGetNames[t];
  return std::to_string(t);
}

Result<uint8_t> ParseProtoTypeName(std::string_view s) {
  for (size_t i = 0; i < std::size(kProtoTypeSetNames); ++i)
    if (IEq(s, kProtoTypeSetNames[i])) return static_cast<uint8_t>(i + 1);
  return Status::Invalid("unknown proto type '" + std::string(s) + "'");
}

Result<SetOutcome> HepSet(hep::Packet* p, uint16_t id, DataType type, uint16_t vendor,
                          std::string_view value) {
  auto bad = [&](const char* what) {
    return Status::Invalid(std::string(what) + " '" + std::string(value) + "'");
  };
  switch (id) {
    case 1: p->Mark(1); return SetOutcome::kStop;  // the family follows the addresses
    case 2:
      for (const auto& ip : kIpProtos)
        if (IEq(value, ip.name)) {
          p->ip_proto = ip.ipproto;
          p->Mark(2);
          return SetOutcome::kOk;
        }
      // Names of the admin guide with no IPPROTO number: OpenSIPS relays
      // them as 0, so does sipcapd.
      for (const char* n : {"wss", "bin", "hep"})
        if (IEq(value, n)) {
          p->ip_proto = 0;
          p->Mark(2);
          return SetOutcome::kOk;
        }
      return bad("unknown protocol");
    case 3:
    case 4:
    case 5:
    case 6: {
      auto ip = IpAddr::Parse(value);
      if (!ip) return bad("not an IP address:");
      bool src = id == 3 || id == 5;
      (src ? p->src_ip : p->dst_ip) = *ip;
      bool v6 = ip->family == AF_INET6;
      p->Unmark(src ? (v6 ? 3 : 5) : (v6 ? 4 : 6));
      p->Mark(src ? (v6 ? 5 : 3) : (v6 ? 6 : 4));
      p->family = v6 ? hep::kAfInet6 : hep::kAfInet;
      p->Mark(1);
      return SetOutcome::kOk;
    }
    case 7:
    case 8: {
      auto n = ParseUint(value);
      if (!n.ok() || *n > 65535) return bad("bad port");
      (id == 7 ? p->src_port : p->dst_port) = static_cast<uint16_t>(*n);
      p->Mark(id);
      return SetOutcome::kOk;
    }
    case 9:
    case 10: return SetOutcome::kStop;  // timestamps cannot be set
    case 11: {
      auto t = ParseProtoTypeName(value);
      if (!t.ok()) {
        auto n = ParseUint(value);
        if (!n.ok() || *n > 255) return t.status();
        p->proto_type = static_cast<uint8_t>(*n);
      } else {
        p->proto_type = *t;
      }
      p->Mark(11);
      return SetOutcome::kOk;
    }
    case 12: {
      auto n = ParseUint(value);
      if (!n.ok() || *n > 0xffffffffu) return bad("bad capture id");
      p->capture_id = static_cast<uint32_t>(*n);
      p->Mark(12);
      return SetOutcome::kOk;
    }
    case 15:
    case 16:
      if (value.size() > 32767) return bad("payload longer than 32767 bytes:");
      p->payload = std::string(value);
      p->Mark(p->compressed ? 16 : 15);
      return SetOutcome::kOk;
    default: break;
  }
  auto bytes = ToBytes(type, value);
  if (!bytes.ok()) return bytes.status();
  for (auto& c : p->extra)
    if (c.type == id) {  // found by type only (vendor ignored), as OpenSIPS
      c.vendor = vendor;
      c.data = *bytes;
      return SetOutcome::kOk;
    }
  if (IsTypedGeneric(id) && (vendor == 0 || p->Has(id))) {
    auto chunks = Chunks(*p);
    if (!chunks.ok()) return chunks.status();
    bool replaced = false;
    for (auto& c : *chunks)
      if (c.vendor == 0 && c.type == id) {
        c.data = *bytes;
        replaced = true;
      }
    if (!replaced) chunks->push_back({0, id, *bytes});
    SIPCAPD_RETURN_IF_ERROR(FromChunks(*chunks, p));
    return SetOutcome::kOk;
  }
  p->extra.push_back({vendor, id, *bytes});
  return SetOutcome::kOk;
}

Result<GetResult> HepGet(const hep::Packet& p, uint16_t id, DataType type) {
  GetResult r;
  r.vendor = Value::Int(0);
  auto absent = [id] { return Status::NotFound("chunk " + std::to_string(id) + " not present"); };
  switch (id) {
    case 1:
      if (!p.family && !p.Has(1)) return absent();
      r.data = Value::Str(p.family == hep::kAfInet6 ? "AF_INET6" : "AF_INET");
      return r;
    case 2:
      if (!p.Has(2)) return absent();
      for (const auto& ip : kIpProtos)
        if (ip.ipproto == p.ip_proto) {
          std::string up(ip.name);
          for (char& c : up) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
          r.data = Value::Str(up);
          return r;
        }
      r.data = Value::Int(p.ip_proto);
      return r;
    case 3:
    case 4:
    case 5:
    case 6: {
      const IpAddr& a = (id == 3 || id == 5) ? p.src_ip : p.dst_ip;
      if (!a.is_set()) return absent();
      r.data = Value::Str(a.ToString());
      return r;
    }
    case 7:
    case 8:
    case 9:
    case 10:
    case 12:
      if (!p.Has(id)) return absent();
      r.data = Value::Int(id == 7    ? p.src_port
                          : id == 8  ? p.dst_port
                          : id == 9  ? p.ts_sec
                          : id == 10 ? p.ts_usec
                                     : p.capture_id);
      return r;
    case 11:
      if (!p.Has(11)) return absent();
      r.data = Value::Str(ProtoTypeName(p.proto_type));
      return r;
    case 15:
    case 16:
      if (!p.Has(15) && !p.Has(16)) return absent();
      r.data = Value::Str(p.payload);
      return r;
    default: break;
  }
  for (const auto& c : p.extra)
    if (c.type == id) {
      auto v = FromBytes(type, c.data);
      if (!v.ok()) return v.status();
      r.vendor = Value::Int(c.vendor);
      r.data = *v;
      return r;
    }
  if (IsTypedGeneric(id) && p.Has(id)) {
    auto chunks = Chunks(p);
    if (!chunks.ok()) return chunks.status();
    for (const auto& c : *chunks)
      if (c.vendor == 0 && c.type == id) {
        auto v = FromBytes(type, c.data);
        if (!v.ok()) return v.status();
        r.data = *v;
        return r;
      }
  }
  return absent();
}

Status HepDel(hep::Packet* p, uint16_t id) {
  auto absent = [id] { return Status::NotFound("chunk " + std::to_string(id) + " not present"); };
  if (IsStructChunk(id) || IsTypedGeneric(id)) {
    if (id == 3 || id == 5 || id == 4 || id == 6) {
      bool src = id == 3 || id == 5;
      if (!p->Has(src ? 3 : 4) && !p->Has(src ? 5 : 6)) return absent();
      p->Unmark(src ? 3 : 4);
      p->Unmark(src ? 5 : 6);
      return Status::Ok();
    }
    if (id == 15 || id == 16) {
      if (!p->Has(15) && !p->Has(16)) return absent();
      p->Unmark(15);
      p->Unmark(16);
      return Status::Ok();
    }
    if (p->Has(id)) {
      p->Unmark(id);
      return Status::Ok();
    }
    if (IsStructChunk(id)) return absent();
  }
  auto it = std::find_if(p->extra.begin(), p->extra.end(),
                         [id](const hep::Chunk& c) { return c.type == id; });
  if (it == p->extra.end()) return absent();
  p->extra.erase(it);
  return Status::Ok();
}

}  // namespace sipcapd::sipcapture
