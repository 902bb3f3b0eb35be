#include "block/symbols.h"

#include <algorithm>
#include <tuple>

#include "block/coding.h"

namespace flamedb::block {

namespace {

// A total order on what locations hold (not their ids): the same in every partition, so every
// block orders the children of a stack node the same way.
int CompareLocations(const symdb::Partition& p, uint32_t a, uint32_t b) {
  const auto cmp = [](auto x, auto y) { return x < y ? -1 : (y < x ? 1 : 0); };
  const symdb::Location& x = p.location(a);
  const symdb::Location& y = p.location(b);
  const auto lx = p.Lines(x);
  const auto ly = p.Lines(y);
  for (size_t i = 0; i < std::min(lx.size(), ly.size()); ++i) {
    const symdb::Function& fx = p.function(lx[i].function);
    const symdb::Function& fy = p.function(ly[i].function);
    if (int c = p.String(fx.name).compare(p.String(fy.name))) return c;
    if (int c = cmp(lx[i].line, ly[i].line)) return c;
    if (int c = p.String(fx.filename).compare(p.String(fy.filename))) return c;
    if (int c = p.String(fx.system_name).compare(p.String(fy.system_name))) return c;
    if (int c = cmp(fx.start_line, fy.start_line)) return c;
  }
  if (int c = cmp(lx.size(), ly.size())) return c;
  if (int c = cmp(x.address, y.address)) return c;
  const symdb::Mapping& mx = p.mapping(x.mapping);
  const symdb::Mapping& my = p.mapping(y.mapping);
  if (int c = p.String(mx.filename).compare(p.String(my.filename))) return c;
  if (int c = p.String(mx.build_id).compare(p.String(my.build_id))) return c;
  return cmp(std::tie(mx.memory_start, mx.memory_limit, mx.file_offset, mx.flags),
             std::tie(my.memory_start, my.memory_limit, my.file_offset, my.flags));
}

}  // namespace

std::vector<uint32_t> DepthFirstOrder(const symdb::Partition& p) {
  const auto n = static_cast<uint32_t>(p.stacks());
  // Children of each node, grouped by parent (counting sort keeps ascending ids).
  std::vector<uint32_t> first(n + 1, 0);
  for (uint32_t node = 1; node < n; ++node) {
    ++first[p.stack_parent(node) + 1];
  }
  for (uint32_t i = 0; i < n; ++i) {
    first[i + 1] += first[i];
  }
  std::vector<uint32_t> children(n > 0 ? n - 1 : 0);
  std::vector<uint32_t> fill(first.begin(), first.end() - 1);
  for (uint32_t node = 1; node < n; ++node) {
    children[fill[p.stack_parent(node)]++] = node;
  }
  // Siblings by location content: then each block's preorder is the same order restricted to
  // its stacks, so blocks merged by compaction keep their rows' stacks ascending.
  for (uint32_t node = 0; node < n; ++node) {
    if (first[node + 1] - first[node] < 2) continue;
    std::sort(children.begin() + first[node], children.begin() + first[node + 1],
              [&](uint32_t a, uint32_t b) {
                return CompareLocations(p, p.stack_location(a), p.stack_location(b)) < 0;
              });
  }
  std::vector<uint32_t> order;
  order.reserve(n);
  std::vector<uint32_t> pending = {0};
  while (!pending.empty()) {
    const uint32_t node = pending.back();
    pending.pop_back();
    order.push_back(node);
    // Pushed in reverse so that the first child is visited first.
    for (uint32_t c = first[node + 1]; c > first[node]; --c) {
      pending.push_back(children[c - 1]);
    }
  }
  return order;
}

std::string EncodeSymbols(const symdb::Partition& p, const std::vector<uint32_t>& order) {
  ByteWriter w;
  w.Varint(p.strings());
  w.Varint(p.mappings());
  w.Varint(p.functions());
  w.Varint(p.locations());
  w.Varint(p.lines());
  w.Varint(order.size());
  for (uint32_t i = 0; i < p.strings(); ++i) w.Varint(p.String(i).size());
  for (uint32_t i = 0; i < p.strings(); ++i) w.Raw(p.String(i));
  for (uint32_t i = 0; i < p.mappings(); ++i) {
    const symdb::Mapping& m = p.mapping(i);
    w.Varint(m.filename);
    w.Varint(m.build_id);
    w.Varint(m.memory_start);
    w.Varint(m.memory_limit);
    w.Varint(m.file_offset);
    w.Varint(m.flags);
  }
  for (uint32_t i = 0; i < p.functions(); ++i) w.Varint(p.function(i).name);
  for (uint32_t i = 0; i < p.functions(); ++i) w.Varint(p.function(i).system_name);
  for (uint32_t i = 0; i < p.functions(); ++i) w.Varint(p.function(i).filename);
  for (uint32_t i = 0; i < p.functions(); ++i) w.Varint(p.function(i).start_line);
  for (uint32_t i = 0; i < p.locations(); ++i) w.Varint(p.location(i).mapping);
  uint64_t address = 0;
  for (uint32_t i = 0; i < p.locations(); ++i) {
    w.Signed(static_cast<int64_t>(p.location(i).address - address));
    address = p.location(i).address;
  }
  for (uint32_t i = 0; i < p.locations(); ++i) w.Varint(p.location(i).lines_size);
  for (uint32_t i = 0; i < p.locations(); ++i) {
    for (const symdb::Line& l : p.Lines(p.location(i))) w.Varint(l.function);
  }
  for (uint32_t i = 0; i < p.locations(); ++i) {
    for (const symdb::Line& l : p.Lines(p.location(i))) w.Signed(l.line);
  }
  // Stack nodes in depth-first order: a node's parent is the node before it or one of that
  // node's ancestors, so (position - 1 - parent position) is usually 0 or small.
  std::vector<uint32_t> position(order.size());
  for (uint32_t i = 0; i < order.size(); ++i) position[order[i]] = i;
  for (uint32_t i = 1; i < order.size(); ++i) w.Varint(i - 1 - position[p.stack_parent(order[i])]);
  for (uint32_t i = 1; i < order.size(); ++i) w.Varint(p.stack_location(order[i]));
  return std::move(w.str());
}

namespace {

// A count of entries that each take at least one byte.
uint64_t Count(ByteReader& r) { return r.Below(r.remaining() + 1); }

}  // namespace

Result<std::unique_ptr<symdb::Partition>> DecodeSymbols(std::string_view raw) {
  ByteReader r(raw);
  const uint64_t strings = Count(r), mappings = Count(r), functions = Count(r),
                 locations = Count(r), lines = Count(r), nodes = Count(r);
  symdb::PartitionColumns c;
  uint64_t end = 0;
  for (uint64_t i = 0; i < strings && r.ok(); ++i) {
    end += r.Below(r.remaining() + 1);
    c.string_ends.push_back(end);
  }
  c.string_bytes = std::string(r.Take(end));
  for (uint64_t i = 0; i < mappings && r.ok(); ++i) {
    symdb::Mapping m;
    m.filename = static_cast<uint32_t>(r.Below(strings));
    m.build_id = static_cast<uint32_t>(r.Below(strings));
    m.memory_start = r.Varint();
    m.memory_limit = r.Varint();
    m.file_offset = r.Varint();
    m.flags = static_cast<uint8_t>(r.Below(256));
    c.mappings.push_back(m);
  }
  c.functions.resize(r.ok() && functions <= r.remaining() ? functions : 0);
  for (symdb::Function& f : c.functions) f.name = static_cast<uint32_t>(r.Below(strings));
  for (symdb::Function& f : c.functions) f.system_name = static_cast<uint32_t>(r.Below(strings));
  for (symdb::Function& f : c.functions) f.filename = static_cast<uint32_t>(r.Below(strings));
  for (symdb::Function& f : c.functions) f.start_line = static_cast<uint32_t>(r.Below(UINT32_MAX));
  c.locations.resize(r.ok() && locations <= r.remaining() ? locations : 0);
  for (symdb::Location& l : c.locations) l.mapping = static_cast<uint32_t>(r.Below(mappings));
  uint64_t address = 0;
  for (symdb::Location& l : c.locations) l.address = address += static_cast<uint64_t>(r.Signed());
  uint64_t line_count = 0;
  for (symdb::Location& l : c.locations) {
    l.lines_begin = static_cast<uint32_t>(line_count);
    l.lines_size = static_cast<uint32_t>(r.Below(lines - line_count + 1));
    line_count += l.lines_size;
  }
  c.lines.resize(r.ok() && line_count == lines && lines <= r.remaining() ? lines : 0);
  for (symdb::Line& l : c.lines) l.function = static_cast<uint32_t>(r.Below(functions));
  for (symdb::Line& l : c.lines) l.line = static_cast<int32_t>(r.Signed());
  const bool sizes_ok = r.ok() && c.mappings.size() == mappings &&
                        c.functions.size() == functions && c.locations.size() == locations &&
                        c.lines.size() == lines && nodes >= 1 && nodes <= r.remaining() + 1;
  if (sizes_ok) {
    c.stack_parent.resize(nodes);
    c.stack_location.resize(nodes);
    for (uint64_t i = 1; i < nodes; ++i) {
      c.stack_parent[i] = static_cast<uint32_t>(i - 1 - r.Below(i));
    }
    for (uint64_t i = 1; i < nodes; ++i) {
      c.stack_location[i] = static_cast<uint32_t>(r.Below(locations));
    }
  }
  if (!sizes_ok || !r.ok() || !r.done()) {
    return DataLossError("block: a symbol partition does not decode");
  }
  return symdb::Partition::FromColumns(std::move(c));
}

}  // namespace flamedb::block
