// HEP v1/v2/v3 codec: pure functions over byte spans, no logging, no
// globals, thread-safe. The wire grammar is in doc/hep_format.md; this
// header is the contract of the in-memory form.
//
// Decoding rules (each one has a unit test):
//  * Version: auto-detected from the first bytes: "HEP3" (or the 2013 draft
//    alias "EEP1") is v3; a first byte 0x01 / 0x02 is v1 / v2; else
//    kBadMagic.
//  * v3: total length must be in [6, bytes present]; bytes beyond it are
//    ignored and counted in Packet::trailing_bytes. Every chunk must have
//    6 <= length <= bytes left in the packet; fixed-size generic chunks must
//    have exactly their size (kBadChunkSize). A cut chunk header is
//    kChunkTruncated.
//  * Duplicate generic chunks: the FIRST occurrence wins; later ones are
//    kept byte-exact in Packet::extra and counted in duplicate_chunks.
//  * Unknown generic types and all vendor != 0 chunks are kept byte-exact,
//    in arrival order, in Packet::extra (vendor chunks never collide with
//    generic fields).
//  * Mandatory: a payload (0x000f or 0x0010; empty allowed). Without one,
//    kMissingPayload (unless DecodeOptions::require_payload is false).
//    Everything else is optional; Has(type) tells what was present and
//    absent fields read as 0 / empty / unset IpAddr.
//  * Family: chunk 0x0001 must be 2 or 10 (kBadFamily). Without it the
//    family is inferred from the address chunks. Address chunks of the
//    other family are kept in extra when the family's own address is also
//    present, and are kFamilyMismatch when the family's address on that
//    side is missing (e.g. family=2 with only IPv6 chunks, or IPv6 src with
//    IPv4 dst). Both families present without a family chunk: the IPv4 pair
//    is used and the IPv6 chunks go to extra.
//  * Chunk count: with DecodeOptions::max_chunks != 0, a v3 packet with
//    more chunks than that (every chunk counts, known or not) is
//    kTooManyChunks (the module sets it from hep_max_msg_chunks).
//  * Timestamps are kept as sent: 0 stays 0 (the receiver substitutes its
//    receive time, see TimestampUs()), usec >= 1e6 is kept and normalised
//    only by TimestampUs().
//  * 0x0010 is inflated (zlib or gzip, auto-detected) into Packet::payload
//    with compressed = true; output above DecodeOptions::max_inflated is
//    kInflateTooLarge, a corrupt stream kBadCompressed.
//  * v1/v2: hp_f must be 2 or 10, hp_l must equal 8 + the address block
//    (16 or 40; strict like OpenSIPS). v2 carries a 12-byte little-endian
//    time block (u32 sec, u32 usec, u16 capture id, 2 padding bytes). The
//    payload runs to the end of the input; proto type is implied SIP.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/net/address.h"
#include "modules/proto_hep/hep_format.h"

namespace sipcapd::hep {

enum class DecodeError {
  kNone = 0,
  kTooShort,         // fewer bytes than any header needs
  kBadMagic,         // not HEP3/EEP1 and not a v1/v2 first byte
  kBadLength,        // v3 total length < 6
  kTruncated,        // declared length > bytes present (v3 total, v2 time block)
  kChunkTruncated,   // chunk header cut by the end of the packet
  kBadChunkLength,   // chunk length < 6
  kChunkOverrun,     // chunk length runs past the end of the packet
  kBadChunkSize,     // fixed-size chunk with the wrong size
  kBadFamily,        // family not 2 / 10
  kFamilyMismatch,   // address chunks do not match the family
  kMissingPayload,   // no 0x000f / 0x0010 chunk
  kBadCompressed,    // corrupt zlib/gzip stream
  kInflateTooLarge,  // inflated payload above the cap
  kBadHeaderLength,  // v1/v2 hp_l != 8 + address block
  kTooManyChunks,    // v3: more chunks than DecodeOptions::max_chunks
  kCount,
};
// Stable snake_case name ("bad_chunk_size"), used in statistics names and
// as the prefix of the Status message.
const char* DecodeErrorName(DecodeError e);

struct Chunk {
  uint16_t vendor = 0;
  uint16_t type = 0;
  std::string data;  // value bytes, header excluded
  bool operator==(const Chunk&) const = default;
};

// The fixed-size fields and flags, shared by the owning Packet and the
// zero-copy PacketView.
struct PacketFields {
  int version = 3;          // 1, 2 or 3
  bool eep1_magic = false;  // came with the "EEP1" alias (re-encoded as HEP3)
  uint64_t present = 0;     // bit t set: generic chunk type t (1..0x29) present

  uint8_t family = 0;    // wire family value 2 / 10 (0: unknown)
  uint8_t ip_proto = 0;  // IPPROTO_*
  IpAddr src_ip, dst_ip;
  uint16_t src_port = 0, dst_port = 0;
  uint32_t ts_sec = 0, ts_usec = 0;
  uint8_t proto_type = 0;
  uint32_t capture_id = 0;  // 16 bits in v2
  uint16_t keep_alive = 0;
  bool compressed = false;  // payload came (or is to be sent) as 0x0010
  uint16_t vlan_id = 0;
  uint64_t src_mac = 0, dst_mac = 0;
  uint16_t eth_type = 0;
  uint8_t tcp_flags = 0, ip_tos = 0;
  uint16_t mos = 0, r_factor = 0;
  uint32_t jitter = 0;
  uint16_t tag_type = 0;
  uint16_t event_type = 0;

  // Informational (set by Decode, ignored by Encode).
  size_t trailing_bytes = 0;
  int duplicate_chunks = 0;
  size_t chunk_count = 0;  // v3 chunks on the wire (all kinds)

  bool Has(uint16_t type) const { return type <= 63 && (present >> type) & 1; }
  void Mark(uint16_t type) {
    if (type <= 63) present |= uint64_t{1} << type;
  }
  void Unmark(uint16_t type) {
    if (type <= 63) present &= ~(uint64_t{1} << type);
  }
  // Microseconds since the epoch (usec overflow carried into seconds).
  int64_t TimestampUs() const { return int64_t{ts_sec} * 1000000 + int64_t{ts_usec}; }
  // Sets src/dst (and family, ports) and marks their chunks present.
  void SetAddresses(const SockAddr& src, const SockAddr& dst);
};

// The owning, mutable form (hep_set / hep_del, relay re-encode, senders).
struct Packet : PacketFields {
  std::string auth_key;
  std::string payload;  // inflated when it came as 0x0010
  std::string correlation_id;
  std::string node_name;
  std::string geo_location;
  std::string transaction_type;
  std::string payload_json_keys;
  std::string tag_values;
  std::string group_id;

  std::vector<Chunk> extra;  // unknown / vendor / duplicate chunks, in order

  // Finds an extra chunk by vendor and type (nullptr if none).
  const Chunk* FindExtra(uint16_t vendor, uint16_t type) const;
};

// An extra chunk as a view into the decoded input.
struct ChunkView {
  uint16_t vendor;
  uint16_t type;
  std::string_view data;
};

// The extra chunks of a PacketView: the first kInline live inside the view
// (no allocation for ordinary packets); more spill to the heap.
class ChunkViews {
 public:
  static constexpr size_t kInline = 8;
  size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const ChunkView* begin() const { return heap_.empty() ? inline_ : heap_.data(); }
  const ChunkView* end() const { return begin() + n_; }
  const ChunkView& operator[](size_t i) const { return begin()[i]; }
  void clear() {
    n_ = 0;
    heap_.clear();
  }
  void push_back(const ChunkView& c) { Insert(n_, c); }
  void Insert(size_t pos, const ChunkView& c);  // pos <= size()

 private:
  ChunkView inline_[kInline];
  size_t n_ = 0;
  std::vector<ChunkView> heap_;  // used (and holds everything) once n_ > kInline
};

// The zero-copy decoded form: octet fields and extra chunks point into the
// decoded input (which must outlive the view), except an inflated 0x0010
// payload, which lives in the view's own buffer. Not copyable or movable
// (payload may point into the view itself); ToPacket() makes the owning
// Packet when a consumer needs to keep or modify it.
struct PacketView : PacketFields {
  std::string_view auth_key, payload, correlation_id, node_name, geo_location, transaction_type,
      payload_json_keys, tag_values, group_id;
  ChunkViews extra;
  std::string inflated;  // storage of an inflated 0x0010 payload

  PacketView() = default;
  PacketView(const PacketView&) = delete;
  PacketView& operator=(const PacketView&) = delete;
  void Clear();  // back to the default state (keeps the inflate buffer's capacity)
};

// The owning copy of a view (same fields, same extra order).
Packet ToPacket(const PacketView& v);

struct DecodeOptions {
  bool require_payload = true;
  size_t max_inflated = 1 << 20;  // cap for a 0x0010 payload after inflating
  size_t max_chunks = 0;          // v3: more chunks than this is kTooManyChunks (0: no limit)
};

// Zero-copy decode into *out (cleared first); the fastest form, used by the
// receive path. Same rules and errors as Decode().
Status DecodeView(std::span<const uint8_t> in, const DecodeOptions& opts, PacketView* out,
                  DecodeError* why = nullptr);

// Decodes one HEP packet (v1/v2 datagram or v3 packet). On failure the
// Status message is "<reason name>: <detail>" and *why (if given) is set.
Result<Packet> Decode(std::span<const uint8_t> in, const DecodeOptions& opts = {},
                      DecodeError* why = nullptr);
inline Result<Packet> Decode(std::string_view in, const DecodeOptions& opts = {},
                             DecodeError* why = nullptr) {
  return Decode(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(in.data()), in.size()),
                opts, why);
}

// What an encoding had to leave out (fields the target version cannot
// carry): chunk types, in packet order; extra chunks as their type.
struct EncodeReport {
  std::vector<Chunk> dropped;         // data empty for typed fields
  bool capture_id_truncated = false;  // v2: capture id > 0xffff
};

// Encodes `p` as HEP `version` (1, 2, 3) into *out (replaced). v3: the
// typed chunks marked present, in the order family, ip proto, addresses,
// ports, time, proto type, capture id, then the other typed chunks by type,
// the payload (0x0010 deflated when p.compressed), then `extra` in order.
// Fails (kInvalidArgument) when v3 exceeds 65535 bytes or the version is
// not 1..3. v1/v2 need an IPv4/IPv6 family (unset addresses are zeros).
Status Encode(const Packet& p, int version, std::string* out, EncodeReport* report = nullptr);
// The same from a view (senders that build packets over data they do not
// own, e.g. siptrace's traced messages): v3 straight from the views, the
// same bytes as Encode(ToPacket(p)); v1/v2 through ToPacket.
Status Encode(const PacketView& p, int version, std::string* out, EncodeReport* report = nullptr);

// Streaming HEPv3 framing for TCP/TLS. Given the bytes received so far
// (starting at a frame boundary), says how long the next frame is.
enum class FrameState { kNeedMore, kFrame, kGarbage };
struct FrameCheck {
  FrameState state = FrameState::kNeedMore;
  size_t length = 0;                        // kFrame: whole frame length (6..65535)
  DecodeError reason = DecodeError::kNone;  // kGarbage: kBadMagic / kBadLength
};
FrameCheck NextFrame(std::span<const uint8_t> buf);

// zlib helpers (shared with the sender): inflate with a hard cap; deflate.
Status Inflate(std::string_view in, size_t cap, std::string* out, DecodeError* why);
Status Deflate(std::string_view in, std::string* out);

}  // namespace sipcapd::hep
