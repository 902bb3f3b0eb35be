// A small JFR writer for tests: builds recordings event by event, with control over what a real
// JVM never writes wrong (sizes, offsets, counts, string encodings), so that each malformed case
// is one deliberate change. Test-only.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flamedb::ingest::jfr::testing {

// Type ids of the writer's metadata.
enum TypeId : int64_t {
  kLong = 10, kInt = 11, kBoolean = 12, kString = 13,
  kSymbol = 20, kClass = 21, kMethod = 22, kFrame = 23, kStackTrace = 24, kThreadState = 25,
  kExecutionSample = 30, kMonitorEnter = 31, kActiveSetting = 32, kWallClock = 33,
  kLiveObject = 34, kMalloc = 35, kThreadPark = 36,
};

class Writer {
 public:
  // Compressed integers (the JVM's choice) or fixed-width big-endian ones.
  explicit Writer(bool compressed = true) : compressed_(compressed) {}

  void Long(std::string& out, int64_t v) const;
  void Int(std::string& out, int64_t v) const;  // Counts, sizes, int fields.
  void Utf8(std::string& out, std::string_view s) const;  // Encoding 3.

  // Constants. Methods are "<class>.<name>"; a stack is a list of method ids, leaf first.
  void Symbol(int64_t id, std::string_view text);
  void Class(int64_t id, int64_t name_symbol);
  void Method(int64_t id, int64_t class_id, int64_t name_symbol);
  void Stack(int64_t id, const std::vector<int64_t>& methods);
  void State(int64_t id, std::string_view name);

  // Events.
  void ExecutionSample(int64_t stack, int64_t state);
  void MonitorEnter(int64_t stack, int64_t duration_ticks);
  void WallClock(int64_t stack, int64_t samples, int64_t context, int64_t span, int64_t span_name);
  void Setting(std::string_view name, std::string_view value);
  // async-profiler's live objects and native allocations, and a parked thread.
  void LiveObject(int64_t stack);
  void Malloc(int64_t stack, int64_t size);
  void ThreadPark(int64_t stack, int64_t duration_ticks);
  // Any bytes as an event body (after size and type id).
  void RawEvent(int64_t type, std::string_view body);

  // The chunk: header, events, constant pool event, metadata event. `ticks_per_second` defaults
  // to 1e9.
  std::string Chunk(int64_t ticks_per_second = 1000000000) const;
  // The metadata event alone (for tests that break it) and the offsets Chunk() wrote.
  std::string Metadata() const;
  size_t metadata_offset() const { return metadata_offset_; }
  size_t constant_pool_offset() const { return constant_pool_offset_; }

 private:
  std::string Event(int64_t type, std::string_view body) const;

  bool compressed_;
  std::string events_;
  std::map<int64_t, std::vector<std::pair<int64_t, std::string>>> pools_;  // type -> entries
  mutable size_t metadata_offset_ = 0;
  mutable size_t constant_pool_offset_ = 0;
};

}  // namespace flamedb::ingest::jfr::testing
