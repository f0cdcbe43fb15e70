// BindHepApi over proto_hep's "HepApi/1" service.
#include "modules/sipcapture/hep_bridge.h"

#include <cctype>

#include "modules/proto_hep/hep_api.h"

namespace sipcapd::sipcapture {
namespace {

class ApiBridge : public HepBridge {
 public:
  explicit ApiBridge(hep::HepApi* api) : api_(api) {}

  bool View(MsgContext& ctx, HepView* out) override {
    hep::HepContext* hc = hep::GetHepContext(ctx);
    if (!hc) return false;
    out->pkt = &hc->packet;
    out->version = hc->version;
    out->outer.src = hc->net.src;
    out->outer.dst = hc->net.dst;
    out->outer.proto = hc->net.proto;
    out->outer.listener = hc->net.listener;
    out->modified = &hc->modified;
    return true;
  }

  Status Relay(const hep::Packet& p, int version, const std::string& uri) override {
    auto d = ParseRelayUri(uri);
    if (!d.ok()) return d.status();
    if (d->version == 0) d->version = version;  // no ;version=: as it arrived
    version = d->version;
    if (version < 3 && d->transport != hep::Transport::kUdp)
      return Status::Invalid("HEPv" + std::to_string(version) + " can only be relayed over UDP");
    return api_->SendTo(*d, p);
  }

  int HomerVersion() const override { return api_->homer_version(); }

 private:
  hep::HepApi* api_;
};

}  // namespace

Result<hep::Destination> ParseRelayUri(std::string_view uri) {
  std::string_view s = uri;
  size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    std::string_view scheme = s.substr(0, colon);
    if (scheme == "sip" || scheme == "sips" || scheme == "hep") s.remove_prefix(colon + 1);
  }
  size_t at = s.find('@');
  if (at != std::string_view::npos) s.remove_prefix(at + 1);
  std::string_view params;
  size_t semi = s.find(';');
  if (semi != std::string_view::npos) {
    params = s.substr(semi);
    s = s.substr(0, semi);
  }
  hep::Destination d;
  d.name = "hep_relay";
  d.transport = hep::Transport::kUdp;
  d.version = 0;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos)
      return Status::Invalid("bad IPv6 host in '" + std::string(uri) + "'");
    d.host = std::string(s.substr(1, close - 1));
    if (close + 1 < s.size() && s[close + 1] == ':') port = s.substr(close + 2);
  } else {
    size_t c = s.rfind(':');
    d.host = std::string(s.substr(0, c));
    if (c != std::string_view::npos) port = s.substr(c + 1);
  }
  if (d.host.empty()) return Status::Invalid("no host in '" + std::string(uri) + "'");
  if (!port.empty()) {
    int n = 0;
    for (char ch : port) {
      if (!std::isdigit(static_cast<unsigned char>(ch)))
        return Status::Invalid("bad port in '" + std::string(uri) + "'");
      n = n * 10 + (ch - '0');
      if (n > 65535) return Status::Invalid("bad port in '" + std::string(uri) + "'");
    }
    d.port = static_cast<uint16_t>(n);
  } else {
    d.port = hep::kDefaultHepPort;
  }
  size_t t = params.find(";transport=");
  if (t != std::string_view::npos) {
    std::string tr(params.substr(t + 11, params.find(';', t + 1) - (t + 11)));
    for (char& ch : tr) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (tr == "udp")
      d.transport = hep::Transport::kUdp;
    else if (tr == "tcp")
      d.transport = hep::Transport::kTcp;
    else if (tr == "tls")
      d.transport = hep::Transport::kTls;
    else
      return Status::Invalid("transport '" + tr + "' cannot carry HEP");
  }
  size_t vp = params.find(";version=");
  if (vp != std::string_view::npos) {
    std::string_view v = params.substr(vp + 9, params.find(';', vp + 1) - (vp + 9));
    if (v != "1" && v != "2" && v != "3")
      return Status::Invalid("bad version in '" + std::string(uri) + "'");
    d.version = v[0] - '0';
  }
  return d;
}

Result<std::unique_ptr<HepBridge>> BindHepApi(Registrar& reg,
                                              std::function<HepVerdict(MsgContext&)> on_receive) {
  auto* api = reg.Service<hep::HepApi>(hep::kHepApiName);
  if (!api)
    return Status::Unavailable("service " + std::string(hep::kHepApiName) +
                               " not found (loadmodule \"proto_hep.so\" first)");
  api->RegisterReceiveCallback([cb = std::move(on_receive)](MsgContext& ctx) { (void)cb(ctx); });
  return std::unique_ptr<HepBridge>(new ApiBridge(api));
}

}  // namespace sipcapd::sipcapture
