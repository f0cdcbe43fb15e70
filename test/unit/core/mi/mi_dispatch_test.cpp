#include "core/mi/mi_dispatch.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

#include "core/base/log.h"
#include "core/mi/core_mi.h"

namespace sipcapd {
namespace {

class MiDispatchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    hooks_.start_time = std::chrono::system_clock::now() - std::chrono::seconds(42);
    hooks_.processes = [] {
      return std::vector<std::pair<int, std::string>>{{100, "main"}, {101, "udp receiver"}};
    };
    hooks_.shutdown = [this] { shutdowns_++; };
    hooks_.stats = &stats_;
    ASSERT_TRUE(RegisterCoreMi(registry_, hooks_).ok());
    rcv_ = stats_.Create("core", "rcv_requests");
    stats_.Create("core", "drop_requests");
    stats_.Create("sipcapture", "captured");
    gauge_ = stats_.Create("core", "waiting", kStatNoReset);
    rcv_->Set(7);
    gauge_->Set(5);
    MiExport echo{"echo", "echoes its args", [](const MiParams& p) {
                    JsonPtr body(cJSON_CreateObject());
                    for (const auto& v : p.positional)
                      cJSON_AddStringToObject(body.get(), "arg", v.c_str());
                    for (const auto& [k, v] : p.named)
                      cJSON_AddStringToObject(body.get(), k.c_str(), v.c_str());
                    return MiResult::Ok(std::move(body));
                  }};
    ASSERT_TRUE(registry_.AddMi("test", echo).ok());
    ASSERT_TRUE(registry_
                    .AddMi("test", {"boom", "throws",
                                    [](const MiParams&) -> MiResult {
                                      throw std::runtime_error("kaboom");
                                    }})
                    .ok());
  }

  std::string Json(const std::string& method, const std::string& params = "",
                   const std::string& id = "1") {
    std::string req = R"({"jsonrpc":"2.0","method":")" + method + "\"";
    if (!params.empty()) req += ",\"params\":" + params;
    if (!id.empty()) req += ",\"id\":" + id;
    req += "}";
    bool reply = false;
    std::string out = dispatcher_.HandleJsonRpc(req, &reply);
    EXPECT_EQ(reply, !id.empty());
    return out;
  }

  Registry registry_;
  StatsRegistry stats_;
  CoreMiHooks hooks_;
  MiDispatcher dispatcher_{registry_};
  Stat* rcv_ = nullptr;
  Stat* gauge_ = nullptr;
  std::atomic<int> shutdowns_{0};
};

TEST_F(MiDispatchTest, UnknownCommand) {
  EXPECT_EQ(dispatcher_.HandleText("nope", ""), "500 command 'nope' not available\n\n");
  EXPECT_EQ(Json("nope"),
            R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1})");
}

TEST_F(MiDispatchTest, ParseErrorInArgs) {
  EXPECT_EQ(dispatcher_.HandleText("echo", "\"open\n"), "400 Parse error in command 'echo'\n\n");
}

TEST_F(MiDispatchTest, ThrowingHandlerIsContained) {
  EXPECT_EQ(dispatcher_.HandleText("boom", ""), "500 command 'boom' failed\n\n");
  EXPECT_EQ(Json("boom"), R"({"jsonrpc":"2.0","error":{"code":-32000,"message":"Server error",)"
                          R"("data":"Command handler returned null"},"id":1})");
}

TEST_F(MiDispatchTest, ArgsReachTheHandler) {
  EXPECT_EQ(dispatcher_.HandleText("echo", "on\nkey:: v\n"), "200 OK\narg:: on\nkey:: v\n\n");
  EXPECT_EQ(Json("echo", R"({"key":"v"})", "\"x\""),
            R"({"jsonrpc":"2.0","result":{"key":"v"},"id":"x"})");
}

TEST_F(MiDispatchTest, NotificationGetsNoReply) { EXPECT_EQ(Json("version", "", ""), ""); }

TEST_F(MiDispatchTest, Version) {
  std::string t = dispatcher_.HandleText("version", "");
  EXPECT_EQ(t.rfind("200 OK\nServer:: sipcapd (", 0), 0u) << t;
  EXPECT_NE(Json("version").find(R"("result":{"Server":"sipcapd ()"), std::string::npos);
}

TEST_F(MiDispatchTest, Uptime) {
  std::string t = dispatcher_.HandleText("uptime", "");
  EXPECT_NE(t.find("\nNow:: "), std::string::npos) << t;
  EXPECT_NE(t.find("\nUp since:: "), std::string::npos) << t;
  EXPECT_TRUE(t.find("\nUp time:: 42 [sec]\n") != std::string::npos ||
              t.find("\nUp time:: 43 [sec]\n") != std::string::npos)
      << t;
}

TEST_F(MiDispatchTest, WhichListsEveryCommand) {
  std::string t = dispatcher_.HandleText("which", "");
  for (const char* c : {"\nversion\n", "\nuptime\n", "\nwhich\n", "\nhelp\n", "\nlist\n", "\nps\n",
                        "\nget_statistics\n", "\nreset_statistics\n", "\nlog_level\n", "\nkill\n",
                        "\nshutdown\n", "\necho\n"})
    EXPECT_NE(t.find(c), std::string::npos) << c;
  EXPECT_EQ(dispatcher_.HandleText("list", ""), t);
  EXPECT_EQ(dispatcher_.HandleText("help", "echo\n"), "200 OK\nHelp:: echoes its args\n\n");
  EXPECT_NE(Json("which").find(R"("result":["boom",)"), std::string::npos);
}

TEST_F(MiDispatchTest, Ps) {
  EXPECT_EQ(
      dispatcher_.HandleText("ps", ""),
      "200 OK\nProcess::  ID=0 PID=100 Type=main\nProcess::  ID=1 PID=101 Type=udp receiver\n\n");
  EXPECT_EQ(Json("ps"), R"({"jsonrpc":"2.0","result":{"Process":[{"ID":0,"PID":100,"Type":"main"},)"
                        R"({"ID":1,"PID":101,"Type":"udp receiver"}]},"id":1})");
}

TEST_F(MiDispatchTest, GetStatistics) {
  EXPECT_EQ(dispatcher_.HandleText("get_statistics", "all\n"),
            "200 OK\ncore:drop_requests:: 0\ncore:rcv_requests:: 7\ncore:waiting:: 5\n"
            "sipcapture:captured:: 0\n\n");
  EXPECT_EQ(dispatcher_.HandleText("get_statistics", "sipcapture:\nrcv_requests\n"),
            "200 OK\nsipcapture:captured:: 0\ncore:rcv_requests:: 7\n\n");
  EXPECT_EQ(dispatcher_.HandleText("get_statistics", "core:rcv_requests\n"),
            "200 OK\ncore:rcv_requests:: 7\n\n");
  EXPECT_EQ(dispatcher_.HandleText("get_statistics", "nosuch\n"), "404 Statistics Not Found\n\n");
  EXPECT_EQ(dispatcher_.HandleText("get_statistics", ""), "400 Too few or too many arguments\n\n");
  EXPECT_EQ(Json("get_statistics", R"([["core:rcv_requests","sipcapture:"]])"),
            R"({"jsonrpc":"2.0","result":{"core:rcv_requests":7,"sipcapture:captured":0},"id":1})");
  EXPECT_EQ(Json("get_statistics", R"({"statistics":["core:rcv_requests"]})"),
            R"({"jsonrpc":"2.0","result":{"core:rcv_requests":7},"id":1})");
  EXPECT_EQ(Json("get_statistics", "[]"),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params",)"
            R"("data":"Too few or too many parameters"},"id":1})");
}

TEST_F(MiDispatchTest, ResetStatisticsKeepsGauges) {
  EXPECT_EQ(dispatcher_.HandleText("reset_statistics", "all\n"), "200 OK\n\n");
  EXPECT_EQ(rcv_->Get(), 0);
  EXPECT_EQ(gauge_->Get(), 5);
  rcv_->Set(3);
  EXPECT_EQ(Json("reset_statistics", R"(["rcv_requests"])"),
            R"({"jsonrpc":"2.0","result":"OK","id":1})");
  EXPECT_EQ(rcv_->Get(), 0);
  EXPECT_EQ(dispatcher_.HandleText("reset_statistics", ""),
            "400 Too few or too many arguments\n\n");
}

TEST_F(MiDispatchTest, LogLevelGetAndSet) {
  int saved = Log::level();
  EXPECT_EQ(dispatcher_.HandleText("log_level", "L_DBG\n"), "200 OK\nNew global log level:: 4\n\n");
  EXPECT_EQ(Log::level(), 4);
  EXPECT_EQ(dispatcher_.HandleText("log_level", "-1\n"), "200 OK\nNew global log level:: -1\n\n");
  EXPECT_EQ(Log::level(), -1);
  EXPECT_EQ(dispatcher_.HandleText("log_level", ""),
            "200 OK\nProcess::  PID=100 Log level=-1\nProcess::  PID=101 Log level=-1\n\n");
  EXPECT_EQ(dispatcher_.HandleText("log_level", "loud\n"), "400 Bad parameter\n\n");
  EXPECT_EQ(dispatcher_.HandleText("log_level", "9\n"), "400 Bad parameter\n\n");
  EXPECT_EQ(Log::level(), -1);
  Log::set_level(saved);
}

TEST_F(MiDispatchTest, KillCallsTheShutdownHook) {
  EXPECT_EQ(dispatcher_.HandleText("kill", ""), "200 OK\n\n");
  EXPECT_EQ(Json("shutdown"), R"({"jsonrpc":"2.0","result":"OK","id":1})");
  EXPECT_EQ(shutdowns_.load(), 2);
}

TEST_F(MiDispatchTest, ObserversSeeEveryCall) {
  std::vector<std::string> seen;
  dispatcher_.AddObserver([&seen](const MiCallInfo& c) {
    seen.push_back(std::string(c.command) + "/" + std::string(c.backend) + "/" +
                   std::to_string(c.result.code));
  });
  dispatcher_.HandleText("version", "");
  dispatcher_.HandleText("nope", "");
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], "version/fifo/200");
  EXPECT_EQ(seen[1], "nope/fifo/500");
}

TEST_F(MiDispatchTest, DuplicateRegistrationFails) {
  EXPECT_FALSE(RegisterCoreMi(registry_, hooks_).ok());
}

}  // namespace
}  // namespace sipcapd
