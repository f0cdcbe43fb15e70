#include "core/app/globals.h"

#include <cstdlib>
#include <set>

#include "core/base/log.h"

namespace sipcapd {

namespace {

// OpenSIPS parameters that have no meaning in sipcapd's threaded design
// (memory pools, process thresholds, privileges, DNS tuning ...): accepted
// so existing cfgs load, ignored with a notice.
const std::set<std::string, std::less<>> kIgnored = {
    "fork",
    "memlog",
    "mem_log",
    "memdump",
    "mem_dump",
    "shm_hash_split_percentage",
    "shm_secondary_hash_size",
    "mem_warming",
    "mem_warming_percentage",
    "mem_warming_pattern_file",
    "execmsgthreshold",
    "exec_msg_threshold",
    "exec_dns_threshold",
    "tcpthreshold",
    "tcp_threshold",
    "event_pkg_threshold",
    "event_shm_threshold",
    "query_buffer_size",
    "query_flush_time",
    "db_max_async_connections",
    "user",
    "uid",
    "group",
    "gid",
    "chroot",
    "wdir",
    "workdir",
    "enable_asserts",
    "abort_on_assert",
    "xlog_buf_size",
    "xlog_force_color",
    "xlog_default_level",
    "tos",
    "disable_core_dump",
    "open_files_limit",
    "check_via",
    "dns",
    "rev_dns",
    "dns_try_ipv6",
    "dns_try_naptr",
    "dns_retr_time",
    "dns_retr_no",
    "dns_servers_no",
    "dns_use_search_list",
    "disable_dns_blacklist",
    "disable_dns_failover",
    "dst_blacklist",
    "mhomed",
    "sip_warning",
    "server_signature",
    "server_header",
    "user_agent_header",
    "auto_aliases",
    "advertised_address",
    "advertised_port",
    "tcp_max_connections",
    "tcp_connection_lifetime",
    "tcp_connect_timeout",
    "tcp_accept_aliases",
    "tcp_listen_backlog",
    "tcp_max_msg_time",
    "tcp_no_new_conn_bflag",
    "tcp_keepalive",
    "tcp_keepcount",
    "tcp_keepidle",
    "tcp_keepinterval",
    "tcp_async",
    "tcp_async_max_postponed_chunks",
    "tcp_async_local_connect_timeout",
    "tcp_async_local_write_timeout",
    "disable_stateless_fwd",
    "db_version_table",
    "mcast_loopback",
    "mcast_ttl",
    "max_while_loops_warn",
    "poll_method",
    "shm_memlog_size",
    "pkg_mem",
    "shm_mem",
    "dont_fork",
    "timer_workers",
    "reply_to_via",
    "sl_fwd_disabled",
    "bin_listen",
    "bin_children",
};

bool AsBool(const Value& v, bool* out) {
  if (v.is_int()) {
    *out = v.int_value() != 0;
    return true;
  }
  const std::string& s = v.str_value();
  if (s == "yes" || s == "on" || s == "true" || s == "1") {
    *out = true;
    return true;
  }
  if (s == "no" || s == "off" || s == "false" || s == "0") {
    *out = false;
    return true;
  }
  return false;
}

bool AsInt(const Value& v, int64_t* out) {
  auto i = v.AsInt();
  if (!i) return false;
  *out = *i;
  return true;
}

Status Bad(const std::string& name, const char* want) {
  return Status::Invalid(std::string("global parameter '") + name + "' expects " + want);
}

}  // namespace

Result<ListenSpec> ParseListen(std::string_view text) {
  ListenSpec spec;
  spec.text = std::string(text);
  // Split into words.
  std::vector<std::string> words;
  std::string cur;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) words.push_back(cur), cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(cur);
  if (words.empty()) return Status::Invalid("empty listen value");
  for (size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "use_children" || words[i] == "use_workers") {
      if (i + 1 >= words.size()) return Status::Invalid("use_children needs a number");
      char* end = nullptr;
      long n = strtol(words[i + 1].c_str(), &end, 10);
      if (*end || n < 1 || n > 1024) return Status::Invalid("bad use_children value");
      spec.children = static_cast<int>(n);
      ++i;
    } else if (words[i] == "as") {
      if (i + 1 >= words.size()) return Status::Invalid("'as' needs an address");
      ++i;  // advertised address: accepted, not used by capture nodes
    } else if (words[i] == "anycast" || words[i] == "frag") {
      // accepted, ignored
    } else {
      return Status::Invalid("unexpected '" + words[i] + "' in listen value");
    }
  }
  std::string_view s = words[0];
  static const char* kProtos[] = {"udp",     "tcp",     "tls",     "sctp", "ws", "wss",
                                  "hep_udp", "hep_tcp", "hep_tls", "bin",  "hep"};
  // "proto:host[:port]": the first segment is a protocol when it is a known
  // one, or when it is a plain word followed by a host (another ':' or a
  // '[' comes after it). Modules register protocols of their own.
  auto colon = s.find(':');
  if (colon != std::string_view::npos && s[0] != '[') {
    std::string_view p = s.substr(0, colon);
    std::string_view rest = s.substr(colon + 1);
    bool known = false;
    for (const char* kp : kProtos) known = known || p == kp;
    bool word =
        !p.empty() &&
        p.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") == std::string_view::npos &&
        p.find_first_of("abcdefghijklmnopqrstuvwxyz") != std::string_view::npos;
    bool host_follows =
        !rest.empty() && (rest[0] == '[' || rest.find(':') != std::string_view::npos);
    if (known || (word && host_follows &&
                  p.find_first_not_of("0123456789abcdef") != std::string_view::npos)) {
      spec.proto = std::string(p);
      s = rest;
    }
  }
  if (spec.proto.empty()) spec.proto = "udp";
  if (spec.proto == "hep") spec.proto = "hep_udp";
  if (s.empty()) return Status::Invalid("listen value has no host");
  std::string_view host, port;
  if (s[0] == '[') {
    auto rb = s.find(']');
    if (rb == std::string_view::npos) return Status::Invalid("unterminated '[' in IPv6 address");
    host = s.substr(1, rb - 1);
    std::string_view rest = s.substr(rb + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return Status::Invalid("expected ':' after IPv6 address");
      port = rest.substr(1);
    }
  } else {
    auto c = s.find(':');
    if (c != std::string_view::npos && s.find(':', c + 1) != std::string_view::npos)
      return Status::Invalid("IPv6 addresses must be written in brackets: [" + std::string(s) +
                             "]");
    host = c == std::string_view::npos ? s : s.substr(0, c);
    if (c != std::string_view::npos) port = s.substr(c + 1);
  }
  if (host.empty()) return Status::Invalid("listen value has no host");
  spec.host = std::string(host);
  if (!port.empty()) {
    int64_t p = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || p > 65535)
        return Status::Invalid("bad port '" + std::string(port) + "'");
      p = p * 10 + (c - '0');
    }
    if (p < 1 || p > 65535) return Status::Invalid("bad port '" + std::string(port) + "'");
    spec.port = static_cast<uint16_t>(p);
  }
  return spec;
}

Status ApplyGlobal(GlobalSettings* g, const std::string& name, const Value& value,
                   const std::string& raw, bool* ignored) {
  *ignored = false;
  int64_t i = 0;
  bool b = false;
  if (name == "log_level" || name == "debug") {
    int lvl = 0;
    if (!ParseLogLevel(value.AsString(), &lvl)) return Bad(name, "a log level");
    g->log_level = lvl;
    g->log_level_set = true;
  } else if (name == "log_stderror" || name == "stderror_enabled") {
    if (!AsBool(value, &b)) return Bad(name, "yes/no");
    g->log_stderror = b;
    g->log_stderror_set = true;
  } else if (name == "log_facility" || name == "syslog_facility") {
    g->log_facility = value.AsString();
    if (!Log::SetFacility(g->log_facility)) return Bad(name, "a syslog facility (LOG_LOCAL0..)");
  } else if (name == "log_name" || name == "syslog_name") {
    g->log_name = value.AsString();
  } else if (name == "children" || name == "udp_workers") {
    if (!AsInt(value, &i) || i < 1 || i > 1024) return Bad(name, "a number 1..1024");
    g->core.children = static_cast<int>(i);
  } else if (name == "tcp_children" || name == "tcp_workers") {
    if (!AsInt(value, &i) || i < 1 || i > 1024) return Bad(name, "a number 1..1024");
    g->core.tcp_children = static_cast<int>(i);
  } else if (name == "disable_tcp") {
    if (!AsBool(value, &b)) return Bad(name, "yes/no");
    g->core.disable_tcp = b;
  } else if (name == "listen" || name == "socket") {
    auto spec = ParseListen(raw.empty() ? value.AsString() : raw);
    if (!spec.ok()) return spec.status();
    g->core.listens.push_back(*spec);
  } else if (name == "port") {
    if (!AsInt(value, &i) || i < 1 || i > 65535) return Bad(name, "a port number");
    g->default_port = static_cast<int>(i);
  } else if (name == "alias") {
    g->aliases.push_back(raw.empty() ? value.AsString() : raw);
  } else if (name == "mpath") {
    g->core.mpath = value.AsString();
  } else if (name == "db_default_url") {
    g->core.db_default_url = value.AsString();
  } else if (name == "max_while_loops") {
    if (!AsInt(value, &i) || i < 1) return Bad(name, "a positive number");
    g->max_while_loops = static_cast<int>(i);
  } else if (name == "debug_mode") {
    if (!AsBool(value, &b)) return Bad(name, "yes/no");
    g->debug_mode = b;
  } else if (name == "work_dir" || name == "state_dir") {
    g->core.work_dir = value.AsString();
  } else if (kIgnored.count(name)) {
    *ignored = true;
  } else {
    return Status::NotFound("unknown global parameter '" + name + "'");
  }
  return Status::Ok();
}

}  // namespace sipcapd
