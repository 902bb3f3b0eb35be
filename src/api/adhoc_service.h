// adhocprofiles.v1.AdHocProfileService over Connect, gRPC-Web and gRPC (proto and JSON): the
// wire side of adhoc::Store (docs/api.md, "Ad-hoc profiles").
#pragma once

#include <vector>

#include "adhoc/adhoc.h"
#include "api/connect.h"

namespace flamedb::api {

// /adhocprofiles.v1.AdHocProfileService/{Upload,Get,List,Diff}, tenant-scoped. `store` must
// outlive the methods.
std::vector<UnaryMethod> AdHocMethods(adhoc::Store& store);

}  // namespace flamedb::api
