#include "core/sip/sip_pvs.h"

#include <gtest/gtest.h>

#include <any>
#include <string>

#include "core/sip/msg_helpers.h"

namespace sipcapd::sip {
namespace {

const char kInvite[] =
    "INVITE sip:bob:pw@biloxi.example.com:5070;transport=tcp SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2\r\n"
    "v: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3\r\n"
    "f: \"Alice\" <sip:alice@atlanta.example.com>;tag=ft1\r\n"
    "To: <sip:bob@biloxi.example.com>\r\n"
    "Call-ID: cid-1@10.0.0.1\r\n"
    "CSeq: 42 INVITE\r\n"
    "Max-Forwards: 70\r\n"
    "User-Agent: UA/1.0\r\n"
    "Contact: <sip:alice@10.0.0.1:5060>;expires=60\r\n"
    "P-Asserted-Identity: <sip:+1555@atlanta.example.com>\r\n"
    "Remote-Party-ID: <sip:2000@atlanta.example.com>;party=calling\r\n"
    "Diversion: <sip:3000@biloxi.example.com>;reason=busy\r\n"
    "X-Multi: one\r\n"
    "X-Multi: two\r\n"
    "Content-Length: 5\r\n"
    "\r\n"
    "hello";

const char kReply[] =
    "SIP/2.0 486 Busy Here\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
    "From: <sip:alice@atlanta.example.com>;tag=ft1\r\n"
    "To: <sip:bob@biloxi.example.com>;tag=tt9\r\n"
    "Call-ID: cid-1@10.0.0.1\r\n"
    "CSeq: 42 INVITE\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

class SipPvsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RegisterSipPvs(reg_).ok());
    ctx_.buf = kInvite;
    ctx_.rcv.src = SockAddr{*IpAddr::Parse("192.0.2.7"), 5099};
    ctx_.rcv.dst = SockAddr{*IpAddr::Parse("::1"), 5060};
    ctx_.rcv.proto = Proto::kTcp;
  }
  Value Get(const std::string& name, const std::string& inner = "", bool has_index = false,
            int index = 0) {
    const PvExport* pv = reg_.FindPv(name);
    EXPECT_NE(pv, nullptr) << name;
    if (!pv) return Value::Null();
    PvArgs a;
    if (!inner.empty()) {
      EXPECT_TRUE(pv->parse_name(inner, a.parsed).ok());
      a.name = inner;
    }
    a.has_index = has_index;
    a.index = index;
    return pv->get(ctx_, a);
  }
  Status Set(const std::string& name, const Value& v) {
    const PvExport* pv = reg_.FindPv(name);
    EXPECT_NE(pv, nullptr) << name;
    EXPECT_TRUE(pv && pv->set) << name << " not writable";
    if (!pv || !pv->set) return Status::Internal("no setter");
    return pv->set(ctx_, PvArgs{}, v, false);
  }
  std::string S(const std::string& name) { return Get(name).AsString(); }

  Registry reg_;
  MsgContext ctx_;
};

TEST_F(SipPvsTest, RegistersAllNamesOnce) {
  for (const char* n : {"ru", "rU", "rd",    "rp",  "du", "rm", "rs", "rr", "si", "sp", "Ri",
                        "Rp", "pr", "proto", "ci",  "cs", "ua", "fu", "fU", "fd", "ft", "tu",
                        "tU", "td", "tt",    "hdr", "mb", "ml", "rb", "ct", "ai", "re", "di"})
    EXPECT_NE(reg_.FindPv(n), nullptr) << n;
  EXPECT_FALSE(RegisterSipPvs(reg_).ok());  // duplicates are refused
  EXPECT_EQ(reg_.FindPv("ru")->set != nullptr, true);
  EXPECT_EQ(reg_.FindPv("ci")->set, nullptr);
}

TEST_F(SipPvsTest, RequestFields) {
  EXPECT_EQ(S("ru"), "sip:bob:pw@biloxi.example.com:5070;transport=tcp");
  EXPECT_EQ(S("rU"), "bob");
  EXPECT_EQ(S("rd"), "biloxi.example.com");
  EXPECT_EQ(Get("rp"), Value::Int(5070));
  EXPECT_TRUE(Get("du").is_null());
  EXPECT_EQ(S("rm"), "INVITE");
  EXPECT_TRUE(Get("rs").is_null());
  EXPECT_TRUE(Get("rr").is_null());
  EXPECT_EQ(S("ci"), "cid-1@10.0.0.1");
  EXPECT_EQ(Get("cs"), Value::Int(42));
  EXPECT_EQ(S("ua"), "UA/1.0");
  EXPECT_EQ(S("fu"), "sip:alice@atlanta.example.com");
  EXPECT_EQ(S("fU"), "alice");
  EXPECT_EQ(S("fd"), "atlanta.example.com");
  EXPECT_EQ(S("ft"), "ft1");
  EXPECT_EQ(S("tu"), "sip:bob@biloxi.example.com");
  EXPECT_EQ(S("tU"), "bob");
  EXPECT_EQ(S("td"), "biloxi.example.com");
  EXPECT_TRUE(Get("tt").is_null());
  EXPECT_EQ(S("mb"), kInvite);
  EXPECT_EQ(Get("ml"), Value::Int(static_cast<int64_t>(sizeof(kInvite) - 1)));
  EXPECT_EQ(S("rb"), "hello");
  EXPECT_EQ(S("ct"), "<sip:alice@10.0.0.1:5060>;expires=60");
  EXPECT_EQ(S("ai"), "sip:+1555@atlanta.example.com");
  EXPECT_EQ(S("re"), "sip:2000@atlanta.example.com");
  EXPECT_EQ(S("di"), "sip:3000@biloxi.example.com");
}

TEST_F(SipPvsTest, ReceiveInfo) {
  EXPECT_EQ(S("si"), "192.0.2.7");
  EXPECT_EQ(Get("sp"), Value::Int(5099));
  EXPECT_EQ(S("Ri"), "::1");
  EXPECT_EQ(Get("Rp"), Value::Int(5060));
  EXPECT_EQ(S("pr"), "tcp");
  EXPECT_EQ(S("proto"), "tcp");
  ctx_.rcv = RecvInfo();
  EXPECT_TRUE(Get("si").is_null());
  EXPECT_TRUE(Get("sp").is_null());
  EXPECT_TRUE(Get("pr").is_null());
}

TEST_F(SipPvsTest, ReplyFields) {
  ctx_.buf = kReply;
  EXPECT_EQ(Get("rs"), Value::Int(486));
  EXPECT_EQ(S("rr"), "Busy Here");
  EXPECT_EQ(S("rm"), "INVITE");  // from CSeq
  EXPECT_TRUE(Get("ru").is_null());
  EXPECT_TRUE(Get("rU").is_null());
  EXPECT_EQ(S("tt"), "tt9");
  EXPECT_TRUE(Get("rb").is_null());
  EXPECT_TRUE(Get("ua").is_null());
  EXPECT_TRUE(Get("ai").is_null());
  EXPECT_FALSE(Set("ru", Value::Str("sip:x@y")).ok());
}

TEST_F(SipPvsTest, HdrIndexAndCompactNames) {
  EXPECT_EQ(Get("hdr", "X-Multi").AsString(), "one");
  EXPECT_EQ(Get("hdr", "x-multi", true, 1).AsString(), "two");
  EXPECT_EQ(Get("hdr", "X-Multi", true, -1).AsString(), "two");
  EXPECT_TRUE(Get("hdr", "X-Multi", true, 2).is_null());
  EXPECT_EQ(Get("hdr", "From").AsString(), "\"Alice\" <sip:alice@atlanta.example.com>;tag=ft1");
  EXPECT_EQ(Get("hdr", "f").AsString(), Get("hdr", "From").AsString());
  EXPECT_EQ(Get("hdr", "Via", true, -1).AsString(), "SIP/2.0/UDP 10.0.0.3;branch=z9hG4bK3");
  EXPECT_EQ(Get("hdr", "v").AsString(),
            "SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK2");
  EXPECT_TRUE(Get("hdr", "X-None").is_null());
  std::any parsed;
  EXPECT_FALSE(reg_.FindPv("hdr")->parse_name("", parsed).ok());
  EXPECT_FALSE(reg_.FindPv("hdr")->parse_name("Bad Name", parsed).ok());
}

TEST_F(SipPvsTest, WriteRuriAndParts) {
  ASSERT_TRUE(Set("rU", Value::Str("carol")).ok());
  EXPECT_TRUE(ctx_.ruri_changed);
  EXPECT_EQ(ctx_.new_ruri, "sip:carol:pw@biloxi.example.com:5070;transport=tcp");
  EXPECT_EQ(S("rU"), "carol");
  ASSERT_TRUE(Set("rd", Value::Str("10.1.1.1")).ok());
  EXPECT_EQ(S("ru"), "sip:carol:pw@10.1.1.1:5070;transport=tcp");
  ASSERT_TRUE(Set("rp", Value::Int(5080)).ok());
  EXPECT_EQ(Get("rp"), Value::Int(5080));
  ASSERT_TRUE(Set("rp", Value::Null()).ok());
  EXPECT_EQ(S("ru"), "sip:carol:pw@10.1.1.1;transport=tcp");
  EXPECT_EQ(Get("rp"), Value::Int(5060));
  ASSERT_TRUE(Set("rU", Value::Null()).ok());
  EXPECT_EQ(S("ru"), "sip:10.1.1.1;transport=tcp");
  EXPECT_FALSE(Set("rd", Value::Str("")).ok());
  ASSERT_TRUE(Set("ru", Value::Str("sips:dave@[2001:db8::5]")).ok());
  EXPECT_EQ(S("rd"), "[2001:db8::5]");
  EXPECT_EQ(Get("rp"), Value::Int(5061));
  EXPECT_FALSE(Set("ru", Value::Str("not a uri")).ok());
  EXPECT_FALSE(Set("ru", Value::Null()).ok());
  EXPECT_EQ(S("ru"), "sips:dave@[2001:db8::5]");
  // The message itself is not rewritten.
  EXPECT_EQ(Parsed(ctx_)->ruri(), "sip:bob:pw@biloxi.example.com:5070;transport=tcp");
}

TEST_F(SipPvsTest, WriteDu) {
  ASSERT_TRUE(Set("du", Value::Str("sip:10.9.9.9:5090;transport=udp")).ok());
  EXPECT_EQ(S("du"), "sip:10.9.9.9:5090;transport=udp");
  EXPECT_FALSE(Set("du", Value::Str("garbage")).ok());
  EXPECT_EQ(S("du"), "sip:10.9.9.9:5090;transport=udp");
  ASSERT_TRUE(Set("du", Value::Null()).ok());
  EXPECT_TRUE(Get("du").is_null());
}

TEST_F(SipPvsTest, UnparsableMessageGivesNull) {
  ctx_.buf = "\x01\x02 not sip";
  EXPECT_TRUE(Get("ci").is_null());
  EXPECT_TRUE(Get("rm").is_null());
  EXPECT_TRUE(Get("hdr", "Call-ID").is_null());
  EXPECT_EQ(S("si"), "192.0.2.7");  // receive info still there
  EXPECT_EQ(Get("ml"), Value::Int(10));
}

}  // namespace
}  // namespace sipcapd::sip
