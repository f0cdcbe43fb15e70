// HepBridge: what sipcapture needs from proto_hep, behind one small
// interface (so the module logic and its tests do not depend on the shape
// of proto_hep's HepApi). BindHepApi() implements it over the "HepApi/1"
// service.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/module/module_api.h"
#include "modules/proto_hep/hep_id.h"
#include "modules/sipcapture/capture_row.h"

namespace sipcapd::sipcapture {

class HepBridge {
 public:
  virtual ~HepBridge() = default;
  // The HEP packet of ctx; false when ctx did not come as HEP.
  virtual bool View(MsgContext& ctx, HepView* out) = 0;
  // Encodes `p` as `version` and sends it to `uri` (sip:host[:port]
  // [;transport=udp|tcp|tls]); non-blocking (queued by the sender).
  virtual Status Relay(const hep::Packet& p, int version, const std::string& uri) = 0;
  // 5 (homer5_on) or 6.
  virtual int HomerVersion() const = 0;
};

// What the receive callback returns to proto_hep.
enum class HepVerdict { kDrop, kConsumed, kRunSip };

// hep_relay's next hop: "sip:host[:port][;transport=udp|tcp|tls][;version=1|2|3]"
// (also hep: or no scheme; IPv6 in brackets). Port defaults to 9060; version
// 0 in the result = none given (relay in the version the packet arrived in).
Result<hep::Destination> ParseRelayUri(std::string_view uri);

// Binds to proto_hep's HepApi and registers `on_receive` as the HEP
// receive callback. kUnavailable when proto_hep is not loaded.
Result<std::unique_ptr<HepBridge>> BindHepApi(Registrar& reg,
                                              std::function<HepVerdict(MsgContext&)> on_receive);

}  // namespace sipcapd::sipcapture
