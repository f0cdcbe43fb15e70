// link: proto_hep_logic
// The hep_tls listener on loopback with a PKI generated at test time: HEP
// over TLS received with its HepNet, frames split across TLS records at
// every byte boundary and many frames per record, client certificate
// required (missing / signed by another CA → rejected and counted), plain
// HEP on the TLS port and TLS on the plain hep_tcp port (log line +
// counter), handshake timeout, stall timeout and caps over TLS, IPv6.
#include <gtest/gtest.h>

#include "test/unit/modules/proto_hep/hep_tls_test_util.h"

namespace sipcapd::hep {
namespace {
using namespace tlstest;

class HepTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(Pki::Get().Ok()) << Pki::Get().error();
    ASSERT_TRUE(svc_.Finalize().ok());
    got_.Attach(svc_);
  }
  std::string Cert(const char* n) const { return Pki::Get().Path(std::string(n) + ".crt"); }
  std::string Key(const char* n) const { return Pki::Get().Path(std::string(n) + ".key"); }
  HepStats& st() { return svc_.stats(); }
  HepService svc_;
  Got got_;
};

TEST_F(HepTls, ReceivesHepOverTlsWithHepNet) {
  TcpListenOptions o = TlsOptions(false);
  o.workers = 2;
  Running run(svc_, o);
  ASSERT_TRUE(run.ok);
  EXPECT_EQ(run.listener->Name(), "hep_tls:127.0.0.1:" + std::to_string(run.port()));
  TlsClient c(run.port(), "", "");
  ASSERT_TRUE(c.handshake_ok());
  ASSERT_TRUE(c.Write(Frame(1) + Frame(2)));
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 2; })) << got_.size();
  {
    std::lock_guard<std::mutex> l(got_.mu);
    EXPECT_EQ(got_.payloads[0], Sip(1));
    EXPECT_EQ(got_.payloads[1], Sip(2));
    EXPECT_EQ(got_.nets[0].proto, Proto::kHepTls);
    EXPECT_EQ(got_.nets[0].src.ip.ToString(), "127.0.0.1");
    EXPECT_EQ(got_.nets[0].dst.port, run.port());
    EXPECT_EQ(got_.nets[0].listener, run.listener->Name());
  }
  EXPECT_EQ(st().tls_accepted.Get(), 1);
  EXPECT_EQ(st().tcp_accepted.Get(), 1);
  EXPECT_EQ(st().tcp_current.Get(), 1);
  EXPECT_EQ(st().tls_handshake_failed.Get(), 0);
}

TEST_F(HepTls, FramesSplitAcrossTlsRecords) {
  Running run(svc_, TlsOptions(false));
  ASSERT_TRUE(run.ok);
  TlsClient c(run.port(), "", "");
  ASSERT_TRUE(c.handshake_ok());
  // Every cut of two frames, each piece its own TLS record: splits inside
  // the 6-byte header, inside chunks and at the frame boundary.
  std::string two = Frame(1) + Frame(2);
  size_t expected = 0;
  for (size_t cut = 1; cut < two.size(); ++cut) {
    ASSERT_TRUE(c.Write(two.substr(0, cut)));
    ASSERT_TRUE(c.Write(two.substr(cut)));
    expected += 2;
  }
  // One record per byte.
  std::string f = Frame(3);
  for (char ch : f) ASSERT_TRUE(c.Write(std::string(1, ch)));
  ++expected;
  // 300 frames in records of 16 KiB (many frames per record, frames cut at
  // record boundaries), then a 65535-byte frame spanning 4+ records.
  std::string many;
  for (int i = 0; i < 300; ++i) many += Frame(i);
  for (size_t off = 0; off < many.size(); off += 16384)
    ASSERT_TRUE(c.Write(many.substr(off, 16384)));
  expected += 300;
  std::string big_payload(65535 - 12, 'x');
  std::string big = testing::Hep3({testing::Ch(15, big_payload)});
  ASSERT_EQ(big.size(), 65535u);
  for (size_t off = 0; off < big.size(); off += 16384) ASSERT_TRUE(c.Write(big.substr(off, 16384)));
  ++expected;
  ASSERT_TRUE(WaitFor([&] { return got_.size() == expected; })) << got_.size() << "/" << expected;
  std::lock_guard<std::mutex> l(got_.mu);
  size_t k = 0;
  for (size_t cut = 1; cut < two.size(); ++cut) {
    ASSERT_EQ(got_.payloads[k++], Sip(1)) << cut;
    ASSERT_EQ(got_.payloads[k++], Sip(2)) << cut;
  }
  EXPECT_EQ(got_.payloads[k++], Sip(3));
  for (int i = 0; i < 300; ++i) ASSERT_EQ(got_.payloads[k++], Sip(i));
  EXPECT_EQ(got_.payloads[k++], big_payload);
  EXPECT_EQ(st().tcp_garbage.Get(), 0);
  EXPECT_EQ(st().tls_accepted.Get(), 1);
}

TEST_F(HepTls, ClientCertificateRequired) {
  Running run(svc_, TlsOptions(true));
  ASSERT_TRUE(run.ok);
  StderrCapture log;
  // No certificate: TLS 1.3 completes on the client side, then the server
  // aborts; whatever the client wrote is never delivered.
  {
    TlsClient c(run.port(), "", "");
    if (c.handshake_ok()) c.Write(Frame(1));
    EXPECT_TRUE(c.ServerClosed(3000));
  }
  ASSERT_TRUE(WaitFor([&] { return st().tls_cert_rejected.Get() == 1; }));
  // Signed by another CA.
  {
    TlsClient c(run.port(), Cert("rogue"), Key("rogue"));
    if (c.handshake_ok()) c.Write(Frame(2));
    EXPECT_TRUE(c.ServerClosed(3000));
  }
  ASSERT_TRUE(WaitFor([&] { return st().tls_cert_rejected.Get() == 2; }))
      << st().tls_cert_rejected.Get();
  // The right certificate.
  TlsClient ok(run.port(), Cert("client"), Key("client"));
  ASSERT_TRUE(ok.handshake_ok());
  ASSERT_TRUE(ok.Write(Frame(3)));
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 1; }));
  log.Restore();
  std::string text = log.Text();
  EXPECT_NE(text.find("client certificate missing"), std::string::npos) << text;
  EXPECT_NE(text.find("client certificate rejected"), std::string::npos) << text;
  std::lock_guard<std::mutex> l(got_.mu);
  EXPECT_EQ(got_.payloads, std::vector<std::string>{Sip(3)});
  EXPECT_EQ(st().tls_accepted.Get(), 1);
  EXPECT_EQ(st().tls_handshake_failed.Get(), 0);
}

TEST_F(HepTls, PlainHepOnTheTlsPort) {
  Running run(svc_, TlsOptions(false));
  ASSERT_TRUE(run.ok);
  StderrCapture log;
  int fd = TcpConnect(run.port());
  ASSERT_GE(fd, 0);
  std::string f = Frame(1);
  ASSERT_EQ(send(fd, f.data(), f.size(), MSG_NOSIGNAL), static_cast<ssize_t>(f.size()));
  char b[64];
  EXPECT_LE(recv(fd, b, sizeof(b), 0), 0);  // closed, nothing answered
  close(fd);
  ASSERT_TRUE(WaitFor([&] { return st().tls_plain_hep.Get() == 1; }));
  // HEPv2 (first byte 0x02) is plain HEP too; an HTTP request is garbage.
  fd = TcpConnect(run.port());
  ASSERT_EQ(send(fd, "\x02\x10\x02\x11", 4, MSG_NOSIGNAL), 4);
  EXPECT_LE(recv(fd, b, sizeof(b), 0), 0);
  close(fd);
  fd = TcpConnect(run.port());
  ASSERT_EQ(send(fd, "GET / HTTP/1.0\r\n\r\n", 18, MSG_NOSIGNAL), 18);
  EXPECT_LE(recv(fd, b, sizeof(b), 0), 0);
  close(fd);
  ASSERT_TRUE(WaitFor([&] { return st().tcp_garbage.Get() == 1; }));
  log.Restore();
  std::string text = log.Text();
  EXPECT_NE(text.find("plain HEP (first byte 0x48) from 127.0.0.1"), std::string::npos) << text;
  EXPECT_NE(text.find("on the TLS port"), std::string::npos) << text;
  EXPECT_NE(text.find("not a TLS handshake (first byte 0x47)"), std::string::npos) << text;
  EXPECT_EQ(st().tls_plain_hep.Get(), 2);
  EXPECT_EQ(got_.size(), 0u);
  EXPECT_EQ(st().tls_accepted.Get(), 0);
}

TEST_F(HepTls, TlsOnThePlainTcpPortKeepsItsLogLine) {
  Running run(svc_, TcpListenOptions{});
  ASSERT_TRUE(run.ok);
  StderrCapture log;
  {
    TlsClient c(run.port(), "", "");
    EXPECT_FALSE(c.handshake_ok());
  }
  ASSERT_TRUE(WaitFor([&] { return st().tcp_garbage.Get() == 1; }));
  log.Restore();
  std::string text = log.Text();
  EXPECT_NE(text.find("TLS handshake on the plain hep_tcp port (use hep_tls)"), std::string::npos)
      << text;
  EXPECT_EQ(st().tls_plain_hep.Get(), 0);
}

TEST_F(HepTls, HandshakeTimeoutAndStallOverTls) {
  TcpListenOptions o = TlsOptions(false);
  o.handshake_timeout_ms = 300;
  o.stall_timeout_ms = 300;
  Running run(svc_, o);
  ASSERT_TRUE(run.ok);
  // Connects and says nothing; a second one stops inside the ClientHello.
  int silent = TcpConnect(run.port());
  int half = TcpConnect(run.port());
  ASSERT_EQ(send(half, "\x16\x03\x01", 3, MSG_NOSIGNAL), 3);
  char b[16];
  EXPECT_LE(recv(silent, b, sizeof(b), 0), 0);
  EXPECT_LE(recv(half, b, sizeof(b), 0), 0);
  close(silent);
  close(half);
  ASSERT_TRUE(WaitFor([&] { return st().tls_handshake_timeout.Get() == 2; }))
      << st().tls_handshake_timeout.Get();
  // Half a frame inside a completed session stalls.
  TlsClient c(run.port(), "", "");
  ASSERT_TRUE(c.handshake_ok());
  std::string f = Frame(1);
  ASSERT_TRUE(c.Write(f.substr(0, 10)));
  EXPECT_TRUE(c.ServerClosed(4000));
  ASSERT_TRUE(WaitFor([&] { return st().tcp_stalled.Get() == 1; }));
  EXPECT_EQ(got_.size(), 0u);
}

TEST_F(HepTls, PerIpCapAppliesBeforeTheHandshake) {
  TcpListenOptions o = TlsOptions(false);
  o.max_conns_per_ip = 2;
  Running run(svc_, o);
  ASSERT_TRUE(run.ok);
  TlsClient a(run.port(), "", ""), b(run.port(), "", "");
  ASSERT_TRUE(a.handshake_ok());
  ASSERT_TRUE(b.handshake_ok());
  TlsClient c(run.port(), "", "");
  EXPECT_FALSE(c.handshake_ok());
  ASSERT_TRUE(WaitFor([&] { return st().tcp_rejected.Get() == 1; }));
  ASSERT_TRUE(a.Write(Frame(5)));
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 1; }));
  EXPECT_EQ(run.listener->connections(), 2);
}

TEST_F(HepTls, Ipv6) {
  Running run(svc_, TlsOptions(false), "::1");
  if (!run.ok) GTEST_SKIP() << "no IPv6 loopback on this host";
  TlsClient c(run.port(), "", "", "::1");
  ASSERT_TRUE(c.handshake_ok());
  ASSERT_TRUE(c.Write(Frame(7)));
  ASSERT_TRUE(WaitFor([&] { return got_.size() == 1; }));
  std::lock_guard<std::mutex> l(got_.mu);
  EXPECT_EQ(got_.nets[0].family, AF_INET6);
  EXPECT_EQ(got_.nets[0].listener, "hep_tls:[::1]:" + std::to_string(run.port()));
}

TEST(HepTlsContext, ServerNeedsCertificateAndCaForClientVerification) {
  ASSERT_TRUE(Pki::Get().Ok()) << Pki::Get().error();
  TlsParams p;
  EXPECT_FALSE(TlsContext::CreateServer(p).ok());
  p = ServerParams(true);
  p.ca_list.clear();
  auto r = TlsContext::CreateServer(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("tls_verify_client needs tls_ca_list"), std::string::npos);
  p = ServerParams(false);
  p.private_key = Pki::Get().Path("client.key");  // not the certificate's key
  r = TlsContext::CreateServer(p);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("private key"), std::string::npos) << r.status().message();
  p = ServerParams(false);
  p.certificate = "/nonexistent.pem";
  EXPECT_FALSE(TlsContext::CreateServer(p).ok());
  EXPECT_TRUE(TlsContext::CreateServer(ServerParams(true)).ok());
}

}  // namespace
}  // namespace sipcapd::hep
