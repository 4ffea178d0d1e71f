/*
 * fake_membuf: a FAKE gembench backend for unit tests only (tests/fakes/ is
 * never linked into gembench): buffers are memfds, "export" duplicates the
 * memfd, "import" accepts any fd unless told to fail with a chosen errno.
 * It lets a test drive the real measuring loop, rows and result document
 * without a DRM device; nothing it produces is a measurement.
 */
#ifndef BL_FAKE_MEMBUF_H
#define BL_FAKE_MEMBUF_H

#include "backend.h"

extern const struct gb_backend_ops fake_membuf_ops;

/* Next imports fail with @err (a negative errno; 0 = succeed). */
void fake_membuf_fail_imports(int err);
/* Buffers created minus destroyed (leak check). */
int fake_membuf_live(void);

#endif
