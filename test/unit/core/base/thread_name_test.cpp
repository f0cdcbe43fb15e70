#include "core/base/thread_name.h"

#include <gtest/gtest.h>
#include <sys/types.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <thread>

namespace sipcapd {
namespace {

std::string KernelName() {  // the calling thread's name as ps / top show it
  std::ifstream f("/proc/self/task/" + std::to_string(gettid()) + "/comm");
  std::string s;
  std::getline(f, s);
  return s;
}

TEST(ThreadName, SuffixAlwaysFitsTheKernelsFifteenBytes) {
  EXPECT_EQ(ThreadName("udp", 1), "udp#1");
  EXPECT_EQ(ThreadName("hep_udp", 12), "hep_udp#12");
  EXPECT_EQ(ThreadName("timer"), "timer");
  // Long bases are cut, not the rank: workers stay told apart.
  EXPECT_EQ(ThreadName("sipcapture-db", 3), "sipcapture-db#3");
  EXPECT_EQ(ThreadName("sipcapture-spool", 3), "sipcapture-sp#3");
  EXPECT_EQ(ThreadName("sipcapture-spool", 3).size(), kThreadNameMax);
  EXPECT_EQ(ThreadName("a-very-long-process-name", 100), "a-very-long#100");
}

TEST(ThreadName, SetsTheKernelNameOfTheCallingThreadOnly) {
  std::string main_before = KernelName();
  std::string inside;
  std::thread t([&] {
    SetThreadName("hep>collector-one");  // 17 bytes: cut to 15
    inside = KernelName();
  });
  t.join();
  EXPECT_EQ(inside, "hep>collector-o");
  EXPECT_EQ(KernelName(), main_before);
}

}  // namespace
}  // namespace sipcapd
