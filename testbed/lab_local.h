/*
 * Your own kernel in the lab (issue 14): what the testbed checks of a
 * locally built kernel before it boots one, without booting it.
 *
 *   - an x86 bzImage's boot header (Documentation/arch/x86/boot.rst): the
 *     boot flag 0xAA55 at 0x1fe, "HdrS" at 0x202, the protocol version at
 *     0x206, loadflags at 0x211 (bit 0: loaded high, a bzImage) and the
 *     kernel_version pointer at 0x20e, whose string sits at pointer + 0x200
 *     in the file: "<release> (<builder>) <uts version>", /proc/version's
 *     words without "Linux version" and the compiler;
 *   - a `make modules_install INSTALL_MOD_PATH=DIR` tree: DIR/lib/modules/
 *     <release of the image>/ with modules.dep, holding (as a module or
 *     built in) every module each lab guest loads;
 *   - a .deb's control fields: a linux-image-* package;
 *   - the image's SHA-256 (nettle), which names the build in documents.
 *
 * The pure checks are unit-tested (tests/unit/test_lab_local.c); the lab's
 * use of them (a struct lab_kernel for the build) is lab_local.c's
 * lab_local_resolve, declared in lab_internal.h.
 */
#ifndef BL_LAB_LOCAL_H
#define BL_LAB_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAB_SHA256_HEX	  64	  /* hex digits of a SHA-256 */
#define LAB_LOCAL_ID_HEX  16	  /* of them in testbed.package_version (local-<16 hex>) */
#define LAB_LOCAL_PACKAGE "local" /* testbed.kernel_package of every local build */

/* What a bzImage's header says. */
struct lab_bzimage {
	char release[128]; /* the first word of the version string: uname -r */
	char version[256]; /* the whole version string */
	unsigned protocol; /* boot protocol, 0x020f = 2.15 */
};

/*
 * Reads @path's x86 boot header into @out. 0; -EINVAL when it is not a
 * bzImage (@err names @path and what was wrong: too short, an ELF vmlinux,
 * no "HdrS", a zImage, no version string); -errno when it cannot be read.
 */
int lab_bzimage_read(const char *path, struct lab_bzimage *out, char *err, size_t errlen);

/*
 * The modules every lab guest loads (testbed/mkinitramfs.sh refuses a
 * kernel without them), NULL-terminated, as modules.dep names them
 * (underscores).
 */
extern const char *const lab_local_modules_needed[];

/*
 * Checks @root (an INSTALL_MOD_PATH tree; @what names it in messages, e.g.
 * "--modules /x") for lib/modules/@release/modules.dep and each module of
 * @needed in modules.dep or modules.builtin. 0; -EINVAL with @err naming
 * the tree, both releases when the tree is another release's, or the
 * missing module.
 */
int lab_modules_check(const char *root, const char *what, const char *release,
		      const char *const *needed, char *err, size_t errlen);

/* Is @package (a .deb's Package field) a kernel image package: linux-image-<something>? */
bool lab_deb_is_kernel(const char *package);

/* SHA-256 of @path as 64 lowercase hex digits. 0 or -errno. */
int lab_sha256_file(const char *path, char hex[LAB_SHA256_HEX + 1]);

#endif
