// HepService: proto_hep's module state and the HepApi implementation.
// Holds the parameters, the hep_id destinations, the receive pipeline and
// the per-destination senders (created lazily, keyed by Destination::Key()).
// Thread-safety: configuration (params, AddHepId, RegisterReceiveCallback)
// happens on the main thread before workers start; the rest is thread-safe.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "modules/proto_hep/hep_api.h"
#include "modules/proto_hep/hep_receiver.h"
#include "modules/proto_hep/hep_sender.h"
#include "modules/proto_hep/hep_tls.h"

namespace sipcapd::hep {

struct ProtoHepConfig {
  int hep_port = 9060;
  int hep_send_timeout = 100;   // ms, per write
  int hep_max_msg_chunks = 32;  // chunks per received HEPv3 packet (0: no limit)
  int hep_async = 1;
  int hep_async_max_postponed_chunks = 32;
  int hep_async_local_connect_timeout = 100;
  int hep_async_local_write_timeout = 10;
  int hep_async_max_timeout = 0;
  int hep_capture_id = 1;
  int homer5_on = 1;
  std::string homer5_delim = ":";
  int compressed_payload = 0;
  // Our own.
  std::string hep_auth_key;
  std::string hep_auth_check = "off";  // off | log | enforce
  int hep_rcvbuf = 0;
  int hep_connect_timeout = 1000;           // ms
  int hep_dns_refresh = 30;                 // s: senders re-resolve host names (0: at connect only)
  int hep_send_queue_size = 10000;          // packets per destination
  std::string hep_spool_dir;                // per-destination disk spools (empty: none)
  int64_t hep_spool_max_size = 64ll << 20;  // bytes per destination spool
  int hep_tcp_max_connections = 2048;
  int hep_tcp_max_connections_per_ip = 64;
  int hep_tcp_idle_timeout = 600;  // s
  int hep_tcp_stall_timeout = 10;  // s
  TlsParams tls;                   // tls_* (hep_tls listener, transport=tls)
};

class HepService : public HepApi {
 public:
  HepService();
  ~HepService() override;

  ProtoHepConfig& config() { return cfg_; }
  HepStats& stats() { return stats_; }
  Status AddHepId(const std::string& text);
  // Applies the params to the receiver and builds the TLS client context
  // (call from init).
  Status Finalize();
  HepReceiver& receiver() { return *receiver_; }

  // HepApi
  void RegisterReceiveCallback(ReceiveCallback cb) override;
  const Destination* FindDestination(std::string_view name) const override;
  Result<Destination> ParseDestination(std::string_view text) const override;
  Packet BuildPacket(const MsgContext& ctx, uint8_t proto_type) const override;
  void Encapsulate(Packet* p, const KeyValues& parts, const KeyValues& extra) const override;
  Status Send(const std::string& dest_name, const Packet& p) override;
  Status SendTo(const Destination& dest, const Packet& p) override;
  Status SendViewTo(const Destination& dest, const PacketView& p) override;
  Status SendRaw(const Destination& dest, std::string bytes) override;
  int homer_version() const override { return cfg_.homer5_on ? 5 : 6; }
  const std::string& homer5_delim() const override { return cfg_.homer5_delim; }
  uint32_t capture_id() const override { return static_cast<uint32_t>(cfg_.hep_capture_id); }

  void StopSenders();

 private:
  HepSender* SenderFor(const Destination& d);
  // Queues *bytes on dest's sender; with swap (SendTo's thread-local
  // buffer) a sent buffer comes back in *bytes.
  Status Queue(const Destination& dest, std::string* bytes, bool swap);
  // SendTo / SendViewTo: encodes p (Packet or PacketView) and queues it.
  template <class P>
  Status EncodeAndQueue(const Destination& dest, const P& p);

  ProtoHepConfig cfg_;
  HepStats stats_;
  std::unique_ptr<HepReceiver> receiver_;
  std::vector<Destination> dests_;
  std::shared_ptr<const TlsContext> tls_client_;  // senders with transport=tls
  std::mutex senders_mu_;
  std::map<std::string, std::unique_ptr<HepSender>> senders_;
  // The sender of each hep_id declared before Finalize (dests_ is frozen
  // then), by index: found without building its key or taking the lock.
  std::unique_ptr<std::atomic<HepSender*>[]> declared_senders_;
  size_t declared_count_ = 0;
  // Ad-hoc destinations (siptrace's inline ids, sipcapture's HEP relay
  // URIs, correlate()) by a hash of host, port, transport and version:
  // the first destination to take a slot keeps it, so a steady stream to
  // one target finds its sender without building the key or taking
  // senders_mu_; a colliding one uses the locked path. Entries live as
  // long as the service (at most kAdHocSlots of them).
  struct AdHocEntry {
    Destination dest;
    HepSender* sender;
  };
  static constexpr size_t kAdHocSlots = 64;
  std::array<std::atomic<const AdHocEntry*>, kAdHocSlots> adhoc_cache_{};
  std::vector<std::unique_ptr<AdHocEntry>> adhoc_entries_;  // under senders_mu_
};

}  // namespace sipcapd::hep
