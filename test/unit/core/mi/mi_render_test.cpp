#include "core/mi/mi_render.h"

#include <cjson/cJSON.h>
#include <gtest/gtest.h>

namespace sipcapd::mi {
namespace {

JsonPtr Json(const char* text) { return JsonPtr(cJSON_Parse(text)); }

TEST(RenderText, PlainOk) { EXPECT_EQ(RenderText(MiResult::Ok()), "200 OK\n\n"); }

TEST(RenderText, ScalarBodyIsAnUnnamedNode) {
  EXPECT_EQ(RenderText(MiResult::Ok(JsonPtr(cJSON_CreateString("on")))), "200 OK\non\n\n");
}

TEST(RenderText, Error) {
  EXPECT_EQ(RenderText(MiResult::Error(400, "Bad parameter")), "400 Bad parameter\n\n");
}

TEST(RenderText, NamedNodesAttributesChildrenAndRepeats) {
  MiResult r = MiResult::Ok(Json(R"({
    "global": "on",
    "tid": [{"@attrs": {"type": "HEP", "uri": "10.0.0.1:9060", "state": "on"}},
            {"@attrs": {"type": "Database", "uri": "mysql://x", "state": "off"}}],
    "Dialog": {"@value": "0x1", "state": 4, "legs": ["a", "b"]},
    "count": 3, "ratio": 0.5, "none": null})"));
  EXPECT_EQ(RenderText(r),
            "200 OK\n"
            "global:: on\n"
            "tid::  type=HEP uri=10.0.0.1:9060 state=on\n"
            "tid::  type=Database uri=mysql://x state=off\n"
            "Dialog:: 0x1\n"
            "\tstate:: 4\n"
            "\tlegs:: a\n"
            "\tlegs:: b\n"
            "count:: 3\n"
            "ratio:: 0.5\n"
            "none:: \n"
            "\n");
}

TEST(RenderText, ArrayBodyAndCustomIndent) {
  MiResult r = MiResult::Ok(Json(R"(["version", "which", {"@value": "x", "c": 1}])"));
  EXPECT_EQ(RenderText(r, "  "), "200 OK\nversion\nwhich\nx\n  c:: 1\n\n");
}

TEST(RenderJson, SuccessFlattensHints) {
  MiResult r = MiResult::Ok(Json(R"({"Process":[{"@attrs":{"ID":0,"PID":12,"Type":"main"}}],
                                     "n": {"@value": "v", "k": 1}})"));
  JsonPtr id(cJSON_CreateString("5672"));
  EXPECT_EQ(RenderJsonRpc(r, id.get()),
            R"({"jsonrpc":"2.0","result":{"Process":[{"ID":0,"PID":12,"Type":"main"}],)"
            R"("n":{"k":1,"value":"v"}},"id":"5672"})");
}

TEST(RenderJson, NullBodyIsOk) {
  JsonPtr id(cJSON_CreateNumber(3));
  EXPECT_EQ(RenderJsonRpc(MiResult::Ok(), id.get()), R"({"jsonrpc":"2.0","result":"OK","id":3})");
}

TEST(RenderJson, Errors) {
  JsonPtr id(cJSON_CreateNumber(3));
  EXPECT_EQ(RenderJsonRpc(MiResult::Error(400, "Bad parameter"), id.get()),
            R"({"jsonrpc":"2.0","error":{"code":400,"message":"Bad parameter"},"id":3})");
  EXPECT_EQ(RenderJsonRpcError(-32602, "Invalid params", "Too few or too many parameters", nullptr),
            R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params",)"
            R"("data":"Too few or too many parameters"},"id":null})");
}

TEST(ScalarText, Numbers) {
  JsonPtr big(cJSON_CreateNumber(1234567890123.0));
  EXPECT_EQ(ScalarText(big.get()), "1234567890123");
  JsonPtr neg(cJSON_CreateNumber(-3));
  EXPECT_EQ(ScalarText(neg.get()), "-3");
  JsonPtr t(cJSON_CreateTrue());
  EXPECT_EQ(ScalarText(t.get()), "true");
}

}  // namespace
}  // namespace sipcapd::mi
