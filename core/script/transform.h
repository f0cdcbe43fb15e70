// Transformations: `$(pv{name,params}...)`. A process-wide table of named
// transformations; the core's string ones (s.int, s.len, s.select,
// s.substr, s.tolower, s.toupper, s.trim/trimr/triml, s.encode.hexa,
// s.decode.hexa, s.hex) are built in; other parts (SIP layer: uri.*,
// nameaddr.* ...) add theirs with RegisterTransformation() on the main thread
// before any cfg is compiled. After that the table is only read (lookups are
// made at cfg compile time; the compiled script keeps a copy of the function).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/status.h"
#include "core/msg/msg_context.h"
#include "core/script/value.h"

namespace sipcapd {

// Applies a transformation to *v in place. `params` are the literal
// parameters from the cfg (already split). Returns false when the input
// does not fit (the value then becomes $null).
using TransformFn =
    std::function<bool(MsgContext& ctx, const std::vector<std::string>& params, Value* v)>;

struct TransformDef {
  std::string name;
  TransformFn fn;
  int min_params = 0;
  // The raw parameter text is split at ',' into at most max_params pieces
  // (the last one keeps the rest, so `{s.select,1,,}` selects on ',').
  int max_params = 0;
};

// Registers a transformation; an existing name is an error.
Status RegisterTransformation(const std::string& name, TransformFn fn, int min_params = 0,
                              int max_params = 0);

// The definition for `name` (a copy), or NotFound.
Result<TransformDef> FindTransformation(std::string_view name);

// Splits "1,@" into {"1","@"}; at most `max` pieces; "" gives {}.
std::vector<std::string> SplitTransformParams(std::string_view raw, int max);

}  // namespace sipcapd
