-- 0003_runs_kernel_boot_id: which boot of its kernel a run came from.
-- kernel.boot_id in the document (/proc/sys/kernel/random/boot_id, a new
-- UUID at every boot): runs with the same value ran in the same boot, the
-- only runs whose timings compare cleanly under QEMU's emulation. NULL for
-- documents without it (older gembench, or a run that never reached the
-- kernel). The boots table stays what it is: a boot configuration.
ALTER TABLE runs ADD COLUMN kernel_boot_id TEXT;
