// jemalloc's options for the executables that link this target (see Package.swift for why they link jemalloc).
//
// jemalloc reads this string when it initialises, before main; MALLOC_CONF in the environment is read after it, so an
// operator can still override any option.
//
// narenas:1 -- one arena for every thread instead of four per CPU. A worker allocates on one thread and frees on
// another, and its long-lived blocks (tracked builds, kept for worker.requestRetention) are mixed with short-lived
// ones; with more arenas each one held its own partly used pages, and the soak benchmark's resident size kept
// growing for minutes after its live heap had stopped. Thread caches take most of the traffic, so the single arena's
// locks cost nothing the drain benchmark could measure.
#include "CJemalloc.h"

const char *malloc_conf = "narenas:1";
