/*
 * Slot readings after settling the devices (see slots.h). A driver may
 * release a buffer's DMA mapping after the close that released it has
 * returned: i915 queues closed objects and unmaps their pages from a
 * worker or at the next create. A reading right after a cycle would then
 * count closed buffers as held, so every reading is preceded by the
 * backends' settle hooks, and the row says that it was (or why not).
 */
#include "slots.h"

#include <stdio.h>
#include <string.h>

#include "swiotlbfs.h"

struct gb_slots_io gb_slots_io = { .read = bl_swiotlb_read };

void gb_slots_io_reset(void)
{
	gb_slots_io.read = bl_swiotlb_read;
}

int gb_slots_read_used(uint64_t *used)
{
	return gb_slots_io.read("io_tlb_used", used);
}

/* Settles @dev; 1 when it has no hook, else 0 or -errno with @how filled. */
static int settle_one(struct gb_dev *dev, char *how, size_t len)
{
	if (!dev || !dev->ops->settle)
		return 1;
	return dev->ops->settle(dev, how, len);
}

void gb_slots_settle(struct gb_ctx *ctx, struct gb_row *row)
{
	struct gb_dev *devs[2] = { ctx->dev, ctx->same_device ? NULL : ctx->imp };
	json_t *prev = json_object_get(row->extra, "deferred_frees");
	char how[2][200] = { "", "" }, joined[420];
	bool any = false;

	for (int i = 0; i < 2; i++) {
		int err = settle_one(devs[i], how[i], sizeof(how[i]));

		if (err == 1) {
			how[i][0] = '\0';
			continue;
		}
		any = true;
		if (err) {
			/* The first failure stays: later successes do not make the row clean. */
			json_object_set_new(row->extra, "deferred_frees",
					    json_pack("{s:b, s:s}", "flushed", 0, "why", how[i]));
			return;
		}
	}
	if (!any || (prev && json_is_false(json_object_get(prev, "flushed"))))
		return;
	snprintf(joined, sizeof(joined), "%s%s%s", how[0], how[0][0] && how[1][0] ? "; " : "",
		 how[1]);
	json_object_set_new(row->extra, "deferred_frees",
			    json_pack("{s:b, s:s}", "flushed", 1, "how", joined));
}
