// Row builders of sipcapture: the HOMER 5 sip_capture row (opensips-modules
// §3.4) and the report_capture row (§3.12, HOMER 5 layout). Pure functions:
// no DB, no logging, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/db/value.h"
#include "core/msg/msg_context.h"
#include "core/sip/message.h"
#include "modules/proto_hep/hep_codec.h"
#include "modules/sipcapture/capture_config.h"

namespace sipcapd::sipcapture {

// A HEP packet as sipcapture sees it (an adapter over proto_hep's context).
struct HepView {
  hep::Packet* pkt = nullptr;  // mutable: hep_set/hep_del change it
  int version = 0;             // 1, 2, 3
  RecvInfo outer;              // the HEP transport: agent -> our listener
  bool* modified = nullptr;    // set when the script changes *pkt
};

// What one sip_capture() call stores.
struct SipCaptureInput {
  const sip::Message* msg = nullptr;  // may be null or damaged
  std::string_view payload;           // the raw SIP bytes (always stored)
  const HepView* hep = nullptr;       // null: plain SIP / raw capture
  const RecvInfo* rcv = nullptr;      // used when hep is null
  int64_t now_us = 0;                 // receive time (fallback timestamp)
  std::string custom[3];
};

// Column list of the sip_capture table, in insert order (names from cfg).
std::vector<std::string> SipColumns(const SipColumnNames& c);
// The row for SipColumns(); Row::time_us is the capture time.
db::Row BuildSipRow(const Config& cfg, const SipCaptureInput& in);

// Capture time in epoch microseconds: v3 chunks (receive time when the
// sender left them 0), v2 time block, else now_us.
int64_t CaptureTimeUs(const HepView* hep, int64_t now_us);
// "<capture_node>:<capture id>" for v2/v3, else capture_node.
std::string NodeName(const Config& cfg, const HepView* hep);

// report_capture columns (opensips-modules §3.12).
// HOMER 5: date, micro_ts, correlation_id, source_ip, source_port,
//   destination_ip, destination_port, proto, family, type, node, msg.
// HOMER 6: tss, tsu, transaction_id, source_ip, source_port, destination_ip,
//   destination_port, proto, family, type, node, data, payload_len,
//   correlation_id, capture_ip, capt_id, event.
std::vector<std::string> ReportColumns(ReportLayout layout = ReportLayout::kHomer5);
// The row for ReportColumns(cfg.report_layout). `correlation_id` is the
// function argument (HOMER 6: transaction_id); proto_type < 0: the packet's
// (1 for v1/v2). HOMER 6 values: tss/tsu = capture time split, node =
// capture_node, payload_len = payload bytes, correlation_id = data of chunk
// 0x0065 (extra correlation), capture_ip = our HEP listener's IP, capt_id =
// capture id (0 when absent), event = the "Event" member when the payload is
// a JSON object, else "". v1/v2 packets get the same layout (OpenSIPS
// writes HOMER 5 values into HOMER 6 columns there).
db::Row BuildReportRow(const Config& cfg, const HepView& hep, std::string_view correlation_id,
                       int proto_type, int64_t now_us);
// The "Event" member of a JSON object payload as text ("" if none).
std::string JsonEvent(std::string_view payload);

// The HEP proto type a non-SIP payload is stored by: "rtcp", "logs", "report".
enum class NonSipKind { kRtcp, kLogs, kReport };
NonSipKind ClassifyNonSip(uint8_t proto_type);
// True if the payload should go through the SIP path (proto type SIP, or
// unset and the bytes start like a SIP first line).
bool LooksLikeSip(const hep::Packet& p);

}  // namespace sipcapd::sipcapture
