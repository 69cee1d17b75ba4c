//===- Json.h - A minimal JSON reader for kernel manifests ------*- C++ -*-===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//
//
// Enough JSON for the manifests fa-compile writes: objects, arrays, strings,
// integers (kept exactly, up to 64 bits), floats, booleans and null. No
// dependency beyond the C++ standard library.
//
//===----------------------------------------------------------------------===//

#ifndef FA_RUNTIME_JSON_H
#define FA_RUNTIME_JSON_H

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace fa {
namespace rt {

/// One JSON value.
struct JsonValue {
  enum class Kind { Null, Bool, Int, UInt, Double, String, Array, Object };
  Kind kind = Kind::Null;
  bool boolean = false;
  int64_t integer = 0;
  uint64_t unsignedInteger = 0;
  double number = 0;
  std::string string;
  std::vector<JsonValue> array;
  std::map<std::string, JsonValue> object;

  bool isObject() const { return kind == Kind::Object; }
  bool isArray() const { return kind == Kind::Array; }
  bool isString() const { return kind == Kind::String; }
  bool isInteger() const { return kind == Kind::Int || kind == Kind::UInt; }

  /// Member `key` of an object, or nullptr.
  const JsonValue *get(const std::string &key) const;
  /// The value as a 64-bit pattern (integers only).
  uint64_t asBits() const {
    return kind == Kind::UInt ? unsignedInteger
                              : static_cast<uint64_t>(integer);
  }
};

/// Parses `text`; on failure returns false and sets `error` (with the byte
/// offset of the problem).
bool parseJson(const std::string &text, JsonValue &result, std::string &error);

} // namespace rt
} // namespace fa

#endif // FA_RUNTIME_JSON_H
