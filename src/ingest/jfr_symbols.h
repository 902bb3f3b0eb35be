// Class names the JVM generates at run time carry a counter or an address that differs from one
// process (or one run) to the next; as Pyroscope does, the varying part becomes "_" so that the
// same code keeps one frame name: `Foo$$Lambda$14/0x0000000800c03000` -> `Foo$$Lambda_`,
// `jdk/internal/reflect/GeneratedMethodAccessor31` -> `jdk/internal/reflect/GeneratedMethodAccessor_`.
// async-profiler names a native frame's class after its library's file, and libraries that Java
// packages extract to /tmp get a random name per run: those of zstd-jni, Amazon Corretto Crypto
// Provider and pyroscope-java's async-profiler become `libzstd-jni-_.so`,
// `libamazonCorrettoCryptoProvider_.so` and `libasyncProfiler-_.so` (Pyroscope merges the last
// only for one build's hash; any hash is merged here).
#pragma once

#include <string>
#include <string_view>

namespace flamedb::ingest::jfr {

// `class_name` with a generated suffix replaced; otherwise unchanged.
std::string MergeGeneratedClassName(std::string_view class_name);

}  // namespace flamedb::ingest::jfr
