// The querier service (Pyroscope's querier / store-gateway; v2's query-backend): what a query
// reads of a tenant, the heads of the local ingester (if this process runs one) and the blocks
// of the block index, read through the bucket's caches. The RPC handlers over it are in api/
// (querier_service.cc); the engine in query/.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "head/head.h"
#include "ingester/ingester.h"
#include "metastore/block_index.h"
#include "store/source.h"

namespace flamedb::querier {

// What a query sees of one tenant at one moment: every profile is in exactly one source.
struct TenantSnapshot {
  std::vector<std::shared_ptr<const head::Head>> heads;  // The live head, then heads being cut.
  std::vector<metastore::BlockRef> blocks;
  std::vector<const store::ProfileSource*> Sources() const;
};

// Thread-safe.
class Querier {
 public:
  // `ingester` may be null (a process that does not ingest reads blocks only). Both must
  // outlive the querier.
  Querier(const metastore::BlockIndex& index, const ingester::Ingester* ingester)
      : index_(index), ingester_(ingester) {}

  TenantSnapshot Snapshot(std::string_view tenant) const;
  // Tenants with a head or a block.
  std::vector<std::string> Tenants() const;
  // The JSON of GET /debug/ingested for `tenant`: per series (without the per-sample-type
  // labels) the profile count and the total of each profile type, over heads and blocks.
  Result<std::string> DebugJson(std::string_view tenant) const;

 private:
  const metastore::BlockIndex& index_;
  const ingester::Ingester* const ingester_;
};

}  // namespace flamedb::querier
