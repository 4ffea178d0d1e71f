/*
 * Where `make install` puts bouncelab's files (GNU directory variables of
 * the Makefile, compiled in): an installed program finds its job files,
 * gnuplot scripts, testbed scripts and static guest programs there, since
 * there is no source tree beside it. The strings live in a generated file
 * (build/gen/installdirs.c) rewritten only when PREFIX & co. change, so
 * `make install PREFIX=/usr` after `make` relinks with the right paths.
 *
 * A program that runs from a source tree (build/bouncelab) never uses
 * them: bl_shipped_path() in paths.h picks the tree first.
 */
#ifndef BL_INSTALLDIRS_H
#define BL_INSTALLDIRS_H

extern const char bl_pkglibdir[];  /* $(LIBDIR)/bouncelab: testbed/, guest/ */
extern const char bl_pkgdatadir[]; /* $(DATADIR)/bouncelab: jobs/, kernels, plots/ */
extern const char bl_sysconfdir[]; /* $(SYSCONFDIR): bouncelab/bouncelabd.ini */
extern const char bl_localstatedir[]; /* $(LOCALSTATEDIR) (/var): lib/bouncelab/bouncelab.db */
extern const char bl_runstatedir[];   /* $(RUNSTATEDIR) (/run): bouncelab/bouncelabd.sock */

#endif
