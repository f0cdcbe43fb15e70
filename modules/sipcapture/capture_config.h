// sipcapture's configuration: every module parameter of OpenSIPS 2.4
// (opensips-modules.md §3.1) with its default, plus the sipcapd additions
// documented in doc/modules/sipcapture.md. Filled by modparam on the main
// thread before init, read-only afterwards.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sipcapd::sipcapture {

// Column names of the HOMER 5 sip_capture table (the *_column params).
struct SipColumnNames {
  std::string id = "id", date = "date", micro_ts = "micro_ts", method = "method",
              reply_reason = "reply_reason", ruri = "ruri", ruri_user = "ruri_user",
              from_user = "from_user", from_tag = "from_tag", to_user = "to_user",
              to_tag = "to_tag", pid_user = "pid_user", contact_user = "contact_user",
              auth_user = "auth_user", callid = "callid", callid_aleg = "callid_aleg",
              via_1 = "via_1", via_1_branch = "via_1_branch", cseq = "cseq",
              // OpenSIPS default "diversion_user" names no column of its own
              // schema (and is never written); sipcapd writes "diversion".
      diversion = "diversion", reason = "reason", content_type = "content_type",
              authorization = "auth", user_agent = "user_agent", source_ip = "source_ip",
              source_port = "source_port", destination_ip = "destination_ip",
              destination_port = "destination_port", contact_ip = "contact_ip",
              contact_port = "contact_port", originator_ip = "originator_ip",
              originator_port = "originator_port", proto = "proto", family = "family",
              rtp_stat = "rtp_stat", type = "type", node = "node", msg = "msg";
};

// hep_route: none / sip (default) / a route name.
enum class HepRouteMode { kSip, kNone, kNamed };

// Column layout of the report tables (report_capture() and the non-SIP
// payloads): HOMER 5 (12 columns) or HOMER 6 (17 columns, OpenSIPS'
// ops_report_capture), chosen by proto_hep's homer5_on as in OpenSIPS.
enum class ReportLayout { kHomer5, kHomer6 };

struct Config {
  std::string db_url;  // empty: db_default_url
  std::string table_name = "sip_capture";
  std::string rtcp_table_name = "rtcp_capture";
  SipColumnNames col;
  int capture_on = 0;  // OpenSIPS default: off
  std::string capture_node = "homer01";
  int raw_sock_children = 1;
  int hep_capture_on = 0;
  int max_async_queries = 5;
  std::string raw_socket_listen;
  int raw_ipip_capture_on = 0;
  int raw_moni_capture_on = 0;
  std::string raw_interface;
  int promiscuous_on = 0;
  int raw_moni_bpf_on = 0;
  std::string hep_route;  // as given
  HepRouteMode hep_route_mode = HepRouteMode::kSip;
  ReportLayout report_layout = ReportLayout::kHomer5;  // from proto_hep homer5_on (init)

  // sipcapd additions.
  int store_non_sip = 1;  // store non-SIP HEP payloads by proto type
  std::string logs_table_name = "logs_capture";
  std::string report_table_name = "report_capture";
  int create_tables = 1;        // CREATE TABLE IF NOT EXISTS the default tables
  int batch_rows = 500;         // BatchWriter flush size
  int flush_interval_ms = 100;  // BatchWriter flush age
  std::string spool_dir;        // empty: <work_dir>/spool
};

}  // namespace sipcapd::sipcapture
