// HEP (Homer Encapsulation Protocol) wire-format constants: versions 1, 2
// and 3 (spec rev 37). The grammar is written down in doc/hep_format.md.
// All multi-byte HEP fields are big-endian except the HEPv2 time block,
// which real senders write little-endian (see doc/hep_format.md).
#pragma once

#include <cstddef>
#include <cstdint>

namespace sipcapd::hep {

// --- HEPv3 framing ---------------------------------------------------------
constexpr uint8_t kMagicHep3[4] = {'H', 'E', 'P', '3'};
constexpr uint8_t kMagicEep1[4] = {'E', 'E', 'P', '1'};  // 2013 draft alias, accepted
constexpr size_t kHeaderSize = 6;                        // magic(4) + total length(2)
constexpr size_t kChunkHeaderSize = 6;                   // vendor(2) + type(2) + length(2)
constexpr size_t kMaxPacketSize = 65535;                 // the total length is 16 bits

// --- HEPv1 / HEPv2 -----------------------------------------------------------
constexpr size_t kV12FixedSize = 8;      // hp_v hp_l hp_f hp_p sport dport
constexpr size_t kV2TimeBlockSize = 12;  // u32 sec, u32 usec, u16 captid, 2 pad (LE)
constexpr uint8_t kAfInet = 2;           // Linux AF_INET as carried on the wire
constexpr uint8_t kAfInet6 = 10;         // Linux AF_INET6

// --- Vendor ids --------------------------------------------------------------
enum Vendor : uint16_t {
  kVendorGeneric = 0x0000,
  kVendorFreeSwitch = 0x0001,
  kVendorKamailio = 0x0002,
  kVendorOpenSips = 0x0003,
  kVendorAsterisk = 0x0004,
  kVendorHomer = 0x0005,
  kVendorSipXecs = 0x0006,
  kVendorYeti = 0x0007,
  kVendorGenesys = 0x0008,
};

// --- Generic chunk types (vendor 0), spec rev 37 -----------------------------
enum ChunkType : uint16_t {
  kChunkIpFamily = 0x0001,           // u8  2 / 10
  kChunkIpProto = 0x0002,            // u8  IPPROTO_* (22 = TLS, 50 = WS fakes)
  kChunkIp4Src = 0x0003,             // 4 bytes
  kChunkIp4Dst = 0x0004,             // 4 bytes
  kChunkIp6Src = 0x0005,             // 16 bytes
  kChunkIp6Dst = 0x0006,             // 16 bytes
  kChunkSrcPort = 0x0007,            // u16
  kChunkDstPort = 0x0008,            // u16
  kChunkTsSec = 0x0009,              // u32
  kChunkTsUsec = 0x000a,             // u32
  kChunkProtoType = 0x000b,          // u8  (ProtoType)
  kChunkCaptureId = 0x000c,          // u32
  kChunkKeepAlive = 0x000d,          // u16
  kChunkAuthKey = 0x000e,            // octets
  kChunkPayload = 0x000f,            // octets
  kChunkCompressedPayload = 0x0010,  // octets (zlib/gzip)
  kChunkCorrelationId = 0x0011,      // octets
  kChunkVlanId = 0x0012,             // u16
  kChunkNodeName = 0x0013,           // octets (capture agent id as string)
  kChunkSrcMac = 0x0014,             // u64
  kChunkDstMac = 0x0015,             // u64
  kChunkEthType = 0x0016,            // u16
  kChunkTcpFlags = 0x0017,           // u8
  kChunkIpTos = 0x0018,              // u8
  kChunkMos = 0x0020,                // u16
  kChunkRFactor = 0x0021,            // u16
  kChunkGeoLocation = 0x0022,        // octets
  kChunkJitter = 0x0023,             // u32
  kChunkTransactionType = 0x0024,    // octets
  kChunkPayloadJsonKeys = 0x0025,    // octets
  kChunkTagValues = 0x0026,          // octets
  kChunkTagType = 0x0027,            // u16
  kChunkEventType = 0x0028,          // u16
  kChunkGroupId = 0x0029,            // octets
  kChunkMaxTyped = 0x0029,           // highest type decoded into a typed field
  // OpenSIPS HOMER6 mode: JSON "extra correlation" (non-standard, vendor 0).
  // Not typed: kept as an extra chunk.
  kChunkExtraCorrelation = 0x0065,
};

// Payload size of a fixed-size generic chunk (value bytes, header excluded);
// 0 for variable-size (octet-string) and unknown types.
constexpr size_t FixedChunkSize(uint16_t type) {
  switch (type) {
    case kChunkIpFamily:
    case kChunkIpProto:
    case kChunkProtoType:
    case kChunkTcpFlags:
    case kChunkIpTos: return 1;
    case kChunkSrcPort:
    case kChunkDstPort:
    case kChunkKeepAlive:
    case kChunkVlanId:
    case kChunkEthType:
    case kChunkMos:
    case kChunkRFactor:
    case kChunkTagType:
    case kChunkEventType: return 2;
    case kChunkIp4Src:
    case kChunkIp4Dst:
    case kChunkTsSec:
    case kChunkTsUsec:
    case kChunkCaptureId:
    case kChunkJitter: return 4;
    case kChunkSrcMac:
    case kChunkDstMac: return 8;
    case kChunkIp6Src:
    case kChunkIp6Dst: return 16;
    default: return 0;
  }
}

// --- Capture protocol types (chunk 0x000b) -----------------------------------
enum ProtoType : uint8_t {
  kProtoReserved = 0x00,
  kProtoSip = 0x01,
  kProtoXmpp = 0x02,
  kProtoSdp = 0x03,
  kProtoRtp = 0x04,
  kProtoRtcpJson = 0x05,
  kProtoMgcp = 0x06,
  kProtoMegaco = 0x07,
  kProtoM2ua = 0x08,
  kProtoM3ua = 0x09,
  kProtoIax = 0x0a,
  kProtoH322 = 0x0b,
  kProtoH321 = 0x0c,
  kProtoM2pa = 0x0d,
  kProtoJsonWebRtc = 0x14,
  kProtoQos32 = 0x20,
  kProtoMosFull = 0x22,
  kProtoMosShort = 0x23,
  kProtoSipJson = 0x32,
  kProtoDnsJson = 0x35,
  kProtoM3uaJson = 0x36,
  kProtoRtspJson = 0x37,
  kProtoDiameterJson = 0x38,
  kProtoGsmMapJson = 0x39,
  kProtoRtcpPion = 0x3a,
  kProtoCdr = 0x3c,
  kProtoVerto = 0x3d,
  // OpenSIPS tracing types (hep_ids[] of proto_hep).
  kProtoOpenSipsMi = 0x57,
  kProtoOpenSipsRest = 0x58,
  kProtoOpenSipsNet = 0x59,
  kProtoOpenSipsControl = 0x60,
  kProtoQos99 = 0x63,
  kProtoLog = 0x64,  // de-facto LOG / OpenSIPS xlog
};

// IP protocol numbers carried in chunk 0x0002 / hp_p.
constexpr uint8_t kIpProtoTcp = 6;
constexpr uint8_t kIpProtoUdp = 17;
constexpr uint8_t kIpProtoTlsFake = 22;  // IPPROTO_IDP used as "TLS"
constexpr uint8_t kIpProtoWsFake = 50;   // IPPROTO_ESP used as "WS" (OpenSIPS)
constexpr uint8_t kIpProtoSctp = 132;

}  // namespace sipcapd::hep
