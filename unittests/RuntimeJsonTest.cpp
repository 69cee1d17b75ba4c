//===- RuntimeJsonTest.cpp - runtime/'s manifest JSON reader --------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "../runtime/lib/Json.h"

#include "gtest/gtest.h"

using fa::rt::JsonValue;
using fa::rt::parseJson;

namespace {
TEST(RuntimeJson, ParsesManifestShapes) {
  std::string error;
  JsonValue v;
  ASSERT_TRUE(parseJson(R"({"kernels": [{"name": "k\"1", "grid": [2, 17, 1],
      "params": [{"type": "f32", "bits": 4286578688},
                 {"type": "i64", "value": -3},
                 {"type": "f64", "bits": 18442240474082181120}]}],
      "ok": true, "none": null, "x": 1.5e3})",
                        v, error))
      << error;
  const JsonValue *k = &v.get("kernels")->array[0];
  EXPECT_EQ(k->get("name")->string, "k\"1");
  EXPECT_EQ(k->get("grid")->array[1].integer, 17);
  const auto &params = k->get("params")->array;
  EXPECT_EQ(params[0].get("bits")->asBits(), 0xff800000u);
  EXPECT_EQ(params[1].get("value")->integer, -3);
  // Above INT64_MAX: kept exactly as unsigned (-inf as f64 bits).
  EXPECT_EQ(params[2].get("bits")->asBits(), 0xfff0000000000000ull);
  EXPECT_TRUE(v.get("ok")->boolean);
  EXPECT_EQ(v.get("none")->kind, JsonValue::Kind::Null);
  EXPECT_DOUBLE_EQ(v.get("x")->number, 1500.0);
  EXPECT_EQ(v.get("missing"), nullptr);
}

TEST(RuntimeJson, RejectsMalformedInput) {
  std::string error;
  JsonValue v;
  EXPECT_FALSE(parseJson(R"({"a": [1, 2})", v, error));
  EXPECT_NE(error.find("expected ',' or ']'"), std::string::npos) << error;
  EXPECT_FALSE(parseJson(R"({"a": 1} x)", v, error));
  EXPECT_NE(error.find("trailing"), std::string::npos) << error;
  EXPECT_FALSE(parseJson(R"({"a": "open)", v, error));
  EXPECT_NE(error.find("unterminated"), std::string::npos) << error;
  EXPECT_FALSE(parseJson("{\"a\": 1.2.3}", v, error));
}

/// The message of parsing `text`, which must fail.
std::string failure(const std::string &text) {
  std::string error;
  JsonValue v;
  EXPECT_FALSE(parseJson(text, v, error)) << text;
  return error;
}

bool has(const std::string &text, const std::string &part) {
  return text.find(part) != std::string::npos;
}

// Issue 27, item 9: what RFC 8259 does not allow is an error, not a guess.
TEST(RuntimeJson, RejectsDuplicateKeys) {
  // The second `kernels` array used to be appended to the first.
  EXPECT_TRUE(has(failure(R"({"kernels": [1], "kernels": [2]})"),
                  R"(duplicate key "kernels")"));
  EXPECT_TRUE(has(failure(R"({"a": {"b": 1, "b": 1}})"),
                  R"(duplicate key "b")"));
  // Keys compare after unescaping.
  EXPECT_TRUE(has(failure(R"({"ab": 1, "a\u0062": 2})"), "duplicate key"));
}

TEST(RuntimeJson, RejectsInvalidEscapes) {
  EXPECT_TRUE(has(failure(R"(["\uZZZZ"])"), "\\u needs four hex digits"));
  EXPECT_TRUE(has(failure(R"(["\u12"])"), "\\u needs four hex digits"));
  EXPECT_TRUE(has(failure(R"(["\x41"])"), "unknown escape"));
}

TEST(RuntimeJson, RejectsLoneSurrogates) {
  EXPECT_TRUE(has(failure(R"(["\uD800"])"), "high surrogate"));
  EXPECT_TRUE(has(failure(R"(["\uD800x"])"), "high surrogate"));
  EXPECT_TRUE(has(failure(R"(["\uD800\u0041"])"), "high surrogate"));
  EXPECT_TRUE(has(failure(R"(["\uDC00"])"), "lone low surrogate"));
}

TEST(RuntimeJson, DecodesEscapesToUTF8) {
  std::string error;
  JsonValue v;
  ASSERT_TRUE(parseJson(R"(["\u0041\u00e9\u20ac\uD83D\uDE00\u0000"])", v,
                        error))
      << error;
  EXPECT_EQ(v.array[0].string,
            std::string("A\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", 10) +
                std::string(1, '\0'));
  // Well-formed UTF-8 passes through unchanged.
  ASSERT_TRUE(parseJson("[\"\xC3\xA9\xF0\x9F\x98\x80\"]", v, error)) << error;
  EXPECT_EQ(v.array[0].string, "\xC3\xA9\xF0\x9F\x98\x80");
}

TEST(RuntimeJson, RejectsInvalidUTF8) {
  for (const char *bad : {
           "\xC3\x28",         // a lead byte without its continuation
           "\xC0\xAF",         // overlong '/'
           "\xE0\x80\xAF",     // overlong, three bytes
           "\xED\xA0\x80",     // a surrogate, encoded
           "\xF4\x90\x80\x80", // above U+10FFFF
           "\xF8\x88\x80\x80", // no such lead byte
           "\x80",             // a continuation byte alone
           "\xE2\x82",         // truncated at the end of the string
       }) {
    SCOPED_TRACE(bad);
    EXPECT_TRUE(has(failure(std::string("[\"") + bad + "\"]"),
                    "invalid UTF-8 in string"));
  }
}

TEST(RuntimeJson, RejectsControlCharactersInStrings) {
  EXPECT_TRUE(has(failure("[\"a\nb\"]"), "control character in string"));
  EXPECT_TRUE(has(failure("[\"a\tb\"]"), "control character in string"));
  EXPECT_TRUE(has(failure(std::string("[\"a\0b\"]", 7)),
                  "control character in string"));
}

TEST(RuntimeJson, NumbersFollowTheGrammar) {
  for (const char *bad : {"01", "-01", "00", "+1", "1.", ".5", "-", "1e",
                          "1e+", "--1", "0x10", "1.5e"}) {
    SCOPED_TRACE(bad);
    failure(std::string("[") + bad + "]");
  }
  EXPECT_TRUE(has(failure("[01]"), "leading zero"));
  EXPECT_TRUE(has(failure("[+1]"), "expected a value"));
  EXPECT_TRUE(has(failure("[1e999]"), "number out of range"));
  EXPECT_TRUE(has(failure("[18446744073709551616]"), "number out of range"));
  std::string error;
  JsonValue v;
  ASSERT_TRUE(parseJson("[0, -0, 0.5, -1.5E-3, 1e5, 10, 18446744073709551615]",
                        v, error))
      << error;
  EXPECT_EQ(v.array[0].kind, JsonValue::Kind::Int);
  EXPECT_EQ(v.array[1].integer, 0);
  EXPECT_DOUBLE_EQ(v.array[2].number, 0.5);
  EXPECT_DOUBLE_EQ(v.array[3].number, -1.5e-3);
  EXPECT_DOUBLE_EQ(v.array[4].number, 1e5);
  EXPECT_EQ(v.array[5].integer, 10);
  EXPECT_EQ(v.array[6].asBits(), ~0ull);
}
} // namespace
