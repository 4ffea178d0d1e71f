/*
 * What the parts of the lab runner share, and nothing outside testbed/
 * includes: the run's context (struct lab_ctx), one kernel and one boot,
 * and the functions each part offers the others:
 *
 *   lab.c         lab_run: checks the input, runs the matrix
 *   lab_kernel.c  kernels: resolve and fetch (fetch-kernel.sh), initramfs;
 *                 Xen for the Xen modes (fetch-xen.sh)
 *   lab_local.c   a local build (--kernel-image/--modules, --kernel-deb)
 *   lab_boot.c    one boot: start QEMU, reap it at exit or --timeout, collect
 *   lab_doc.c     documents: the testbed object, writing, the failed document
 *   lab_util.c    a file's tail, running helper scripts, small text helpers
 */
#ifndef BL_LAB_INTERNAL_H
#define BL_LAB_INTERNAL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "docwrite.h"
#include "lab_config.h"
#include "lab_spec.h"
#include "subprocess.h"

/* A larger result channel fails its boot; of a larger console log only the end is read. */
#define LAB_CHANNEL_MAX (64u << 20)

struct lab_kernel {
	const char *series;   /* the series (6.12): points to series_buf */
	char series_buf[LAB_KVER_MAX + 1];
	char sel[LAB_KVER_MAX + 1];   /* what fetch-kernel.sh is asked: the --kernels item, or series:flavour of a range */
	char label[LAB_KVER_MAX + 1]; /* the exact version, 6.12.111 or 6.1.0-53[:flavour] */
	char name[LAB_KVER_MAX + 1];  /* in folder names: a series item as given (6.12), else the label; ':' as '-' */
	char package[160];    /* linux-image-<release>-unsigned */
	char version[96];     /* the package's exact version */
	char release[128];    /* uname -r */
	char dir[PATH_MAX];   /* the unpacked package in testbed/cache */
	char vmlinuz[PATH_MAX];
	char initrd[PATH_MAX]; /* built for this run in <out>/.work */
	bool ok;	       /* fetched and initramfs built */
	char error[2048];      /* why not, when !ok */
	/* a local build (--kernel-image/--modules or --kernel-deb: lab_local.c) */
	bool local;			/* package is "local", version "local-<16 hex of the SHA-256>" */
	char image_sha256[65];		/* of vmlinuz: what tells two builds apart */
	char image_version[256];	/* the image's version string (lab_local.h) */
	char deb[PATH_MAX];		/* --kernel-deb, or "" */
	char deb_package[160], deb_version[96]; /* its control fields */
};

/* Debian's Xen hypervisor, for the Xen modes (fetched once per run). */
struct lab_xen {
	char package[64];     /* xen-hypervisor-4.17-amd64 */
	char version[96];     /* the package's exact version */
	char xen[PATH_MAX];   /* the gunzipped ELF QEMU boots (-kernel) */
	char xen_version[32]; /* what the hypervisor calls itself (4.17.7) */
	bool ok;	      /* fetched */
	char error[1024];     /* why not, when !ok: the Xen boots fail with it */
};

enum lab_boot_state { LAB_BOOT_PENDING, LAB_BOOT_RUNNING, LAB_BOOT_DONE };

struct lab_boot {
	struct lab_kernel *k;
	const struct lab_mode *mode;
	unsigned round;	    /* which boot of this kernel x mode, 0-based (testbed.boot_index) */
	char dir[PATH_MAX]; /* <out>/<series>-<slug>[-boot<round>] (lab_boot_dirname) */
	struct lab_argv argv; /* QEMU's, recorded in the documents */
	enum lab_boot_state state;
	struct bl_spawn child; /* QEMU, while RUNNING */
	int start_err;	       /* -errno when QEMU could not be started (lab_boot_start) */
	struct timespec t0;			       /* monotonic, at the start */
	char started_at[BL_RFC3339_LEN], finished_at[BL_RFC3339_LEN];
	double deadline; /* monotonic seconds */
	bool term_sent, timed_out;
	int wstatus;		/* QEMU's wait status; 0 when unknown */
	double seconds;
	/* outcome */
	bool ok;		/* every expected document came back valid */
	const char *status;	/* testbed.status: ok | failed | timeout */
	size_t ndocs;		/* documents written (valid ones) */
	int rc;			/* guest command's exit code, -1 unknown */
	int64_t bounced;	/* sum of swiotlb_bounced over the documents */
	bool bounced_known;
};

/* What the runner needs to know of the job file before it boots. */
struct lab_job {
	size_t sections; /* job sections (not [global]) */
	char first[64];	 /* the first job section's name */
	char current[64]; /* the section being read */
	char workload[64], backend[64];
	char global_workload[64], global_backend[64];
	bool profile; /* some section (or [global]) sets profile = true: the guest needs perf */
};

struct lab_ctx {
	struct lab_config cfg; /* a copy of the caller's */
	char root[PATH_MAX];   /* source tree: testbed/, configs/, build-static/ */
	char job[PATH_MAX];
	char out[PATH_MAX];
	char work[PATH_MAX]; /* <out>/.work: initramfs images */
	char gembench[PATH_MAX], bouncelabd[PATH_MAX];
	bool have_gembench, have_bouncelabd;
	const char *qemu;
	char qemu_version[32]; /* from `qemu --version`, read once; "" unknown */
	enum lab_clock clock;  /* ICOUNT or WALL: the configuration's, resolved */
	unsigned timeout_s;    /* per boot: the configuration's, or the clock's default */
	unsigned smp;
	struct lab_job jobinfo;
	size_t expected_docs; /* per boot */
	struct lab_kernel kernels[LAB_MAX_KERNELS];
	size_t nkernels;
	bool need_xen;	     /* some mode is a Xen mode */
	struct lab_xen xen;  /* valid when need_xen */
	FILE *summary; /* <out>/summary.txt, or NULL */
};

/* --- lab_util.c ------------------------------------------------------------ */

/* snprintf that reports truncation: 0 or -ENAMETOOLONG (a cut message is still written). */
int lab_sfmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
double lab_mono_now(void); /* CLOCK_MONOTONIC in seconds */
bool lab_is_file(const char *path);
/*
 * The last @max bytes of @path (all of it when shorter), NUL-terminated,
 * owned; the first line may be cut when the file was longer. For a log
 * whose end matters (a console); a whole file is bl_read_file()'s.
 * 0 or -errno; *@buf is NULL on error.
 */
int lab_read_tail(const char *path, size_t max, char **buf, size_t *len);
/*
 * Runs argv (PATH lookup) with stdin from /dev/null, stdout and stderr
 * captured (at most 1 MiB each, the rest dropped; NUL-terminated, owned by
 * the caller; bl_spawn_run()). Returns the exit code (128 + signal), or
 * -errno when it could not run (-ENOENT: no such program); then *@out and
 * *@err are NULL.
 */
int lab_run_capture(char *const argv[], char **out, char **err);
/* Trims trailing newlines and turns the others into ';': a one-line message. */
void lab_one_line(char *s);
/* The value of "key=" in a helper's key=value lines, copied into @dst. 0, -ENOENT or -ENAMETOOLONG. */
int lab_kv_get(const char *text, const char *key, char *dst, size_t len);

/* --- lab_kernel.c ---------------------------------------------------------- */

/* Fills c->cfg.kernels from LAB_DEFAULT_KERNELS_FILE (else LAB_DEFAULT_KERNELS). 0 or -EINVAL with err. */
int lab_kernels_default(struct lab_ctx *c, char *err, size_t errlen);
/*
 * Resolves every item of c->cfg.kernels in apt's index (fetch-kernel.sh
 * --resolve-only, or --list for a range) into c->kernels, in the items'
 * order (a range oldest first), and prints what each item became. 0;
 * -EINVAL when an item names nothing apt knows (an unknown version, an
 * empty range), when two items name the same package or the kernels are
 * more than LAB_MAX_KERNELS: @err names the item. -EIO when apt could
 * not be asked (@err says why).
 */
int lab_kernels_resolve(struct lab_ctx *c, char *err, size_t errlen);
/*
 * Fetches every kernel and builds its initramfs; a kernel that fails has
 * !ok and error. With need_xen, fetches Xen first (c->xen; a failure fails
 * only the Xen boots).
 */
void lab_kernels_fetch(struct lab_ctx *c);
/*
 * fetch-xen.sh --resolve-only: the package and version of Debian's Xen.
 * 0; -ENOENT when apt has no such package; -EIO otherwise (c->xen.error).
 */
int lab_xen_resolve(struct lab_ctx *c);

/* --- lab_local.c ---------------------------------------------------------- */

/*
 * The local build of c->cfg (kernel_image with kernel_modules, or
 * kernel_deb, unpacked into the cache) checked without booting
 * (lab_local.h: a bzImage, modules of its release with what every guest
 * loads) and added to c->kernels after the Debian ones, with its SHA-256
 * and the line saying what it is printed. 0 when there is none or it
 * passed; -EINVAL with @err naming the value; -EIO when a tool failed.
 */
int lab_local_resolve(struct lab_ctx *c, char *err, size_t errlen);

/* --- lab_boot.c ------------------------------------------------------------ */

/*
 * vCPUs of @b's guest: the run's, except that a Xen mode gets 1 unless
 * --smp asked (Xen PV dom0 is measured with one vCPU only).
 */
unsigned lab_boot_smp(const struct lab_ctx *c, const struct lab_boot *b);
/* Starts QEMU for @b (console into <dir>/console.log). 0 or -errno. */
int lab_boot_start(struct lab_ctx *c, struct lab_boot *b);
/* Waits until one running boot ends (killing it at its deadline), collects it and prints its line. */
void lab_boots_reap(struct lab_ctx *c, struct lab_boot *boots, size_t n);
/* Reads the boot's channel, writes its documents (or its failed document), sets its outcome. */
void lab_boot_collect(struct lab_ctx *c, struct lab_boot *b);
/* One line per boot on stdout and in <out>/summary.txt. */
void lab_boot_summary(struct lab_ctx *c, const struct lab_boot *b);

/* --- lab_doc.c ------------------------------------------------------------- */

/* The "testbed" object every document of @b gets. NULL when out of memory. */
json_t *lab_doc_testbed(const struct lab_ctx *c, const struct lab_boot *b);
/*
 * The "hypervisor" object of @b's documents: the guest's facts (@guest, its
 * BOUNCELAB-HYPERVISOR line, or gembench's own hypervisor object; NULL when
 * it said nothing) merged with what the lab knows (the Xen package and
 * version, the mode's balloon request and @balloon's readings). null (JSON)
 * for a bare mode without facts. NULL when out of memory.
 */
json_t *lab_doc_hypervisor(const struct lab_ctx *c, const struct lab_boot *b, json_t *guest, json_t *balloon);
/*
 * Writes @doc as <dir>/<run_id>.json. A document the result-document
 * contract refuses is kept as <run_id>.json.invalid and described in @why
 * (when given): returns -EINVAL then, so the boot does not count it.
 */
int lab_doc_write(const struct lab_boot *b, json_t *doc, char *why, size_t whylen);
/*
 * The document of a boot that produced none (or too few) of its own, with
 * the guest's facts when it sent any (@guest_hv, @balloon: the channel's
 * lines, or NULL). NULL when out of memory.
 */
json_t *lab_doc_failed(const struct lab_ctx *c, const struct lab_boot *b, const char *reason, json_t *guest_hv,
		       json_t *balloon);

#endif
