#include "ingest/jfr.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <initializer_list>
#include <memory>

#include "base/strings.h"
#include "ingest/jfr_builder.h"
#include "ingest/jfr_chunk.h"
#include "ingest/jfr_symbols.h"

namespace flamedb::ingest {
namespace {

using jfr::Builder;
using jfr::Chunk;
using jfr::ProfileKind;
using jfr::Reader;

enum Kind : size_t { kCpu, kWall, kInTlab, kOutTlab, kAllocSample, kLock, kPark, kLive, kMalloc,
                     kKinds };

const std::array<ProfileKind, kKinds>& Kinds() {
  static const std::array<ProfileKind, kKinds> kinds = {{
      {"process_cpu", {{"cpu", "nanoseconds"}}, {"cpu", "nanoseconds"}, true},
      {"wall", {{"wall", "nanoseconds"}}, {"wall", "nanoseconds"}, true},
      {"memory", {{"alloc_in_new_tlab_objects", "count"}, {"alloc_in_new_tlab_bytes", "bytes"}},
       {"space", "bytes"}, false},
      {"memory", {{"alloc_outside_tlab_objects", "count"}, {"alloc_outside_tlab_bytes", "bytes"}},
       {"space", "bytes"}, false},
      {"memory", {{"alloc_sample_objects", "count"}, {"alloc_sample_bytes", "bytes"}},
       {"space", "bytes"}, false},
      {"mutex", {{"contentions", "count"}, {"delay", "nanoseconds"}}, {"mutex", "count"}, false},
      {"block", {{"contentions", "count"}, {"delay", "nanoseconds"}}, {"block", "count"}, false},
      {"memory", {{"live", "count"}}, {"objects", "count"}, false},
      {"memory", {{"malloc_objects", "count"}, {"malloc_bytes", "bytes"}}, {}, false},
  }};
  return kinds;
}

// How an event type's fields map to a sample: which field holds what (-1: none).
struct EventPlan {
  int stack = -1, state = -1, value = -1, duration = -1, context = -1, span = -1, span_name = -1;
  int setting_name = -1, setting_value = -1;
};

// The event types the conversion reads, with the field that carries the second value.
struct EventSource {
  std::string_view name;
  int kind;  // A Kind, or -1 for jdk.ActiveSetting.
  std::string_view value_field;
};
constexpr EventSource kSources[] = {
    {"jdk.ExecutionSample", kCpu, ""},
    {"profiler.WallClockSample", kWall, "samples"},
    {"jdk.ObjectAllocationInNewTLAB", kInTlab, "tlabSize"},
    {"jdk.ObjectAllocationOutsideTLAB", kOutTlab, "allocationSize"},
    {"jdk.ObjectAllocationSample", kAllocSample, "weight"},
    {"jdk.JavaMonitorEnter", kLock, ""},
    {"jdk.ThreadPark", kPark, ""},
    {"profiler.LiveObject", kLive, ""},
    {"profiler.Malloc", kMalloc, "size"},
    {"jdk.ActiveSetting", -1, ""},
};

// Whether field `i` of `t` holds an integer (or a constant's id) that Reader::Long can read.
bool Integral(const Chunk& c, const jfr::Type& t, int i) {
  if (i < 0) return false;
  const jfr::Field& f = t.fields[static_cast<size_t>(i)];
  if (f.array) return false;
  if (f.constant_pool) return true;
  const jfr::Kind k = c.TypeById(f.type)->kind;
  return k == jfr::Kind::kByte || k == jfr::Kind::kShort || k == jfr::Kind::kInt ||
         k == jfr::Kind::kLong || k == jfr::Kind::kChar;
}

// Reads a field that Integral() accepted, with the width of its type.
int64_t ReadIntegral(const Chunk& c, const jfr::Field& f, Reader& r) {
  if (f.constant_pool) return r.Long();
  switch (c.TypeById(f.type)->kind) {
    case jfr::Kind::kByte:
      return static_cast<int8_t>(r.U8());
    case jfr::Kind::kShort:
    case jfr::Kind::kChar:
      return r.Short();
    case jfr::Kind::kInt:
      return r.Int();
    default:
      return r.Long();
  }
}

EventPlan PlanFor(const Chunk& c, const jfr::Type& t, const EventSource& source) {
  EventPlan p;
  auto integral = [&](std::string_view name) {
    const int i = t.FieldIndex(name);
    return Integral(c, t, i) ? i : -1;
  };
  p.stack = t.FieldIndex("stackTrace");
  if (p.stack >= 0 && !t.fields[static_cast<size_t>(p.stack)].constant_pool) p.stack = -1;
  p.state = integral("state");
  p.value = source.value_field.empty() ? -1 : integral(source.value_field);
  p.duration = integral("duration");
  p.context = integral("contextId");
  p.span = integral("spanId");
  p.span_name = integral("spanName");
  p.setting_name = t.FieldIndex("name");
  p.setting_value = t.FieldIndex("value");
  return p;
}

// The text a field holds: an inline string, or a constant that is a string, or a struct (a
// Symbol, a Class, a ThreadState) whose `string` or `name` field holds it.
std::string_view Text(const Chunk& c, const jfr::Field& f, Reader& r, int depth = 0);

std::string_view ValueText(const Chunk& c, const jfr::Type& t, Reader& r, int depth) {
  if (t.kind == jfr::Kind::kString) return c.ReadString(r);
  if (t.kind != jfr::Kind::kStruct || depth > 3) return {};
  int index = t.FieldIndex("string");
  if (index < 0) index = t.FieldIndex("name");
  if (index < 0) return {};
  for (int i = 0; i < index; ++i) c.SkipField(r, t.fields[static_cast<size_t>(i)]);
  return Text(c, t.fields[static_cast<size_t>(index)], r, depth + 1);
}

std::string_view Text(const Chunk& c, const jfr::Field& f, Reader& r, int depth) {
  if (f.array) return c.SkipField(r, f), std::string_view();
  const jfr::Type& type = *c.TypeById(f.type);
  if (!f.constant_pool) return ValueText(c, type, r, depth);
  const size_t at = c.Constant(f.type, r.Long());
  if (at == 0) return {};
  Reader value = c.NewReader();
  value.Seek(at);
  return ValueText(c, type, value, depth);
}

// What one event holds, as its plan reads it.
struct EventValues {
  int64_t stack = 0, state = -1, value = 1, duration = 0, context = 0, span = 0, span_name = 0;
  bool has_stack = false;
  std::string_view setting_name, setting_value;
};

class Converter {
 public:
  Converter(const JfrLabels* labels, const JfrOptions& options)
      : labels_(labels), options_(options) {}

  Status AddChunk(const Chunk& c);
  JfrResult Finish() &&;

 private:
  struct Planned {
    const jfr::Type* type;
    const EventSource* source;
    EventPlan plan;
  };
  void ReadEvent(const Chunk& c, const Planned& p, Reader& r, EventValues& v) const;
  void AddSample(const Chunk& c, Kind kind, const EventValues& v,
                 std::initializer_list<int64_t> values);
  std::string_view FrameName(const Chunk& c, int64_t method);
  const std::vector<uint64_t>& Stack(const Chunk& c, Builder& b, int64_t id);
  bool Sleeping(const Chunk& c, const Planned& p, int64_t state);
  jfr::SampleLabels Labels(Builder& b, const EventValues& v) const;

  const JfrLabels* labels_;
  const JfrOptions options_;
  std::array<std::unique_ptr<Builder>, kKinds> builders_;
  std::string event_;
  // Per chunk: constant ids are only unique within one.
  std::unordered_map<int64_t, std::string> frame_names_;
  std::unordered_map<int64_t, bool> sleeping_;
};

void Converter::ReadEvent(const Chunk& c, const Planned& p, Reader& r, EventValues& v) const {
  const EventPlan& plan = p.plan;
  const int last = std::max({plan.stack, plan.state, plan.value, plan.duration, plan.context,
                             plan.span, plan.span_name, plan.setting_name, plan.setting_value});
  for (int i = 0; i <= last && r.ok(); ++i) {
    const jfr::Field& f = p.type->fields[static_cast<size_t>(i)];
    if (i == plan.stack) {
      v.stack = ReadIntegral(c, f, r);
      v.has_stack = true;
    } else if (i == plan.state) {
      v.state = ReadIntegral(c, f, r);
    } else if (i == plan.value) {
      v.value = ReadIntegral(c, f, r);
    } else if (i == plan.duration) {
      v.duration = ReadIntegral(c, f, r);
    } else if (i == plan.context) {
      v.context = ReadIntegral(c, f, r);
    } else if (i == plan.span) {
      v.span = ReadIntegral(c, f, r);
    } else if (i == plan.span_name) {
      v.span_name = ReadIntegral(c, f, r);
    } else if (p.source->kind < 0 && i == plan.setting_name) {
      v.setting_name = Text(c, f, r);
    } else if (p.source->kind < 0 && i == plan.setting_value) {
      v.setting_value = Text(c, f, r);
    } else {
      c.SkipField(r, f);
    }
  }
}

Status Converter::AddChunk(const Chunk& c) {
  frame_names_.clear();
  sleeping_.clear();
  for (auto& b : builders_) {
    if (b) b->NewChunk();
  }
  std::unordered_map<int64_t, Planned> planned;
  for (const EventSource& source : kSources) {
    if (const jfr::Type* t = c.TypeByName(source.name)) {
      planned.emplace(t->id, Planned{t, &source, PlanFor(c, *t, source)});
    }
  }
  auto bad = [&](const Planned& p) {
    return InvalidArgumentError("malformed JFR: a " + std::string(p.source->name) +
                                " event is truncated" +
                                (c.error().empty() ? "" : " (" + c.error() + ")"))
        .WithTag("malformed_profile");
  };
  // Settings first: the `event` setting decides what execution samples are.
  FLAMEDB_RETURN_IF_ERROR(c.ForEachEvent([&](int64_t type, Reader& r) -> Status {
    auto it = planned.find(type);
    if (it == planned.end() || it->second.source->kind >= 0) return OkStatus();
    EventValues v;
    ReadEvent(c, it->second, r, v);
    if (!r.ok()) return bad(it->second);
    if (v.setting_name == "event") event_ = std::string(v.setting_value);
    return OkStatus();
  }));
  return c.ForEachEvent([&](int64_t type, Reader& r) -> Status {
    auto it = planned.find(type);
    if (it == planned.end() || it->second.source->kind < 0) return OkStatus();
    const Planned& p = it->second;
    EventValues v;
    ReadEvent(c, p, r, v);
    if (!r.ok()) return bad(p);
    if (!v.has_stack || v.stack == 0) {
      return OkStatus();  // No stack trace (id 0 is null): nothing to attribute the event to.
    }
    if (c.Constant(p.type->fields[static_cast<size_t>(p.plan.stack)].type, v.stack) == 0) {
      return InvalidArgumentError("malformed JFR: a " + std::string(p.source->name) +
                                  " event references stack trace " + std::to_string(v.stack) +
                                  ", which no constant pool holds")
          .WithTag("malformed_profile");
    }
    const int64_t period = options_.period_nanos;
    const auto kind = static_cast<Kind>(p.source->kind);
    switch (kind) {
      case kCpu:
        if (v.state >= 0 && !Sleeping(c, p, v.state)) AddSample(c, kCpu, v, {period});
        if (event_ == "wall") AddSample(c, kWall, v, {period});
        break;
      case kWall:
        AddSample(c, kWall, v, {v.value * period});
        break;
      case kLock:
      case kPark: {
        const auto nanos = static_cast<int64_t>(static_cast<__int128>(v.duration) * 1000000000 /
                                                c.header().ticks_per_second);
        AddSample(c, kind, v, {1, nanos});
        break;
      }
      case kLive:
        AddSample(c, kind, v, {1});
        break;
      default:
        AddSample(c, kind, v, {1, v.value});
    }
    return r.ok() ? OkStatus() : bad(p);
  });
}

bool Converter::Sleeping(const Chunk& c, const Planned& p, int64_t state) {
  auto [it, inserted] = sleeping_.try_emplace(state, false);
  if (inserted) {
    const jfr::Field& f = p.type->fields[static_cast<size_t>(p.plan.state)];
    const size_t at = f.constant_pool ? c.Constant(f.type, state) : 0;
    if (at != 0) {
      Reader r = c.NewReader();
      r.Seek(at);
      it->second = ValueText(c, *c.TypeById(f.type), r, 0) == "STATE_SLEEPING";
    }
  }
  return it->second;
}

std::string_view Converter::FrameName(const Chunk& c, int64_t method) {
  auto [it, inserted] = frame_names_.try_emplace(method);
  if (!inserted) return it->second;
  const jfr::Type* type = c.TypeByName("jdk.types.Method");
  const size_t at = type == nullptr ? 0 : c.Constant(type->id, method);
  const int cls = type == nullptr ? -1 : type->FieldIndex("type");
  const int name = type == nullptr ? -1 : type->FieldIndex("name");
  if (at == 0 || cls < 0 || name < 0) return {};
  Reader r = c.NewReader();
  r.Seek(at);
  std::string_view class_name, method_name;
  bool has_class = false;
  for (int i = 0; i <= std::max(cls, name) && r.ok(); ++i) {
    const jfr::Field& f = type->fields[static_cast<size_t>(i)];
    if (i == cls) {
      Reader id = r;  // A class that no pool holds, as opposed to one whose name is empty.
      has_class = !f.constant_pool || f.array || c.Constant(f.type, id.Long()) != 0;
      class_name = Text(c, f, r);
    } else if (i == name) {
      method_name = Text(c, f, r);
    } else {
      c.SkipField(r, f);
    }
  }
  // As Pyroscope, a frame whose class no pool holds is left out. async-profiler gives kernel
  // and some VM frames a class with an empty name: they are named by the method alone
  // (Pyroscope: ".name").
  if (!r.ok() || !has_class) return {};
  if (class_name.empty()) {
    it->second = std::string(method_name);
  } else {
    it->second = jfr::MergeGeneratedClassName(class_name) + "." + std::string(method_name);
  }
  return it->second;
}

const std::vector<uint64_t>& Converter::Stack(const Chunk& c, Builder& b, int64_t id) {
  auto [it, inserted] = b.stack_locations().try_emplace(id);
  if (!inserted) return it->second;
  const jfr::Type* trace = c.TypeByName("jdk.types.StackTrace");
  const size_t at = trace == nullptr ? 0 : c.Constant(trace->id, id);
  const int frames = trace == nullptr ? -1 : trace->FieldIndex("frames");
  if (at == 0 || frames < 0) return it->second;
  Reader r = c.NewReader();
  r.Seek(at);
  for (int i = 0; i < frames; ++i) c.SkipField(r, trace->fields[static_cast<size_t>(i)]);
  const jfr::Field& f = trace->fields[static_cast<size_t>(frames)];
  const jfr::Type& frame = *c.TypeById(f.type);
  const int method = frame.FieldIndex("method"), line = frame.FieldIndex("lineNumber");
  const uint32_t n = f.array ? r.Count(0) : 0;
  for (uint32_t k = 0; k < n && r.ok(); ++k) {
    Reader pooled = r;  // Frames held as constants are read where the pool has them.
    Reader* fr = &r;
    if (f.constant_pool) {
      const size_t frame_at = c.Constant(f.type, r.Long());
      if (frame_at == 0) continue;
      pooled.Seek(frame_at);
      fr = &pooled;
    }
    int64_t method_id = 0, line_number = 0;
    for (int i = 0; i < static_cast<int>(frame.fields.size()) && fr->ok(); ++i) {
      if (i == method && Integral(c, frame, i)) {
        method_id = ReadIntegral(c, frame.fields[static_cast<size_t>(i)], *fr);
      } else if (i == line && Integral(c, frame, i)) {
        line_number = ReadIntegral(c, frame.fields[static_cast<size_t>(i)], *fr);
      } else {
        c.SkipField(*fr, frame.fields[static_cast<size_t>(i)]);
      }
    }
    if (!fr->ok()) r.Fail();
    const std::string_view name = FrameName(c, method_id);
    if (!name.empty()) it->second.push_back(b.Location(name, line_number));
  }
  if (!r.ok()) it->second.clear();
  return it->second;
}

jfr::SampleLabels Converter::Labels(Builder& b, const EventValues& v) const {
  jfr::SampleLabels out;
  auto text = [&](int64_t id) -> std::string_view {
    auto it = labels_->strings.find(id);
    return it == labels_->strings.end() ? std::string_view() : it->second;
  };
  if (labels_ != nullptr && v.context != 0) {
    if (auto it = labels_->contexts.find(v.context); it != labels_->contexts.end()) {
      for (const auto& [k, val] : it->second) {
        if (!text(k).empty()) out.emplace_back(b.String(text(k)), b.String(text(val)));
      }
    }
  }
  if (v.span != 0) {
    out.emplace_back(b.String("profile_id"), b.String(base::Hex64(v.span)));
  }
  if (labels_ != nullptr && v.span_name != 0 && !text(v.span_name).empty()) {
    out.emplace_back(b.String("span_name"), b.String(text(v.span_name)));
  }
  return out;
}

void Converter::AddSample(const Chunk& c, Kind kind, const EventValues& v,
                          std::initializer_list<int64_t> values) {
  std::unique_ptr<Builder>& b = builders_[kind];
  if (!b) {
    b = std::make_unique<Builder>(Kinds()[kind], options_.period_nanos, options_.time_nanos,
                                  options_.duration_nanos);
  }
  const std::vector<uint64_t>& stack = Stack(c, *b, v.stack);
  if (stack.empty()) return;
  b->Add(static_cast<uint64_t>(v.stack), stack, Labels(*b, v),
         std::span<const int64_t>(values.begin(), values.size()));
}

JfrResult Converter::Finish() && {
  JfrResult out;
  out.event = std::move(event_);
  for (std::unique_ptr<Builder>& b : builders_) {
    if (b && !b->empty()) {
      out.profiles.push_back({std::string(b->kind().metric), std::move(*b).Build()});
    }
  }
  return out;
}

}  // namespace

Result<JfrResult> ParseJfr(std::string_view recording, const JfrLabels* labels,
                           const JfrOptions& options) {
  if (recording.empty()) {
    return InvalidArgumentError("malformed JFR: the recording is empty").WithTag("malformed_profile");
  }
  Converter converter(labels, options);
  for (size_t offset = 0; offset < recording.size();) {
    FLAMEDB_ASSIGN_OR_RETURN(std::unique_ptr<Chunk> chunk, Chunk::Open(recording.substr(offset)));
    FLAMEDB_RETURN_IF_ERROR(converter.AddChunk(*chunk));
    offset += chunk->bytes().size();
  }
  return std::move(converter).Finish();
}

}  // namespace flamedb::ingest
