// hep_tool: our HEP codec as a line filter, for interop tests with other
// implementations (hep-js). Field names are hep-js's rcinfo names.
//
//   hep_tool decode   stdin: one HEP packet per line as hex
//                     stdout: one JSON object per line with the fields of
//                     the chunks present, plus "payload" (a string) and
//                     "version"; {"error": "..."} for a packet that fails.
//   hep_tool encode   stdin: one JSON object per line (same keys)
//                     stdout: the HEPv3 packet as hex, or "error ..."
// Keys: protocolFamily protocol srcIp dstIp srcPort dstPort timeSeconds
// timeUseconds payloadType captureId hepNodeName capturePass correlation_id
// mos transaction_type payload.
#include <cJSON.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <type_traits>

#include "modules/proto_hep/hep_codec.h"

namespace {
using sipcapd::IpAddr;
using namespace sipcapd::hep;

std::string FromHex(const std::string& h, bool* ok) {
  std::string out;
  *ok = h.size() % 2 == 0;
  for (size_t i = 0; *ok && i + 1 < h.size(); i += 2) {
    auto nib = [&](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      *ok = false;
      return 0;
    };
    out.push_back(static_cast<char>(nib(h[i]) << 4 | nib(h[i + 1])));
  }
  return out;
}

std::string ToHex(const std::string& b) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (unsigned char c : b) {
    s.push_back(d[c >> 4]);
    s.push_back(d[c & 15]);
  }
  return s;
}

void PrintJson(cJSON* o) {
  char* s = cJSON_PrintUnformatted(o);
  std::cout << s << "\n";
  cJSON_free(s);
  cJSON_Delete(o);
}

void DecodeLine(const std::string& line) {
  cJSON* o = cJSON_CreateObject();
  bool ok;
  std::string bytes = FromHex(line, &ok);
  if (!ok) {
    cJSON_AddStringToObject(o, "error", "bad hex");
    return PrintJson(o);
  }
  auto r = Decode(std::string_view(bytes));
  if (!r.ok()) {
    cJSON_AddStringToObject(o, "error", r.status().message().c_str());
    return PrintJson(o);
  }
  const Packet& p = r.value();
  cJSON_AddNumberToObject(o, "version", p.version);
  if (p.Has(kChunkIpFamily)) cJSON_AddNumberToObject(o, "protocolFamily", p.family);
  if (p.Has(kChunkIpProto)) cJSON_AddNumberToObject(o, "protocol", p.ip_proto);
  if (p.src_ip.is_set()) cJSON_AddStringToObject(o, "srcIp", p.src_ip.ToString().c_str());
  if (p.dst_ip.is_set()) cJSON_AddStringToObject(o, "dstIp", p.dst_ip.ToString().c_str());
  if (p.Has(kChunkSrcPort)) cJSON_AddNumberToObject(o, "srcPort", p.src_port);
  if (p.Has(kChunkDstPort)) cJSON_AddNumberToObject(o, "dstPort", p.dst_port);
  if (p.Has(kChunkTsSec)) cJSON_AddNumberToObject(o, "timeSeconds", p.ts_sec);
  if (p.Has(kChunkTsUsec)) cJSON_AddNumberToObject(o, "timeUseconds", p.ts_usec);
  if (p.Has(kChunkProtoType)) cJSON_AddNumberToObject(o, "payloadType", p.proto_type);
  if (p.Has(kChunkCaptureId)) cJSON_AddNumberToObject(o, "captureId", p.capture_id);
  if (p.Has(kChunkNodeName)) cJSON_AddStringToObject(o, "hepNodeName", p.node_name.c_str());
  if (p.Has(kChunkAuthKey)) cJSON_AddStringToObject(o, "capturePass", p.auth_key.c_str());
  if (p.Has(kChunkCorrelationId))
    cJSON_AddStringToObject(o, "correlation_id", p.correlation_id.c_str());
  if (p.Has(kChunkMos)) cJSON_AddNumberToObject(o, "mos", p.mos);
  if (p.Has(kChunkTransactionType))
    cJSON_AddStringToObject(o, "transaction_type", p.transaction_type.c_str());
  cJSON_AddStringToObject(o, "payload", p.payload.c_str());
  cJSON_AddNumberToObject(o, "extraChunks", static_cast<double>(p.extra.size()));
  PrintJson(o);
}

void EncodeLine(const std::string& line) {
  cJSON* o = cJSON_Parse(line.c_str());
  if (!o) {
    std::cout << "error bad json\n";
    return;
  }
  Packet p;
  auto num = [&](const char* k, auto* field, uint16_t type) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsNumber(v)) return;
    *field = static_cast<std::remove_pointer_t<decltype(field)>>(v->valuedouble);
    p.Mark(type);
  };
  auto str = [&](const char* k, std::string* field, uint16_t type) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsString(v)) return;
    *field = v->valuestring;
    p.Mark(type);
  };
  auto ip = [&](const char* k, IpAddr* field, bool src) {
    const cJSON* v = cJSON_GetObjectItemCaseSensitive(o, k);
    if (!cJSON_IsString(v)) return;
    if (auto a = IpAddr::Parse(v->valuestring)) {
      *field = *a;
      bool v6 = a->family == AF_INET6;
      p.Mark(src ? (v6 ? kChunkIp6Src : kChunkIp4Src) : (v6 ? kChunkIp6Dst : kChunkIp4Dst));
    }
  };
  num("protocolFamily", &p.family, kChunkIpFamily);
  num("protocol", &p.ip_proto, kChunkIpProto);
  ip("srcIp", &p.src_ip, true);
  ip("dstIp", &p.dst_ip, false);
  num("srcPort", &p.src_port, kChunkSrcPort);
  num("dstPort", &p.dst_port, kChunkDstPort);
  num("timeSeconds", &p.ts_sec, kChunkTsSec);
  num("timeUseconds", &p.ts_usec, kChunkTsUsec);
  num("payloadType", &p.proto_type, kChunkProtoType);
  num("captureId", &p.capture_id, kChunkCaptureId);
  str("hepNodeName", &p.node_name, kChunkNodeName);
  str("capturePass", &p.auth_key, kChunkAuthKey);
  str("correlation_id", &p.correlation_id, kChunkCorrelationId);
  num("mos", &p.mos, kChunkMos);
  str("transaction_type", &p.transaction_type, kChunkTransactionType);
  str("payload", &p.payload, kChunkPayload);
  cJSON_Delete(o);
  std::string out;
  auto st = Encode(p, 3, &out);
  if (!st.ok()) {
    std::cout << "error " << st.message() << "\n";
    return;
  }
  std::cout << ToHex(out) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "";
  if (mode != "decode" && mode != "encode") {
    std::fprintf(stderr, "usage: hep_tool decode|encode < lines\n");
    return 2;
  }
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (mode == "decode")
      DecodeLine(line);
    else
      EncodeLine(line);
  }
  return 0;
}
