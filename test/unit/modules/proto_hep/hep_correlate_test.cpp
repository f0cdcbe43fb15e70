// link: proto_hep_logic
// correlate(): the control packet (type 0x60, chunk 0x0065), the type check
// (equal types are an error, unlike OpenSIPS), the v3-only hep_id rule,
// HOMER5 filtering, and one packet sent through a real UDP sender.
#include "modules/proto_hep/hep_correlate.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "modules/proto_hep/hep_service.h"

namespace sipcapd::hep {
namespace {

// The JSON object of chunk 0x0065 as key -> value pairs.
// Control packets carry no payload chunk (as OpenSIPS).
Result<Packet> DecodeControl(std::string_view wire) {
  DecodeOptions o;
  o.require_payload = false;
  return Decode(wire, o);
}

KeyValues ExtraCorrelation(const Packet& p) {
  const Chunk* c = p.FindExtra(0, kChunkExtraCorrelation);
  if (!c) return {};
  KeyValues kv;
  cJSON* o = cJSON_ParseWithLength(c->data.data(), c->data.size());
  for (cJSON* it = o ? o->child : nullptr; it; it = it->next)
    kv.push_back({it->string, cJSON_IsString(it) ? it->valuestring : "<not a string>"});
  cJSON_Delete(o);
  return kv;
}

TEST(HepCorrelate, Homer6ControlPacketOnTheWire) {
  HepService svc;
  svc.config().homer5_on = 0;
  svc.config().hep_capture_id = 42;
  auto built = BuildCorrelatePacket(svc, "sip", "call-1@x", "rtp", "ssrc-9");
  ASSERT_TRUE(built.ok()) << built.status().message();
  ASSERT_TRUE(built->has_value());
  std::string wire;
  ASSERT_TRUE(Encode(**built, 3, &wire).ok());
  ASSERT_EQ(wire.substr(0, 4), "HEP3");
  // The chunk header of 0x0065 (vendor 0) is on the wire.
  EXPECT_NE(wire.find(std::string("\x00\x00\x00\x65", 4)), std::string::npos);
  auto p = DecodeControl(wire);
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->proto_type, 0x60);
  EXPECT_EQ(p->ip_proto, 6);  // TCP
  EXPECT_EQ(p->capture_id, 42u);
  EXPECT_EQ(p->src_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p->dst_ip.ToString(), "127.0.0.1");
  EXPECT_EQ(p->src_port, 0);
  EXPECT_EQ(p->dst_port, 0);
  EXPECT_FALSE(p->Has(kChunkPayload));
  EXPECT_FALSE(p->Has(kChunkCompressedPayload));
  EXPECT_FALSE(p->Has(kChunkCorrelationId));
  KeyValues want = {{"sip", "call-1@x"}, {"rtp", "ssrc-9"}};
  EXPECT_EQ(ExtraCorrelation(*p), want);
}

TEST(HepCorrelate, EqualOrEmptyTypesAreRejected) {
  HepService svc;
  svc.config().homer5_on = 0;
  auto same = BuildCorrelatePacket(svc, "sip", "a", "sip", "b");
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.status().message().find("different"), std::string::npos);
  EXPECT_FALSE(BuildCorrelatePacket(svc, "", "a", "sip", "b").ok());
  EXPECT_FALSE(BuildCorrelatePacket(svc, "sip", "a", "", "b").ok());
  EXPECT_TRUE(BuildCorrelatePacket(svc, "sip", "a", "sip2", "b").ok());
}

TEST(HepCorrelate, Homer5KeepsOnlySipTypes) {
  HepService svc;  // homer5_on=1 by default
  auto sip = BuildCorrelatePacket(svc, "rtp", "ssrc-9", "sip", "call-1@x");
  ASSERT_TRUE(sip.ok());
  ASSERT_TRUE(sip->has_value());
  const Packet& p = **sip;
  EXPECT_EQ(p.proto_type, 0x60);
  EXPECT_TRUE(p.Has(kChunkCorrelationId));
  EXPECT_EQ(p.correlation_id, "call-1@x");
  EXPECT_EQ(p.FindExtra(0, kChunkExtraCorrelation), nullptr);
  auto none = BuildCorrelatePacket(svc, "rtp", "ssrc-9", "net", "17");
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->has_value());
  // Nothing to send is not an error, but equal types still are.
  EXPECT_FALSE(BuildCorrelatePacket(svc, "rtp", "1", "rtp", "2").ok());
}

TEST(HepCorrelate, DestinationMustBeVersion3) {
  HepService svc;
  ASSERT_TRUE(svc.AddHepId("[v2] 127.0.0.1:9; transport=udp; version=2").ok());
  ASSERT_TRUE(svc.AddHepId("[v3] 127.0.0.1:9; transport=udp").ok());
  EXPECT_TRUE(CheckCorrelateDestination("v3", svc.FindDestination("v3")).ok());
  Status v2 = CheckCorrelateDestination("v2", svc.FindDestination("v2"));
  EXPECT_EQ(v2.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckCorrelateDestination("nope", nullptr).code(), StatusCode::kNotFound);
  EXPECT_EQ(Correlate(svc, "v2", "sip", "a", "rtp", "b"), -1);
  EXPECT_EQ(Correlate(svc, "nope", "sip", "a", "rtp", "b"), -1);
  EXPECT_EQ(Correlate(svc, "v3", "sip", "a", "sip", "b"), -1);
}

TEST(HepCorrelate, SendsThroughTheHepIdSender) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  HepService svc;
  svc.config().homer5_on = 0;
  ASSERT_TRUE(
      svc.AddHepId("[c] 127.0.0.1:" + std::to_string(ntohs(a.sin_port)) + "; transport=udp").ok());
  ASSERT_TRUE(svc.Finalize().ok());
  EXPECT_EQ(Correlate(svc, "c", "sip", "call-7", "xlog", "line-3"), 1);
  pollfd pfd{fd, POLLIN, 0};
  ASSERT_EQ(poll(&pfd, 1, 10000), 1) << "no packet within 10 s";
  char buf[2048];
  ssize_t n = recv(fd, buf, sizeof buf, 0);
  close(fd);
  ASSERT_GT(n, 0);
  auto p = DecodeControl(std::string_view(buf, static_cast<size_t>(n)));
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(p->proto_type, 0x60);
  KeyValues want = {{"sip", "call-7"}, {"xlog", "line-3"}};
  EXPECT_EQ(ExtraCorrelation(*p), want);
  svc.StopSenders();
}

}  // namespace
}  // namespace sipcapd::hep
