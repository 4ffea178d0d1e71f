-- 0008_schedule_kernels: what an `on = new-kernel SERIES` schedule of
-- bouncelabd last started a campaign for (issue 14). The scheduler runs the
-- schedule when apt's index shows a version of the series newer than
-- `version`; it writes the row when the campaign starts, so a restart
-- neither runs the same version twice nor forgets it.
CREATE TABLE schedule_kernels (
	schedule     TEXT NOT NULL,
	series       TEXT NOT NULL,                  -- as in the config: 6.12, 6.12:cloud
	version      TEXT NOT NULL,                  -- apt's version label: 6.12.118
	started_unix INTEGER NOT NULL,
	PRIMARY KEY (schedule, series)
);
