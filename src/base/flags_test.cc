#include "base/flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "testing/status_matchers.h"

namespace flamedb::base {
namespace {

using ::flamedb::testing::IsOk;
using ::flamedb::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;

// A small config in the shape of the server's.
struct TestConfig {
  int64_t port = 0;
  std::string dir;
  bool multitenancy = false;
  Duration idle{};
  double ratio = 0;
  std::string secret;
  std::string config_file;
  bool expand_env = false;

  void Register(FlagSet& fs) {
    fs.Int("server.http-listen-port", &port, 4040, "HTTP port.",
           {.yaml = "server.http_listen_port"});
    fs.String("storage.filesystem.dir", &dir, "./data", "Data directory.",
              {.yaml = "storage.filesystem.dir"});
    fs.Bool("auth.multitenancy-enabled", &multitenancy, false, "Require X-Scope-OrgID.",
            {.yaml = "multitenancy_enabled"});
    fs.Duration("server.http-idle-timeout", &idle, std::chrono::minutes(2), "Idle timeout.",
                {.yaml = "server.http_idle_timeout"});
    fs.Double("limits.ratio", &ratio, 0.5, "A ratio.", {.yaml = "limits.ratio"});
    fs.String("storage.s3.secret-access-key", &secret, "", "S3 secret.",
              {.yaml = "storage.s3.secret_access_key", .secret = true});
    fs.String("config.file", &config_file, "", "YAML config file.");
    fs.Bool("config.expand-env", &expand_env, false, "Expand ${VAR} in the config file.");
  }
};

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

const EnvLookup kNoEnv = [](const char*) -> const char* { return nullptr; };

class FlagSetTest : public ::testing::Test {
 protected:
  FlagSetTest() { cfg_.Register(fs_); }

  Status Parse(std::vector<std::string> args, const EnvLookup& env = kNoEnv) {
    return fs_.Parse(args, env);
  }

  // CTest runs test cases as parallel processes: the name must be unique across them.
  std::string WriteFile(const std::string& content) {
    const std::string path = ::testing::TempDir() + "flags_test_" + std::to_string(getpid()) +
                             "_" + std::to_string(counter_++) + ".yaml";
    std::ofstream(path) << content;
    return path;
  }

  FlagSet fs_{"flamedb"};
  TestConfig cfg_;
  int counter_ = 0;
};

TEST_F(FlagSetTest, RegistrationStoresDefaults) {
  EXPECT_EQ(cfg_.port, 4040);
  EXPECT_EQ(cfg_.dir, "./data");
  EXPECT_EQ(cfg_.idle, std::chrono::minutes(2));
}

TEST_F(FlagSetTest, AcceptsEveryGoFlagSyntax) {
  ASSERT_THAT(Parse({"-server.http-listen-port=1", "--storage.filesystem.dir", "/tmp/x",
                     "-auth.multitenancy-enabled", "--server.http-idle-timeout=5s",
                     "-limits.ratio", "0.25"}),
              IsOk());

  EXPECT_EQ(cfg_.port, 1);
  EXPECT_EQ(cfg_.dir, "/tmp/x");
  EXPECT_TRUE(cfg_.multitenancy);
  EXPECT_EQ(cfg_.idle, std::chrono::seconds(5));
  EXPECT_EQ(cfg_.ratio, 0.25);
}

TEST_F(FlagSetTest, BoolTakesAnExplicitValueOnlyAfterEquals) {
  ASSERT_THAT(Parse({"-auth.multitenancy-enabled=true", "-auth.multitenancy-enabled=false"}),
              IsOk());
  EXPECT_FALSE(cfg_.multitenancy);
}

struct BadArgs {
  std::vector<std::string> args;
  std::string_view message;
};

TEST_F(FlagSetTest, BadArgumentsNameTheProblem) {
  const BadArgs cases[] = {
      {{"-no.such-flag=1"}, "flag provided but not defined: -no.such-flag"},
      {{"-server.http-listen-port=abc"},
       "invalid value \"abc\" for flag -server.http-listen-port: not an integer"},
      {{"-server.http-idle-timeout=5"}, "for flag -server.http-idle-timeout: invalid duration"},
      {{"-auth.multitenancy-enabled=maybe"}, "not a bool"},
      {{"-server.http-listen-port"}, "flag needs an argument: -server.http-listen-port"},
      {{"positional"}, "unexpected argument \"positional\""},
      {{"---x"}, "bad flag syntax: ---x"},
      {{"-=1"}, "bad flag syntax"},
  };
  for (const BadArgs& c : cases) {
    FlagSet fs("flamedb");
    TestConfig cfg;
    cfg.Register(fs);
    EXPECT_THAT(fs.Parse(c.args, kNoEnv), StatusIs(StatusCode::kInvalidArgument, c.message))
        << c.args[0];
  }
}

TEST_F(FlagSetTest, YamlSetsValuesAndFlagsOverrideIt) {
  const std::string path = WriteFile(
      "multitenancy_enabled: true\n"
      "server:\n"
      "  http_listen_port: 9999\n"
      "  http_idle_timeout: 91s\n"
      "storage:\n"
      "  filesystem:\n"
      "    dir: /from/yaml\n");

  ASSERT_THAT(Parse({"-config.file=" + path, "-server.http-idle-timeout=92s"}), IsOk());

  EXPECT_TRUE(cfg_.multitenancy);
  EXPECT_EQ(cfg_.port, 9999);
  EXPECT_EQ(cfg_.dir, "/from/yaml");
  EXPECT_EQ(cfg_.idle, std::chrono::seconds(92));
}

TEST_F(FlagSetTest, FlagsBeforeTheConfigFileStillWin) {
  const std::string path = WriteFile("server:\n  http_listen_port: 9999\n");

  ASSERT_THAT(Parse({"-server.http-listen-port=7", "-config.file", path}), IsOk());

  EXPECT_EQ(cfg_.port, 7);
}

TEST_F(FlagSetTest, UnknownYamlKeyIsNamedWithItsLine) {
  const std::string path = WriteFile("server:\n  http_listen_port: 1\n  no_such_key: 1\n");

  EXPECT_THAT(Parse({"-config.file=" + path}),
              StatusIs(StatusCode::kInvalidArgument,
                       path + ":3: unknown config key server.no_such_key"));
}

TEST_F(FlagSetTest, BadYamlIsInvalidArgument) {
  EXPECT_THAT(fs_.ApplyYaml("server: [1, 2", "cfg.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "cannot parse config file cfg.yaml"));
  EXPECT_THAT(fs_.ApplyYaml("server: 5\n", "cfg.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "key server must be a mapping"));
  EXPECT_THAT(fs_.ApplyYaml("server:\n  http_listen_port: [1]\n", "cfg.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "must be a single value"));
  EXPECT_THAT(fs_.ApplyYaml("server:\n  http_listen_port: x\n", "cfg.yaml"),
              StatusIs(StatusCode::kInvalidArgument,
                       "invalid value \"x\" for key server.http_listen_port"));
  EXPECT_THAT(fs_.ApplyYaml("- 1\n", "cfg.yaml"),
              StatusIs(StatusCode::kInvalidArgument, "the document must be a mapping"));
}

TEST_F(FlagSetTest, EmptyYamlAndEmptyValuesKeepDefaults) {
  EXPECT_THAT(fs_.ApplyYaml("", "empty.yaml"), IsOk());
  EXPECT_THAT(fs_.ApplyYaml("server:\n  http_listen_port:\n", "cfg.yaml"), IsOk());
  EXPECT_EQ(cfg_.port, 4040);
}

TEST_F(FlagSetTest, MissingConfigFileIsNamed) {
  EXPECT_THAT(Parse({"-config.file=/nonexistent/flamedb.yaml"}),
              StatusIs(StatusCode::kInvalidArgument,
                       "cannot read config file /nonexistent/flamedb.yaml"));
}

TEST_F(FlagSetTest, ExpandEnvOnlyWhenAsked) {
  const std::string path = WriteFile("server:\n  http_listen_port: ${PORT}\n");
  const EnvLookup env = FakeEnv({{"PORT", "6060"}});

  EXPECT_THAT(Parse({"-config.file=" + path}, env), StatusIs(StatusCode::kInvalidArgument));
  ASSERT_THAT(Parse({"-config.file=" + path, "-config.expand-env"}, env), IsOk());
  EXPECT_EQ(cfg_.port, 6060);
}

TEST(FlagSetYamlTypeTest, StructuredValuesComeFromYamlOrTheCommandLine) {
  FlagSet fs("flamedb");
  std::string rules;
  fs.Yaml("rules", &rules, "[]", "Rules.", {.yaml = "limits.rules"});

  ASSERT_THAT(fs.ApplyYaml("limits:\n  rules:\n    - {action: drop, regex: x}\n", "cfg"), IsOk());
  EXPECT_THAT(rules, HasSubstr("{action: drop, regex: x}"));  // The list, in YAML's own words.
  EXPECT_THAT(fs.RenderYaml(YamlView::kEffective),
              HasSubstr("limits:\n  rules:\n    - {action: drop, regex: x}\n"));
  ASSERT_THAT(fs.Parse(std::vector<std::string>{"-rules=[{\"action\": \"keep\"}]"}, kNoEnv), IsOk());
  EXPECT_EQ(rules, "[{\"action\": \"keep\"}]");
  EXPECT_THAT(fs.Parse(std::vector<std::string>{"-rules=[unclosed"}, kNoEnv),
              StatusIs(StatusCode::kInvalidArgument, "not valid YAML"));
}

TEST(ExpandEnvTest, SupportsBracesDefaultsAndBareNames) {
  const EnvLookup env = FakeEnv({{"A", "1"}, {"B_2", "two"}});

  EXPECT_EQ(ExpandEnv("x${A}y $B_2 ${MISSING} ${MISSING:-dflt} ${A:-dflt} $ $$", env),
            "x1y two  dflt 1 $ $$");
}

TEST_F(FlagSetTest, RenderYamlShowsEffectiveDiffAndDefaultsWithSecretsMasked) {
  ASSERT_THAT(Parse({"-server.http-listen-port=1234", "-storage.s3.secret-access-key=hunter2"}),
              IsOk());

  const std::string effective = fs_.RenderYaml(YamlView::kEffective);
  const std::string diff = fs_.RenderYaml(YamlView::kDiff);
  const std::string defaults = fs_.RenderYaml(YamlView::kDefaults);

  EXPECT_THAT(effective, HasSubstr("server:\n  http_listen_port: 1234\n  http_idle_timeout: 2m0s\n"));
  EXPECT_THAT(effective, HasSubstr("multitenancy_enabled: false\n"));
  EXPECT_THAT(effective, HasSubstr("secret_access_key: \"********\""));
  EXPECT_THAT(effective, Not(HasSubstr("hunter2")));
  EXPECT_THAT(effective, Not(HasSubstr("config.file")));
  EXPECT_THAT(diff, HasSubstr("http_listen_port: 1234"));
  EXPECT_THAT(diff, Not(HasSubstr("http_idle_timeout")));
  EXPECT_THAT(defaults, HasSubstr("http_listen_port: 4040"));
  EXPECT_THAT(defaults, HasSubstr("secret_access_key: \"\""));
}

TEST_F(FlagSetTest, RenderedYamlCanBeAppliedBack) {
  ASSERT_THAT(Parse({"-server.http-listen-port=1234", "-storage.filesystem.dir=a b: c"}), IsOk());
  const std::string yaml = fs_.RenderYaml(YamlView::kEffective);
  FlagSet other("flamedb");
  TestConfig cfg;
  cfg.Register(other);

  ASSERT_THAT(other.ApplyYaml(yaml, "rendered"), IsOk());

  EXPECT_EQ(cfg.port, 1234);
  EXPECT_EQ(cfg.dir, "a b: c");
}

TEST_F(FlagSetTest, UsageListsFlagsWithTypesAndDefaults) {
  const std::string usage = fs_.Usage(false);

  EXPECT_THAT(usage, HasSubstr("  -server.http-listen-port int\n    \tHTTP port. (default 4040)\n"));
  EXPECT_THAT(usage, HasSubstr("  -storage.filesystem.dir string\n    \tData directory. "
                               "(default \"./data\")\n"));
  EXPECT_THAT(usage, HasSubstr("  -auth.multitenancy-enabled\n    \tRequire X-Scope-OrgID.\n"));
  EXPECT_LT(usage.find("-auth."), usage.find("-server."));
}

TEST_F(FlagSetTest, MarkdownHasARowPerFlag) {
  const std::string md = fs_.Markdown();

  EXPECT_THAT(md, HasSubstr("| `-server.http-listen-port` | `server.http_listen_port` | int | "
                            "`4040` | HTTP port. |\n"));
  EXPECT_THAT(md, HasSubstr("| `-config.file` |  | string |  | YAML config file. |\n"));
}

}  // namespace
}  // namespace flamedb::base
