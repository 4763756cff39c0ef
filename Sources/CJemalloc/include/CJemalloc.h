#ifndef C_JEMALLOC_H
#define C_JEMALLOC_H

/// jemalloc's compiled-in options (MALLOC_CONF overrides them); read by jemalloc, never by Swift code.
extern const char *malloc_conf;

#endif
