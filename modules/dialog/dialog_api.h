// DialogApi: the typed service of the dialog module (published as
// kDialogApiName). Dialogs are created on an initial INVITE
// (create_dialog() or CreateDialog()), matched by Call-ID and tags, and
// followed through tm: their INVITE's replies move the state, in-dialog
// requests relayed by tm (and the 2xx ACK) are reported, a BYE or the
// timeout ends them.
// Thread-safety: any thread; callbacks run on the thread of the event
// (a SIP worker, the tm thread or the dialog timer).
#pragma once

#include <cstdint>
#include <functional>

#include "core/msg/msg_context.h"

namespace sipcapd::dialog {

inline constexpr const char* kDialogApiName = "DialogApi/1";

// OpenSIPS 2.4 state numbers ($DLG_status).
enum DlgState : int { kUnconfirmed = 1, kEarly = 2, kConfirmed = 4, kDeleted = 5 };

enum DlgCbType : uint32_t {
  kDlgcbCreated = 1,     // create_dialog() (req = the initial INVITE)
  kDlgcbReqWithin = 2,   // an in-dialog request except BYE (req = it)
  kDlgcbReply = 4,       // a reply to the initial INVITE received (req = null)
  kDlgcbTerminated = 8,  // BYE (req = it) or timeout (req = null)
};

struct DlgCbParams {
  uint32_t type = 0;
  uint64_t dlg_id = 0;
  MsgContext* req = nullptr;
  int code = 0;
  int state = 0;
};
using DlgCallback = std::function<void(const DlgCbParams&)>;

class DialogApi {
 public:
  virtual ~DialogApi() = default;
  // Creates the dialog of an initial INVITE in ctx (the existing one when
  // already created on ctx). A retransmission of the INVITE that created a
  // live dialog (same Call-ID, From tag and CSeq) gets that dialog, not a
  // second one that would never be confirmed; *retransmission (optional)
  // is then set, so callers do not attach their callbacks twice. 0 when
  // ctx is not an initial INVITE.
  virtual uint64_t CreateDialog(MsgContext& ctx, bool* retransmission = nullptr) = 0;
  // False when the dialog does not exist (any more).
  virtual bool RegisterCallback(uint64_t dlg_id, uint32_t mask, DlgCallback cb) = 0;
  // The dialog of ctx (created on it, or matched by Call-ID and tags); 0 if none.
  virtual uint64_t DialogOf(MsgContext& ctx) = 0;
};

}  // namespace sipcapd::dialog
