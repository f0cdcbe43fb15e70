// MsgContext: everything about one message travelling through the script.
// Created by a transport worker (or a module: HEP receive, timer routes),
// owned by whoever created it, used by one thread at a time. Nothing about
// a message lives in globals.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/net/address.h"
#include "core/script/value.h"

namespace sipcapd {

namespace sip {
class Message;  // core/sip: lazily parsed SIP message
}

// Route types, bit values as OpenSIPS 2.4 route.h (functions declare a mask
// of the routes they may be called from; checked at cfg load).
enum RouteType : uint32_t {
  kRequestRoute = 1,
  kFailureRoute = 2,
  kOnReplyRoute = 4,
  kBranchRoute = 8,
  kErrorRoute = 16,
  kLocalRoute = 32,
  kStartupRoute = 64,
  kTimerRoute = 128,
  kEventRoute = 256,
  kAllRoutes = 511,
};
const char* RouteTypeName(uint32_t rt);  // "request_route", "onreply_route" ...

// A per-message attachment owned by a module (e.g. proto_hep's HEP context).
class MsgExtension {
 public:
  virtual ~MsgExtension() = default;
  virtual std::unique_ptr<MsgExtension> Clone() const = 0;
};

// $var(...) store: per worker thread, persists across messages (OpenSIPS
// keeps script vars per process).
using VarStore = std::unordered_map<std::string, Value>;

// $avp(...) store: per message; each name holds a stack of values, the
// newest at the back ($avp(x) reads the newest, $avp(x)[n] counts from it).
using AvpStore = std::unordered_map<std::string, std::vector<Value>>;

struct RecvInfo {
  SockAddr src;
  SockAddr dst;
  Proto proto = Proto::kNone;
  std::string listener;  // "udp:127.0.0.1:5060" of the socket it came in on
};

class MsgContext {
 public:
  MsgContext() = default;
  MsgContext(const MsgContext&) = delete;
  MsgContext& operator=(const MsgContext&) = delete;
  MsgContext(MsgContext&&) = default;
  MsgContext& operator=(MsgContext&&) = default;

  // A copy for async resumption: buffer, receive info, flags, AVPs,
  // rewritten URIs and cloned extensions; the SIP message is re-parsed lazily.
  std::unique_ptr<MsgContext> Clone() const;

  std::string buf;  // raw message bytes
  RecvInfo rcv;
  int64_t recv_time_us = 0;  // wall clock at receive (or from HEP)
  uint32_t route_type = kRequestRoute;
  uint64_t flags = 0;  // script flags (setflag/isflagset)
  AvpStore avps;
  VarStore* vars = nullptr;  // the worker's $var store (never null while running)
  int64_t last_retcode = 0;  // $retcode / $rc

  // SIP layer (core/sip) state.
  std::shared_ptr<sip::Message> sip;  // parsed lazily from buf
  std::string new_ruri;               // $ru written (empty: unchanged)
  std::string dst_uri;                // $du
  bool ruri_changed = false;

  // Module attachments.
  std::unique_ptr<MsgExtension> hep;  // proto_hep's HepContext when it came as HEP
  std::map<std::string, std::unique_ptr<MsgExtension>> ext;
};

}  // namespace sipcapd
