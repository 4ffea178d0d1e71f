-- 0004_results_per_rep: what each repetition of a row did and counted.
-- results[].per_rep of the document as compact JSON text, e.g.
-- {"ops":[200,200,200],"swiotlb_bounced":[256,256,256]}: one integer per
-- repetition per member. With it, compare takes a sample per repetition
-- for counter metrics (bounces per operation) from a single run instead of
-- one total per run. NULL for documents without it.
ALTER TABLE results ADD COLUMN per_rep TEXT;
