#include "server/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace flamedb::server {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::IsOkAndHolds;
using ::testing::ElementsAre;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() { config_.Register(flags_); }

  Status Parse(std::vector<std::string> args) {
    FLAMEDB_RETURN_IF_ERROR(flags_.Parse(args, [](const char*) -> const char* { return nullptr; }));
    return config_.Validate();
  }

  base::FlagSet flags_{"flamedb"};
  Config config_;
};

TEST_F(ConfigTest, DefaultsArePyroscopes) {
  ASSERT_THAT(Parse({}), IsOk());

  EXPECT_EQ(config_.target, "all");
  EXPECT_EQ(config_.http_listen_port, 4040);
  EXPECT_FALSE(config_.multitenancy_enabled);
  EXPECT_EQ(config_.log_level, "info");
  EXPECT_EQ(config_.http_idle_timeout, std::chrono::minutes(2));
  EXPECT_EQ(config_.storage.filesystem_dir, "./data");
  EXPECT_EQ(config_.Targets().size(), 6u);
  EXPECT_FALSE(config_.cluster.enabled());
}

TEST_F(ConfigTest, YamlUsesPyroscopeKeys) {
  ASSERT_THAT(flags_.ApplyYaml("target: querier,ingester,distributor\n"
                               "multitenancy_enabled: true\n"
                               "server:\n"
                               "  http_listen_port: 4100\n"
                               "  http_server_read_timeout: 1m\n"
                               "  log_level: debug\n"
                               "storage:\n"
                               "  backend: filesystem\n"
                               "  filesystem:\n"
                               "    dir: /var/lib/flamedb\n",
                               "cfg"),
              IsOk());

  EXPECT_THAT(config_.Validate(), IsOk());
  EXPECT_THAT(config_.Targets(), ElementsAre("segment-writer", "distributor", "query-backend"));
  EXPECT_TRUE(config_.multitenancy_enabled);
  EXPECT_EQ(config_.http_listen_port, 4100);
  EXPECT_EQ(config_.http_read_timeout, std::chrono::minutes(1));
  EXPECT_EQ(config_.log_level, "debug");
}

TEST_F(ConfigTest, StorageYamlUsesPyroscopeKeys) {
  ASSERT_THAT(flags_.ApplyYaml("storage:\n"
                               "  backend: s3\n"
                               "  prefix: team-a\n"
                               "  s3:\n"
                               "    endpoint: s3.eu-west-1.amazonaws.com\n"
                               "    bucket_name: profiles\n"
                               "    region: eu-west-1\n"
                               "    access_key_id: AKID\n"
                               "    secret_access_key: SECRET\n"
                               "    insecure: true\n"
                               "    bucket_lookup_type: path\n"
                               "  azure:\n"
                               "    account_name: acct\n"
                               "    container_name: blocks\n"
                               "    endpoint: http://127.0.0.1:10000/acct\n"
                               "pyroscopedb:\n"
                               "  data_path: /var/lib/flamedb\n",
                               "cfg"),
              IsOk());

  EXPECT_THAT(config_.Validate(), IsOk());
  EXPECT_EQ(config_.storage.backend, "s3");
  EXPECT_EQ(config_.storage.prefix, "team-a");
  EXPECT_EQ(config_.storage.s3_endpoint, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(config_.storage.s3_bucket_name, "profiles");
  EXPECT_EQ(config_.storage.s3_region, "eu-west-1");
  EXPECT_EQ(config_.storage.s3_access_key_id, "AKID");
  EXPECT_EQ(config_.storage.s3_secret_access_key, "SECRET");
  EXPECT_TRUE(config_.storage.s3_insecure);
  EXPECT_EQ(config_.storage.s3_bucket_lookup_type, "path");
  EXPECT_EQ(config_.storage.azure_account_name, "acct");
  EXPECT_EQ(config_.storage.azure_container_name, "blocks");
  EXPECT_EQ(config_.storage.azure_endpoint, "http://127.0.0.1:10000/acct");
  EXPECT_EQ(config_.DataPath(), "/var/lib/flamedb");
  EXPECT_EQ(config_.WalDir(), "/var/lib/flamedb/wal");
}

TEST_F(ConfigTest, LocalStateDefaultsToTheFilesystemBucketOrDotData) {
  EXPECT_EQ(config_.DataPath(), "./data");
  ASSERT_THAT(flags_.ApplyYaml("storage: {filesystem: {dir: /srv/blocks}}\n", "cfg"), IsOk());
  EXPECT_EQ(config_.WalDir(), "/srv/blocks/wal");
  ASSERT_THAT(flags_.ApplyYaml("storage: {backend: azure}\n", "cfg"), IsOk());
  EXPECT_EQ(config_.WalDir(), "./data/wal");
}

struct BadConfig {
  std::vector<std::string> args;
  std::string_view message;
};

TEST_F(ConfigTest, InvalidValuesNameTheFlag) {
  const BadConfig cases[] = {
      {{"-target=ingestor"}, "unknown target \"ingestor\""},
      {{"-target="}, "flag -target is empty"},
      {{"-log.level=loud"}, "flag -log.level: unknown log level \"loud\""},
      {{"-log.format=xml"}, "flag -log.format"},
      {{"-server.http-listen-port=70000"}, "-server.http-listen-port: want 0..65535"},
      {{"-server.http-max-request-body-bytes=0"}, "-server.http-max-request-body-bytes"},
      {{"-storage.backend=gcs"}, "unsupported -storage.backend \"gcs\""},
      {{"-target=compactor"}, "-target=compaction-worker needs cluster mode"},
      {{"-target=ingester,querier"}, "-target=segment-writer,query-backend needs cluster mode"},
      {{"-etcd.endpoints=http://e:2379", "-segment-writer.ack=disk"}, "-segment-writer.ack"},
      {{"-etcd.endpoints=http://e:2379", "-segment-writer.shards=0"}, "-segment-writer.shards"},
      {{"-etcd.endpoints=http://e:2379", "-cluster.member-ttl=1s"}, "-cluster.member-ttl"},
      {{"-storage.backend=s3"}, "-storage.backend=s3 needs -storage.s3.endpoint"},
      {{"-storage.backend=s3", "-storage.s3.endpoint=x"}, "needs -storage.s3.bucket-name"},
      {{"-storage.backend=s3", "-storage.s3.endpoint=x", "-storage.s3.bucket-name=b",
        "-storage.s3.bucket-lookup-type=dns"}, "bucket lookup type \"dns\""},
      {{"-storage.backend=azure"}, "needs -storage.azure.account-name"},
      {{"-storage.http.max-retries=-1"}, "-storage.http.max-retries"},
      {{"-storage.prefix=a b"}, "-storage.prefix \"a b\""},
      {{"-compactor.block-ranges=2h,1h"}, "-compactor.block-ranges entry \"1h\""},
      {{"-compactor.block-ranges=1h,soon"}, "-compactor.block-ranges entry \"soon\""},
      {{"-compactor.block-ranges=,"}, "-compactor.block-ranges is empty"},
      {{"-compactor.compaction-interval=-1m"}, "-compactor.compaction-interval"},
  };
  for (const BadConfig& c : cases) {
    base::FlagSet flags("flamedb");
    Config config;
    config.Register(flags);
    ASSERT_THAT(flags.Parse(c.args, [](const char*) -> const char* { return nullptr; }), IsOk());
    EXPECT_THAT(config.Validate(), StatusIs(StatusCode::kInvalidArgument, c.message)) << c.args[0];
  }
}

TEST_F(ConfigTest, HelpListsTheServerFlags) {
  const std::string usage = flags_.Usage(false);

  EXPECT_THAT(usage, HasSubstr("-server.http-listen-port int"));
  EXPECT_THAT(usage, HasSubstr("(default 4040)"));
  EXPECT_THAT(usage, HasSubstr("-auth.multitenancy-enabled\n"));
  // -help lists every flag.
  for (const auto& flag : flags_.flags()) {
    EXPECT_THAT(usage, HasSubstr("  -" + flag->name + (flag->type == base::FlagType::kBool ? "\n" : " ")))
        << flag->name;
  }
}

TEST(TargetsTest, AliasesAreTheV2ComponentsAndAllIsEvery) {
  EXPECT_THAT(ParseTargets("querier,ingester,distributor"),
              IsOkAndHolds(ElementsAre("segment-writer", "distributor", "query-backend")));
  EXPECT_THAT(ParseTargets("store-gateway, querier ,query-backend"),
              IsOkAndHolds(ElementsAre("query-backend")));
  EXPECT_THAT(ParseTargets("compactor,query-scheduler"),
              IsOkAndHolds(ElementsAre("query-frontend", "compaction-worker")));
  EXPECT_THAT(ParseTargets("distributor,all"), IsOkAndHolds(KnownTargets()));
  EXPECT_EQ(ParseTargets("segment-writers").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ConfigTest, ClusterModeRunsAnyComponentAlone) {
  for (const char* target : {"segment-writer", "distributor", "query-frontend", "metastore",
                             "compaction-worker", "query-backend", "compactor"}) {
    EXPECT_THAT(Parse({std::string("-target=") + target, "-etcd.endpoints=http://127.0.0.1:2379"}),
                IsOk())
        << target;
  }
  EXPECT_EQ(config_.cluster.Endpoints(), std::vector<std::string>{"http://127.0.0.1:2379"});
  EXPECT_EQ(config_.cluster.AdvertiseAddr(4100), "http://127.0.0.1:4100");
  EXPECT_THAT(config_.cluster.InstanceId(4100), ::testing::EndsWith("-4100"));
}

}  // namespace
}  // namespace flamedb::server
