// link: dialog_logic
#include "modules/dialog/dialog_core.h"

#include <gtest/gtest.h>

#include <map>

#include "test/unit/modules/tm/fake_tm_api.h"

namespace sipcapd::dialog {
namespace {

// tm's part: the callbacks are kept, replies fired by the test.
class FakeTm : public tm::testing::FakeTmApi {
 public:
  void Reply(int code, const std::string& msg) {
    tm::TmCbParams p;
    p.type = tm::kTmcbReplyIn;
    p.is_request = false;
    p.code = code;
    p.msg = msg;
    Fire(p);
  }
};

MsgContext Ctx(const std::string& method, const std::string& from_tag, const std::string& to_tag,
               const std::string& callid = "call-1") {
  MsgContext c;
  c.buf =
      method +
      " sip:b@h SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@h>;tag=" + from_tag +
      "\r\nTo: <sip:b@h>" + (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\nCall-ID: " + callid +
      "\r\nCSeq: 1 " + method + "\r\nContent-Length: 0\r\n\r\n";
  return c;
}
std::string Reply(int code, const std::string& to_tag) {
  return "SIP/2.0 " + std::to_string(code) +
         " X\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n"
         "From: <sip:a@h>;tag=ft\r\nTo: <sip:b@h>;tag=" +
         to_tag + "\r\nCall-ID: call-1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

TEST(DialogCore, LifecycleAndCallbacks) {
  FakeTm tm;
  DialogCore d(&tm, 10);
  MsgContext inv = Ctx("INVITE", "ft", "");
  uint64_t id = d.CreateDialog(inv);
  ASSERT_NE(id, 0u);
  EXPECT_EQ(d.CreateDialog(inv), id);  // idempotent on the same message
  EXPECT_EQ(d.State(inv), kUnconfirmed);
  std::vector<std::string> events;
  ASSERT_TRUE(d.RegisterCallback(
      id, kDlgcbReqWithin | kDlgcbReply | kDlgcbTerminated, [&](const DlgCbParams& p) {
        events.push_back(std::to_string(p.type) + ":" + std::to_string(p.code) + ":" +
                         std::to_string(p.state));
      }));
  tm.Reply(180, Reply(180, "tt"));
  EXPECT_EQ(d.State(inv), kEarly);
  tm.Reply(200, Reply(200, "tt"));
  EXPECT_EQ(d.State(inv), kConfirmed);
  // in-dialog requests both ways; a foreign one does not match
  MsgContext reinv = Ctx("INVITE", "ft", "tt");
  EXPECT_EQ(d.DialogOf(reinv), id);
  d.OnRequest(reinv);
  MsgContext rev = Ctx("INFO", "tt", "ft");
  d.OnRequest(rev);
  MsgContext other = Ctx("INFO", "ft", "zz", "call-2");
  EXPECT_EQ(d.DialogOf(other), 0u);
  d.OnRequest(other);
  MsgContext bye = Ctx("BYE", "tt", "ft");
  d.OnRequest(bye);
  EXPECT_EQ(d.Size(), 0u);
  EXPECT_EQ(d.DialogOf(bye), 0u);
  std::vector<std::string> want = {"4:180:2", "4:200:4", "2:0:4", "2:0:4", "8:0:5"};
  EXPECT_EQ(events, want);
}

TEST(DialogCore, FailedCallDeletedAndNonInviteRefused) {
  FakeTm tm;
  DialogCore d(&tm, 10);
  MsgContext opt = Ctx("OPTIONS", "ft", "");
  EXPECT_EQ(d.CreateDialog(opt), 0u);
  MsgContext inv = Ctx("INVITE", "ft", "");
  ASSERT_NE(d.CreateDialog(inv), 0u);
  tm.Reply(486, Reply(486, "tt"));
  EXPECT_EQ(d.Size(), 0u);
}

TEST(DialogCore, Timeout) {
  FakeTm tm;
  DialogCore d(&tm, 1);
  MsgContext inv = Ctx("INVITE", "ft", "");
  uint64_t id = d.CreateDialog(inv);
  int terminated = 0;
  d.RegisterCallback(id, kDlgcbTerminated, [&](const DlgCbParams& p) {
    EXPECT_EQ(p.req, nullptr);
    ++terminated;
  });
  tm.Reply(200, Reply(200, "tt"));
  d.Expire(DlgNowMs());  // not yet
  EXPECT_EQ(terminated, 0);
  d.Expire(DlgNowMs() + 1500);
  EXPECT_EQ(terminated, 1);
  EXPECT_EQ(d.Size(), 0u);
}

// One expiry entry per dialog: a dialog ended by BYE before its
// timeout has its timeout replaced by the linger (one entry), is not ended
// again when the old timeout time comes, still matches its late ACK during
// the linger, and goes after it, leaving no entry.
TEST(DialogCore, TimeoutReplacedByLinger) {
  FakeTm tm;
  DialogCore d(&tm, 1);
  MsgContext inv = Ctx("INVITE", "ft", "");
  uint64_t id = d.CreateDialog(inv);
  ASSERT_NE(id, 0u);
  int terminated = 0, within = 0;
  ASSERT_TRUE(d.RegisterCallback(id, kDlgcbTerminated | kDlgcbReqWithin, [&](const DlgCbParams& p) {
    if (p.type == kDlgcbTerminated) ++terminated;
    if (p.type == kDlgcbReqWithin) ++within;
  }));
  tm.Reply(200, Reply(200, "tt"));
  EXPECT_EQ(d.ExpiryEntries(), 1u);  // the timeout
  MsgContext bye = Ctx("BYE", "ft", "tt");
  d.OnRequest(bye);
  EXPECT_EQ(terminated, 1);
  // The linger replaced the timeout: with the 12 h default, entries kept
  // for ended dialogs would pile up for 12 h.
  EXPECT_EQ(d.ExpiryEntries(), 1u);
  d.Expire(DlgNowMs() + 1500);  // the 1 s timeout: replaced by the linger
  EXPECT_EQ(terminated, 1);
  MsgContext ack = Ctx("ACK", "ft", "tt");
  d.OnRequest(ack);
  EXPECT_EQ(within, 1);  // still there
  d.Expire(DlgNowMs() + DialogCore::kDeletedLingerMs + 1000);
  EXPECT_FALSE(d.RegisterCallback(id, kDlgcbReqWithin, [](const DlgCbParams&) {}));
  EXPECT_EQ(d.ExpiryEntries(), 0u);
}

// The expiry wheel (one list per 100 ms slot, linked through the
// dialogs): several dialogs in one slot, one of them moved out by its
// BYE's linger from the middle; nothing expires before it is due, even in
// the slot of the current time; each dialog ends once, then goes.
TEST(DialogCore, ExpiryWheelSlotHoldsSeveralDialogs) {
  FakeTm tm;
  DialogCore d(&tm, 1);
  const int64_t before = DlgNowMs();
  std::vector<uint64_t> ids;
  std::map<uint64_t, int> ended;
  for (const char* cid : {"c-1", "c-2", "c-3", "c-4"}) {
    MsgContext inv = Ctx("INVITE", "ft", "", cid);
    ids.push_back(d.CreateDialog(inv));
    ASSERT_NE(ids.back(), 0u);
    uint64_t id = ids.back();
    ASSERT_TRUE(d.RegisterCallback(id, kDlgcbTerminated,
                                   [&ended, id](const DlgCbParams&) { ++ended[id]; }));
  }
  tm.Reply(200, Reply(200, "tt"));  // confirms all four: 1 s timeouts
  const int64_t after = DlgNowMs();
  EXPECT_EQ(d.ExpiryEntries(), 4u);
  MsgContext bye = Ctx("BYE", "ft", "tt", "c-2");  // neither head nor tail
  d.OnRequest(bye);
  EXPECT_EQ(ended[ids[1]], 1);
  EXPECT_EQ(d.ExpiryEntries(), 4u);  // its timeout replaced by the linger
  d.Expire(before + 999);            // 1 ms before the earliest timeout
  EXPECT_EQ(ended.size(), 1u);
  EXPECT_EQ(d.Size(), 3u);
  d.Expire(after + 1000);  // every timeout is due
  for (uint64_t id : ids) EXPECT_EQ(ended[id], 1) << id;
  EXPECT_EQ(d.Size(), 0u);
  EXPECT_EQ(d.ExpiryEntries(), 1u);  // the BYE's linger
  d.Expire(after + 1000 + DialogCore::kDeletedLingerMs);
  EXPECT_EQ(d.ExpiryEntries(), 0u);
  EXPECT_FALSE(d.RegisterCallback(ids[1], kDlgcbReqWithin, [](const DlgCbParams&) {}));
  for (uint64_t id : ids) EXPECT_EQ(ended[id], 1) << id;
}

// Issue 8: with two workers the UAC's 2xx ACK and the BYE right behind it
// can be handled in either order. An ACK handled after the BYE is still
// reported in the dialog (siptrace "d" traces it); the INVITE transaction
// ending later does not drop the ended dialog early; it is gone after the
// linger.
TEST(DialogCore, AckAfterByeStillReported) {
  FakeTm tm;
  DialogCore d(&tm, 100);
  MsgContext inv = Ctx("INVITE", "ft", "");
  uint64_t id = d.CreateDialog(inv);
  ASSERT_NE(id, 0u);
  std::vector<std::string> events;
  ASSERT_TRUE(d.RegisterCallback(id, kDlgcbReqWithin | kDlgcbTerminated, [&](const DlgCbParams& p) {
    std::string m = p.req ? p.req->buf.substr(0, 3) : "-";
    events.push_back(std::to_string(p.type) + ":" + m);
  }));
  tm.Reply(200, Reply(200, "tt"));
  MsgContext bye = Ctx("BYE", "ft", "tt");
  d.OnRequest(bye);
  EXPECT_EQ(d.Size(), 0u);         // ended: not counted ...
  EXPECT_EQ(d.DialogOf(bye), 0u);  // ... nor visible to the script
  // The INVITE transaction ends (tm) before the late ACK comes in.
  tm::TmCbParams end;
  end.type = tm::kTmcbTransEnd;
  for (auto& [m, cb] : tm.cbs)
    if (m & end.type) cb(end);
  MsgContext ack = Ctx("ACK", "ft", "tt");
  d.OnRequest(ack);
  MsgContext bye2 = Ctx("BYE", "ft", "tt");  // a second BYE: no second end
  d.OnRequest(bye2);
  MsgContext info = Ctx("INFO", "ft", "tt");  // other requests: not reported
  d.OnRequest(info);
  std::vector<std::string> want = {"8:BYE", "2:ACK"};
  EXPECT_EQ(events, want);
  // After the linger the dialog is removed: a later ACK matches nothing.
  d.Expire(DlgNowMs() + DialogCore::kDeletedLingerMs + 1000);
  MsgContext ack2 = Ctx("ACK", "ft", "tt");
  d.OnRequest(ack2);
  EXPECT_EQ(events.size(), 2u);
  EXPECT_FALSE(d.RegisterCallback(id, kDlgcbReqWithin, [](const DlgCbParams&) {}));
}

// A retransmitted initial INVITE (same Call-ID, From tag, CSeq; a new
// message) gets the live dialog, not a second one that would linger
// unconfirmed; a new INVITE of the same call (other CSeq) or from another
// UAC (other From tag) gets its own.
TEST(DialogCore, RetransmittedInviteGetsTheLiveDialog) {
  FakeTm tm;
  DialogCore d(&tm, 10);
  MsgContext inv = Ctx("INVITE", "ft", "");
  bool rtx = true;
  uint64_t id = d.CreateDialog(inv, &rtx);
  ASSERT_NE(id, 0u);
  EXPECT_FALSE(rtx);
  MsgContext again = Ctx("INVITE", "ft", "");
  EXPECT_EQ(d.CreateDialog(again, &rtx), id);
  EXPECT_TRUE(rtx);
  EXPECT_EQ(d.Size(), 1u);
  MsgContext other = Ctx("INVITE", "ft2", "");
  uint64_t id2 = d.CreateDialog(other, &rtx);
  EXPECT_FALSE(rtx);
  EXPECT_NE(id2, id);
  MsgContext next = Ctx("INVITE", "ft", "");
  next.buf.replace(next.buf.find("CSeq: 1"), 7, "CSeq: 2");
  uint64_t id3 = d.CreateDialog(next, &rtx);
  EXPECT_FALSE(rtx);
  EXPECT_NE(id3, id);
  EXPECT_EQ(d.Size(), 3u);
}

// The Call-ID index across its growth: 3000 dialogs, three per Call-ID
// (other From tags), each found by its Call-ID and tags; the middle one of
// every Call-ID ended and removed after its linger, the others still found;
// new dialogs on the same Call-IDs found next to them.
TEST(DialogCore, ManyDialogsSharingCallIdsAreEachFound) {
  FakeTm tm;
  DialogCore d(&tm, 100);
  constexpr int kN = 3000;
  auto callid = [](int i) { return "many-" + std::to_string(i / 3); };
  std::vector<uint64_t> ids(kN);
  for (int i = 0; i < kN; ++i) {
    MsgContext inv = Ctx("INVITE", "f" + std::to_string(i), "", callid(i));
    ids[i] = d.CreateDialog(inv);
    ASSERT_NE(ids[i], 0u) << i;
  }
  EXPECT_EQ(d.Size(), static_cast<size_t>(kN));
  for (int i = 0; i < kN; ++i) {
    MsgContext in = Ctx("INFO", "f" + std::to_string(i), "t", callid(i));
    ASSERT_EQ(d.DialogOf(in), ids[i]) << i;
  }
  for (int i = 1; i < kN; i += 3) {
    MsgContext bye = Ctx("BYE", "f" + std::to_string(i), "t", callid(i));
    d.OnRequest(bye);
  }
  d.Expire(DlgNowMs() + DialogCore::kDeletedLingerMs + 1000);
  EXPECT_EQ(d.Size(), static_cast<size_t>(kN - kN / 3));
  for (int i = 0; i < kN; ++i) {
    MsgContext in = Ctx("INFO", "f" + std::to_string(i), "t", callid(i));
    if (i % 3 == 1) {  // ended and removed
      EXPECT_EQ(d.DialogOf(in), 0u) << i;
      EXPECT_FALSE(d.RegisterCallback(ids[i], kDlgcbReqWithin, [](const DlgCbParams&) {})) << i;
    } else {
      ASSERT_EQ(d.DialogOf(in), ids[i]) << i;
    }
  }
  for (int i = 0; i < kN; i += 3) {
    MsgContext inv = Ctx("INVITE", "g" + std::to_string(i), "", callid(i));
    uint64_t id = d.CreateDialog(inv);
    ASSERT_NE(id, 0u);
    MsgContext in = Ctx("INFO", "g" + std::to_string(i), "t", callid(i));
    EXPECT_EQ(d.DialogOf(in), id) << i;
    MsgContext old = Ctx("INFO", "f" + std::to_string(i), "t", callid(i));
    EXPECT_EQ(d.DialogOf(old), ids[i]) << i;
  }
}

}  // namespace
}  // namespace sipcapd::dialog
