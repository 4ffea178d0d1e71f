-- 0002_drop_unused_indexes: indexes no query of lib/store.c uses.
-- Every filter of the runs query is "(?N IS NULL OR column = ?N)", which
-- SQLite answers by scanning runs (EXPLAIN QUERY PLAN: SCAN r), and no
-- query selects results by (workload, variant, size) without run_id. Each
-- of these indexes still cost a page written per ingest transaction: the
-- daemon commits a batch every millisecond or two, so that was 4 of ~40
-- WAL frames per commit. runs_started stays (the latest run, ORDER BY
-- started_unix DESC), as do the UNIQUE indexes (they are constraints).
DROP INDEX runs_boot;
DROP INDEX runs_device;
DROP INDEX runs_job;
DROP INDEX results_key;
