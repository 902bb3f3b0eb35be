// Clang thread-safety annotations (checked with -Wthread-safety); no-ops for other compilers.
#pragma once

#if defined(__clang__)
#define FLAMEDB_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define FLAMEDB_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) FLAMEDB_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY FLAMEDB_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) FLAMEDB_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) FLAMEDB_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) FLAMEDB_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define ACQUIRE(...) FLAMEDB_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) FLAMEDB_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define EXCLUDES(...) FLAMEDB_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define NO_THREAD_SAFETY_ANALYSIS FLAMEDB_THREAD_ANNOTATION(no_thread_safety_analysis)
#define ACQUIRE_SHARED(...) FLAMEDB_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#define RELEASE_SHARED(...) FLAMEDB_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#define RELEASE_GENERIC(...) FLAMEDB_THREAD_ANNOTATION(release_generic_capability(__VA_ARGS__))
#define REQUIRES_SHARED(...) FLAMEDB_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
