// HepOut over proto_hep's HepApi/1 service: named hep_ids and inline (2.2
// form) destinations registered as ad-hoc proto_hep destinations, so every
// HEP packet goes through proto_hep's bounded, non-blocking senders.
// Thread-safety: AddInline at init only; the rest from any thread.
#pragma once

#include <map>
#include <string>

#include "modules/proto_hep/hep_api.h"
#include "modules/siptrace/tracer.h"

namespace sipcapd::siptrace {

class HepApiOut : public HepOut {
 public:
  explicit HepApiOut(hep::HepApi* api) : api_(api) {}
  bool HasHepId(const std::string& name) override;
  bool SendTo(const std::string& hep_id, const hep::Packet& p) override;
  uint32_t capture_id() override { return api_->capture_id(); }
  std::string HepIdUri(const std::string& name) override;
  Status AddInline(const TraceDest& d) override;
  bool SendInline(const TraceDest& d, const hep::Packet& p) override;
  void Encapsulate(hep::Packet* p, const hep::KeyValues& parts,
                   const hep::KeyValues& extra) override {
    api_->Encapsulate(p, parts, extra);
  }
  bool homer5() override { return api_->homer_version() == 5; }
  const hep::Destination* Resolve(const TraceDest& d) override;
  bool SendView(const hep::Destination& d, const hep::PacketView& p) override {
    return api_->SendViewTo(d, p).ok();
  }

 private:
  static std::string InlineSpec(const TraceDest& d);
  hep::HepApi* api_;
  // By the TraceDest AddInline was given (the Tracer's, which SendInline
  // gets back for every packet): no spec string built per packet. Frozen
  // after init.
  std::map<const TraceDest*, hep::Destination> inline_;
};

}  // namespace sipcapd::siptrace
