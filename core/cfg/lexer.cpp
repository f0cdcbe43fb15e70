#include "core/cfg/lexer.h"

#include <cctype>

#include "core/cfg/pv_syntax.h"

namespace sipcapd::cfg {
namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

constexpr const char* kOps2[] = {"==", "!=", "=~", "!~", "<=", ">=", "&&", "||", ":=", "+=", "-="};
constexpr char kOps1[] = "=<>!+-*/%&|(){}[],;:";

}  // namespace

Lexer::Lexer(std::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

void Lexer::Advance(size_t n) {
  for (size_t i = 0; i < n && pos_ < text_.size(); ++i) {
    if (text_[pos_] == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    ++pos_;
  }
}

bool Lexer::SkipSpaceAndComments(Token* err) {
  while (pos_ < text_.size()) {
    char c = text_[pos_];
    if (std::isspace(static_cast<unsigned char>(c))) {
      Advance(1);
    } else if (c == '#' || (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/')) {
      while (pos_ < text_.size() && text_[pos_] != '\n') Advance(1);
    } else if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
      Loc start = Here();
      Advance(2);
      while (pos_ < text_.size() &&
             !(text_[pos_] == '*' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/'))
        Advance(1);
      if (pos_ >= text_.size()) {
        err->kind = Token::Kind::kError;
        err->loc = start;
        err->text = "unterminated comment";
        return false;
      }
      Advance(2);
    } else {
      break;
    }
  }
  return true;
}

Token Lexer::Peek() {
  if (!has_peek_) {
    peek_ = Next();
    has_peek_ = true;
  }
  return peek_;
}

std::string Lexer::RestOfLine() {
  has_peek_ = false;  // callers only use this right after consuming '='
  size_t s = pos_;
  while (pos_ < text_.size() && text_[pos_] != '\n') Advance(1);
  return std::string(text_.substr(s, pos_ - s));
}

Token Lexer::Next() {
  if (has_peek_) {
    has_peek_ = false;
    return peek_;
  }
  Token t;
  if (!SkipSpaceAndComments(&t)) return t;
  t.loc = Here();
  t.offset = pos_;
  if (pos_ >= text_.size()) {
    t.kind = Token::Kind::kEof;
    t.end = pos_;
    return t;
  }
  char c = text_[pos_];
  if (c == '"' || c == '\'') {
    char q = c;
    Advance(1);
    std::string s;
    while (pos_ < text_.size() && text_[pos_] != q) {
      char d = text_[pos_];
      if (d == '\\' && pos_ + 1 < text_.size()) {
        char e = text_[pos_ + 1];
        switch (e) {
          case 'n': s += '\n'; break;
          case 't': s += '\t'; break;
          case 'r': s += '\r'; break;
          case '\\': s += '\\'; break;
          case '"': s += '"'; break;
          case '\'': s += '\''; break;
          default:
            s += '\\';
            s += e;
            break;
        }
        Advance(2);
      } else {
        s += d;
        Advance(1);
      }
    }
    if (pos_ >= text_.size()) {
      t.kind = Token::Kind::kError;
      t.text = "unterminated string";
      return t;
    }
    Advance(1);
    t.kind = Token::Kind::kStr;
    t.text = std::move(s);
  } else if (std::isdigit(static_cast<unsigned char>(c))) {
    int64_t v = 0;
    bool overflow = false;
    if (c == '0' && pos_ + 2 < text_.size() && (text_[pos_ + 1] == 'x' || text_[pos_ + 1] == 'X') &&
        std::isxdigit(static_cast<unsigned char>(text_[pos_ + 2]))) {
      Advance(2);
      while (pos_ < text_.size() && std::isxdigit(static_cast<unsigned char>(text_[pos_]))) {
        char d = static_cast<char>(std::tolower(static_cast<unsigned char>(text_[pos_])));
        if (v > (INT64_MAX >> 4)) overflow = true;
        v = v * 16 + (d <= '9' ? d - '0' : d - 'a' + 10);
        Advance(1);
      }
    } else {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (v > (INT64_MAX - 9) / 10) overflow = true;
        if (!overflow) v = v * 10 + (text_[pos_] - '0');
        Advance(1);
      }
    }
    if (overflow) {
      t.kind = Token::Kind::kError;
      t.text = "integer out of range";
      return t;
    }
    if (pos_ < text_.size() && IsIdentStart(text_[pos_])) {
      // e.g. route[1st]: an identifier that starts with digits
      while (pos_ < text_.size() && IsIdentChar(text_[pos_])) Advance(1);
      t.kind = Token::Kind::kIdent;
      t.text = std::string(text_.substr(t.offset, pos_ - t.offset));
    } else {
      t.kind = Token::Kind::kInt;
      t.num = v;
    }
  } else if (IsIdentStart(c)) {
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) Advance(1);
    t.kind = Token::Kind::kIdent;
    t.text = std::string(text_.substr(t.offset, pos_ - t.offset));
  } else if (c == '$') {
    size_t p = pos_;
    std::string err;
    if (!IsPvStart(text_, p) || !ParsePvRef(text_, &p, &t.pv, &err)) {
      if (err.empty()) err = "expected a pseudo-variable after '$'";
      Advance(p > pos_ ? p - pos_ : 0);
      t.kind = Token::Kind::kError;
      t.text = err;
      return t;
    }
    Advance(p - pos_);
    t.kind = Token::Kind::kPv;
    t.text = t.pv.text;
  } else {
    t.kind = Token::Kind::kOp;
    for (const char* op : kOps2) {
      if (text_.substr(pos_, 2) == op) {
        t.text = op;
        Advance(2);
        t.end = pos_;
        return t;
      }
    }
    for (const char* p = kOps1; *p; ++p) {
      if (c == *p) {
        t.text = std::string(1, c);
        Advance(1);
        t.end = pos_;
        return t;
      }
    }
    t.kind = Token::Kind::kError;
    t.text = std::string("unexpected character '") + c + "'";
    Advance(1);
  }
  t.end = pos_;
  return t;
}

}  // namespace sipcapd::cfg
