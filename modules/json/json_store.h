// $json(...) variables: named JSON documents kept per message (a
// MsgExtension in ctx.ext["json"], copied on async clone), addressed by
// paths "name/key/sub", "name/arr[2]", "name/arr[-1]" (from the end) and,
// for writes, "name/arr[]" (append).
//
// Writes: ":=" parses a string value as JSON (an int is a number);
// "=" stores a string or an int as such, and NULL deletes the element (or
// the whole variable). Missing objects on a write path are created.
// Reads: string -> text, integral number -> int, other number / object /
// array / true / false -> compact JSON text, JSON null or missing -> NULL.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/msg/msg_context.h"
#include "core/script/value.h"

struct cJSON;

namespace sipcapd::json {

struct PathSeg {
  enum class Kind { kKey, kIndex, kAppend } kind = Kind::kKey;
  std::string key;
  int index = 0;
};
struct JsonPath {
  std::string var;
  std::vector<PathSeg> segs;
};
// Parses a $json inner name; error text says what is wrong.
Result<JsonPath> ParseJsonPath(std::string_view name);

class JsonStore : public MsgExtension {
 public:
  JsonStore() = default;
  ~JsonStore() override;
  std::unique_ptr<MsgExtension> Clone() const override;
  Value Get(const JsonPath& p) const;
  Status Set(const JsonPath& p, const Value& v, bool parse_json);
  // The store of ctx (created on first use when `create`).
  static JsonStore* Of(MsgContext& ctx, bool create);

 private:
  std::map<std::string, cJSON*> vars_;
};

}  // namespace sipcapd::json
