// correlate(hep_id, type1, correlation1, type2, correlation2): the proto_hep
// script function that tells a HEP collector that two correlation ids of
// different kinds belong together (OpenSIPS 2.4 proto_hep, reference §1.7).
//
// It sends a "control" HEPv3 packet (proto type 0x60, ip proto TCP, src and
// dst 127.0.0.1 port 0, no payload chunk) whose extra correlation is
// {type1: correlation1, type2: correlation2}, encapsulated per homer5_on by
// HepApi::Encapsulate:
//   HOMER6 (homer5_on=0): chunk 0x0065, JSON object {"t1":"c1","t2":"c2"}.
//   HOMER5 (homer5_on=1): only pairs whose type starts with "sip" are kept,
//     their value goes into the correlation id chunk 0x0011; when neither
//     type starts with "sip", no packet is produced (as OpenSIPS, where the
//     HOMER5 correlation only exists for "sip*" keys).
// Deliberate differences from OpenSIPS (doc/modules/proto_hep.md):
//   - the type check is the intended one: type1 == type2 is an error
//     (OpenSIPS 2.4 and master invert it and only accept equal types);
//   - src/dst are 127.0.0.1:0 (OpenSIPS sends 127.0.0.2:0), the same
//     loopback our MI / xlog / net events use.
// Thread-safety: pure functions except Correlate(), which is as thread-safe
// as HepApi (callable from any worker).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/base/status.h"
#include "modules/proto_hep/hep_api.h"
#include "modules/proto_hep/hep_codec.h"
#include "modules/proto_hep/hep_id.h"

namespace sipcapd::hep {

inline constexpr uint8_t kCorrelateProtoType = 0x60;  // "control"

// The hep_id usable by correlate(): nullptr -> NotFound, version != 3 ->
// Invalid. Both carry a reason naming the id.
Status CheckCorrelateDestination(std::string_view name, const Destination* dest);

// Builds the control packet. Invalid when type1 == type2 or a type is
// empty. std::nullopt (OK) in HOMER5 mode when no type starts with "sip"
// (nothing to send).
Result<std::optional<Packet>> BuildCorrelatePacket(const HepApi& api, std::string_view type1,
                                                   std::string_view corr1, std::string_view type2,
                                                   std::string_view corr2);

// The script function: checks, builds and queues the packet on the
// hep_id's sender (never blocks). 1 on success (also when HOMER5 mode has
// nothing to send), -1 on error (logged).
int Correlate(HepApi& api, const std::string& hep_id, std::string_view type1,
              std::string_view corr1, std::string_view type2, std::string_view corr2);

}  // namespace sipcapd::hep
