// Ad-hoc profiles (Pyroscope's adhocprofiles.v1): profile files a user uploads to look at, kept
// per tenant in the bucket so that a link to one can be shared. They are not series: queries
// never see them. api/adhoc_service.h is the wire side.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "objstore/bucket.h"
#include "query/function_tree.h"

namespace flamedb::adhoc {

// A stored profile's listing entry. The id is "<ULID>-<name>": the ULID's time is the upload
// time, so listing needs no reads.
struct Listed {
  std::string id;
  std::string name;
  int64_t uploaded_at_ms = 0;
};

// One sample type of a profile, flattened: what a flame graph of it needs.
struct View {
  Listed meta;
  std::vector<std::string> sample_types;  // Of the file, in its order (pprof's sample_type).
  std::string sample_type;                // The one `tree` shows.
  std::string unit;                       // Its unit ("nanoseconds", "bytes", "count", ...).
  query::FunctionTree tree;
};

// The bucket key of tenant's profile `id`: "<tenant>/adhoc/<id>" (as Pyroscope lays it out; not
// a block directory, so the index skips it).
std::string ProfileKey(std::string_view tenant, std::string_view id);

// Reads an uploaded file, whatever its format, into views: pprof (gzip or not), folded text
// (`a;b;c 12` per line, gzip or not). The format is told from the whole content, not a prefix.
// `sample_type` picks one (empty: pprof's last, as `go tool pprof` shows; folded has one).
// Errors: kInvalidArgument saying what is wrong with the file ("not gzip: ...", "not a pprof
// profile (...) nor folded text: line N: ...", an unknown sample type naming the known ones);
// kResourceExhausted past `max_bytes` uncompressed.
Result<View> Read(std::string_view data, std::string_view sample_type, size_t max_bytes);

// Thread-safe; the bucket and clock must outlive it.
class Store {
 public:
  // `max_bytes(tenant)`: the largest profile a tenant may upload, compressed or not (the
  // tenant's max profile size).
  Store(objstore::Bucket& bucket, const base::Clock& clock,
        std::function<size_t(std::string_view tenant)> max_bytes);

  // Checks that `data` reads (Read) and stores it under a new id. `name` (the file name) keeps
  // [A-Za-z0-9._-], other characters become '_', and at most 128 of them are kept.
  // Errors: as Read; the bucket's.
  Result<View> Upload(std::string_view tenant, std::string_view name, std::string data,
                      std::string_view sample_type);
  // Errors: kInvalidArgument for an id that is not one of ours; kNotFound; as Read.
  Result<View> Get(std::string_view tenant, std::string_view id, std::string_view sample_type);
  // Newest first.
  Result<std::vector<Listed>> List(std::string_view tenant);

 private:
  objstore::Bucket& bucket_;
  const base::Clock& clock_;
  const std::function<size_t(std::string_view)> max_bytes_;
};

}  // namespace flamedb::adhoc
