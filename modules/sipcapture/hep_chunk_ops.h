// hep_set / hep_get / hep_del over a decoded hep::Packet (admin guide
// §1.4.3-1.4.5, opensips-modules.md §3.2). Pure functions, no logging:
// errors carry the reason the module logs. Thread-safety: none needed
// (a packet belongs to one message).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/script/value.h"
#include "modules/proto_hep/hep_codec.h"

namespace sipcapd::sipcapture {

enum class DataType { kUint8, kUint16, kUint32, kInet4, kInet6, kUtf8, kOctet };

// "uint8", "uint16", "uint32", "inet4-addr", "inet6-addr", "utf8-string",
// "octet-string" (case-insensitive).
Result<DataType> ParseDataType(std::string_view s);

// A chunk id: decimal, 0x hex, or a name (proto_family, proto_id, src_ip,
// dst_ip, src_port, dst_port, timestamp, timestamp_us, proto_type,
// captagent_id, payload; case-insensitive). src_ip/dst_ip give the IPv4
// type (3/4); the family of the packet picks 5/6 where it matters.
Result<uint16_t> ParseChunkId(std::string_view s);
// vendor id: decimal or 0x hex, 0..65535.
Result<uint16_t> ParseVendorId(std::string_view s);

// True for the chunks of the fixed OpenSIPS struct (1..12, 15, 16): type
// and vendor are ignored for them.
bool IsStructChunk(uint16_t id);

// Outcome of hep_set for the OpenSIPS return convention: kStop (return 0)
// for the chunks that cannot be set (family, timestamps).
enum class SetOutcome { kOk, kStop };

// hep_set: `value` converted per `type` (struct chunks use their own
// conversions: proto_id names, IP text, proto_type names ...). Custom
// chunks are replaced when one of that type exists (any vendor), else
// appended. kInvalidArgument with the reason on a bad value.
Result<SetOutcome> HepSet(hep::Packet* p, uint16_t id, DataType type, uint16_t vendor,
                          std::string_view value);

struct GetResult {
  Value vendor;  // 0 for struct chunks
  Value data;
};
// hep_get: kNotFound when the chunk is absent; custom chunks are returned
// as `type` says (int for uintN, text for addresses and strings).
Result<GetResult> HepGet(const hep::Packet& p, uint16_t id, DataType type);

// hep_del: struct chunks are marked absent (not sent by hep_relay), custom
// chunks removed. kNotFound when absent.
Status HepDel(hep::Packet* p, uint16_t id);

// Proto type names as hep_get returns them ("SIP", "RTCP", "MEGACO(H.248)").
std::string ProtoTypeName(uint8_t t);
// hep_set proto_type names ("SIP", "RTCP" ... case-insensitive) -> id.
Result<uint8_t> ParseProtoTypeName(std::string_view s);

}  // namespace sipcapd::sipcapture
