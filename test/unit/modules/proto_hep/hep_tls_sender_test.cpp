// link: proto_hep_logic
// TLS sending: hep_id destinations with transport=tls (both syntaxes) into
// a hep_tls listener requiring client certificates, server verification
// against tls_ca_list (a wrong CA fails the handshake and nothing is sent),
// packets queued while the collector is down delivered after it comes up,
// a collector closing an idle session does not lose the next packet, and
// tls_method parsing.
#include <gtest/gtest.h>

#include "test/unit/modules/proto_hep/hep_tls_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace tlstest;

Packet Pkt(const std::string& payload) {
  Packet p;
  p.payload = payload;
  p.Mark(kChunkPayload);
  return p;
}

// The sending node: its own HepService with tls_* params.
struct SenderNode {
  explicit SenderNode(bool verify_server, const std::string& ca = "ca.crt") {
    const Pki& k = Pki::Get();
    TlsParams& t = svc.config().tls;
    t.certificate = k.Path("client.crt");
    t.private_key = k.Path("client.key");
    t.ca_list = k.Path(ca);
    t.verify_server = verify_server ? 1 : 0;
    t.handshake_timeout = 2000;
    finalized = svc.Finalize();
  }
  HepService svc;
  Status finalized;
};

class HepTlsSend : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Pki::Get().Ok()) << Pki::Get().error();
    ASSERT_TRUE(rx_.Finalize().ok());
    got_.Attach(rx_);
  }
  HepService rx_;  // the collector
  Got got_;
};

TEST_F(HepTlsSend, BothHepIdSyntaxesWithVerifiedServerAndClientCert) {
  Running run(rx_, TlsOptions(true));
  ASSERT_TRUE(run.ok);
  SenderNode node(true);
  ASSERT_TRUE(node.finalized.ok()) << node.finalized.message();
  std::string port = std::to_string(run.port());
  ASSERT_TRUE(node.svc.AddHepId("[new] 127.0.0.1:" + port + "; transport=tls; version=3").ok());
  ASSERT_TRUE(node.svc.AddHepId("[old] uri=hep:127.0.0.1:" + port + ";transport=TLS").ok());
  // A host name: SNI + name check against the certificate's SAN.
  ASSERT_TRUE(node.svc.AddHepId("[byname] localhost:" + port + ";transport=tls").ok());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(node.svc.Send("new", Pkt("n" + std::to_string(i))).ok());
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 5; })) << got_.size();
  ASSERT_TRUE(node.svc.Send("old", Pkt("o")).ok());
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 6; }));
  Status by_name = node.svc.Send("byname", Pkt("h"));
  ASSERT_TRUE(by_name.ok());
  // localhost may resolve to ::1 first, where nobody listens: the sender
  // tries the next address.
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 7; }));
  {
    std::lock_guard<std::mutex> l(got_.mu);
    EXPECT_EQ(got_.payloads, (std::vector<std::string>{"n0", "n1", "n2", "n3", "n4", "o", "h"}));
    EXPECT_EQ(got_.nets[0].proto, Proto::kHepTls);
  }
  // "new" and "old" are the same destination (one sender, one session).
  EXPECT_EQ(rx_.stats().tls_accepted.Get(), 2);
  EXPECT_EQ(rx_.stats().tls_cert_rejected.Get(), 0);
  EXPECT_EQ(node.svc.stats().sent.Get(), 7);
  EXPECT_EQ(node.svc.stats().tls_connect_failed.Get(), 0);
  // TLS with version < 3 falls back to UDP (like TCP).
  auto d = ParseHepId("[v2] 127.0.0.1:" + port + "; transport=tls; version=2");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->transport, Transport::kUdp);
  EXPECT_NE(d->warning.find("cannot be sent over tls"), std::string::npos) << d->warning;
}

TEST_F(HepTlsSend, WrongCaFailsTheHandshakeAndSendsNothing) {
  Running run(rx_, TlsOptions(false));
  ASSERT_TRUE(run.ok);
  SenderNode node(true, "other-ca.crt");
  ASSERT_TRUE(node.finalized.ok());
  ASSERT_TRUE(
      node.svc.AddHepId("[t] 127.0.0.1:" + std::to_string(run.port()) + ";transport=tls").ok());
  StderrCapture log;
  ASSERT_TRUE(node.svc.Send("t", Pkt("x")).ok());
  ASSERT_TRUE(WaitFor([&] { return node.svc.stats().tls_connect_failed.Get() >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return rx_.stats().tls_handshake_failed.Get() >= 1; }));
  log.Restore();
  EXPECT_NE(log.Text().find("certificate verify failed"), std::string::npos) << log.Text();
  // The sender counts the failed connect after the failed handshake
  // (Connect returns, then Run counts it): wait for it as for the others.
  EXPECT_TRUE(WaitFor([&] { return node.svc.stats().connect_failures.Get() >= 1; }));
  EXPECT_EQ(node.svc.stats().sent.Get(), 0);
  EXPECT_EQ(got_.size(), 0u);
  // Without verification the same collector is fine.
  SenderNode lax(false, "other-ca.crt");
  ASSERT_TRUE(
      lax.svc.AddHepId("[t] 127.0.0.1:" + std::to_string(run.port()) + ";transport=tls").ok());
  ASSERT_TRUE(lax.svc.Send("t", Pkt("y")).ok());
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 1; }));
}

TEST_F(HepTlsSend, CollectorRejectingOurCertificateLosesNothingSilently) {
  Running run(rx_, TlsOptions(true));
  ASSERT_TRUE(run.ok);
  HepService tx;
  TlsParams& t = tx.config().tls;
  t.certificate = Pki::Get().Path("rogue.crt");  // signed by another CA
  t.private_key = Pki::Get().Path("rogue.key");
  ASSERT_TRUE(tx.Finalize().ok());
  ASSERT_TRUE(tx.AddHepId("[t] 127.0.0.1:" + std::to_string(run.port()) + ";transport=tls").ok());
  ASSERT_TRUE(tx.Send("t", Pkt("r")).ok());
  // TLS 1.3: our handshake completes, the collector's alert follows; the
  // sender sees it before writing, so nothing is counted as sent.
  ASSERT_TRUE(WaitFor([&] { return tx.stats().tls_connect_failed.Get() >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return rx_.stats().tls_cert_rejected.Get() >= 1; }));
  EXPECT_EQ(tx.stats().sent.Get(), 0);
  EXPECT_EQ(tx.stats().send_dropped.Get(), 0);  // kept queued for the reconnect
  EXPECT_EQ(got_.size(), 0u);
}

TEST_F(HepTlsSend, QueuedWhileCollectorDownThenDelivered) {
  uint16_t port;
  {
    Running probe(rx_, TlsOptions(false));  // reserve an unused port, then free it
    ASSERT_TRUE(probe.ok);
    port = probe.port();
  }
  SenderNode node(true);
  ASSERT_TRUE(node.svc.AddHepId("[t] 127.0.0.1:" + std::to_string(port) + ";transport=tls").ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(node.svc.Send("t", Pkt("q" + std::to_string(i))).ok());
  ASSERT_TRUE(WaitFor([&] { return node.svc.stats().connect_failures.Get() >= 1; }));
  Running run(rx_, TlsOptions(true), "127.0.0.1", port);
  ASSERT_TRUE(run.ok);
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 3; }, 10000)) << got_.size();
  std::lock_guard<std::mutex> l(got_.mu);
  EXPECT_EQ(got_.payloads, (std::vector<std::string>{"q0", "q1", "q2"}));
}

TEST_F(HepTlsSend, CollectorClosingIdleSessionLosesNothing) {
  TcpListenOptions o = TlsOptions(false);
  o.idle_timeout_ms = 1000;  // longer than the sender's TLS 1.3 certificate verdict wait
  Running run(rx_, o);
  ASSERT_TRUE(run.ok);
  SenderNode node(true);
  ASSERT_TRUE(
      node.svc.AddHepId("[t] 127.0.0.1:" + std::to_string(run.port()) + ";transport=tls").ok());
  ASSERT_TRUE(node.svc.Send("t", Pkt("a")).ok());
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 1; }));
  ASSERT_TRUE(WaitFor([&] { return rx_.stats().tcp_idle_closed.Get() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // close_notify in flight
  ASSERT_TRUE(node.svc.Send("t", Pkt("b")).ok());
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 2; })) << got_.size();
  std::lock_guard<std::mutex> l(got_.mu);
  EXPECT_EQ(got_.payloads[1], "b");
  EXPECT_EQ(rx_.stats().tls_accepted.Get(), 2);
  EXPECT_EQ(node.svc.stats().send_dropped.Get(), 0);
}

TEST_F(HepTlsSend, Ipv6CollectorVerifiedByIpAddress) {
  Running run(rx_, TlsOptions(true), "::1");
  if (!run.ok) GTEST_SKIP() << "no IPv6 loopback on this host";
  SenderNode node(true);  // the server certificate carries IP:::1
  ASSERT_TRUE(
      node.svc.AddHepId("[v6] [::1]:" + std::to_string(run.port()) + "; transport=tls").ok());
  ASSERT_TRUE(node.svc.Send("v6", Pkt("six")).ok());
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 1; }));
  std::lock_guard<std::mutex> l(got_.mu);
  EXPECT_EQ(got_.payloads[0], "six");
  EXPECT_EQ(got_.nets[0].family, AF_INET6);
  EXPECT_EQ(got_.nets[0].proto, Proto::kHepTls);
}

TEST(HepTlsHepId, TransportTlsInBothSyntaxes) {
  auto a = ParseHepId("[a] 10.0.0.1:9061; transport=tls; version=3");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->transport, Transport::kTls);
  EXPECT_EQ(a->port, 9061);
  EXPECT_TRUE(a->warning.empty());
  auto b = ParseHepId("[b] uri=hep:collector.example:9061;version=3;transport=TLS");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->transport, Transport::kTls);
  EXPECT_EQ(b->host, "collector.example");
  EXPECT_EQ(b->Key(), "collector.example:9061;transport=tls;version=3");
  auto c = ParseHepId("[c] uri=hep:10.0.0.1;transport=tls;version=1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->transport, Transport::kUdp);  // v1 over TLS falls back like TCP
}

TEST(HepTlsMethod, Parse) {
  int lo = -1, hi = -1;
  ASSERT_TRUE(ParseTlsMethod("TLSv1_2-TLSv1_3", &lo, &hi).ok());
  EXPECT_EQ(lo, TLS1_2_VERSION);
  EXPECT_EQ(hi, TLS1_3_VERSION);
  ASSERT_TRUE(ParseTlsMethod("tlsv1_3", &lo, &hi).ok());
  EXPECT_EQ(lo, TLS1_3_VERSION);
  EXPECT_EQ(hi, TLS1_3_VERSION);
  ASSERT_TRUE(ParseTlsMethod("TLSv1_2-", &lo, &hi).ok());
  EXPECT_EQ(lo, TLS1_2_VERSION);
  EXPECT_EQ(hi, 0);
  ASSERT_TRUE(ParseTlsMethod("SSLv23", &lo, &hi).ok());
  EXPECT_EQ(lo, 0);
  EXPECT_EQ(hi, 0);
  EXPECT_FALSE(ParseTlsMethod("TLSv1_3-TLSv1_2", &lo, &hi).ok());
  EXPECT_FALSE(ParseTlsMethod("TLSv2", &lo, &hi).ok());
  EXPECT_FALSE(ParseTlsMethod("-", &lo, &hi).ok());
  // A 1.3-only collector refuses a 1.2-only sender.
  ASSERT_TRUE(Pki::Get().Ok());
  TlsParams p = ServerParams(false);
  p.method = "TLSv1_3";
  auto srv = TlsContext::CreateServer(p);
  ASSERT_TRUE(srv.ok());
  HepService rx;
  ASSERT_TRUE(rx.Finalize().ok());
  TcpListenOptions o;
  o.tls = srv.value();
  Running run(rx, o);
  ASSERT_TRUE(run.ok);
  HepService tx;
  tx.config().tls.method = "TLSv1_2";
  ASSERT_TRUE(tx.Finalize().ok());
  ASSERT_TRUE(tx.AddHepId("[t] 127.0.0.1:" + std::to_string(run.port()) + ";transport=tls").ok());
  ASSERT_TRUE(tx.Send("t", Pkt("z")).ok());
  ASSERT_TRUE(WaitFor([&] { return tx.stats().tls_connect_failed.Get() >= 1; }));
  ASSERT_TRUE(WaitFor([&] { return rx.stats().tls_handshake_failed.Get() >= 1; }));
  EXPECT_EQ(rx.stats().decoded.Get(), 0);
}

}  // namespace
}  // namespace sipcapd::hep
