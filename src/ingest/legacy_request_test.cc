#include "ingest/legacy_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/gzip.h"
#include "pprof/encoder.h"
#include "testing/profile_builder.h"
#include "testing/status_matchers.h"

namespace flamedb::ingest {
namespace {

using ::flamedb::testing::IsOk;

LegacyRequest PprofRequest(std::string spy, std::string file) {
  testing::ProfileBuilder b;
  b.SampleType("cpu", "nanoseconds").Sample({"work", "main"}, {30});
  model::Profile p = b.Build();
  for (model::Function& f : p.functions) f.filename = p.AddString(file);
  LegacyRequest r;
  r.params = {{"name", "app.cpu"}, {"format", "pprof"}, {"spyName", std::move(spy)},
              {"from", "1700000000"}};
  r.body = base::Gzip(pprof::EncodeProfile(p));
  return r;
}

// The WAL stores the payload only when replay can make the same profile from it (model::Received).
TEST(LegacyRequestTest, APprofPayloadIsKeptForTheWalUnlessAnSdkFixChangedTheProfile) {
  const auto now = std::chrono::system_clock::now();
  LegacyRequest go = PprofRequest("gospy", "main.go");
  const std::string sent = go.body;
  Result<std::vector<model::LabeledProfile>> kept = ParseLegacyRequest(std::move(go), now, 1 << 20);
  ASSERT_THAT(kept, IsOk());
  ASSERT_EQ(kept->size(), 1u);
  ASSERT_TRUE((*kept)[0].profile.received.has_value());
  EXPECT_EQ((*kept)[0].profile.received->compressed, sent);

  // py-spy frames are renamed "<file> <function>": a change the stored facts cannot repeat.
  Result<std::vector<model::LabeledProfile>> fixed =
      ParseLegacyRequest(PprofRequest("pyspy", "app.py"), now, 1 << 20);
  ASSERT_THAT(fixed, IsOk());
  ASSERT_EQ(fixed->size(), 1u);
  EXPECT_FALSE((*fixed)[0].profile.received.has_value());
}

}  // namespace
}  // namespace flamedb::ingest
