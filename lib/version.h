/*
 * This build's version: the release number from the Makefile plus what
 * `git describe --always --dirty` said when it was built ("unknown" outside
 * a git checkout), e.g. "0.1.0+277bf73-dirty". Every program's --version
 * prints it and every result document carries it as tool.version, so a
 * stored number can be traced to the exact source it was measured with.
 *
 * The string lives in a file the Makefile generates (build/gen/version.c)
 * and rewrites only when it changes, so a new commit recompiles one file
 * instead of every object that mentions the version.
 */
#ifndef BL_VERSION_H
#define BL_VERSION_H

extern const char bl_version[];

#endif
