#include "core/mi/mi_request.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

#include <string>

namespace sipcapd::mi {
namespace {

TEST(FifoFrame, TextRequestComplete) {
  std::string buf = ":sip_capture:osips_rply_1a2b3c4d\non\n\n";
  FrameResult r = NextFifoRequest(buf);
  ASSERT_EQ(r.state, FrameState::kComplete) << r.error;
  EXPECT_EQ(r.consumed, buf.size());
  EXPECT_EQ(r.frame.proto, FifoProto::kText);
  EXPECT_EQ(r.frame.command, "sip_capture");
  EXPECT_EQ(r.frame.reply_fifo, "osips_rply_1a2b3c4d");
  EXPECT_EQ(r.frame.body, "on\n");
}

TEST(FifoFrame, TextRequestNeedsTheEmptyLine) {
  for (std::string partial : {":which", ":which:r", ":which:r\n", ":which:r\nx\n"}) {
    FrameResult r = NextFifoRequest(partial);
    EXPECT_EQ(r.state, FrameState::kNeedMore) << partial;
  }
}

TEST(FifoFrame, TwoRequestsInOneBuffer) {
  std::string buf = "\n:which:a\n\n:uptime:b\n\n";
  FrameResult r1 = NextFifoRequest(buf);
  ASSERT_EQ(r1.state, FrameState::kComplete);
  EXPECT_EQ(r1.frame.command, "which");
  FrameResult r2 = NextFifoRequest(std::string_view(buf).substr(r1.consumed));
  ASSERT_EQ(r2.state, FrameState::kComplete);
  EXPECT_EQ(r2.frame.command, "uptime");
  EXPECT_EQ(r1.consumed + r2.consumed, buf.size());
}

TEST(FifoFrame, CrLfAndEmptyReplyName) {
  FrameResult r = NextFifoRequest(":which:\r\n\r\n");
  ASSERT_EQ(r.state, FrameState::kComplete);
  EXPECT_EQ(r.frame.reply_fifo, "");
}

TEST(FifoFrame, QuotedValueSpansLinesButAnEmptyLineEndsTheRequest) {
  std::string buf = ":cmd:r\n\"first\nlast\"\n\n";
  FrameResult r = NextFifoRequest(buf);
  ASSERT_EQ(r.state, FrameState::kComplete);
  EXPECT_EQ(r.consumed, buf.size());
  Result<MiParams> p = ParseTextArgs(r.frame.body);
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->positional.size(), 1u);
  EXPECT_EQ(p->positional[0], "first\nlast");

  std::string open_quote = ":cmd:r\n\"never closed\n\n:which:x\n\n";
  r = NextFifoRequest(open_quote);
  ASSERT_EQ(r.state, FrameState::kComplete);
  EXPECT_EQ(r.frame.body, "\"never closed\n");
  EXPECT_FALSE(ParseTextArgs(r.frame.body).ok());
  EXPECT_EQ(NextFifoRequest(std::string_view(open_quote).substr(r.consumed)).frame.command,
            "which");
}

TEST(FifoFrame, JsonRequest) {
  std::string buf =
      ":reply_fifo:{\"jsonrpc\":\"2.0\",\"method\":\"get_statistics\",\"id\":\"5672\","
      "\"params\":[[\"dialog:\",\"tm:\"]]}\n:which:x\n\n";
  FrameResult r = NextFifoRequest(buf);
  ASSERT_EQ(r.state, FrameState::kComplete) << r.error;
  EXPECT_EQ(r.frame.proto, FifoProto::kJsonRpc);
  EXPECT_EQ(r.frame.reply_fifo, "reply_fifo");
  EXPECT_EQ(r.frame.body.front(), '{');
  EXPECT_EQ(r.frame.body.back(), '}');
  FrameResult r2 = NextFifoRequest(std::string_view(buf).substr(r.consumed));
  ASSERT_EQ(r2.state, FrameState::kComplete);
  EXPECT_EQ(r2.frame.command, "which");
}

TEST(FifoFrame, JsonWithBracesInStrings) {
  std::string buf = ":r:{\"jsonrpc\":\"2.0\",\"method\":\"x\",\"params\":[\"}\\\"{\"],\"id\":1}";
  FrameResult r = NextFifoRequest(buf);
  ASSERT_EQ(r.state, FrameState::kComplete);
  EXPECT_EQ(r.consumed, buf.size());
  EXPECT_EQ(NextFifoRequest(buf.substr(0, buf.size() - 1)).state, FrameState::kNeedMore);
}

TEST(FifoFrame, GarbageLineIsDroppedUpToTheNewline) {
  std::string buf = "garbage here\n:which:r\n\n";
  FrameResult r = NextFifoRequest(buf);
  ASSERT_EQ(r.state, FrameState::kMalformed);
  EXPECT_EQ(r.consumed, std::string("garbage here\n").size());
  EXPECT_FALSE(r.header_ok);
  EXPECT_EQ(NextFifoRequest(std::string_view(buf).substr(r.consumed)).state, FrameState::kComplete);
}

TEST(FifoFrame, BadReplyNamesAreRejected) {
  for (std::string name : {"../etc/passwd", "a/b", "x.y", "a\\b"}) {
    FrameResult r = NextFifoRequest(":which:" + name + "\n\n");
    EXPECT_EQ(r.state, FrameState::kMalformed) << name;
    EXPECT_FALSE(r.header_ok) << name;
    EXPECT_EQ(r.error, "bad reply fifo name");
  }
  FrameResult j = NextFifoRequest(":../x:{\"a\":1}");
  EXPECT_EQ(j.state, FrameState::kMalformed);
}

TEST(FifoFrame, EmptyCommandIsMalformedButAnswerable) {
  FrameResult r = NextFifoRequest("::r\n\n");
  ASSERT_EQ(r.state, FrameState::kMalformed);
  EXPECT_TRUE(r.header_ok);
  EXPECT_EQ(r.frame.reply_fifo, "r");
}

TEST(FifoFrame, HugeInputIsBounded) {
  std::string no_newline(kMaxFifoRequest + 10, 'a');
  FrameResult r = NextFifoRequest(no_newline);
  EXPECT_EQ(r.state, FrameState::kMalformed);
  EXPECT_EQ(r.consumed, no_newline.size());

  std::string long_args = ":which:r\n" + std::string(kMaxFifoRequest, 'b');
  r = NextFifoRequest(long_args);
  EXPECT_EQ(r.state, FrameState::kMalformed);
  EXPECT_TRUE(r.header_ok);
  EXPECT_EQ(r.frame.reply_fifo, "r");

  std::string open_json = ":r:{" + std::string(kMaxFifoRequest, '[');
  r = NextFifoRequest(open_json);
  EXPECT_EQ(r.state, FrameState::kMalformed);
}

TEST(TextArgs, NamedPositionalAndQuoted) {
  Result<MiParams> p = ParseTextArgs("on\n  id:: 42 \n\"a \\\"b\\\" c\"\nname:: \"x\ny\"\n");
  ASSERT_TRUE(p.ok()) << p.status().message();
  ASSERT_EQ(p->positional.size(), 2u);
  EXPECT_EQ(p->positional[0], "on");
  EXPECT_EQ(p->positional[1], "a \"b\" c");
  ASSERT_EQ(p->named.size(), 2u);
  EXPECT_EQ(p->named[0].first, "id");
  EXPECT_EQ(p->named[0].second, "42");
  EXPECT_EQ(p->named[1].second, "x\ny");
}

TEST(TextArgs, ValuesWithSingleColonsStayPositional) {
  Result<MiParams> p = ParseTextArgs("core:\nsip:alice@example.com\n");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->positional.size(), 2u);
  EXPECT_EQ(p->positional[0], "core:");
  EXPECT_EQ(p->positional[1], "sip:alice@example.com");
}

TEST(TextArgs, Errors) {
  Result<MiParams> p = ParseTextArgs("\"never closed\nstill open\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "unterminated quoted value");
  p = ParseTextArgs(":: x\n");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().message(), "empty parameter name before '::'");
}

TEST(JsonRpc, PositionalNestedAndNamed) {
  JsonRpcRequest r = ParseJsonRpc(
      R"({"jsonrpc":"2.0","method":"get_statistics","id":"5672","params":[["dialog:","tm:"],3]})");
  ASSERT_EQ(r.error_code, 0) << r.error_message;
  EXPECT_EQ(r.method, "get_statistics");
  EXPECT_TRUE(r.has_id);
  ASSERT_TRUE(cJSON_IsString(r.id.get()));
  EXPECT_STREQ(r.id->valuestring, "5672");
  ASSERT_EQ(r.params.positional.size(), 3u);
  EXPECT_EQ(r.params.positional[1], "tm:");
  EXPECT_EQ(r.params.positional[2], "3");

  r = ParseJsonRpc(
      R"({"jsonrpc":"2.0","method":"m","id":7,"params":{"statistics":["a","b"],"x":1.5}})");
  ASSERT_EQ(r.error_code, 0);
  ASSERT_EQ(r.params.named.size(), 3u);
  EXPECT_EQ(r.params.named[1].second, "b");
  EXPECT_EQ(r.params.named[2].second, "1.5");
}

TEST(JsonRpc, NotificationHasNoId) {
  JsonRpcRequest r = ParseJsonRpc(R"({"jsonrpc":"2.0","method":"which"})");
  EXPECT_EQ(r.error_code, 0);
  EXPECT_FALSE(r.has_id);
}

TEST(JsonRpc, Errors) {
  EXPECT_EQ(ParseJsonRpc("{not json").error_code, kJsonParseError);
  EXPECT_TRUE(ParseJsonRpc("{not json").has_id);
  EXPECT_EQ(ParseJsonRpc("[1,2]").error_code, kJsonInvalidRequest);
  EXPECT_EQ(ParseJsonRpc(R"({"jsonrpc":"1.0","method":"x","id":1})").error_code,
            kJsonInvalidRequest);
  EXPECT_EQ(ParseJsonRpc(R"({"jsonrpc":"2.0","method":5,"id":1})").error_code, kJsonInvalidRequest);
  EXPECT_EQ(ParseJsonRpc(R"({"jsonrpc":"2.0","method":"x","id":{}})").error_code,
            kJsonInvalidRequest);
  EXPECT_EQ(ParseJsonRpc(R"({"jsonrpc":"2.0","method":"x","id":1,"params":[{"a":1}]})").error_code,
            kJsonInvalidParams);
  EXPECT_EQ(ParseJsonRpc(R"({"jsonrpc":"2.0","method":"x","id":1,"params":"s"})").error_code,
            kJsonInvalidRequest);
}

}  // namespace
}  // namespace sipcapd::mi
