// The cfg parser: text -> cfg::Script (core/cfg/ast.h). Recursive descent
// with a nesting bound (deep input gives an error, never a stack overflow).
// `include_file "x.cfg"` / `import_file "x.cfg"` are resolved relative to
// the including file and spliced in place (bounded include depth).
// Errors: Status(kInvalidArgument) whose message is `file:line:col: message`
// (one line per error). Pure apart from reading included files; no logging.
#pragma once

#include <string>
#include <string_view>

#include "core/base/status.h"
#include "core/cfg/ast.h"

namespace sipcapd::cfg {

Result<Script> ParseFile(const std::string& path);
Result<Script> ParseString(std::string_view text, const std::string& filename);

// Parses a global parameter's raw value text (after '='): strips comments and
// a trailing ';', unquotes, maps yes/no/on/off/true/false to 1/0 and numbers
// to Int. Exposed for tests.
void ParseGlobalValue(std::string_view text, Value* value, std::string* raw);

}  // namespace sipcapd::cfg
