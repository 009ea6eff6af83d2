/* fieldscan: finding the first fields of one record, split at runs of
 * blanks or at each separator byte, for the field-mode splitter
 * (record.c).  A portable loop is the reference; on x86-64 the same scan
 * runs on 16-byte SSE2 or 32-byte AVX2 masks, chosen once at start by
 * what the processor has.  Every variant finds exactly the fields the
 * portable loop finds. */
#ifndef FANOUT_FIELDSCAN_H
#define FANOUT_FIELDSCAN_H

#include <stddef.h>

#include "record.h"

/* Finds up to MAX fields of the LEN bytes at P, fields of blanks (space
 * and TAB runs; blanks at either end separate nothing) or of SEPARATOR
 * (every one separates, so a record of LEN bytes has at least one
 * field), into FIELDS; returns how many it found, MAX if there may be
 * more.  Reads no byte outside the record. */
typedef size_t fieldscan_fn(const char *p, size_t len, char separator,
                            struct record_field *fields, size_t max);

/* One way of scanning. */
struct fieldscan {
    const char *name;           /* as FANOUT_FIELD_SCAN names it */
    fieldscan_fn *blanks;
    fieldscan_fn *separated;
};

/* The environment variable that forces a variant, for testing. */
#define FIELDSCAN_ENV "FANOUT_FIELD_SCAN"

/* The variant named NAME (the fastest this machine and build have if
 * NAME is NULL or empty), or NULL if there is none such here; then WHY
 * (WHY_SIZE bytes) says so and lists the ones there are. */
const struct fieldscan *fieldscan_choose(const char *name, char *why,
                                         size_t why_size);

#endif
