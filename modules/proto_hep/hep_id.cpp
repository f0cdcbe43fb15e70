// hep_id parser (contract in hep_id.h).
#include "modules/proto_hep/hep_id.h"

#include <algorithm>
#include <cctype>

namespace sipcapd::hep {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string r(s);
  std::transform(r.begin(), r.end(), r.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return r;
}

bool ParsePort(std::string_view s, uint16_t* port) {
  if (s.empty() || s.size() > 5) return false;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  *port = static_cast<uint16_t>(v);
  return true;
}

Status ParseHostPort(std::string_view s, Destination* d) {
  s = Trim(s);
  if (s.size() >= 4 && Lower(s.substr(0, 4)) == "hep:") s.remove_prefix(4);
  std::string_view host = s, port;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) return Status::Invalid("unterminated IPv6 literal");
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::Invalid("junk after IPv6 literal");
      port = rest.substr(1);
      if (port.empty()) return Status::Invalid("empty port");
    }
  } else {
    size_t colon = s.find(':');
    if (colon != std::string_view::npos) {
      if (s.find(':', colon + 1) != std::string_view::npos)
        return Status::Invalid("IPv6 literal must be written in brackets: [" + std::string(s) +
                               "]");
      host = s.substr(0, colon);
      port = s.substr(colon + 1);
      if (port.empty()) return Status::Invalid("empty port");
    }
  }
  if (host.empty()) return Status::Invalid("empty host");
  d->host = std::string(host);
  if (!port.empty() && !ParsePort(port, &d->port))
    return Status::Invalid("bad port '" + std::string(port) + "'");
  return Status::Ok();
}

}  // namespace

const char* TransportName(Transport t) {
  switch (t) {
    case Transport::kUdp: return "udp";
    case Transport::kTcp: return "tcp";
    case Transport::kTls: return "tls";
  }
  return "?";
}

std::string Destination::Key() const {
  // Built for every packet sent (HepService::SenderFor): one allocation.
  bool v6 = host.find(':') != std::string::npos;
  std::string k;
  k.reserve(host.size() + 40);
  if (v6) k += '[';
  k += host;
  if (v6) k += ']';
  k += ':';
  k += std::to_string(port);
  k += ";transport=";
  k += TransportName(transport);
  k += ";version=";
  k += std::to_string(version);
  return k;
}

Result<Destination> ParseHepId(std::string_view text, bool require_name) {
  Destination d;
  std::string_view s = Trim(text);
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos)
      return Status::Invalid("hep_id: missing ']' after the name");
    std::string_view name = Trim(s.substr(1, close - 1));
    size_t sp = name.find_first_of(" \t");
    if (sp != std::string_view::npos) name = name.substr(0, sp);  // OpenSIPS ignores the rest
    if (name.empty()) return Status::Invalid("hep_id: empty name");
    d.name = std::string(name);
    s = s.substr(close + 1);
  } else if (require_name) {
    return Status::Invalid("hep_id: must start with [name]");
  }
  bool have_addr = false, have_transport = false, have_version = false;
  while (!Trim(s).empty()) {
    size_t semi = s.find(';');
    std::string_view tok = Trim(s.substr(0, semi));
    s = semi == std::string_view::npos ? std::string_view() : s.substr(semi + 1);
    if (tok.empty()) {
      if (semi == std::string_view::npos) break;
      return Status::Invalid("hep_id " + d.name + ": empty parameter");
    }
    size_t eq = tok.find('=');
    if (eq == std::string_view::npos) {
      if (have_addr) return Status::Invalid("hep_id " + d.name + ": two addresses");
      SIPCAPD_RETURN_IF_ERROR(ParseHostPort(tok, &d));
      have_addr = true;
      continue;
    }
    std::string key = Lower(Trim(tok.substr(0, eq)));
    std::string val = Lower(Trim(tok.substr(eq + 1)));
    if (key == "uri") {
      if (have_addr) return Status::Invalid("hep_id " + d.name + ": two addresses");
      SIPCAPD_RETURN_IF_ERROR(ParseHostPort(Trim(tok.substr(eq + 1)), &d));
      have_addr = true;
    } else if (key == "transport") {
      if (have_transport) return Status::Invalid("hep_id " + d.name + ": transport given twice");
      have_transport = true;
      if (val == "udp")
        d.transport = Transport::kUdp;
      else if (val == "tcp")
        d.transport = Transport::kTcp;
      else if (val == "tls")
        d.transport = Transport::kTls;
      else
        return Status::Invalid("hep_id " + d.name + ": bad transport '" + val + "'");
    } else if (key == "version") {
      if (have_version) return Status::Invalid("hep_id " + d.name + ": version given twice");
      have_version = true;
      if (val != "1" && val != "2" && val != "3")
        return Status::Invalid("hep_id " + d.name + ": version must be 1, 2 or 3");
      d.version = val[0] - '0';
    } else {
      return Status::Invalid("hep_id " + d.name + ": no match for parameter name '" + key + "'");
    }
  }
  if (!have_addr) return Status::Invalid("hep_id " + d.name + ": no address");
  if (d.version < 3 && d.transport != Transport::kUdp) {
    d.warning = "HEP version " + std::to_string(d.version) + " cannot be sent over " +
                TransportName(d.transport) + "; using udp";
    d.transport = Transport::kUdp;
  }
  return d;
}

}  // namespace sipcapd::hep
