#include "modules/siptrace/trace_id.h"

#include <cctype>
#include <vector>

#include "core/net/address.h"

namespace sipcapd::siptrace {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool IStartsWith(std::string_view s, std::string_view p) {
  if (s.size() < p.size()) return false;
  for (size_t i = 0; i < p.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != p[i]) return false;
  return true;
}

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return r;
}

bool ValidName(std::string_view n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.')
      return false;
  return true;
}

}  // namespace

const char* DestTypeName(DestType t) {
  switch (t) {
    case DestType::kHep: return "HEP";
    case DestType::kSip: return "SIP";
    default: return "Database";
  }
}

Status SplitHostPort(std::string_view text, std::string* host, uint16_t* port) {
  text = Trim(text);
  *port = 0;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos) return Status::Invalid("unterminated '[' in address");
    *host = std::string(text.substr(1, close - 1));
    std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Status::Invalid("garbage after ']' in address");
      port_text = rest.substr(1);
    }
  } else if (text.find(':') != text.rfind(':')) {  // bare IPv6, no port
    *host = std::string(text);
  } else {
    size_t c = text.find(':');
    *host = std::string(text.substr(0, c));
    if (c != std::string_view::npos) port_text = text.substr(c + 1);
  }
  if (host->empty()) return Status::Invalid("empty host");
  if (port_text.empty()) return Status::Ok();
  uint32_t p = 0;
  for (char ch : port_text) {
    if (ch < '0' || ch > '9') return Status::Invalid("bad port '" + std::string(port_text) + "'");
    p = p * 10 + static_cast<uint32_t>(ch - '0');
    if (p > 65535) return Status::Invalid("port out of range '" + std::string(port_text) + "'");
  }
  if (p == 0) return Status::Invalid("port 0");
  *port = static_cast<uint16_t>(p);
  return Status::Ok();
}

std::string TraceDest::MiUri() const {
  switch (type) {
    case DestType::kHep:
      if (!hep_id.empty()) return hep_id;
      [[fallthrough]];
    case DestType::kSip: {
      bool v6 = host.find(':') != std::string::npos;
      std::string h = v6 ? "[" + host + "]" : host;
      return h + ":" + (port ? std::to_string(port) : std::string());
    }
    default: return db_url;
  }
}

bool TraceDest::SameAs(const TraceDest& o) const {
  return id == o.id && type == o.type && uri == o.uri && table == o.table &&
         hep_version == o.hep_version && transport == o.transport;
}

Result<TraceDest> ParseTraceId(std::string_view text) {
  TraceDest d;
  std::string_view s = Trim(text);
  if (s.empty() || s.front() != '[') return Status::Invalid("trace_id must start with [name]");
  size_t close = s.find(']');
  if (close == std::string_view::npos) return Status::Invalid("missing ']' after trace id name");
  std::string_view name = Trim(s.substr(1, close - 1));
  if (!ValidName(name)) return Status::Invalid("bad trace id name '" + std::string(name) + "'");
  d.id = std::string(name);
  s = s.substr(close + 1);

  std::vector<std::string_view> segs;
  while (!s.empty()) {
    size_t semi = s.find(';');
    std::string_view seg = Trim(s.substr(0, semi));
    if (!seg.empty()) segs.push_back(seg);
    if (semi == std::string_view::npos) break;
    s = s.substr(semi + 1);
  }
  if (segs.empty()) return Status::Invalid("trace id '" + d.id + "' has no uri");

  std::string uri;
  bool has_table = false, has_version = false, has_transport = false;
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view seg = segs[i];
    size_t eq = seg.find('=');
    std::string key = eq == std::string_view::npos ? "" : Lower(Trim(seg.substr(0, eq)));
    std::string_view val = eq == std::string_view::npos ? seg : Trim(seg.substr(eq + 1));
    if (i == 0 && key != "uri") {  // 2.3 form: the uri without "uri="
      uri = std::string(seg);
      continue;
    }
    if (key == "uri") {
      if (!uri.empty()) return Status::Invalid("uri given twice");
      uri = std::string(val);
    } else if (key == "table") {
      d.table = std::string(val);
      has_table = true;
    } else if (key == "version") {
      if (val != "1" && val != "2" && val != "3")
        return Status::Invalid("bad HEP version '" + std::string(val) + "'");
      d.hep_version = val[0] - '0';
      has_version = true;
    } else if (key == "transport") {
      d.transport = Lower(val);
      if (d.transport != "udp" && d.transport != "tcp" && d.transport != "tls")
        return Status::Invalid("bad transport '" + std::string(val) + "'");
      has_transport = true;
    } else {
      return Status::Invalid("unknown trace_id key '" + std::string(seg) + "'");
    }
  }
  if (uri.empty()) return Status::Invalid("trace id '" + d.id + "' has no uri");

  if (IStartsWith(uri, "hep:")) {
    d.type = DestType::kHep;
    d.uri = Trim(std::string_view(uri).substr(4));
    if (d.uri.empty()) return Status::Invalid("empty hep: target");
    bool inline_addr = d.uri.find(':') != std::string::npos || d.uri.front() == '[' ||
                       IpAddr::Parse(d.uri).has_value();
    if (inline_addr) {
      SIPCAPD_RETURN_IF_ERROR(SplitHostPort(d.uri, &d.host, &d.port));
      if (!d.port) d.port = 9060;
      if (d.hep_version < 3 && d.transport != "udp") d.transport = "udp";  // as proto_hep
    } else {
      if (!ValidName(d.uri)) return Status::Invalid("bad hep_id name '" + d.uri + "'");
      if (has_version || has_transport)
        return Status::Invalid("version/transport belong to the hep_id '" + d.uri + "'");
      d.hep_id = d.uri;
    }
  } else if (IStartsWith(uri, "sip:")) {
    d.type = DestType::kSip;
    d.uri = Trim(std::string_view(uri).substr(4));
    std::string_view hp = d.uri;
    size_t at = hp.find('@');
    if (at != std::string_view::npos) hp = hp.substr(at + 1);
    hp = hp.substr(0, hp.find(';'));
    SIPCAPD_RETURN_IF_ERROR(SplitHostPort(hp, &d.host, &d.port));
    if (!d.port) d.port = 5060;
  } else if (uri.find("://") != std::string::npos) {
    d.type = DestType::kDb;
    d.uri = uri;
    d.db_url = uri;
  } else {
    return Status::Invalid("unknown trace destination '" + uri +
                           "' (expected hep:, sip: or a database URL)");
  }
  if (has_table && d.type != DestType::kDb)
    return Status::Invalid("'table' is only valid for database trace ids");
  if ((has_version || has_transport) && d.type != DestType::kHep)
    return Status::Invalid("'version'/'transport' are only valid for hep: trace ids");
  return d;
}

}  // namespace sipcapd::siptrace
