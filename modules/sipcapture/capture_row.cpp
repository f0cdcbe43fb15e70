#include "modules/sipcapture/capture_row.h"

#include <cjson/cJSON.h>

#include <cstdlib>

#include "core/sip/msg_helpers.h"

namespace sipcapd::sipcapture {
namespace {

using db::Value;

std::string S(std::string_view v) { return std::string(v); }

// Value of the first header with this name (any case), trimmed.
std::string_view Hdr(const sip::Message* m, std::string_view name) {
  if (!m) return {};
  const sip::Header* h = m->FindByName(name);
  return h ? h->value : std::string_view();
}

// Addresses for the row: inner (HEP chunks) or the receive info.
struct Addrs {
  std::string src_ip, dst_ip;
  int src_port = 0, dst_port = 0;
  int proto = 0, family = 0;
};

int FamilyOf(const IpAddr& a) { return a.family == AF_INET6 ? 10 : a.family == AF_INET ? 2 : 0; }

Addrs AddrsOf(const SipCaptureInput& in) {
  Addrs a;
  if (in.hep && in.hep->pkt) {
    const hep::Packet& p = *in.hep->pkt;
    a.src_ip = p.src_ip.is_set() ? p.src_ip.ToString() : "";
    a.dst_ip = p.dst_ip.is_set() ? p.dst_ip.ToString() : "";
    a.src_port = p.src_port;
    a.dst_port = p.dst_port;
    a.proto = p.ip_proto;
    a.family = p.family ? p.family : FamilyOf(p.src_ip);
  } else if (in.rcv) {
    a.src_ip = in.rcv->src.ip.is_set() ? in.rcv->src.ip.ToString() : "";
    a.dst_ip = in.rcv->dst.ip.is_set() ? in.rcv->dst.ip.ToString() : "";
    a.src_port = in.rcv->src.port;
    a.dst_port = in.rcv->dst.port;
    // IPPROTO numbers, like the HEP rows (OpenSIPS stores its internal
    // PROTO_* here for non-HEP messages; documented difference).
    switch (in.rcv->proto) {
      case Proto::kUdp: a.proto = 17; break;
      case Proto::kTcp:
      case Proto::kWs: a.proto = 6; break;
      case Proto::kTls:
      case Proto::kWss: a.proto = 22; break;
      case Proto::kSctp: a.proto = 132; break;
      default: a.proto = 0;
    }
    a.family = FamilyOf(in.rcv->src.ip);
  }
  return a;
}

}  // namespace

int64_t CaptureTimeUs(const HepView* hep, int64_t now_us) {
  if (hep && hep->pkt && hep->version >= 2) {
    const hep::Packet& p = *hep->pkt;
    if (p.ts_sec != 0) return p.TimestampUs();
  }
  return now_us;
}

std::string NodeName(const Config& cfg, const HepView* hep) {
  if (hep && hep->pkt && hep->version >= 2)
    return cfg.capture_node + ":" + std::to_string(hep->pkt->capture_id);
  return cfg.capture_node;
}

std::vector<std::string> SipColumns(const SipColumnNames& c) {
  return {c.date,
          c.micro_ts,
          c.method,
          c.reply_reason,
          c.ruri,
          c.ruri_user,
          c.from_user,
          c.from_tag,
          c.to_user,
          c.to_tag,
          c.pid_user,
          c.contact_user,
          c.auth_user,
          c.callid,
          c.callid_aleg,
          c.via_1,
          c.via_1_branch,
          c.cseq,
          c.diversion,
          c.reason,
          c.content_type,
          c.authorization,
          c.user_agent,
          c.source_ip,
          c.source_port,
          c.destination_ip,
          c.destination_port,
          c.contact_ip,
          c.contact_port,
          c.originator_ip,
          c.originator_port,
          c.proto,
          c.family,
          c.rtp_stat,
          c.type,
          c.node,
          "correlation_id",
          "from_domain",
          "to_domain",
          "ruri_domain",
          c.msg,
          "custom_field1",
          "custom_field2",
          "custom_field3"};
}

db::Row BuildSipRow(const Config& cfg, const SipCaptureInput& in) {
  const sip::Message* m = in.msg && in.msg->first_line_ok() ? in.msg : nullptr;
  db::Row row;
  row.time_us = CaptureTimeUs(in.hep, in.now_us);
  auto& v = row.values;
  v.reserve(44);
  bool req = m && m->is_request();
  bool rep = m && m->is_reply();

  v.push_back(Value::DateTime(row.time_us));
  v.push_back(Value::BigInt(row.time_us));
  v.push_back(Value::String(req ? S(m->method()) : rep ? std::to_string(m->status_code()) : ""));
  v.push_back(Value::String(rep ? S(m->reason()) : ""));
  v.push_back(Value::String(req ? S(m->ruri()) : ""));
  v.push_back(Value::String(req ? S(sip::RuriUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::FromUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::FromTag(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::ToUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::ToTag(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::PaiUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::ContactUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::AuthUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::CallId(*m)) : ""));
  v.push_back(Value::String(S(Hdr(m, "X-CID"))));
  const sip::Header* via = m ? m->Find(sip::HeaderType::kVia) : nullptr;
  v.push_back(Value::String(via ? S(via->value) : ""));
  v.push_back(Value::String(m ? S(sip::ViaBranch(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::CSeqText(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::DiversionUser(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::ReasonText(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::ContentTypeText(*m)) : ""));
  // auth: the whole Proxy-Authorization (preferred) or Authorization body.
  std::string_view auth = Hdr(m, "Proxy-Authorization");
  if (auth.empty()) auth = Hdr(m, "Authorization");
  v.push_back(Value::String(S(auth)));
  v.push_back(Value::String(m ? S(sip::UserAgent(*m)) : ""));
  Addrs a = AddrsOf(in);
  v.push_back(Value::String(a.src_ip));
  v.push_back(Value::Int(a.src_port));
  v.push_back(Value::String(a.dst_ip));
  v.push_back(Value::Int(a.dst_port));
  v.push_back(Value::String(m ? S(sip::ContactHost(*m)) : ""));
  v.push_back(Value::Int(m ? sip::ContactPort(*m) : 0));
  // X-OIP: "ip[:port]" (the buffer is left untouched, unlike OpenSIPS).
  std::string_view oip = Hdr(m, "X-OIP");
  std::string_view oip_ip = oip;
  int oip_port = 0;
  size_t colon = oip.rfind(':');
  if (colon != std::string_view::npos && oip.find(':') == colon) {
    oip_ip = oip.substr(0, colon);
    oip_port = std::atoi(std::string(oip.substr(colon + 1)).c_str());
  }
  v.push_back(Value::String(S(oip_ip)));
  v.push_back(Value::Int(oip_port));
  v.push_back(Value::Int(a.proto));
  v.push_back(Value::Int(a.family));
  std::string_view rtp = Hdr(m, "X-RTP-Stat");
  if (rtp.empty()) rtp = Hdr(m, "P-RTP-Stat");
  v.push_back(Value::String(S(rtp)));
  v.push_back(Value::Int(req ? 1 : rep ? 2 : 0));
  v.push_back(Value::String(NodeName(cfg, in.hep)));
  // correlation_id: chunk 0x0011 (HOMER 5), the extra-correlation chunk
  // 0x0065 (HOMER 6); each layout prefers its own and falls back to the other.
  std::string corr;
  if (in.hep && in.hep->pkt && in.hep->version == 3) {
    const hep::Packet& p = *in.hep->pkt;
    const hep::Chunk* extra = p.FindExtra(0, hep::kChunkExtraCorrelation);
    bool plain = p.Has(hep::kChunkCorrelationId);
    if (extra && (!plain || cfg.report_layout == ReportLayout::kHomer6))
      corr = extra->data;
    else if (plain)
      corr = p.correlation_id;
  }
  v.push_back(Value::String(corr));
  v.push_back(Value::String(m ? S(sip::FromDomain(*m)) : ""));
  v.push_back(Value::String(m ? S(sip::ToDomain(*m)) : ""));
  v.push_back(Value::String(req ? S(sip::RuriDomain(*m)) : ""));
  v.push_back(Value::Blob(std::string(in.payload)));
  for (const auto& cf : in.custom) v.push_back(Value::String(cf));
  return row;
}

std::vector<std::string> ReportColumns(ReportLayout layout) {
  // HOMER 6 renames the first three and the payload column and appends five.
  const bool h6 = layout == ReportLayout::kHomer6;
  std::vector<std::string> c = {h6 ? "tss" : "date",
                                h6 ? "tsu" : "micro_ts",
                                h6 ? "transaction_id" : "correlation_id",
                                "source_ip",
                                "source_port",
                                "destination_ip",
                                "destination_port",
                                "proto",
                                "family",
                                "type",
                                "node",
                                h6 ? "data" : "msg"};
  if (h6) c.insert(c.end(), {"payload_len", "correlation_id", "capture_ip", "capt_id", "event"});
  return c;
}

std::string JsonEvent(std::string_view payload) {
  size_t i = payload.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || payload[i] != '{') return "";
  cJSON* root = cJSON_ParseWithLength(payload.data(), payload.size());
  if (!root) return "";
  std::string out;
  const cJSON* ev = cJSON_GetObjectItemCaseSensitive(root, "Event");
  if (cJSON_IsString(ev)) {
    out = ev->valuestring;
  } else if (cJSON_IsNumber(ev)) {
    out = std::to_string(static_cast<long long>(ev->valuedouble));
  } else if (ev) {
    char* t = cJSON_PrintUnformatted(ev);
    if (t) out = t;
    cJSON_free(t);
  }
  cJSON_Delete(root);
  return out;
}

db::Row BuildReportRow(const Config& cfg, const HepView& hep, std::string_view correlation_id,
                       int proto_type, int64_t now_us) {
  const hep::Packet& p = *hep.pkt;
  db::Row row;
  row.time_us = CaptureTimeUs(&hep, now_us);
  const bool h6 = cfg.report_layout == ReportLayout::kHomer6;
  auto& v = row.values;
  if (h6) {
    v.push_back(Value::DateTime(row.time_us / 1000000 * 1000000));
    v.push_back(Value::Int(row.time_us % 1000000));
  } else {
    v.push_back(Value::DateTime(row.time_us));
    v.push_back(Value::BigInt(row.time_us));
  }
  v.push_back(Value::String(std::string(correlation_id)));
  v.push_back(Value::String(p.src_ip.is_set() ? p.src_ip.ToString() : ""));
  v.push_back(Value::Int(p.src_port));
  v.push_back(Value::String(p.dst_ip.is_set() ? p.dst_ip.ToString() : ""));
  v.push_back(Value::Int(p.dst_port));
  v.push_back(Value::Int(p.ip_proto));
  v.push_back(Value::Int(p.family ? p.family : FamilyOf(p.src_ip)));
  int type = proto_type >= 0 ? proto_type : hep.version == 3 ? p.proto_type : 1;
  v.push_back(Value::Int(type));
  if (!h6) {
    v.push_back(Value::String(NodeName(cfg, &hep)));
    v.push_back(Value::Blob(p.payload));
    return row;
  }
  v.push_back(Value::String(cfg.capture_node));
  v.push_back(Value::Blob(p.payload));
  v.push_back(Value::Int(static_cast<int64_t>(p.payload.size())));
  const hep::Chunk* extra =
      hep.version == 3 ? p.FindExtra(0, hep::kChunkExtraCorrelation) : nullptr;
  v.push_back(Value::String(extra ? extra->data : std::string()));
  v.push_back(Value::String(hep.outer.dst.ip.is_set() ? hep.outer.dst.ip.ToString() : ""));
  bool has_capt = hep.version == 2 || (hep.version == 3 && p.Has(hep::kChunkCaptureId));
  v.push_back(Value::Int(has_capt ? p.capture_id : 0));
  v.push_back(Value::String(JsonEvent(p.payload)));
  return row;
}

NonSipKind ClassifyNonSip(uint8_t proto_type) {
  switch (proto_type) {
    case hep::kProtoRtcpJson:
    case hep::kProtoRtcpPion: return NonSipKind::kRtcp;
    case hep::kProtoLog: return NonSipKind::kLogs;
    default: return NonSipKind::kReport;
  }
}

bool LooksLikeSip(const hep::Packet& p) {
  if (p.version < 3) return true;  // v1/v2 carry SIP only
  if (p.proto_type == hep::kProtoSip) return true;
  if (p.Has(hep::kChunkProtoType) && p.proto_type != 0) return false;
  // No (or reserved) proto type: SIP if the first line says so.
  std::string_view s = p.payload;
  size_t eol = s.find("\r\n");
  std::string_view line = s.substr(0, eol == std::string_view::npos ? s.size() : eol);
  return line.rfind("SIP/2.0 ", 0) == 0 ||
         (line.size() > 8 && line.substr(line.size() - 8) == " SIP/2.0");
}

}  // namespace sipcapd::sipcapture
