// trace_id destinations: the parsed form of modparam("siptrace",
// "trace_id", ...) and the pure parser for it. No logging, no globals.
//
// Accepted forms (OpenSIPS 2.2 and 2.3+ spellings):
//   [id]uri=hep:1.2.3.4:9060;version=3;transport=udp   2.2 inline HEP
//   [id]uri=hep:hep_id_name  /  [id]hep:hep_id_name     proto_hep hep_id
//   [id]uri=sip:host[:port]  /  [id]sip:host[:port]     SIP duplicate (UDP)
//   [id]uri=mysql://u:p@h/db;table=t  /  [id]sqlite:///path.db
// Segments are split on ';' (so a DB password cannot hold ';'); spaces
// around names, keys and values are trimmed; a trailing ';' is allowed.
// Keys: `uri` (may be omitted for the first segment), `table` (DB only,
// default "sip_trace"), `version` (1..3) and `transport` (udp|tcp) (inline
// HEP only). A `hep:` target containing ':' (or parsing as an IP) is an
// inline address; otherwise it is a proto_hep hep_id name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/status.h"

namespace sipcapd::siptrace {

enum class DestType { kHep, kSip, kDb };
const char* DestTypeName(DestType t);  // "HEP", "SIP", "Database" (MI)

struct TraceDest {
  std::string id;  // trace id name ("tid")
  DestType type = DestType::kHep;
  std::string uri;  // the uri as written, without the scheme for hep/sip
  // kHep: hep_id name (2.3+) or, when empty, an inline host:port (2.2).
  std::string hep_id;
  std::string host;   // inline HEP / SIP target host (IPv6 without [])
  uint16_t port = 0;  // 0: default (HEP 9060, SIP 5060)
  int hep_version = 3;
  std::string transport = "udp";
  // kDb
  std::string db_url;
  std::string table = "sip_trace";

  // The MI `uri` attribute: HEP ip:port (inline) or the hep_id name; SIP
  // host:port; DB the URL (password redacted by the caller).
  std::string MiUri() const;
  bool SameAs(const TraceDest& o) const;  // duplicate detection
};

Result<TraceDest> ParseTraceId(std::string_view text);

// Splits "host[:port]" / "[v6]:port" / "v6"; port 0 when absent.
Status SplitHostPort(std::string_view text, std::string* host, uint16_t* port);

}  // namespace sipcapd::siptrace
