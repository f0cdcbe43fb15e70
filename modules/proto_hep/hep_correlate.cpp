#include "modules/proto_hep/hep_correlate.h"

#include "core/base/log.h"
#include "modules/siptrace/hep_event.h"

namespace sipcapd::hep {

Status CheckCorrelateDestination(std::string_view name, const Destination* dest) {
  if (!dest) return Status::NotFound("correlate: unknown hep_id '" + std::string(name) + "'");
  if (dest->version != 3)
    return Status::Invalid("correlate: hep_id '" + std::string(name) + "' is version " +
                           std::to_string(dest->version) + ", correlate() needs a version 3 id");
  return Status::Ok();
}

Result<std::optional<Packet>> BuildCorrelatePacket(const HepApi& api, std::string_view type1,
                                                   std::string_view corr1, std::string_view type2,
                                                   std::string_view corr2) {
  if (type1.empty() || type2.empty()) return Status::Invalid("correlate: empty correlation type");
  // OpenSIPS inverts this check (strcmp() != 0 is its error); we do not.
  if (type1 == type2)
    return Status::Invalid("correlate: type1 must be different from type2 ('" + std::string(type1) +
                           "')");
  KeyValues extra = {{std::string(type1), std::string(corr1)},
                     {std::string(type2), std::string(corr2)}};
  if (api.homer_version() == 5) {
    std::erase_if(extra, [](const auto& kv) { return kv.first.rfind("sip", 0) != 0; });
    if (extra.empty()) return std::optional<Packet>();
  }
  // Unset addresses: 127.0.0.1 port 0 on both sides.
  Packet p = hep_event::MakeEventPacket(SockAddr{}, SockAddr{}, hep_event::kIpProtoTcp,
                                        kCorrelateProtoType, api.capture_id());
  p.Unmark(kChunkPayload);  // a control message carries no payload
  api.Encapsulate(&p, {}, extra);
  return std::optional<Packet>(std::move(p));
}

int Correlate(HepApi& api, const std::string& hep_id, std::string_view type1,
              std::string_view corr1, std::string_view type2, std::string_view corr2) {
  const Destination* dest = api.FindDestination(hep_id);
  Status st = CheckCorrelateDestination(hep_id, dest);
  if (!st.ok()) {
    LOG_ERR("proto_hep", "%s", st.message().c_str());
    return -1;
  }
  auto pkt = BuildCorrelatePacket(api, type1, corr1, type2, corr2);
  if (!pkt.ok()) {
    LOG_ERR("proto_hep", "%s", pkt.status().message().c_str());
    return -1;
  }
  if (!pkt->has_value()) {
    LOG_DBG("proto_hep", "correlate: HOMER5 mode and no 'sip*' type: nothing to send");
    return 1;
  }
  st = api.SendTo(*dest, **pkt);
  if (!st.ok()) {
    LOG_ERR("proto_hep", "correlate: %s", st.message().c_str());
    return -1;
  }
  return 1;
}

}  // namespace sipcapd::hep
