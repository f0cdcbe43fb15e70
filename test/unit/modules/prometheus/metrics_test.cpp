// link: prometheus_logic
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "modules/prometheus/metrics_format.h"
#include "modules/prometheus/metrics_http.h"

namespace sipcapd::prometheus {
namespace {

TEST(MetricsFormat, NamesTypesAndValues) {
  StatsRegistry reg;
  reg.Create("core", "rcv_requests")->Set(12);
  reg.Create("sipcapture", "queue-depth", kStatNoReset)->Set(3);
  std::string text = RenderMetrics(reg.All());
  EXPECT_EQ(text,
            "# HELP sipcapd_core_rcv_requests sipcapd statistic core:rcv_requests\n"
            "# TYPE sipcapd_core_rcv_requests counter\n"
            "sipcapd_core_rcv_requests 12\n"
            "# HELP sipcapd_sipcapture_queue_depth sipcapd statistic sipcapture:queue-depth\n"
            "# TYPE sipcapd_sipcapture_queue_depth gauge\n"
            "sipcapd_sipcapture_queue_depth 3\n");
  EXPECT_EQ(MetricName("", "1g", "a.b"), "_1g_a_b");
}

TEST(MetricsFormat, CollidingNamesAppearOnce) {
  StatsRegistry reg;
  reg.Create("g", "a-b")->Set(1);
  reg.Create("g", "a.b")->Set(2);
  std::string text = RenderMetrics(reg.All());
  EXPECT_NE(text.find("\nsipcapd_g_a_b 1\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("\nsipcapd_g_a_b 2\n"), std::string::npos) << text;
}

TEST(Classify, Requests) {
  bool head = false;
  EXPECT_EQ(ClassifyRequest("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &head), 200);
  EXPECT_EQ(ClassifyRequest("GET /metrics?x=1 HTTP/1.0\n\n", &head), 200);
  EXPECT_EQ(ClassifyRequest("HEAD /metrics HTTP/1.1\r\n\r\n", &head), 200);
  EXPECT_TRUE(head);
  EXPECT_EQ(ClassifyRequest("GET /metrics HTTP/1.1\r\nHost: x\r\n", &head), 0);
  EXPECT_EQ(ClassifyRequest("GET / HTTP/1.1\r\n\r\n", &head), 404);
  EXPECT_EQ(ClassifyRequest("POST /metrics HTTP/1.1\r\n\r\n", &head), 405);
  EXPECT_EQ(ClassifyRequest("garbage\r\n\r\n", &head), 400);
  EXPECT_EQ(ClassifyRequest("GET /metrics FTP\r\n\r\n", &head), 400);
}

std::string Fetch(uint16_t port, const std::string& request) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string out;
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < end) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return out;
}

TEST(MetricsHttp, ServesAndSurvivesBadClients) {
  StatsRegistry reg;
  reg.Create("core", "rcv_requests")->Set(5);
  MetricsHttpServer server([&reg] { return RenderMetrics(reg.All()); });
  ASSERT_TRUE(server.Open("127.0.0.1", 0).ok());
  ASSERT_NE(server.port(), 0);
  std::atomic<bool> stop{false};
  std::thread t([&] { server.Serve(stop); });

  std::string r = Fetch(server.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\n\r\n# HELP sipcapd_core_rcv_requests"), std::string::npos) << r;
  EXPECT_NE(r.find("\nsipcapd_core_rcv_requests 5\n"), std::string::npos);
  EXPECT_EQ(Fetch(server.port(), "GET /x HTTP/1.1\r\n\r\n").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(Fetch(server.port(), std::string(20000, 'a')).rfind("HTTP/1.1 431", 0), 0u);
  // A client that connects and says nothing does not block others.
  int idle = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(server.port());
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  ASSERT_EQ(connect(idle, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  reg.Create("core", "rcv_requests")->Set(6);
  EXPECT_NE(
      Fetch(server.port(), "GET /metrics HTTP/1.0\r\n\r\n").find("sipcapd_core_rcv_requests 6\n"),
      std::string::npos);
  close(idle);
  stop = true;
  t.join();
}

}  // namespace
}  // namespace sipcapd::prometheus
