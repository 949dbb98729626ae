// The system librdkafka (Kafka's C client) and its mock cluster, which the
// tests and `collector dev kafka` start in-process.
#ifndef CRDKAFKA_SHIM_H
#define CRDKAFKA_SHIM_H

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// Macros over casts, which Swift does not import.
static const int32_t CRDKAFKA_PARTITION_UA = RD_KAFKA_PARTITION_UA;
static const int64_t CRDKAFKA_OFFSET_BEGINNING = RD_KAFKA_OFFSET_BEGINNING;
static const int64_t CRDKAFKA_OFFSET_END = RD_KAFKA_OFFSET_END;
static const int64_t CRDKAFKA_OFFSET_STORED = RD_KAFKA_OFFSET_STORED;
static const int64_t CRDKAFKA_OFFSET_INVALID = RD_KAFKA_OFFSET_INVALID;
static const int CRDKAFKA_MSG_F_COPY = RD_KAFKA_MSG_F_COPY;

#endif
