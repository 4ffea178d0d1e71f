-- 0001_initial: the first bouncelab schema.
-- Forward-only: never edit this file once merged; add 0002_... instead.
-- The store (lib/store.c) applies it inside a transaction and stamps
-- PRAGMA user_version = 1. Unknown values are NULL, never 0.

-- A machine that produced runs (for the testbed: the guest).
CREATE TABLE hosts (
	id        INTEGER PRIMARY KEY,
	hostname  TEXT NOT NULL,
	cpu       TEXT,
	mem_bytes INTEGER
);
CREATE UNIQUE INDEX hosts_identity ON hosts (hostname, ifnull(cpu, ''), ifnull(mem_bytes, -1));

-- A kernel build: uname -r, uname -v and, when the testbed knows it, the
-- exact Debian package it came from.
CREATE TABLE kernels (
	id              INTEGER PRIMARY KEY,
	release         TEXT NOT NULL,   -- 6.12.117+deb12-amd64 (uname -r)
	version         TEXT,            -- "#1 SMP PREEMPT_DYNAMIC Debian ..." (uname -v)
	package_version TEXT,            -- 6.12.117-1~deb12u1 (testbed.package_version)
	package         TEXT             -- linux-image-...-unsigned (testbed.kernel_package)
);
CREATE UNIQUE INDEX kernels_identity ON kernels
	(release, ifnull(version, ''), ifnull(package_version, ''), ifnull(package, ''));

-- A boot configuration: which kernel with which DMA mode.
CREATE TABLE boots (
	id            INTEGER PRIMARY KEY,
	host_id       INTEGER REFERENCES hosts (id),
	kernel_id     INTEGER REFERENCES kernels (id),
	cmdline       TEXT,
	swiotlb       TEXT CHECK (swiotlb IN ('force', 'noforce', 'default')),
	swiotlb_slabs INTEGER,           -- pool size in 2 KiB slots
	iommu         TEXT CHECK (iommu IN ('off', 'on', 'pt'))
);
CREATE UNIQUE INDEX boots_identity ON boots (ifnull(host_id, -1), ifnull(kernel_id, -1),
	ifnull(cmdline, ''), ifnull(swiotlb, ''), ifnull(swiotlb_slabs, -1), ifnull(iommu, ''));

-- A DRM device or dma-buf exporter/importer as a run saw it.
CREATE TABLE devices (
	id             INTEGER PRIMARY KEY,
	driver         TEXT,             -- vgem, i915, virtio_gpu, udmabuf, ...
	node           TEXT,             -- /dev/dri/card0, /dev/udmabuf, ...
	driver_version TEXT,
	pci_id         TEXT
);
CREATE UNIQUE INDEX devices_identity ON devices (ifnull(driver, ''), ifnull(node, ''),
	ifnull(driver_version, ''), ifnull(pci_id, ''));
CREATE INDEX devices_driver ON devices (driver);

-- One result document.
CREATE TABLE runs (
	id            INTEGER PRIMARY KEY,
	uuid          TEXT NOT NULL UNIQUE,          -- run_id, lower case
	format        INTEGER NOT NULL,
	status        TEXT NOT NULL CHECK (status IN ('ok', 'failed', 'skipped', 'timeout')),
	error         TEXT,
	tool_name     TEXT NOT NULL,
	tool_version  TEXT NOT NULL,
	started_at    TEXT NOT NULL,                 -- as written (RFC 3339)
	started_unix  INTEGER NOT NULL,              -- for date ranges
	finished_at   TEXT,
	finished_unix INTEGER,
	boot_id       INTEGER REFERENCES boots (id),
	device_id     INTEGER REFERENCES devices (id),
	importer_id   INTEGER REFERENCES devices (id),
	job_name      TEXT NOT NULL,
	backend       TEXT NOT NULL,
	workload      TEXT NOT NULL,
	params        TEXT,                          -- job.params as JSON text
	document      TEXT NOT NULL,                 -- the whole document, nothing lost
	stored_at     TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX runs_started ON runs (started_unix);
CREATE INDEX runs_boot ON runs (boot_id);
CREATE INDEX runs_device ON runs (device_id);
CREATE INDEX runs_job ON runs (job_name);

-- Measured figures per (run, workload, variant, size).
CREATE TABLE results (
	id                 INTEGER PRIMARY KEY,
	run_id             INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	idx                INTEGER NOT NULL,         -- position in results[]
	workload           TEXT NOT NULL,
	variant            TEXT NOT NULL DEFAULT '',
	size               INTEGER NOT NULL,         -- bytes
	reps               INTEGER NOT NULL,
	ops                INTEGER NOT NULL,         -- over all repetitions, warm-up excluded
	duration_ns        INTEGER NOT NULL,
	ops_per_sec_mean   REAL,
	bytes_per_sec_mean REAL,
	bounce_rate        REAL,                     -- NULL where the kernel cannot tell
	UNIQUE (run_id, workload, variant, size)
);
CREATE INDEX results_key ON results (workload, variant, size);

-- Every repetition's value of a series (ops_per_sec, bytes_per_sec).
CREATE TABLE repetitions (
	result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
	metric    TEXT NOT NULL,
	rep       INTEGER NOT NULL,                  -- 0-based, document order
	value     REAL NOT NULL,
	PRIMARY KEY (result_id, metric, rep)
) WITHOUT ROWID;

-- Kernel counters. value NULL = this kernel cannot tell (reason in
-- unavailable when the document gave one); never 0 for unknown.
CREATE TABLE counters (
	result_id   INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
	name        TEXT NOT NULL,                   -- swiotlb_bounced, dma_map_sg, ...
	value       INTEGER,
	unavailable TEXT,
	PRIMARY KEY (result_id, name)
) WITHOUT ROWID;

-- Latency percentiles in nanoseconds (NULL = not measured).
CREATE TABLE latency (
	result_id INTEGER PRIMARY KEY REFERENCES results (id) ON DELETE CASCADE,
	p50_ns    INTEGER,
	p90_ns    INTEGER,
	p99_ns    INTEGER,
	p999_ns   INTEGER,
	max_ns    INTEGER
);

-- Operations the kernel refused in a row: a result, not a crash.
CREATE TABLE failures (
	result_id  INTEGER PRIMARY KEY REFERENCES results (id) ON DELETE CASCADE,
	ops        INTEGER NOT NULL,
	errno      INTEGER,
	error      TEXT,
	kernel_log TEXT                              -- JSON array of /dev/kmsg lines
);

-- bouncelabd's system-wide monitor: one row per device per interval.
CREATE TABLE monitor_samples (
	id            INTEGER PRIMARY KEY,
	at_ns         INTEGER NOT NULL,              -- end of the interval, CLOCK_REALTIME
	interval_ns   INTEGER NOT NULL,
	device        TEXT NOT NULL,                 -- tracepoint dev_name; '' = system-wide
	bounces       INTEGER NOT NULL,
	bounced_bytes INTEGER NOT NULL,
	map_calls     INTEGER,
	map_segments  INTEGER,
	slots_used    INTEGER,
	slots_total   INTEGER,
	slots_hiwater INTEGER
);
CREATE INDEX monitor_samples_device_at ON monitor_samples (device, at_ns);
CREATE INDEX monitor_samples_at ON monitor_samples (at_ns);

-- bouncelabd's scheduler: one row per scheduled run, written when it starts
-- (status 'running') and closed when it ends.
CREATE TABLE scheduled_runs (
	id            INTEGER PRIMARY KEY,
	schedule      TEXT NOT NULL,
	job_file      TEXT,
	planned_unix  INTEGER NOT NULL,
	started_unix  INTEGER NOT NULL,
	finished_unix INTEGER,
	status        TEXT NOT NULL CHECK (status IN ('running', 'ok', 'failed', 'timeout', 'skipped')),
	exit_code     INTEGER,
	run_uuid      TEXT,                          -- the stored result document, if any
	stderr_tail   TEXT,
	summary       TEXT
);
CREATE INDEX scheduled_runs_schedule ON scheduled_runs (schedule, planned_unix);

-- Verdicts of compare / nightly runs against a baseline.
CREATE TABLE verdicts (
	id             INTEGER PRIMARY KEY,
	at_unix        INTEGER NOT NULL,
	subject        TEXT NOT NULL,
	baseline       TEXT,
	workload       TEXT,
	variant        TEXT,
	size           INTEGER,
	metric         TEXT NOT NULL,
	baseline_value REAL,
	value          REAL,
	change         REAL,
	p_value        REAL,
	verdict        TEXT NOT NULL,
	detail         TEXT
);
CREATE INDEX verdicts_subject ON verdicts (subject, at_unix);
