#ifndef BUILDRELAY_CRDKAFKA_SHIM_H
#define BUILDRELAY_CRDKAFKA_SHIM_H
// rdkafka_mock.h refuses to compile unless rdkafka.h came first.
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#endif
