-- 0005_testbed_clock_noise_floors: which guest clock a testbed run's times
-- are on, which of the repeated boots of its configuration it came from,
-- and the noise floors `bouncelab calibrate` measures.
--
-- testbed_clock: 'icount' (QEMU's instruction-counting clock: guest time is
-- instructions executed) or 'wall' (multi-threaded TCG or KVM: guest time
-- follows the host's). Times on the two clocks are different quantities and
-- are never compared with each other. NULL for runs outside the testbed.
-- Documents from before the clock was recorded ran multi-threaded TCG (or
-- KVM): their clock is wall, and the backfill below says so.
ALTER TABLE runs ADD COLUMN testbed_clock TEXT CHECK (testbed_clock IN ('icount', 'wall'));
ALTER TABLE runs ADD COLUMN testbed_boot_index INTEGER;
UPDATE runs SET testbed_clock = 'wall'
	WHERE json_valid(document) AND json_type(document, '$.testbed') = 'object';
CREATE INDEX runs_clock ON runs (testbed_clock);

-- A noise floor: how far apart A/A boots of one configuration put a row's
-- metric (times: the relative spread of the boot means, max/min - 1;
-- counts: the absolute spread, max - min), per job, workload, variant,
-- size, metric and clock. The newest calibration of a key replaces the
-- one before; kernel, mode and runs say where it was measured.
CREATE TABLE noise_floors (
	id            INTEGER PRIMARY KEY,
	job           TEXT NOT NULL,
	workload      TEXT NOT NULL,
	variant       TEXT NOT NULL DEFAULT '',   -- '' when the workload has one variant
	size          INTEGER NOT NULL,
	metric        TEXT NOT NULL,
	clock         TEXT NOT NULL DEFAULT '',   -- testbed_clock, '' outside the testbed
	floor         REAL NOT NULL CHECK (floor >= 0),
	boots         INTEGER NOT NULL CHECK (boots >= 2),
	kernel        TEXT,                       -- release the A/A boots ran
	mode          TEXT,                       -- DMA mode they ran in
	runs          TEXT,                       -- JSON array of the run UUIDs used
	measured_unix INTEGER NOT NULL
);
CREATE UNIQUE INDEX noise_floors_key ON noise_floors (job, workload, variant, size, metric, clock);
