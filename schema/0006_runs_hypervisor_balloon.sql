-- 0006_runs_hypervisor_balloon: what the kernel ran under and the Xen
-- balloon of the testbed mode, so that a Xen PV dom0 is never pooled with a
-- bare boot in the same swiotlb= mode (issue 13).
--
-- hypervisor: the document's hypervisor.type and hypervisor.guest_type,
-- lower case, joined by '-' ("xen-pv"; "xen" when the guest type is not
-- known); NULL on bare metal, in a plain QEMU guest, and for documents from
-- before the hypervisor was recorded (all of those ran without one: the
-- testbed booted no hypervisor then).
-- balloon_bytes: testbed.balloon_bytes, the memory the guest gave back to
-- Xen and took back before the job; NULL when none.
ALTER TABLE runs ADD COLUMN hypervisor TEXT;
ALTER TABLE runs ADD COLUMN balloon_bytes INTEGER CHECK (balloon_bytes IS NULL OR balloon_bytes > 0);
UPDATE runs SET
	hypervisor = CASE
		WHEN json_type(document, '$.hypervisor.type') = 'text' AND json_extract(document, '$.hypervisor.type') != ''
		THEN lower(json_extract(document, '$.hypervisor.type')) ||
			CASE WHEN json_type(document, '$.hypervisor.guest_type') = 'text'
				AND json_extract(document, '$.hypervisor.guest_type') != ''
			THEN '-' || lower(json_extract(document, '$.hypervisor.guest_type')) ELSE '' END
		END,
	balloon_bytes = CASE WHEN json_type(document, '$.testbed.balloon_bytes') = 'integer'
		AND json_extract(document, '$.testbed.balloon_bytes') > 0
		THEN json_extract(document, '$.testbed.balloon_bytes') END
	WHERE json_valid(document);
