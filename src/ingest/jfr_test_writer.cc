#include "ingest/jfr_test_writer.h"

namespace flamedb::ingest::jfr::testing {
namespace {

void Fixed(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out += static_cast<char>(v >> (8 * i));
}

void Varint(std::string& out, uint64_t v) {
  for (int i = 0; i < 8 && v >= 0x80; ++i) {
    out += static_cast<char>(0x80 | (v & 0x7f));
    v >>= 7;
  }
  out += static_cast<char>(v);  // The ninth byte, when reached, holds 8 bits.
}

// The metadata: classes with their fields (name, type, constant pool, array).
struct FieldDef {
  std::string name;
  int64_t type;
  bool pool;
  bool array;
};
struct ClassDef {
  int64_t id;
  std::string name;
  std::vector<FieldDef> fields;
};

const std::vector<ClassDef>& Classes() {
  static const std::vector<ClassDef> classes = {
      {kLong, "long", {}},
      {kInt, "int", {}},
      {kBoolean, "boolean", {}},
      {kString, "java.lang.String", {}},
      {kSymbol, "jdk.types.Symbol", {{"string", kString, false, false}}},
      {kClass, "java.lang.Class", {{"name", kSymbol, true, false}}},
      {kMethod, "jdk.types.Method", {{"type", kClass, true, false}, {"name", kSymbol, true, false}}},
      {kFrame, "jdk.types.StackFrame",
       {{"method", kMethod, true, false}, {"lineNumber", kInt, false, false}}},
      {kStackTrace, "jdk.types.StackTrace",
       {{"truncated", kBoolean, false, false}, {"frames", kFrame, false, true}}},
      {kThreadState, "jdk.types.ThreadState", {{"name", kString, false, false}}},
      {kExecutionSample, "jdk.ExecutionSample",
       {{"startTime", kLong, false, false}, {"stackTrace", kStackTrace, true, false},
        {"state", kThreadState, true, false}}},
      {kMonitorEnter, "jdk.JavaMonitorEnter",
       {{"startTime", kLong, false, false}, {"duration", kLong, false, false},
        {"stackTrace", kStackTrace, true, false}}},
      {kActiveSetting, "jdk.ActiveSetting",
       {{"startTime", kLong, false, false}, {"id", kLong, false, false},
        {"name", kString, false, false}, {"value", kString, false, false}}},
      {kLiveObject, "profiler.LiveObject",
       {{"startTime", kLong, false, false}, {"stackTrace", kStackTrace, true, false}}},
      {kMalloc, "profiler.Malloc",
       {{"startTime", kLong, false, false}, {"stackTrace", kStackTrace, true, false},
        {"size", kLong, false, false}}},
      {kThreadPark, "jdk.ThreadPark",
       {{"startTime", kLong, false, false}, {"duration", kLong, false, false},
        {"stackTrace", kStackTrace, true, false}}},
      {kWallClock, "profiler.WallClockSample",
       {{"startTime", kLong, false, false}, {"stackTrace", kStackTrace, true, false},
        {"samples", kInt, false, false}, {"contextId", kLong, false, false},
        {"spanId", kLong, false, false}, {"spanName", kLong, false, false}}},
  };
  return classes;
}

}  // namespace

void Writer::Long(std::string& out, int64_t v) const {
  compressed_ ? Varint(out, static_cast<uint64_t>(v)) : Fixed(out, static_cast<uint64_t>(v), 8);
}

void Writer::Int(std::string& out, int64_t v) const {
  compressed_ ? Varint(out, static_cast<uint64_t>(v)) : Fixed(out, static_cast<uint64_t>(v), 4);
}

void Writer::Utf8(std::string& out, std::string_view s) const {
  out += '\x03';
  Int(out, static_cast<int64_t>(s.size()));
  out += s;
}

std::string Writer::Event(int64_t type, std::string_view body) const {
  std::string head;
  Long(head, type);
  // The size counts itself: try growing widths until it fits (fixed ints: always 8 bytes).
  for (size_t width = 1;; ++width) {
    std::string size;
    Int(size, static_cast<int64_t>(width + head.size() + body.size()));
    if (size.size() == width) return size + head + std::string(body);
  }
}

void Writer::RawEvent(int64_t type, std::string_view body) { events_ += Event(type, body); }

void Writer::Symbol(int64_t id, std::string_view text) {
  std::string v;
  Utf8(v, text);
  pools_[kSymbol].emplace_back(id, v);
}
void Writer::Class(int64_t id, int64_t name_symbol) {
  std::string v;
  Long(v, name_symbol);
  pools_[kClass].emplace_back(id, v);
}
void Writer::Method(int64_t id, int64_t class_id, int64_t name_symbol) {
  std::string v;
  Long(v, class_id);
  Long(v, name_symbol);
  pools_[kMethod].emplace_back(id, v);
}
void Writer::Stack(int64_t id, const std::vector<int64_t>& methods) {
  std::string v(1, '\0');  // Not truncated.
  Int(v, static_cast<int64_t>(methods.size()));
  for (size_t i = 0; i < methods.size(); ++i) {
    Long(v, methods[i]);
    Int(v, static_cast<int64_t>(10 + i));  // Line number.
  }
  pools_[kStackTrace].emplace_back(id, v);
}
void Writer::State(int64_t id, std::string_view name) {
  std::string v;
  Utf8(v, name);
  pools_[kThreadState].emplace_back(id, v);
}

void Writer::ExecutionSample(int64_t stack, int64_t state) {
  std::string b;
  Long(b, 1);
  Long(b, stack);
  Long(b, state);
  RawEvent(kExecutionSample, b);
}
void Writer::MonitorEnter(int64_t stack, int64_t duration_ticks) {
  std::string b;
  Long(b, 1);
  Long(b, duration_ticks);
  Long(b, stack);
  RawEvent(kMonitorEnter, b);
}
void Writer::WallClock(int64_t stack, int64_t samples, int64_t context, int64_t span,
                       int64_t span_name) {
  std::string b;
  Long(b, 1);
  Long(b, stack);
  Int(b, samples);
  Long(b, context);
  Long(b, span);
  Long(b, span_name);
  RawEvent(kWallClock, b);
}
void Writer::LiveObject(int64_t stack) {
  std::string b;
  Long(b, 1);
  Long(b, stack);
  RawEvent(kLiveObject, b);
}
void Writer::Malloc(int64_t stack, int64_t size) {
  std::string b;
  Long(b, 1);
  Long(b, stack);
  Long(b, size);
  RawEvent(kMalloc, b);
}
void Writer::ThreadPark(int64_t stack, int64_t duration_ticks) {
  std::string b;
  Long(b, 1);
  Long(b, duration_ticks);
  Long(b, stack);
  RawEvent(kThreadPark, b);
}

void Writer::Setting(std::string_view name, std::string_view value) {
  std::string b;
  Long(b, 1);
  Long(b, 1);
  Utf8(b, name);
  Utf8(b, value);
  RawEvent(kActiveSetting, b);
}

std::string Writer::Metadata() const {
  std::vector<std::string> strings;
  std::map<std::string, int64_t> index;
  auto str = [&](const std::string& s) {
    auto [it, inserted] = index.try_emplace(s, static_cast<int64_t>(strings.size()));
    if (inserted) strings.push_back(s);
    return it->second;
  };
  // Elements: name, attributes, children.
  std::string tree;
  auto element = [&](const std::string& name,
                     const std::vector<std::pair<std::string, std::string>>& attrs,
                     int64_t children) {
    Int(tree, str(name));
    Int(tree, static_cast<int64_t>(attrs.size()));
    for (const auto& [k, v] : attrs) {
      Int(tree, str(k));
      Int(tree, str(v));
    }
    Int(tree, children);
  };
  element("root", {}, 1);
  element("metadata", {}, static_cast<int64_t>(Classes().size()));
  for (const ClassDef& c : Classes()) {
    element("class", {{"id", std::to_string(c.id)}, {"name", c.name}},
            static_cast<int64_t>(c.fields.size()));
    for (const FieldDef& f : c.fields) {
      std::vector<std::pair<std::string, std::string>> attrs = {
          {"name", f.name}, {"class", std::to_string(f.type)}};
      if (f.pool) attrs.emplace_back("constantPool", "true");
      if (f.array) attrs.emplace_back("dimension", "1");
      element("field", attrs, 0);
    }
  }
  std::string body;
  Long(body, 0);  // Start, duration, metadata id.
  Long(body, 0);
  Long(body, 1);
  Int(body, static_cast<int64_t>(strings.size()));
  for (const std::string& s : strings) Utf8(body, s);
  return Event(0, body + tree);
}

std::string Writer::Chunk(int64_t ticks_per_second) const {
  std::string body = events_;
  std::string cp;
  Long(cp, 0);  // Start, duration, delta (none: the only checkpoint).
  Long(cp, 0);
  Long(cp, 0);
  cp += '\x01';  // Flush.
  Int(cp, static_cast<int64_t>(pools_.size()));
  for (const auto& [type, entries] : pools_) {
    Long(cp, type);
    Int(cp, static_cast<int64_t>(entries.size()));
    for (const auto& [id, value] : entries) {
      Long(cp, id);
      cp += value;
    }
  }
  constant_pool_offset_ = 68 + body.size();
  body += Event(1, cp);
  metadata_offset_ = 68 + body.size();
  body += Metadata();
  std::string out = "FLR";
  out += '\0';
  Fixed(out, 2, 2);
  Fixed(out, 1, 2);
  Fixed(out, 68 + body.size(), 8);
  Fixed(out, constant_pool_offset_, 8);
  Fixed(out, metadata_offset_, 8);
  Fixed(out, 0, 8);  // Start nanos, duration nanos, start ticks.
  Fixed(out, 0, 8);
  Fixed(out, 0, 8);
  Fixed(out, static_cast<uint64_t>(ticks_per_second), 8);
  Fixed(out, compressed_ ? 1 : 0, 4);
  return out + body;
}

}  // namespace flamedb::ingest::jfr::testing
