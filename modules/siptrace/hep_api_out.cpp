#include "modules/siptrace/hep_api_out.h"

namespace sipcapd::siptrace {

bool HepApiOut::HasHepId(const std::string& name) { return api_->FindDestination(name) != nullptr; }

bool HepApiOut::SendTo(const std::string& hep_id, const hep::Packet& p) {
  return api_->Send(hep_id, p).ok();
}

std::string HepApiOut::HepIdUri(const std::string& name) {
  const hep::Destination* d = api_->FindDestination(name);
  if (!d) return "";
  bool v6 = d->host.find(':') != std::string::npos;
  return (v6 ? "[" + d->host + "]" : d->host) + ":" + std::to_string(d->port);
}

std::string HepApiOut::InlineSpec(const TraceDest& d) {
  bool v6 = d.host.find(':') != std::string::npos;
  return (v6 ? "[" + d.host + "]" : d.host) + ":" + std::to_string(d.port) +
         ";transport=" + d.transport + ";version=" + std::to_string(d.hep_version);
}

Status HepApiOut::AddInline(const TraceDest& d) {
  auto dest = api_->ParseDestination(InlineSpec(d));
  if (!dest.ok()) return Status::Invalid("trace_id [" + d.id + "]: " + dest.status().message());
  inline_.insert_or_assign(&d, std::move(dest).value());
  return Status::Ok();
}

const hep::Destination* HepApiOut::Resolve(const TraceDest& d) {
  if (!d.hep_id.empty()) return api_->FindDestination(d.hep_id);
  auto it = inline_.find(&d);
  return it == inline_.end() ? nullptr : &it->second;
}

bool HepApiOut::SendInline(const TraceDest& d, const hep::Packet& p) {
  auto it = inline_.find(&d);
  return it != inline_.end() && api_->SendTo(it->second, p).ok();
}

}  // namespace sipcapd::siptrace
