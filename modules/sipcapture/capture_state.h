// sipcapture's module state and the operations behind its script
// functions, PVs, MI command and HEP receive callback. One instance per
// loaded module, owned by ModuleExports::state. Thread-safety: cfg and
// store setup on the main thread; the handlers run on worker threads and
// only touch atomics, Stats, the BatchWriter and the message they get.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/base/stats.h"
#include "core/module/module_api.h"
#include "modules/sipcapture/capture_config.h"
#include "modules/sipcapture/capture_raw_socket.h"
#include "modules/sipcapture/capture_store.h"
#include "modules/sipcapture/hep_bridge.h"

namespace sipcapd::sipcapture {

struct State {
  Config cfg;
  std::atomic<int> capture_on{0};
  CaptureStore store;
  std::unique_ptr<HepBridge> hep;
  RawStats raw_stats;
  std::unique_ptr<RawCapture> raw;  // raw_ipip/raw_moni capture (opened at init)
  Registrar* reg = nullptr;
  bool needs_db = false;     // a function that stores is used, or hep_route=none
  std::string needs_db_why;  // the first reason (for the startup error)
  void NeedsDb(const char* why) {
    if (!needs_db) needs_db_why = why;
    needs_db = true;
  }

  Stat captured_requests, captured_replies, captured_other, capture_off_drops, db_drops,
      not_hep_drops, non_sip_stored, non_sip_dropped, relayed, relay_errors;

  // The HEP packet of ctx (false: not HEP or no proto_hep).
  bool Hep(MsgContext& ctx, HepView* out) { return hep && hep->View(ctx, out); }

  // sip_capture(): 1 stored (queued), -1 not.
  int SipCapture(MsgContext& ctx, const std::string& table, const std::string custom[3]);
  // report_capture(): 1 / -1. proto_type < 0: from the packet.
  int ReportCapture(MsgContext& ctx, const std::string& table, const std::string& corr,
                    int proto_type);
  // Stores a non-SIP HEP payload by proto type (store_non_sip) or counts it.
  void NonSip(MsgContext& ctx, const HepView& hv);
  // A datagram captured from the raw socket: runs the SIP routes with
  // $si/$sp/$Ri/$Rp from the packet (as OpenSIPS' receive_msg).
  void OnRaw(RawUdp& u, int64_t now_us);
  // The HEP receive callback (hep_route semantics).
  HepVerdict OnHep(MsgContext& ctx);
  // Feeds the HEP payload to the SIP routes, with $si/$sp... from the chunks.
  void RunSip(MsgContext& ctx, const HepView& hv);
};

// Per-message flag set by hep_resume_sip().
class ResumeSip : public MsgExtension {
 public:
  std::unique_ptr<MsgExtension> Clone() const override { return std::make_unique<ResumeSip>(); }
};
inline constexpr const char* kResumeKey = "sipcapture.resume_sip";

}  // namespace sipcapd::sipcapture
