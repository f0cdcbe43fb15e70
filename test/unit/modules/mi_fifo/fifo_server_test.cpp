// link: mi_fifo_logic
#include "modules/mi_fifo/fifo_server.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/mi/core_mi.h"

namespace sipcapd::mi_fifo {
namespace {

namespace fs = std::filesystem;

class FifoServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mi_fifo_test_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    hooks_.stats = &stats_;
    hooks_.processes = [] { return std::vector<std::pair<int, std::string>>{{1, "main"}}; };
    ASSERT_TRUE(RegisterCoreMi(registry_, hooks_).ok());
    stats_.Create("core", "rcv_requests")->Set(11);
    opts_.fifo_name = dir_ + "/opensips_fifo";
    opts_.reply_dir = dir_;  // no trailing '/': Open() adds it
    opts_.fifo_mode = 0600;
    opts_.retry_wait = std::chrono::milliseconds(20);
    opts_.write_timeout = std::chrono::milliseconds(200);
    opts_.recheck_period = std::chrono::milliseconds(100);
  }
  void TearDown() override {
    StopServer();
    fs::remove_all(dir_);
  }

  void StartServer() {
    server_ = std::make_unique<FifoServer>(opts_, &dispatcher_);
    Status s = server_->Open();
    ASSERT_TRUE(s.ok()) << s.message();
    thread_ = std::thread([this] { server_->Serve(stop_); });
  }
  void StopServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (server_) server_->Close();
  }

  // Writes `request` to the server FIFO and returns what arrives on the
  // reply FIFO `name` until the writer closes it (bounded in time).
  std::string Ask(const std::string& request, const std::string& name) {
    std::string reply_path = dir_ + "/" + name;
    unlink(reply_path.c_str());
    EXPECT_EQ(mkfifo(reply_path.c_str(), 0600), 0);
    int rfd = open(reply_path.c_str(), O_RDONLY | O_NONBLOCK);
    EXPECT_GE(rfd, 0);
    Send(request);
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    bool got_any = false;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{rfd, POLLIN, 0};
      poll(&p, 1, 100);
      char buf[4096];
      ssize_t n = read(rfd, buf, sizeof(buf));
      if (n > 0) {
        out.append(buf, static_cast<size_t>(n));
        got_any = true;
      } else if (n == 0 && got_any) {
        break;  // writer closed after writing
      }
    }
    close(rfd);
    unlink(reply_path.c_str());
    return out;
  }
  void Send(const std::string& bytes) {
    int wfd = open(opts_.fifo_name.c_str(), O_WRONLY);
    ASSERT_GE(wfd, 0);
    ASSERT_EQ(write(wfd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    close(wfd);
  }

  std::string dir_;
  Registry registry_;
  StatsRegistry stats_;
  CoreMiHooks hooks_;
  MiDispatcher dispatcher_{registry_};
  FifoOptions opts_;
  std::unique_ptr<FifoServer> server_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

TEST_F(FifoServerTest, CreatesFifoWithModeAndRemovesIt) {
  StartServer();
  struct stat st {};
  ASSERT_EQ(lstat(opts_.fifo_name.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  StopServer();
  EXPECT_NE(lstat(opts_.fifo_name.c_str(), &st), 0);
}

TEST_F(FifoServerTest, RefusesANonFifoPathButReplacesAStaleFifo) {
  { std::ofstream(opts_.fifo_name) << "data"; }
  FifoServer s(opts_, &dispatcher_);
  Status st = s.Open();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("not a FIFO"), std::string::npos);
  unlink(opts_.fifo_name.c_str());
  ASSERT_EQ(mkfifo(opts_.fifo_name.c_str(), 0644), 0);
  StartServer();
  struct stat sb {};
  ASSERT_EQ(lstat(opts_.fifo_name.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u);
}

TEST_F(FifoServerTest, TextProtocol) {
  StartServer();
  EXPECT_EQ(Ask(":get_statistics:r1\ncore:rcv_requests\n\n", "r1"),
            "200 OK\ncore:rcv_requests:: 11\n\n");
  EXPECT_EQ(Ask(":nosuch:r2\n\n", "r2"), "500 command 'nosuch' not available\n\n");
  EXPECT_EQ(Ask(":ps:r3\n\n", "r3"), "200 OK\nProcess::  ID=0 PID=1 Type=main\n\n");
}

TEST_F(FifoServerTest, JsonRpcProtocol) {
  StartServer();
  EXPECT_EQ(
      Ask(R"(:r4:{"jsonrpc":"2.0","method":"get_statistics","id":"5672","params":[["core:"]]})",
          "r4"),
      R"({"jsonrpc":"2.0","result":{"core:rcv_requests":11},"id":"5672"})");
  EXPECT_EQ(Ask(R"(:r5:{"jsonrpc":"2.0","method":"x","id":1})", "r5"),
            R"({"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"},"id":1})");
  EXPECT_EQ(Ask(R"(:r6:{"jsonrpc":"2.0", broken})", "r6"),
            R"({"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"},"id":null})");
}

TEST_F(FifoServerTest, HostileInputLeavesItServing) {
  StartServer();
  Send("garbage without colon\n\x01\x02\xff\n");
  Send(std::string(70000, 'A') + "\n");
  Send(":which:../../etc/passwd\n\n");
  Send(":which:no_such_reply_fifo\n\n");  // nobody listens: bounded retries
  // A client that creates its reply FIFO but never opens it.
  std::string lazy = dir_ + "/lazy";
  ASSERT_EQ(mkfifo(lazy.c_str(), 0600), 0);
  Send(":which:lazy\n\n");
  // A reply "FIFO" that is a symlink must not be followed.
  std::string target = dir_ + "/target";
  { std::ofstream(target) << ""; }
  ASSERT_EQ(symlink(target.c_str(), (dir_ + "/link").c_str()), 0);
  Send(":which:link\n\n");
  EXPECT_EQ(Ask(":get_statistics:ok1\nrcv_requests\n\n", "ok1"),
            "200 OK\ncore:rcv_requests:: 11\n\n");
  EXPECT_EQ(fs::file_size(target), 0u);
  EXPECT_EQ(Ask("::ok2\n\n", "ok2"), "400 Parse error in command ''\n\n");
  EXPECT_EQ(Ask(":get_statistics:ok3\n\"never closed\n\n", "ok3"),
            "400 Parse error in command 'get_statistics'\n\n");
}

TEST_F(FifoServerTest, SeveralClientsAtOnce) {
  StartServer();
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int i = 0; i < 4; ++i)
    clients.emplace_back([this, i, &good] {
      for (int k = 0; k < 5; ++k) {
        std::string name = "c" + std::to_string(i) + "_" + std::to_string(k);
        if (Ask(":get_statistics:" + name + "\nrcv_requests\n\n", name) ==
            "200 OK\ncore:rcv_requests:: 11\n\n")
          ++good;
      }
    });
  for (auto& t : clients) t.join();
  EXPECT_EQ(good.load(), 20);
}

TEST_F(FifoServerTest, RecreatesADeletedFifo) {
  StartServer();
  unlink(opts_.fifo_name.c_str());
  struct stat st {};
  for (int i = 0; i < 50 && lstat(opts_.fifo_name.c_str(), &st) != 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_EQ(lstat(opts_.fifo_name.c_str(), &st), 0);
  EXPECT_EQ(Ask(":get_statistics:again\nrcv_requests\n\n", "again"),
            "200 OK\ncore:rcv_requests:: 11\n\n");
}

TEST(FifoMode, Parse) {
  EXPECT_EQ(*ParseFifoMode("0600"), 0600u);
  EXPECT_EQ(*ParseFifoMode("660"), 0660u);
  EXPECT_FALSE(ParseFifoMode("0689").ok());
  EXPECT_FALSE(ParseFifoMode("").ok());
  EXPECT_FALSE(ParseFifoMode("7777").ok());
  EXPECT_EQ(*ResolveUser("0"), 0u);
  EXPECT_EQ(*ResolveUser("root"), 0u);
  EXPECT_FALSE(ResolveGroup("no_such_group_xyz").ok());
}

}  // namespace
}  // namespace sipcapd::mi_fifo
