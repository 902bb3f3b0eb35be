#include "ingest/otlp_dictionary.h"

#include <algorithm>

namespace flamedb::ingest::otlp {

using pprof::ForEachField;
using pprof::WireReader;
using pprof::WireType;

std::string Value::Text() const {
  switch (kind) {
    case Kind::kString:
      return std::string(str);
    case Kind::kInt:
      return std::to_string(integer);
    default:
      return {};
  }
}

bool ReadInts(WireType type, WireReader& r, std::vector<int64_t>& out, uint64_t& largest) {
  uint64_t v = 0;
  if (type == WireType::kVarint) {
    if (!r.ReadVarint(v)) return false;
    out.push_back(static_cast<int64_t>(v));
    largest = std::max(largest, v);
    return true;
  }
  std::string_view packed;
  if (type != WireType::kLengthDelimited || !r.ReadLengthDelimited(packed)) return false;
  // At most one value per byte: room for all of them, then the vector is cut to what was read.
  const size_t at = out.size();
  if (out.capacity() - at < packed.size()) {
    out.reserve(std::max(at + packed.size(), out.capacity() * 2));
  }
  out.resize(at + packed.size());
  int64_t* next = out.data() + at;
  uint64_t high = largest;
  const auto* p = reinterpret_cast<const uint8_t*>(packed.data());
  const uint8_t* const end = p + packed.size();
  while (p != end) {
    // Indexes below 16384 (one or two bytes) inline: most stacks' locations in real profiles.
    if (p[0] < 0x80) {
      v = *p++;
    } else if (end - p >= 2 && p[1] < 0x80) {
      v = (p[0] & 0x7fu) | static_cast<uint64_t>(p[1]) << 7;
      p += 2;
    } else {
      WireReader rest(std::string_view(reinterpret_cast<const char*>(p), end - p));
      if (!rest.ReadVarint(v)) return out.resize(at), false;
      p += rest.offset();
    }
    *next++ = static_cast<int64_t>(v);
    high = std::max(high, v);
  }
  out.resize(static_cast<size_t>(next - out.data()));
  largest = high;
  return true;
}

namespace {

// Reads an int64/int32/uint64 field into `out`: true when it was this field.
bool Int(WireType type, WireReader& r, int64_t& out) {
  uint64_t v = 0;
  if (type != WireType::kVarint || !r.ReadVarint(v)) return false;
  out = static_cast<int64_t>(v);
  return true;
}

bool Bytes(WireType type, WireReader& r, std::string_view& out) {
  return type == WireType::kLengthDelimited && r.ReadLengthDelimited(out);
}

// Each table entry is a length-delimited message parsed by `parse`, which reads one field.
template <typename T, typename Fn>
bool Entry(WireType type, WireReader& r, std::vector<T>& table, Fn&& parse) {
  std::string_view bytes;
  if (!Bytes(type, r, bytes)) return false;
  T entry{};
  bool ok = true;
  const bool parsed = ForEachField(bytes, [&](uint32_t field, WireType t, WireReader& e) {
    int handled = parse(entry, field, t, e);  // 1: read, 0: not ours, -1: malformed.
    if (handled < 0) ok = false;
    return handled != 0;
  });
  table.push_back(entry);
  return parsed && ok;
}

// The index list of `field` in an entry: appended to d.indexes, its span kept in `span`, its
// largest index raising `largest`.
int IndexList(Dictionary& d, model::Span& span, WireType t, WireReader& e, uint64_t& largest) {
  if (span.size == 0) span.begin = static_cast<uint32_t>(d.indexes.size());
  if (span.begin + span.size != d.indexes.size()) return -1;  // Interleaved lists.
  const size_t before = d.indexes.size();
  if (!ReadInts(t, e, d.indexes, largest)) return -1;
  span.size += static_cast<uint32_t>(d.indexes.size() - before);
  return 1;
}

}  // namespace

bool ParseValue(std::string_view bytes, Value& out) {
  return ForEachField(bytes, [&](uint32_t field, WireType t, WireReader& r) {
    if (field == 1 && Bytes(t, r, out.str)) return out.kind = Value::Kind::kString, true;
    if (field == 3 && Int(t, r, out.integer)) return out.kind = Value::Kind::kInt, true;
    if (field >= 2 && field <= 7) out.kind = Value::Kind::kOther;
    return false;
  });
}

namespace {

Status OutOfRange(std::string_view entry, size_t i, std::string_view what, int64_t index,
                  size_t size) {
  return InvalidArgumentError(std::string(entry) + " " + std::to_string(i) + ": " +
                              std::string(what) + " index " + std::to_string(index) +
                              " is out of range (the table has " + std::to_string(size) +
                              " entries)")
      .WithTag("malformed_profile");
}

bool Fits(int64_t index, size_t size) {
  return index >= 0 && static_cast<uint64_t>(index) < size;
}

}  // namespace

Status CheckDictionary(const Dictionary& d) {
  const size_t strings = d.strings.size();
  for (size_t i = 0; i < d.functions.size(); ++i) {
    const Function& f = d.functions[i];
    for (const auto& [index, what] : {std::pair{f.name, "name string"},
                                      std::pair{f.system_name, "system name string"},
                                      std::pair{f.filename, "filename string"}}) {
      if (!Fits(index, strings)) return OutOfRange("function", i, what, index, strings);
    }
  }
  for (size_t i = 0; i < d.mappings.size(); ++i) {
    const Mapping& m = d.mappings[i];
    if (!Fits(m.filename, strings)) return OutOfRange("mapping", i, "filename string", m.filename, strings);
    for (uint32_t k = 0; k < m.attributes.size; ++k) {
      const int64_t a = d.indexes[m.attributes.begin + k];
      if (!Fits(a, d.attributes.size())) return OutOfRange("mapping", i, "attribute", a, d.attributes.size());
    }
  }
  for (size_t i = 0; i < d.attributes.size(); ++i) {
    if (!Fits(d.attributes[i].key, strings)) {
      return OutOfRange("attribute", i, "key string", d.attributes[i].key, strings);
    }
  }
  for (size_t i = 0; i < d.locations.size(); ++i) {
    const Location& l = d.locations[i];
    if (!Fits(l.mapping, d.mappings.size()) && !(l.mapping == 0 && d.mappings.empty())) {
      return OutOfRange("location", i, "mapping", l.mapping, d.mappings.size());
    }
    for (uint32_t k = 0; k < l.lines.size; ++k) {
      const int64_t f = d.lines[l.lines.begin + k].function;
      if (!Fits(f, d.functions.size())) return OutOfRange("location", i, "function", f, d.functions.size());
    }
  }
  // Most of the dictionary's indexes: the largest was noted while parsing, so the search for the
  // one out of range (for the message) runs only when there is one.
  const size_t locations = d.locations.size();
  for (size_t i = 0; d.largest_stack_index >= locations && i < d.stacks.size(); ++i) {
    for (uint32_t k = 0; k < d.stacks[i].size; ++k) {
      const int64_t l = d.indexes[d.stacks[i].begin + k];
      if (!Fits(l, locations)) return OutOfRange("stack", i, "location", l, locations);
    }
  }
  return OkStatus();
}

Result<Dictionary> ParseDictionary(std::string_view bytes) {
  Dictionary d;
  const char* bad = nullptr;
  const bool parsed = ForEachField(bytes, [&](uint32_t field, WireType type, WireReader& r) {
    bool ok = true;
    switch (field) {
      case 1:
        ok = Entry(type, r, d.mappings, [&](Mapping& m, uint32_t f, WireType t, WireReader& e) {
          int64_t v = 0;
          if (f >= 1 && f <= 4 && !Int(t, e, v)) return -1;
          if (f == 1) m.memory_start = static_cast<uint64_t>(v);
          if (f == 2) m.memory_limit = static_cast<uint64_t>(v);
          if (f == 3) m.file_offset = static_cast<uint64_t>(v);
          if (f == 4) m.filename = v;
          uint64_t ignored = 0;  // Mapping attributes are checked one by one: they are few.
          if (f == 5) return IndexList(d, m.attributes, t, e, ignored);
          return f >= 1 && f <= 4 ? 1 : 0;
        });
        bad = ok ? bad : "mapping_table";
        break;
      case 2:
        ok = Entry(type, r, d.locations, [&](Location& l, uint32_t f, WireType t, WireReader& e) {
          int64_t v = 0;
          if (f == 1) return Int(t, e, l.mapping) ? 1 : -1;
          if (f == 2) return Int(t, e, v) ? (l.address = static_cast<uint64_t>(v), 1) : -1;
          if (f != 3) return 0;
          if (l.lines.size == 0) l.lines.begin = static_cast<uint32_t>(d.lines.size());
          return Entry(t, e, d.lines, [](Line& line, uint32_t lf, WireType lt, WireReader& le) {
                   if (lf == 1) return Int(lt, le, line.function) ? 1 : -1;
                   if (lf == 2) return Int(lt, le, line.line) ? 1 : -1;
                   return 0;
                 }) && d.lines.size() == l.lines.begin + l.lines.size + 1
                     ? (++l.lines.size, 1)
                     : -1;
        });
        bad = ok ? bad : "location_table";
        break;
      case 3:
        ok = Entry(type, r, d.functions, [](Function& fn, uint32_t f, WireType t, WireReader& e) {
          int64_t* slots[] = {nullptr, &fn.name, &fn.system_name, &fn.filename, &fn.start_line};
          if (f < 1 || f > 4) return 0;
          return Int(t, e, *slots[f]) ? 1 : -1;
        });
        bad = ok ? bad : "function_table";
        break;
      case 4:
        ok = Entry(type, r, d.links, [](Link& l, uint32_t f, WireType t, WireReader& e) {
          if (f == 1) return Bytes(t, e, l.trace_id) ? 1 : -1;
          if (f == 2) return Bytes(t, e, l.span_id) ? 1 : -1;
          return 0;
        });
        bad = ok ? bad : "link_table";
        break;
      case 5: {
        std::string_view s;
        ok = Bytes(type, r, s);
        d.strings.push_back(s);
        bad = ok ? bad : "string_table";
        break;
      }
      case 6:
        ok = Entry(type, r, d.attributes, [](Attribute& a, uint32_t f, WireType t, WireReader& e) {
          std::string_view value;
          if (f == 1) return Int(t, e, a.key) ? 1 : -1;
          if (f == 2) return Bytes(t, e, value) && ParseValue(value, a.value) ? 1 : -1;
          return 0;
        });
        bad = ok ? bad : "attribute_table";
        break;
      case 7:
        ok = Entry(type, r, d.stacks, [&](model::Span& s, uint32_t f, WireType t, WireReader& e) {
          return f == 1 ? IndexList(d, s, t, e, d.largest_stack_index) : 0;
        });
        bad = ok ? bad : "stack_table";
        break;
      default:
        return false;
    }
    return ok || r.Fail();
  });
  if (!parsed) {
    return InvalidArgumentError(std::string("malformed OTLP dictionary") +
                                (bad ? std::string(": an entry of ") + bad + " does not decode"
                                     : ""))
        .WithTag("malformed_profile");
  }
  return d;
}

}  // namespace flamedb::ingest::otlp
