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
} // namespace
