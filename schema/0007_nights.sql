-- 0007_nights: a night is the runs one campaign produced (`bouncelab
-- nightly`, a daemon schedule), judged together against each run's last
-- night of the same configuration and a pinned baseline (issue 14).
--
-- nights.status: 'open' while the campaign adds runs, 'judged' once its
-- verdicts are stored (finished_unix is then when). baseline: the pinned
-- baseline selector it was judged with, NULL when none.
CREATE TABLE nights (
	id            INTEGER PRIMARY KEY,
	label         TEXT NOT NULL,
	source        TEXT NOT NULL,                 -- 'nightly', 'schedule:NAME'
	started_unix  INTEGER NOT NULL,
	finished_unix INTEGER,
	status        TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'judged')),
	baseline      TEXT
);
CREATE INDEX nights_source ON nights (source, started_unix);
CREATE INDEX nights_started ON nights (started_unix, id); -- the latest night, at every /metrics scrape

-- The runs of a night. last_uuid: the run it was judged against as its
-- last night (NULL: the first night of its configuration, or not judged
-- yet); baseline_why: why it was not judged against the pinned baseline
-- (NULL when it was, or when none was asked for).
CREATE TABLE night_runs (
	night_id     INTEGER NOT NULL REFERENCES nights (id) ON DELETE CASCADE,
	run_uuid     TEXT NOT NULL REFERENCES runs (uuid),
	last_uuid    TEXT,
	baseline_why TEXT,
	PRIMARY KEY (night_id, run_uuid)
);
CREATE INDEX night_runs_run ON night_runs (run_uuid);

-- Verdicts made when judging a night carry the night, and what a change
-- had to exceed (relative for times, absolute for counts; NULL when the
-- row was not judged) and whether a measured noise floor set it.
ALTER TABLE verdicts ADD COLUMN night_id INTEGER REFERENCES nights (id) ON DELETE CASCADE;
ALTER TABLE verdicts ADD COLUMN threshold REAL;
ALTER TABLE verdicts ADD COLUMN calibrated INTEGER;
CREATE INDEX verdicts_night ON verdicts (night_id);
