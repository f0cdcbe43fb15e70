// Tokenizer for the cfg language. Pull-based (Next()), so the parser can
// switch to line mode for global parameter values (RestOfLine()). Handles
// `#`, `//` and `/* */` comments, "..." and '...' strings with C escapes,
// decimal/hex integers, identifiers, PV references and operators.
// Pure: no logging; errors come back as kError tokens with a message.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/cfg/ast.h"

namespace sipcapd::cfg {

struct Token {
  enum class Kind { kEof, kIdent, kInt, kStr, kPv, kOp, kError };
  Kind kind = Kind::kEof;
  std::string text;  // ident / op / unescaped string / error message
  int64_t num = 0;
  PvRef pv;
  Loc loc;
  size_t offset = 0;  // byte offset of the token's first character
  size_t end = 0;     // byte offset just past it
};

class Lexer {
 public:
  Lexer(std::string_view text, std::string file);

  Token Next();
  Token Peek();
  // The raw text from the current position to the end of the line (the
  // newline is not consumed). Used after `name =` for global parameters.
  std::string RestOfLine();

 private:
  void Advance(size_t n);
  bool SkipSpaceAndComments(Token* err);
  Loc Here() const { return {file_, line_, col_}; }

  std::string_view text_;
  std::string file_;
  size_t pos_ = 0;
  int line_ = 1;
  int col_ = 1;
  bool has_peek_ = false;
  Token peek_;
};

}  // namespace sipcapd::cfg
