// Syntax of pseudo-variable references, shared by the cfg lexer and by the
// script's format strings ("from $si:$sp", "$(var(x){s.len})"):
//   $name | $name(inner) | $name(inner)[index] | $(name(inner)[index]{tr}...)
// Pure functions over a string; no logging.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/cfg/ast.h"

namespace sipcapd::cfg {

// True if text[pos] starts a PV reference ('$' followed by a name or '(').
bool IsPvStart(std::string_view text, size_t pos);

// Parses the PV reference starting at text[*pos] == '$'. On success *pos is
// just past it and *out filled; on failure *err says why and *pos points at
// the offending character. `$null` parses as name "null".
bool ParsePvRef(std::string_view text, size_t* pos, PvRef* out, std::string* err);

}  // namespace sipcapd::cfg
