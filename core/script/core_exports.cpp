#include "core/script/core_exports.h"

#include <time.h>
#include <unistd.h>

#include <any>

#include "core/base/log.h"

namespace sipcapd {

std::atomic<bool> XlogHook::active_{false};

namespace {

XlogHook::Observer& XlogObserver() {
  static XlogHook::Observer observer;
  return observer;
}

}  // namespace

void XlogHook::Set(Observer observer) {
  XlogObserver() = std::move(observer);
  active_.store(static_cast<bool>(XlogObserver()), std::memory_order_release);
}

void XlogHook::Notify(MsgContext& ctx, int level, std::string_view line) {
  if (!active()) return;
  const Observer& o = XlogObserver();
  if (o) o(ctx, level, line);
}

namespace {

// ---------------------------------------------------------------- functions

// xlog([level,] fmt): one argument is the format.
int Xlog(MsgContext& ctx, const CallArgs& a) {
  int level = kLogErr;
  size_t fmt_i = 0;
  if (a.Has(1)) {
    fmt_i = 1;
    std::string ls = a.Str(0);
    if (!ParseLogLevel(ls, &level)) {
      LOG_ERR("script", "xlog: unknown log level '%s'", ls.c_str());
      level = kLogErr;
    }
  }
  if (!Log::enabled(level)) return 1;
  std::string text = a.Str(fmt_i);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  Log::Write(level, "script", text);
  if (XlogHook::active()) XlogHook::Notify(ctx, level, text);
  return 1;
}

// log([level,] text): level is a number or a level name.
int LogFn(MsgContext& ctx, const CallArgs& a) {
  int level = kLogErr;
  size_t text_i = 0;
  if (a.Has(1)) {
    text_i = 1;
    Value lv = a.Get(0);
    if (auto n = lv.AsInt()) {
      level = static_cast<int>(*n);
    } else if (!ParseLogLevel(lv.AsString(), &level)) {
      level = kLogErr;
    }
  }
  if (!Log::enabled(level)) return 1;
  std::string text = a.Str(text_i);
  if (!text.empty() && text.back() == '\n') text.pop_back();
  Log::Write(level, "script", text);
  return 1;
}

Status FlagFixup(const Value& v, std::any& out) {
  auto n = v.AsInt();
  if (!n || *n < 0 || *n > 63) return Status::Invalid("flag must be 0..63");
  out = static_cast<int>(*n);
  return Status::Ok();
}

bool FlagArg(const CallArgs& a, int* flag) {
  if (const int* f = a.FixedAs<int>(0)) {
    *flag = *f;
    return true;
  }
  int64_t n;
  if (!a.GetInt(0, &n) || n < 0 || n > 63) {
    LOG_ERR("script", "flag out of range (0..63)");
    return false;
  }
  *flag = static_cast<int>(n);
  return true;
}

std::vector<ArgSpec> FlagArgs() {
  ArgSpec s;
  s.type = ArgType::kInt;
  s.fixup = FlagFixup;
  return {s};
}

// --------------------------------------------------------------------- PVs

Value VarGet(MsgContext& ctx, const PvArgs& a) {
  if (!ctx.vars) return Value();
  auto it = ctx.vars->find(a.name);
  return it == ctx.vars->end() ? Value() : it->second;
}

Status VarSet(MsgContext& ctx, const PvArgs& a, const Value& v, bool) {
  if (!ctx.vars) return Status::Internal("no $var store");
  if (v.is_null())
    ctx.vars->erase(a.name);
  else
    (*ctx.vars)[a.name] = v;
  return Status::Ok();
}

// Index n counts from the newest value (0 = newest); negative from the oldest.
long AvpIndex(const std::vector<Value>& vals, const PvArgs& a) {
  long n = static_cast<long>(vals.size());
  long i = a.has_index ? a.index : 0;
  long pos = i >= 0 ? n - 1 - i : -i - 1;
  return pos >= 0 && pos < n ? pos : -1;
}

Value AvpGet(MsgContext& ctx, const PvArgs& a) {
  auto it = ctx.avps.find(a.name);
  if (it == ctx.avps.end() || it->second.empty()) return Value();
  long p = AvpIndex(it->second, a);
  return p < 0 ? Value() : it->second[p];
}

Status AvpSet(MsgContext& ctx, const PvArgs& a, const Value& v, bool replace) {
  auto& vals = ctx.avps[a.name];
  if (a.has_index) {
    long p = AvpIndex(vals, a);
    if (p < 0) return Status::NotFound("no such AVP index");
    if (v.is_null())
      vals.erase(vals.begin() + p);
    else
      vals[p] = v;
  } else if (v.is_null()) {
    vals.clear();
  } else {
    if (replace) vals.clear();
    vals.push_back(v);
  }
  if (vals.empty()) ctx.avps.erase(a.name);
  return Status::Ok();
}

std::string FormatNow(const char* fmt) {
  time_t now = time(nullptr);
  struct tm tmv;
  localtime_r(&now, &tmv);
  char buf[512];
  size_t n = strftime(buf, sizeof buf, fmt, &tmv);
  return std::string(buf, n);
}

PvExport ReadOnly(std::string name, std::function<Value(MsgContext&, const PvArgs&)> get) {
  PvExport p;
  p.name = std::move(name);
  p.get = std::move(get);
  return p;
}

}  // namespace

Status RegisterCoreExports(Registry& reg) {
  std::vector<FunctionExport> fns;
  {
    ArgSpec a, b;
    a.type = ArgType::kStr;
    b.type = ArgType::kStr;
    b.optional = true;
    fns.push_back({"xlog", {a, b}, kAllRoutes, Xlog, nullptr});
    ArgSpec la;
    la.type = ArgType::kAny;
    fns.push_back({"log", {la, b}, kAllRoutes, LogFn, nullptr});
  }
  fns.push_back({"setflag", FlagArgs(), kAllRoutes,
                 [](MsgContext& ctx, const CallArgs& a) {
                   int f;
                   if (!FlagArg(a, &f)) return -1;
                   ctx.flags |= (uint64_t{1} << f);
                   return 1;
                 },
                 nullptr});
  fns.push_back({"resetflag", FlagArgs(), kAllRoutes,
                 [](MsgContext& ctx, const CallArgs& a) {
                   int f;
                   if (!FlagArg(a, &f)) return -1;
                   ctx.flags &= ~(uint64_t{1} << f);
                   return 1;
                 },
                 nullptr});
  fns.push_back({"isflagset", FlagArgs(), kAllRoutes,
                 [](MsgContext& ctx, const CallArgs& a) {
                   int f;
                   if (!FlagArg(a, &f)) return -1;
                   return (ctx.flags >> f) & 1 ? 1 : -1;
                 },
                 nullptr});
  for (const auto& f : fns) SIPCAPD_RETURN_IF_ERROR(reg.AddFunction("core", f));

  std::vector<PvExport> pvs;
  PvExport var;
  var.name = "var";
  var.name_mode = PvExport::NameMode::kRequired;
  var.get = VarGet;
  var.set = VarSet;
  pvs.push_back(var);
  PvExport avp;
  avp.name = "avp";
  avp.name_mode = PvExport::NameMode::kRequired;
  avp.get = AvpGet;
  avp.set = AvpSet;
  pvs.push_back(avp);
  pvs.push_back(ReadOnly("Ts", [](MsgContext&, const PvArgs&) {
    return Value::Int(static_cast<int64_t>(time(nullptr)));
  }));
  pvs.push_back(ReadOnly("Tf", [](MsgContext&, const PvArgs&) {
    time_t now = time(nullptr);
    char buf[64];
    if (!ctime_r(&now, buf)) return Value();
    std::string s(buf);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return Value::Str(s);
  }));
  PvExport tm = ReadOnly(
      "time", [](MsgContext&, const PvArgs& a) { return Value::Str(FormatNow(a.name.c_str())); });
  tm.name_mode = PvExport::NameMode::kRequired;
  pvs.push_back(tm);
  pvs.push_back(ReadOnly(
      "pp", [](MsgContext&, const PvArgs&) { return Value::Int(static_cast<int64_t>(getpid())); }));
  auto rc = [](MsgContext& ctx, const PvArgs&) { return Value::Int(ctx.last_retcode); };
  pvs.push_back(ReadOnly("retcode", rc));
  pvs.push_back(ReadOnly("rc", rc));
  for (const auto& p : pvs) SIPCAPD_RETURN_IF_ERROR(reg.AddPv("core", p));
  return Status::Ok();
}

}  // namespace sipcapd
