#include "core/db/url.h"

#include <cctype>
#include <charconv>

namespace sipcapd::db {
namespace {

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view s, const char* what) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) {
      return Status::Invalid(std::string("db url: truncated %-escape in ") + what);
    }
    int h = HexVal(s[i + 1]), l = HexVal(s[i + 2]);
    if (h < 0 || l < 0) return Status::Invalid(std::string("db url: bad %-escape in ") + what);
    out.push_back(static_cast<char>(h * 16 + l));
    i += 2;
  }
  return out;
}

Status ParseOptions(std::string_view q, Url* url) {
  while (!q.empty()) {
    size_t amp = q.find('&');
    std::string_view kv = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view() : q.substr(amp + 1);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    if (eq == 0 || eq == std::string_view::npos) {
      return Status::Invalid("db url: option '" + std::string(kv) + "' is not key=value");
    }
    auto v = PercentDecode(kv.substr(eq + 1), "option value");
    if (!v.ok()) return v.status();
    url->options[std::string(kv.substr(0, eq))] = v.value();
  }
  return Status::Ok();
}

}  // namespace

std::string Url::Option(const std::string& key, const std::string& def) const {
  auto it = options.find(key);
  return it == options.end() ? def : it->second;
}

std::string Url::Redacted() const {
  if (scheme == "sqlite") return "sqlite://" + database;
  std::string s = scheme + "://";
  if (!user.empty() || !password.empty()) s += user + (password.empty() ? "" : ":***") + "@";
  if (!socket.empty()) {
    s += "unix(" + socket + ")";
  } else {
    s += host;
    if (port) s += ":" + std::to_string(port);
  }
  return s + "/" + database;
}

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  size_t sep = text.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Status::Invalid("db url: missing scheme (expected mysql://... or sqlite://...)");
  }
  for (char c : text.substr(0, sep)) {
    url.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  std::string_view rest = text.substr(sep + 3);
  if (url.scheme == "sqlite" || url.scheme == "sqlite3") {
    url.scheme = "sqlite";
    size_t q = rest.find('?');
    if (q != std::string_view::npos) {
      SIPCAPD_RETURN_IF_ERROR(ParseOptions(rest.substr(q + 1), &url));
      rest = rest.substr(0, q);
    }
    if (rest.empty()) return Status::Invalid("db url: sqlite url has no file path");
    if (rest.find('\0') != std::string_view::npos) {
      return Status::Invalid("db url: NUL in sqlite path");
    }
    auto p = PercentDecode(rest, "sqlite path");
    if (!p.ok()) return p.status();
    url.database = p.value();
    if (url.database.back() == '/') return Status::Invalid("db url: sqlite path is a directory");
    return url;
  }
  if (url.scheme != "mysql") {
    return Status::Invalid("db url: unsupported scheme '" + url.scheme + "'");
  }
  // Options.
  size_t q = rest.find('?');
  if (q != std::string_view::npos) {
    SIPCAPD_RETURN_IF_ERROR(ParseOptions(rest.substr(q + 1), &url));
    rest = rest.substr(0, q);
  }
  // Credentials: up to the last '@' before the host part.
  size_t at = rest.rfind(
      '@', rest.find("unix(") == std::string_view::npos ? rest.npos : rest.find("unix("));
  if (at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest = rest.substr(at + 1);
    size_t colon = cred.find(':');
    auto u = PercentDecode(cred.substr(0, colon), "user");
    if (!u.ok()) return u.status();
    url.user = u.value();
    if (colon != std::string_view::npos) {
      auto pw = PercentDecode(cred.substr(colon + 1), "password");
      if (!pw.ok()) return pw.status();
      url.password = pw.value();
    }
  }
  // Host part.
  std::string_view hostpart;
  if (rest.substr(0, 5) == "unix(") {
    size_t close = rest.find(')');
    if (close == std::string_view::npos) return Status::Invalid("db url: unterminated unix(");
    url.socket = std::string(rest.substr(5, close - 5));
    if (url.socket.empty() || url.socket[0] != '/') {
      return Status::Invalid("db url: unix socket path must be absolute");
    }
    rest = rest.substr(close + 1);
    if (rest.empty() || rest[0] != '/') return Status::Invalid("db url: missing /database");
  } else {
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return Status::Invalid("db url: missing /database");
    hostpart = rest.substr(0, slash);
    rest = rest.substr(slash);
    if (!hostpart.empty() && hostpart[0] == '[') {  // [v6]:port
      size_t rb = hostpart.find(']');
      if (rb == std::string_view::npos) return Status::Invalid("db url: unterminated [ipv6]");
      url.host = std::string(hostpart.substr(1, rb - 1));
      hostpart = hostpart.substr(rb + 1);
      if (!hostpart.empty() && hostpart[0] != ':') return Status::Invalid("db url: junk after ]");
    } else {
      size_t colon = hostpart.find(':');
      url.host = std::string(hostpart.substr(0, colon));
      hostpart = colon == std::string_view::npos ? std::string_view() : hostpart.substr(colon);
    }
    if (!hostpart.empty()) {  // ":port"
      std::string_view ps = hostpart.substr(1);
      int port = 0;
      auto [p, ec] = std::from_chars(ps.data(), ps.data() + ps.size(), port);
      if (ps.empty() || ec != std::errc() || p != ps.data() + ps.size() || port <= 0 ||
          port > 65535) {
        return Status::Invalid("db url: bad port '" + std::string(ps) + "'");
      }
      url.port = port;
    }
    if (url.host.empty()) return Status::Invalid("db url: missing host");
    for (char c : url.host) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
            c == ':')) {
        return Status::Invalid("db url: bad character in host '" + url.host + "'");
      }
    }
  }
  // "/database"
  std::string_view db = rest.substr(1);
  if (db.empty()) return Status::Invalid("db url: missing database name");
  auto d = PercentDecode(db, "database");
  if (!d.ok()) return d.status();
  url.database = d.value();
  for (char c : url.database) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '-')) {
      return Status::Invalid("db url: bad character in database name '" + url.database + "'");
    }
  }
  std::string sock = url.Option("socket");
  if (!sock.empty()) {
    if (sock[0] != '/') return Status::Invalid("db url: socket= path must be absolute");
    url.socket = sock;
  }
  return url;
}

}  // namespace sipcapd::db
