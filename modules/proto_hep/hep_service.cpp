// HepApi implementation (contract in hep_api.h / hep_service.h).
#include "modules/proto_hep/hep_service.h"

#include <cJSON.h>
#include <sys/time.h>

#include "core/base/log.h"

namespace sipcapd::hep {

HepService::HepService() : receiver_(std::make_unique<HepReceiver>(&stats_, ReceiverOptions{})) {}
HepService::~HepService() { StopSenders(); }

Status HepService::AddHepId(const std::string& text) {
  auto d = ParseHepId(text);
  if (!d.ok()) return d.status();
  if (FindDestination(d->name))
    return Status::Exists("HEP ID " + d->name + " redefined! Not allowed!");
  if (!d->warning.empty())
    LOG_WARN("proto_hep", "hep_id %s: %s", d->name.c_str(), d->warning.c_str());
  dests_.push_back(std::move(d.value()));
  return Status::Ok();
}

Status HepService::Finalize() {
  ReceiverOptions o;
  if (cfg_.hep_auth_check == "off")
    o.auth_mode = AuthMode::kOff;
  else if (cfg_.hep_auth_check == "log")
    o.auth_mode = AuthMode::kLog;
  else if (cfg_.hep_auth_check == "enforce")
    o.auth_mode = AuthMode::kEnforce;
  else
    return Status::Invalid("hep_auth_check must be off, log or enforce");
  if (o.auth_mode != AuthMode::kOff && cfg_.hep_auth_key.empty())
    return Status::Invalid("hep_auth_check needs hep_auth_key");
  if (cfg_.hep_capture_id < 0) return Status::Invalid("hep_capture_id must be >= 0");
  o.auth_key = cfg_.hep_auth_key;
  if (cfg_.hep_max_msg_chunks < 0) return Status::Invalid("hep_max_msg_chunks must be >= 0");
  if (cfg_.hep_dns_refresh < 0 || cfg_.hep_dns_refresh > 86400)
    return Status::Invalid("hep_dns_refresh must be 0..86400 (seconds)");
  o.decode.max_chunks = static_cast<size_t>(cfg_.hep_max_msg_chunks);
  if (cfg_.hep_spool_max_size <= 0) return Status::Invalid("hep_spool_max_size must be > 0");
  receiver_->set_options(o);
  auto tls = TlsContext::CreateClient(cfg_.tls);
  if (!tls.ok()) return tls.status();
  tls_client_ = std::move(tls.value());
  declared_count_ = dests_.size();
  declared_senders_ = std::make_unique<std::atomic<HepSender*>[]>(declared_count_);
  for (size_t i = 0; i < declared_count_; ++i) declared_senders_[i] = nullptr;
  // With spools, start the declared destinations now: a spool left by the
  // previous run is replayed without waiting for new traffic.
  if (!cfg_.hep_spool_dir.empty())
    for (const auto& d : dests_) SenderFor(d);
  return Status::Ok();
}

void HepService::RegisterReceiveCallback(ReceiveCallback cb) {
  receiver_->AddCallback(std::move(cb));
}

const Destination* HepService::FindDestination(std::string_view name) const {
  for (const auto& d : dests_)
    if (d.name == name) return &d;
  return nullptr;
}

Result<Destination> HepService::ParseDestination(std::string_view text) const {
  return ParseHepId(text, false);
}

Packet HepService::BuildPacket(const MsgContext& ctx, uint8_t proto_type) const {
  Packet p;
  p.SetAddresses(ctx.rcv.src, ctx.rcv.dst);
  p.ip_proto = IpProtoFromProto(ctx.rcv.proto);
  p.Mark(kChunkIpProto);
  int64_t us = ctx.recv_time_us;
  if (us == 0) {
    timeval tv;
    gettimeofday(&tv, nullptr);
    us = int64_t{tv.tv_sec} * 1000000 + tv.tv_usec;
  }
  p.ts_sec = static_cast<uint32_t>(us / 1000000);
  p.ts_usec = static_cast<uint32_t>(us % 1000000);
  p.Mark(kChunkTsSec);
  p.Mark(kChunkTsUsec);
  p.proto_type = proto_type;
  p.Mark(kChunkProtoType);
  p.capture_id = capture_id();
  p.Mark(kChunkCaptureId);
  p.payload = ctx.buf;
  p.Mark(kChunkPayload);
  p.compressed = cfg_.compressed_payload != 0;
  return p;
}

void HepService::Encapsulate(Packet* p, const KeyValues& parts, const KeyValues& extra) const {
  if (cfg_.homer5_on) {
    if (!parts.empty()) {
      std::string joined;
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i) joined += cfg_.homer5_delim;
        joined += parts[i].second;
      }
      p->payload = std::move(joined);
      p->Mark(kChunkPayload);
    }
    for (const auto& [k, v] : extra) {
      if (k.rfind("sip", 0) == 0) {
        p->correlation_id = v;
        p->Mark(kChunkCorrelationId);
      }
    }
    return;
  }
  auto to_json = [](const KeyValues& kv, bool pretty) {
    cJSON* o = cJSON_CreateObject();
    for (const auto& [k, v] : kv) cJSON_AddStringToObject(o, k.c_str(), v.c_str());
    char* s = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
    std::string r = s ? s : "{}";
    cJSON_free(s);
    cJSON_Delete(o);
    return r;
  };
  if (!parts.empty()) {
    p->payload = to_json(parts, true);
    p->Mark(kChunkPayload);
  }
  if (!extra.empty())
    p->extra.push_back({kVendorGeneric, kChunkExtraCorrelation, to_json(extra, false)});
}

namespace {
// What Destination::Key() is made of, without building it.
size_t AdHocHash(const Destination& d) {
  return std::hash<std::string_view>()(d.host) ^ (size_t{d.port} << 8) ^
         (static_cast<size_t>(d.transport) << 24) ^ (static_cast<size_t>(d.version) << 28);
}
bool SameTarget(const Destination& a, const Destination& b) {
  return a.port == b.port && a.transport == b.transport && a.version == b.version &&
         a.host == b.host;
}
}  // namespace

HepSender* HepService::SenderFor(const Destination& d) {
  std::atomic<HepSender*>* slot = nullptr;
  std::less<const Destination*> before;
  if (declared_count_ && !before(&d, dests_.data()) &&
      before(&d, dests_.data() + declared_count_)) {
    slot = &declared_senders_[static_cast<size_t>(&d - dests_.data())];
    if (HepSender* s = slot->load(std::memory_order_acquire)) return s;
  }
  std::atomic<const AdHocEntry*>* adhoc = nullptr;
  if (!slot) {
    adhoc = &adhoc_cache_[AdHocHash(d) % kAdHocSlots];
    const AdHocEntry* e = adhoc->load(std::memory_order_acquire);
    if (e && SameTarget(e->dest, d)) return e->sender;
  }
  std::string key = d.Key();
  std::lock_guard<std::mutex> l(senders_mu_);
  auto publish = [&](HepSender* s) {
    if (slot) slot->store(s, std::memory_order_release);
    if (adhoc && !adhoc->load(std::memory_order_relaxed)) {
      adhoc_entries_.push_back(std::make_unique<AdHocEntry>(AdHocEntry{d, s}));
      adhoc->store(adhoc_entries_.back().get(), std::memory_order_release);
    }
  };
  auto it = senders_.find(key);
  if (it != senders_.end()) {
    publish(it->second.get());
    return it->second.get();
  }
  SenderOptions o;
  o.queue_max = static_cast<size_t>(std::max(1, cfg_.hep_send_queue_size));
  o.connect_timeout_ms = std::max(1, cfg_.hep_connect_timeout);
  o.send_timeout_ms = std::max(1, cfg_.hep_send_timeout);
  o.dns_refresh_ms = std::max(0, cfg_.hep_dns_refresh) * 1000;
  if (d.transport == Transport::kTls) o.tls = tls_client_;
  o.spool.dir = cfg_.hep_spool_dir;
  o.spool.max_bytes = static_cast<uint64_t>(cfg_.hep_spool_max_size);
  auto s = std::make_unique<HepSender>(d, o, &stats_);
  HepSender* raw = s.get();
  senders_.emplace(key, std::move(s));
  publish(raw);
  return raw;
}

Status HepService::Send(const std::string& dest_name, const Packet& p) {
  const Destination* d = FindDestination(dest_name);
  if (!d) return Status::NotFound("unknown hep_id '" + dest_name + "'");
  return SendTo(*d, p);
}

template <class P>
Status HepService::EncodeAndQueue(const Destination& dest, const P& p) {
  // Encoded into a buffer the sender has already sent and handed back
  // (EnqueueSwap): a steady stream allocates nothing per packet.
  thread_local std::string bytes;
  Status st = Encode(p, dest.version, &bytes);
  if (!st.ok()) {
    stats_.send_errors.Inc();
    return st;
  }
  return Queue(dest, &bytes, true);
}

Status HepService::SendTo(const Destination& dest, const Packet& p) {
  return EncodeAndQueue(dest, p);
}

Status HepService::SendViewTo(const Destination& dest, const PacketView& p) {
  return EncodeAndQueue(dest, p);
}

Status HepService::SendRaw(const Destination& dest, std::string bytes) {
  return Queue(dest, &bytes, false);
}

Status HepService::Queue(const Destination& dest, std::string* bytes, bool swap) {
  if (dest.transport == Transport::kTls && !tls_client_)
    return Status::Unavailable("hep_id " + dest.name + ": TLS is not set up (init not run)");
  HepSender* s = SenderFor(dest);
  if (!(swap ? s->EnqueueSwap(bytes) : s->Enqueue(std::move(*bytes))))
    return Status::Unavailable("hep_id " + dest.name + ": send queue full");
  return Status::Ok();
}

void HepService::StopSenders() {
  std::lock_guard<std::mutex> l(senders_mu_);
  for (size_t i = 0; i < declared_count_; ++i) declared_senders_[i] = nullptr;
  for (auto& a : adhoc_cache_) a.store(nullptr, std::memory_order_release);
  senders_.clear();
}

}  // namespace sipcapd::hep
