/*
 * Touching a fresh GEM mapping without letting a refused fault kill
 * gembench (bench/backends/touch.c).
 */
#ifndef GB_TOUCH_H
#define GB_TOUCH_H

/*
 * Writes one 32-bit zero at @ptr. 0, or -EFAULT when the write raised
 * SIGBUS (the kernel refused the fault). The caller still owns the mapping
 * and unmaps it either way.
 */
int gb_touch_catching_sigbus(void *ptr);

#endif
