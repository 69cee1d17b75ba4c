//===- Json.cpp - A minimal JSON reader for kernel manifests --------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <string>

using namespace fa::rt;

const JsonValue *JsonValue::get(const std::string &key) const {
  if (kind != Kind::Object)
    return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &it->second;
}

namespace {
class Parser {
public:
  explicit Parser(const std::string &text) : text(text) {}

  bool parse(JsonValue &result, std::string &error) {
    if (!parseValue(result, 0) || (skipSpace(), pos != text.size())) {
      if (message.empty())
        message = "trailing characters";
      error = "JSON error at byte " + std::to_string(pos) + ": " + message;
      return false;
    }
    return true;
  }

private:
  bool fail(std::string what) {
    message = std::move(what);
    return false;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\n' ||
                                 text[pos] == '\t' || text[pos] == '\r'))
      ++pos;
  }

  bool consume(const char *word) {
    size_t n = std::char_traits<char>::length(word);
    if (text.compare(pos, n, word) != 0)
      return false;
    pos += n;
    return true;
  }

  bool parseValue(JsonValue &v, int depth) {
    if (depth > 64)
      return fail("nesting too deep");
    skipSpace();
    if (pos >= text.size())
      return fail("unexpected end of input");
    char c = text[pos];
    if (c == '{')
      return parseObject(v, depth);
    if (c == '[')
      return parseArray(v, depth);
    if (c == '"') {
      v.kind = JsonValue::Kind::String;
      return parseString(v.string);
    }
    if (consume("true")) {
      v.kind = JsonValue::Kind::Bool;
      v.boolean = true;
      return true;
    }
    if (consume("false")) {
      v.kind = JsonValue::Kind::Bool;
      return true;
    }
    if (consume("null")) {
      v.kind = JsonValue::Kind::Null;
      return true;
    }
    return parseNumber(v);
  }

  bool parseObject(JsonValue &v, int depth) {
    v.kind = JsonValue::Kind::Object;
    ++pos; // '{'
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      std::string key;
      if (pos >= text.size() || text[pos] != '"')
        return fail("expected a string key");
      size_t keyStart = pos;
      if (!parseString(key))
        return false;
      // A second member of the same name would merge into the first (two
      // `kernels` arrays) or silently replace it.
      if (v.object.count(key)) {
        pos = keyStart;
        return fail("duplicate key \"" + key + "\"");
      }
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("expected ':'");
      ++pos;
      if (!parseValue(v.object[key], depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return true;
      }
      return fail("expected ',' or '}'");
    }
  }

  bool parseArray(JsonValue &v, int depth) {
    v.kind = JsonValue::Kind::Array;
    ++pos; // '['
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    while (true) {
      v.array.emplace_back();
      if (!parseValue(v.array.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return true;
      }
      return fail("expected ',' or ']'");
    }
  }

  static void appendUtf8(std::string &out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  /// Four hex digits at `pos` (consumed), or false.
  bool parseHex4(uint32_t &value) {
    if (pos + 4 > text.size())
      return false;
    value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos + i];
      int digit = c >= '0' && c <= '9'   ? c - '0'
                  : c >= 'a' && c <= 'f' ? c - 'a' + 10
                  : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                         : -1;
      if (digit < 0)
        return false;
      value = value * 16 + static_cast<uint32_t>(digit);
    }
    pos += 4;
    return true;
  }

  /// The code point of a `\u` escape whose `u` was consumed: a UTF-16 unit,
  /// or a surrogate pair of two escapes.
  bool parseUnicodeEscape(uint32_t &cp) {
    if (!parseHex4(cp))
      return fail("\\u needs four hex digits");
    if (cp >= 0xDC00 && cp <= 0xDFFF)
      return fail("lone low surrogate in \\u escape");
    if (cp < 0xD800 || cp > 0xDBFF)
      return true;
    uint32_t low = 0;
    if (text.compare(pos, 2, "\\u") != 0)
      return fail("high surrogate in \\u escape without a low one");
    pos += 2;
    if (!parseHex4(low) || low < 0xDC00 || low > 0xDFFF)
      return fail("high surrogate in \\u escape without a low one");
    cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
    return true;
  }

  /// Copies one UTF-8 encoded character starting at `pos` (its first byte
  /// is not ASCII): well-formed sequences only (no overlong forms, no
  /// surrogates, nothing above U+10FFFF), as RFC 8259 requires.
  bool copyUtf8(std::string &out) {
    auto byte = [&](size_t i) {
      return static_cast<unsigned char>(text[pos + i]);
    };
    unsigned char lead = byte(0);
    size_t length = lead >= 0xC2 && lead <= 0xDF   ? 2
                    : lead >= 0xE0 && lead <= 0xEF ? 3
                    : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                   : 0;
    if (length == 0 || pos + length > text.size())
      return fail("invalid UTF-8 in string");
    // The second byte's range excludes overlong forms, surrogates and code
    // points above U+10FFFF (Unicode 15, table 3-7).
    unsigned char low = 0x80, high = 0xBF;
    if (lead == 0xE0)
      low = 0xA0;
    else if (lead == 0xED)
      high = 0x9F;
    else if (lead == 0xF0)
      low = 0x90;
    else if (lead == 0xF4)
      high = 0x8F;
    if (byte(1) < low || byte(1) > high)
      return fail("invalid UTF-8 in string");
    for (size_t i = 2; i < length; ++i)
      if (byte(i) < 0x80 || byte(i) > 0xBF)
        return fail("invalid UTF-8 in string");
    out.append(text, pos, length);
    pos += length;
    return true;
  }

  bool parseString(std::string &out) {
    ++pos; // '"'
    while (pos < text.size()) {
      unsigned char c = static_cast<unsigned char>(text[pos]);
      if (c == '"') {
        ++pos;
        return true;
      }
      if (c < 0x20)
        return fail("control character in string (escape it)");
      if (c >= 0x80) {
        if (!copyUtf8(out))
          return false;
        continue;
      }
      ++pos;
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (pos >= text.size())
        break;
      char e = text[pos++];
      switch (e) {
      case '"':
      case '\\':
      case '/':
        out += e;
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!parseUnicodeEscape(cp))
          return false;
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail("unknown escape in string");
      }
    }
    return fail("unterminated string");
  }

  /// Digits at `pos`, consumed; false when there are none.
  bool digits() {
    size_t start = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
      ++pos;
    return pos > start;
  }

  /// RFC 8259's number: -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
  /// (no '+', no leading zeros, digits on both sides of the point).
  bool parseNumber(JsonValue &v) {
    size_t start = pos;
    if (pos < text.size() && text[pos] == '-')
      ++pos;
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9')
      return fail("expected a value");
    if (text[pos] == '0' && pos + 1 < text.size() && text[pos + 1] >= '0' &&
        text[pos + 1] <= '9')
      return fail("number with a leading zero");
    digits();
    bool isFloat = false;
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      if (!digits())
        return fail("malformed number: digits must follow '.'");
      isFloat = true;
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      ++pos;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        ++pos;
      if (!digits())
        return fail("malformed number: digits must follow the exponent");
      isFloat = true;
    }
    std::string token = text.substr(start, pos - start);
    errno = 0;
    char *end = nullptr;
    if (!isFloat && token[0] != '-') {
      v.unsignedInteger = std::strtoull(token.c_str(), &end, 10);
      v.kind = v.unsignedInteger > static_cast<uint64_t>(INT64_MAX)
                   ? JsonValue::Kind::UInt
                   : JsonValue::Kind::Int;
      v.integer = static_cast<int64_t>(v.unsignedInteger);
      v.number = static_cast<double>(v.unsignedInteger);
    } else if (!isFloat) {
      v.integer = std::strtoll(token.c_str(), &end, 10);
      v.kind = JsonValue::Kind::Int;
      v.number = static_cast<double>(v.integer);
    } else {
      v.number = std::strtod(token.c_str(), &end);
      v.kind = JsonValue::Kind::Double;
    }
    if (errno != 0 || end != token.c_str() + token.size())
      return fail("number out of range");
    return true;
  }

  const std::string &text;
  size_t pos = 0;
  std::string message;
};
} // namespace

bool fa::rt::parseJson(const std::string &text, JsonValue &result,
                       std::string &error) {
  result = JsonValue();
  return Parser(text).parse(result, error);
}
