#include "modules/siptrace/trace_context.h"

#include <algorithm>

#include "core/sip/msg_helpers.h"

namespace sipcapd::siptrace {
namespace {

constexpr const char* kExtKey = "siptrace";

class TraceMark : public MsgExtension {
 public:
  std::vector<ContextTrace> traces;
  std::unique_ptr<MsgExtension> Clone() const override {
    return std::make_unique<TraceMark>(*this);
  }
};

void AddUnique(std::vector<ContextTrace>* v, const ContextTrace& t) {
  for (auto& e : *v)
    if (e.id == t.id) {
      e.types |= t.types;
      return;
    }
  v->push_back(t);
}

}  // namespace

void TraceContexts::MarkMessage(MsgContext& ctx, const std::string& id, uint32_t types) {
  auto& slot = ctx.ext[kExtKey];
  if (!slot) slot = std::make_unique<TraceMark>();
  // ext[kExtKey] only ever holds a TraceMark (static_cast: see hep_api.h).
  AddUnique(&static_cast<TraceMark*>(slot.get())->traces, ContextTrace{id, types});
}

void TraceContexts::SweepLocked(Clock::time_point now) {
  if (now - last_sweep_ < std::chrono::seconds(10)) return;
  last_sweep_ = now;
  for (auto it = calls_.begin(); it != calls_.end();) {
    auto& v = it->second;
    v.erase(std::remove_if(v.begin(), v.end(), [now](const Entry& e) { return e.expires <= now; }),
            v.end());
    it = v.empty() ? calls_.erase(it) : std::next(it);
  }
  count_.store(calls_.size(), std::memory_order_relaxed);
}

void TraceContexts::AddCall(const std::string& callid, const ContextTrace& t, Clock::duration ttl) {
  if (callid.empty()) return;
  auto now = Clock::now();
  std::lock_guard<std::mutex> l(mu_);
  SweepLocked(now);
  auto& v = calls_[callid];
  auto it = std::find_if(v.begin(), v.end(), [&](const Entry& e) { return e.t.id == t.id; });
  if (it == v.end()) it = v.insert(v.end(), Entry{t, 0, now + ttl});
  it->t.types |= t.types;
  it->refs++;
  it->expires = std::max(it->expires, now + ttl);
  count_.store(calls_.size(), std::memory_order_relaxed);
}

void TraceContexts::ReleaseCall(const std::string& callid, const std::string& id) {
  std::lock_guard<std::mutex> l(mu_);
  auto c = calls_.find(callid);
  if (c == calls_.end()) return;
  auto& v = c->second;
  auto it = std::find_if(v.begin(), v.end(), [&](const Entry& e) { return e.t.id == id; });
  if (it != v.end() && --it->refs <= 0) v.erase(it);
  if (v.empty()) calls_.erase(c);
  count_.store(calls_.size(), std::memory_order_relaxed);
}

std::vector<ContextTrace> TraceContexts::Lookup(MsgContext& ctx) {
  std::vector<ContextTrace> out;
  auto m = ctx.ext.find(kExtKey);
  if (m != ctx.ext.end() && m->second)
    for (const auto& t : static_cast<TraceMark*>(m->second.get())->traces) AddUnique(&out, t);
  if (calls() == 0) return out;
  const sip::Message* msg = sip::Parsed(ctx);
  if (!msg) return out;
  std::string callid(sip::CallId(*msg));
  auto now = Clock::now();
  std::lock_guard<std::mutex> l(mu_);
  auto c = calls_.find(callid);
  if (c == calls_.end()) return out;
  for (const auto& e : c->second)
    if (e.expires > now) AddUnique(&out, e.t);
  return out;
}

}  // namespace sipcapd::siptrace
