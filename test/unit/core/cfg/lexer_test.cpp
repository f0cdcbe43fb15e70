#include "core/cfg/lexer.h"

#include <gtest/gtest.h>

namespace sipcapd::cfg {
namespace {

using K = Token::Kind;

std::vector<Token> All(const std::string& text) {
  Lexer lx(text, "l.cfg");
  std::vector<Token> out;
  for (int i = 0; i < 1000; ++i) {
    Token t = lx.Next();
    out.push_back(t);
    if (t.kind == K::kEof || t.kind == K::kError) break;
  }
  return out;
}

TEST(Lexer, TokensAndPositions) {
  auto t = All("if ($var(x) == 0x1F) # c\n  xlog(\"a\\tb\\n\\\"\")  // d\n/* multi\nline */ :=");
  ASSERT_EQ(t.size(), 12u);
  EXPECT_EQ(t[0].kind, K::kIdent);
  EXPECT_EQ(t[0].text, "if");
  EXPECT_EQ(t[2].kind, K::kPv);
  EXPECT_EQ(t[2].pv.name, "var");
  EXPECT_EQ(t[2].pv.inner, "x");
  EXPECT_EQ(t[2].loc.col, 5);
  EXPECT_EQ(t[3].text, "==");
  EXPECT_EQ(t[4].kind, K::kInt);
  EXPECT_EQ(t[4].num, 31);
  EXPECT_EQ(t[6].text, "xlog");
  EXPECT_EQ(t[6].loc.line, 2);
  EXPECT_EQ(t[6].loc.col, 3);
  EXPECT_EQ(t[8].kind, K::kStr);
  EXPECT_EQ(t[8].text, "a\tb\n\"");
  EXPECT_EQ(t[10].text, ":=");
  EXPECT_EQ(t[10].loc.line, 4);
  EXPECT_EQ(t[11].kind, K::kEof);
}

TEST(Lexer, PvForms) {
  auto t = All("$ru $avp(x)[-2] $(var(y){s.select,1,@}{s.len}) $null $json(a/b)");
  EXPECT_EQ(t[0].pv.name, "ru");
  EXPECT_FALSE(t[0].pv.has_inner);
  EXPECT_TRUE(t[1].pv.has_index);
  EXPECT_EQ(t[1].pv.index, -2);
  ASSERT_EQ(t[2].pv.transforms.size(), 2u);
  EXPECT_EQ(t[2].pv.transforms[0].name, "s.select");
  EXPECT_EQ(t[2].pv.transforms[0].params_raw, "1,@");
  EXPECT_EQ(t[2].pv.transforms[1].name, "s.len");
  EXPECT_EQ(t[3].pv.name, "null");
  EXPECT_EQ(t[4].pv.inner, "a/b");
}

TEST(Lexer, Errors) {
  auto t = All("a \"open");
  EXPECT_EQ(t.back().kind, K::kError);
  EXPECT_EQ(t.back().text, "unterminated string");
  t = All("x /* never closed");
  EXPECT_EQ(t.back().text, "unterminated comment");
  t = All("$(var(x){s.int}");
  EXPECT_EQ(t.back().kind, K::kError);
  t = All("`");
  EXPECT_EQ(t.back().text, "unexpected character '`'");
  t = All("99999999999999999999999");
  EXPECT_EQ(t.back().text, "integer out of range");
}

}  // namespace
}  // namespace sipcapd::cfg
