// The ProfilesDictionary of an OTLP request, decoded into flat tables (internal to the OTLP
// conversion). Entries keep their wire indexes; strings are views into the request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "model/profile.h"
#include "pprof/wire.h"

namespace flamedb::ingest::otlp {

// An AnyValue; only strings and integers become labels.
struct Value {
  enum class Kind : uint8_t { kNone, kString, kInt, kOther } kind = Kind::kNone;
  std::string_view str;
  int64_t integer = 0;
  std::string Text() const;  // "" for kNone and kOther.
};

struct Attribute {
  int64_t key = 0;  // String index.
  Value value;
};

struct Mapping {
  uint64_t memory_start = 0, memory_limit = 0, file_offset = 0;
  int64_t filename = 0;
  model::Span attributes;  // Into Dictionary::indexes.
};

struct Line {
  int64_t function = 0;
  int64_t line = 0;
};

struct Location {
  int64_t mapping = 0;
  uint64_t address = 0;
  model::Span lines;  // Into Dictionary::lines.
};

struct Function {
  int64_t name = 0, system_name = 0, filename = 0, start_line = 0;
};

struct Link {
  std::string_view trace_id, span_id;
};

struct Dictionary {
  std::vector<std::string_view> strings;
  std::vector<Attribute> attributes;
  std::vector<Mapping> mappings;
  std::vector<Location> locations;
  std::vector<Line> lines;
  std::vector<Function> functions;
  std::vector<Link> links;
  std::vector<model::Span> stacks;  // Into indexes: the stack's location indexes, leaf first.
  std::vector<int64_t> indexes;     // Packed index lists of stacks and mappings.
  uint64_t largest_stack_index = 0;  // Over all stacks, as unsigned: CheckDictionary's shortcut.
};

// Errors: kInvalidArgument naming the table whose entry is malformed.
Result<Dictionary> ParseDictionary(std::string_view bytes);

// Checks every reference between the dictionary's tables (a location's mapping and functions, a
// function's and a mapping's strings, a stack's locations, an attribute's key), so that a
// profile built from it needs no further check. Errors: kInvalidArgument naming the entry and
// the index out of range.
Status CheckDictionary(const Dictionary& d);

// Reads a repeated integer field, packed or not, appending to `out`. False when malformed.
// `largest` is raised to the largest value read, as unsigned (negative values are large).
bool ReadInts(pprof::WireType type, pprof::WireReader& r, std::vector<int64_t>& out,
              uint64_t& largest);

// Reads a KeyValue's or KeyValueAndUnit's AnyValue (bytes of the message).
bool ParseValue(std::string_view bytes, Value& out);

}  // namespace flamedb::ingest::otlp
