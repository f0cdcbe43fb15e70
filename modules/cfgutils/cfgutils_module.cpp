// cfgutils: rand_event() (true with the current probability, percent),
// rand_set_prob(p), rand_reset_prob(), rand_get_prob() (returns it, or -1
// for 0), sleep(s), usleep(us) (capped at 60 s so a bad value cannot park a
// worker forever), check_time(from, to): true when the local time of day is
// within [from, to) given as "HH:MM" (wraps over midnight).
// Params: initial_probability (10).
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <thread>

#include "core/module/module_api.h"

namespace sipcapd::cfgutils {
namespace {

constexpr int64_t kMaxSleepUs = 60LL * 1000 * 1000;

struct State {
  int initial_probability = 10;
  std::atomic<int> probability{10};
};

int RandPercent() {
  thread_local std::mt19937 gen{std::random_device{}()};
  return std::uniform_int_distribution<int>(0, 99)(gen);
}

// "HH:MM" -> minutes since midnight, -1 if bad.
int ParseHm(const std::string& s) {
  int h = -1, m = -1;
  char extra;
  if (sscanf(s.c_str(), "%d:%d%c", &h, &m, &extra) != 2 || h < 0 || h > 23 || m < 0 || m > 59)
    return -1;
  return h * 60 + m;
}

int SleepUs(int64_t us) {
  if (us < 0) return -1;
  if (us > kMaxSleepUs) us = kMaxSleepUs;
  std::this_thread::sleep_for(std::chrono::microseconds(us));
  return 1;
}

ModuleExports* Create() {
  auto* m = new ModuleExports;
  auto st = std::make_shared<State>();
  m->name = "cfgutils";
  m->state = st;
  m->params = {IntParam("initial_probability", &st->initial_probability)};
  m->init = [st](Registrar&) -> Status {
    if (st->initial_probability < 0 || st->initial_probability > 100)
      return Status::Invalid("initial_probability must be 0..100");
    st->probability = st->initial_probability;
    return Status::Ok();
  };
  FunctionExport ev;
  ev.name = "rand_event";
  ev.fn = [st](MsgContext&, const CallArgs&) {
    return RandPercent() < st->probability.load() ? 1 : -1;
  };
  FunctionExport set;
  set.name = "rand_set_prob";
  set.args = {ArgSpec{ArgType::kInt}};
  set.fn = [st](MsgContext&, const CallArgs& a) -> int {
    int64_t p;
    if (!a.GetInt(0, &p) || p < 0 || p > 100) return -1;
    st->probability = static_cast<int>(p);
    return 1;
  };
  FunctionExport reset;
  reset.name = "rand_reset_prob";
  reset.fn = [st](MsgContext&, const CallArgs&) {
    st->probability = st->initial_probability;
    return 1;
  };
  FunctionExport get;
  get.name = "rand_get_prob";
  get.fn = [st](MsgContext&, const CallArgs&) {
    int p = st->probability.load();
    return p > 0 ? p : -1;
  };
  FunctionExport sl;
  sl.name = "sleep";
  sl.args = {ArgSpec{ArgType::kInt}};
  sl.fn = [](MsgContext&, const CallArgs& a) -> int {
    int64_t s;
    return a.GetInt(0, &s) && s >= 0 ? SleepUs(s * 1000000) : -1;
  };
  FunctionExport us;
  us.name = "usleep";
  us.args = {ArgSpec{ArgType::kInt}};
  us.fn = [](MsgContext&, const CallArgs& a) -> int {
    int64_t v;
    return a.GetInt(0, &v) ? SleepUs(v) : -1;
  };
  FunctionExport ct;
  ct.name = "check_time";
  ct.args = {ArgSpec{ArgType::kStr}, ArgSpec{ArgType::kStr}};
  ct.fn = [](MsgContext&, const CallArgs& a) -> int {
    int from = ParseHm(a.Str(0)), to = ParseHm(a.Str(1));
    if (from < 0 || to < 0) return -1;
    time_t now = time(nullptr);
    tm lt;
    localtime_r(&now, &lt);
    int cur = lt.tm_hour * 60 + lt.tm_min;
    bool in = from <= to ? (cur >= from && cur < to) : (cur >= from || cur < to);
    return in ? 1 : -1;
  };
  m->functions = {ev, set, reset, get, sl, us, ct};
  return m;
}

}  // namespace
}  // namespace sipcapd::cfgutils

SIPCAPD_MODULE("cfgutils", ::sipcapd::cfgutils::Create);
