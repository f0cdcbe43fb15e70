// Tracer: the siptrace module state. Holds the trace ids (each a list of
// destinations with an on/off state), the global trace_on flag and the
// senders, and traces one message to every destination of an id.
//
// Destinations:
//   HEP, hep_id name : through a HepOut handed in by the module (proto_hep's
//                      HepApi); an unknown name is a startup error.
//   HEP, inline      : encoded here (hep::Encode) and queued on a UdpSender
//                      (transport=udp), or the HepOut's ad-hoc sender.
//   SIP              : the raw message queued on a UdpSender.
//   DB               : a row of the sip_trace table queued on a BatchWriter
//                      (driver service "db_driver:<scheme>").
// Nothing on the tracing path blocks: every sender queues and drops with a
// counter.
//
// Thread-safety: AddDest/Start/Stop on the main thread before/after
// workers; Trace*, the MI setters and Describe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/stats.h"
#include "core/db/batch_writer.h"
#include "modules/proto_hep/hep_api.h"
#include "modules/proto_hep/hep_codec.h"
#include "modules/siptrace/trace_context.h"
#include "modules/siptrace/trace_id.h"
#include "modules/siptrace/trace_record.h"
#include "modules/siptrace/udp_sender.h"

namespace sipcapd::siptrace {

// Traced types (sip_trace's third argument).
enum TraceType : uint32_t { kTypeSip = 1, kTypeXlog = 2, kTypeRest = 4 };
// Parses "sip|xlog|rest" (prefix match per token, case-insensitive);
// unknown tokens are listed in *unknown. 0 when nothing matched.
uint32_t ParseTypes(std::string_view text, std::string* unknown);

enum class Scope { kMessage = 'm', kTransaction = 't', kDialog = 'd' };
// Highest of the flags wins (d > t > m); spaces ignored; error otherwise.
Result<Scope> ParseScope(std::string_view text);

// How HEP packets reach a collector through proto_hep (HepApi adapter).
class HepOut {
 public:
  virtual ~HepOut() = default;
  // True if a hep_id of that name exists.
  virtual bool HasHepId(const std::string& name) = 0;
  // Queues a packet for a named hep_id; never blocks; false if dropped.
  virtual bool SendTo(const std::string& hep_id, const hep::Packet& p) = 0;
  virtual uint32_t capture_id() = 0;
  // "ip:port" of a hep_id (the MI uri attribute).
  virtual std::string HepIdUri(const std::string& name) = 0;
  // Inline (2.2 form) destinations as ad-hoc proto_hep destinations.
  // SendInline must be given the same TraceDest object AddInline was.
  virtual Status AddInline(const TraceDest& d) = 0;
  virtual bool SendInline(const TraceDest& d, const hep::Packet& p) = 0;
  // Payload parts and extra correlation per proto_hep's homer5_on
  // (HepApi::Encapsulate). The default is the HOMER5 form with the ":"
  // delimiter (used when proto_hep is not loaded).
  virtual void Encapsulate(hep::Packet* p, const hep::KeyValues& parts,
                           const hep::KeyValues& extra);
  // True when Encapsulate puts a lone payload part into the payload as it
  // is (the HOMER5 form): a traced message then needs no encapsulation.
  virtual bool homer5() { return true; }
  // The proto_hep destination of a HEP TraceDest (a hep_id, or the ad-hoc
  // one AddInline made for it), resolved once at Start for SendView;
  // nullptr when this HepOut has none (the tracer then uses SendTo /
  // SendInline).
  virtual const hep::Destination* Resolve(const TraceDest&) { return nullptr; }
  // Queues a packet viewing the caller's data for a resolved destination;
  // never blocks; false if dropped.
  virtual bool SendView(const hep::Destination&, const hep::PacketView&) { return false; }
};

// The HOMER5 form with the ":" delimiter (proto_hep's default settings).
void Homer5Encapsulate(hep::Packet* p, const hep::KeyValues& parts, const hep::KeyValues& extra);

struct TracerOptions {
  bool trace_on = true;
  std::optional<LocalIp> local_ip;
  uint32_t capture_id = 1;           // used when there is no HepOut
  std::vector<std::string> columns;  // the 14 column names, insert order
  std::string spool_dir;             // BatchWriter spool (empty: none)
};

std::vector<std::string> DefaultColumns();

struct TracerStats {
  Stat traced_requests, traced_replies, dropped, not_traced_off, hep_encode_errors;
  Stat traced_xlog;  // xlog lines sent (one per line and trace id)
};

class Tracer {
 public:
  explicit Tracer(TracerOptions opts) : opts_(std::move(opts)) {}
  ~Tracer();

  TracerOptions& options() { return opts_; }
  // Adds a parsed destination (exact duplicates are ignored, like OpenSIPS).
  void AddDest(TraceDest d);
  bool HasId(const std::string& id) const;
  bool HasType(DestType t) const;

  // Resolves hep_id names (hep may be null when no hep: id uses a name),
  // opens DB writers (find_driver returns the Driver for a scheme) and
  // starts senders. Errors name the offending trace id.
  Status Start(HepOut* hep, const std::function<db::Driver*(const std::string&)>& find_driver,
               StatsRegistry* stats);
  void Stop();

  // Traces the current message of ctx ("in") to every destination of `id`
  // that is on, if the global flag is on. Returns 1 when traced, -1 when
  // the id is unknown or nothing could be queued.
  int TraceMessage(MsgContext& ctx, const std::string& id, uint32_t types,
                   const std::string& attrs);
  // A traced SIP message as views of data the caller holds.
  struct MsgView {
    std::string_view msg, callid;
    Proto proto = Proto::kUdp;
    SockAddr from, to;
    int64_t time_us = 0;
    bool is_request = true;
  };
  // The fast path of the tm/dialog hooks: when every destination of `id`
  // is a HEP one resolved through proto_hep in HOMER5 mode, the packet is
  // encoded straight from the views (no TraceRecord, no Packet, no copy
  // but into the wire bytes) and the result is that of TraceRecordTo on
  // the same message. nullopt (nothing done) when the id needs
  // TraceRecordTo: a SIP or DB destination, no proto_hep, HOMER6
  // encapsulation, or an unknown id.
  std::optional<int> TraceHepView(const MsgView& v, const std::string& id);
  // Traces a prepared record (used by the tm/dialog hooks and tests).
  // When every destination of `id` is a HEP one, the HEP packet takes the
  // message out of `r` (no copy).
  int TraceRecordTo(TraceRecord r, const std::string& id, bool is_request);

  // A non-SIP event (xlog ...) to every HEP destination of `id` that is
  // on (SIP and DB destinations never get events), if the global flag is
  // on. `parts` / `extra` are applied with HepOut::Encapsulate. 1 when
  // queued somewhere, 0 when no HEP destination of the id is on (or
  // tracing is off globally), -1 when the id is unknown or all dropped.
  int TraceEvent(const std::string& id, hep::Packet p, const hep::KeyValues& parts,
                 const hep::KeyValues& extra);

  // The xlog hook: a line printed by xlog() for ctx is sent as a log HEP
  // packet (proto type 100, ip proto TCP, src = dst = the local socket the
  // message came in on, payload parts "Event" = level name and "text" =
  // the line, correlation 0x11 and extra correlation "sip" = Call-ID) to
  // each trace id following ctx with the xlog type.
  void TraceXlog(MsgContext& ctx, int level, std::string_view line);
  TraceContexts& contexts() { return contexts_; }

  // MI.
  bool global_on() const { return global_on_.load(); }
  void SetGlobal(bool on) { global_on_.store(on); }
  bool SetIdState(const std::string& id, bool on);  // false: unknown id
  struct DestView {
    std::string id, type, uri, state;
  };
  std::vector<DestView> Describe(const std::string& only_id = "") const;

  const TracerStats& stats() const { return stats_; }
  // Waits until every sender and writer has drained (tests, shutdown).
  bool WaitIdle(std::chrono::milliseconds timeout);

 private:
  struct Dest {
    TraceDest spec;
    std::atomic<bool> on{true};
    std::unique_ptr<UdpSender> udp;           // SIP and inline HEP/UDP
    std::shared_ptr<db::BatchWriter> writer;  // DB (shared per URL)
    int table_id = -1;
    const hep::Destination* hep_dest = nullptr;  // HEP: HepOut::Resolve
    // Set on every destination of an id whose destinations all have a
    // hep_dest: TraceHepView may send its messages.
    bool id_views = false;
  };
  bool SendOne(Dest& d, const TraceRecord& r, const std::optional<hep::Packet>& pkt);

  TracerOptions opts_;
  std::vector<std::unique_ptr<Dest>> dests_;  // declaration order, grouped by id
  std::map<std::string, std::shared_ptr<db::BatchWriter>> writers_;
  HepOut* hep_ = nullptr;
  std::atomic<bool> global_on_{true};
  TracerStats stats_;
  StatsRegistry* registry_ = nullptr;
  TraceContexts contexts_;
};

}  // namespace sipcapd::siptrace
