//===- Json.cpp - A minimal JSON reader for kernel manifests --------------===//
//
// Part of flashattn-mlir.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <cerrno>
#include <cstdlib>

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
  bool fail(const char *what) {
    message = what;
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
      if (!parseString(key))
        return false;
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

  static void appendUtf8(std::string &out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool parseString(std::string &out) {
    ++pos; // '"'
    while (pos < text.size()) {
      char c = text[pos++];
      if (c == '"')
        return true;
      if (c != '\\') {
        out += c;
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
        if (pos + 4 > text.size())
          return fail("truncated \\u escape");
        unsigned cp = std::strtoul(text.substr(pos, 4).c_str(), nullptr, 16);
        pos += 4;
        appendUtf8(out, cp);
        break;
      }
      default:
        return fail("unknown escape in string");
      }
    }
    return fail("unterminated string");
  }

  bool parseNumber(JsonValue &v) {
    size_t start = pos;
    bool isFloat = false;
    if (pos < text.size() && text[pos] == '-')
      ++pos;
    while (pos < text.size()) {
      char c = text[pos];
      if (c >= '0' && c <= '9') {
        ++pos;
      } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
        isFloat = true;
        ++pos;
      } else {
        break;
      }
    }
    std::string token = text.substr(start, pos - start);
    if (token.empty() || token == "-")
      return fail("expected a value");
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
      return fail("malformed number");
    return true;
  }

  const std::string &text;
  size_t pos = 0;
  std::string message;
};
} // namespace

bool fa::rt::parseJson(const std::string &text, JsonValue &result,
                       std::string &error) {
  return Parser(text).parse(result, error);
}
