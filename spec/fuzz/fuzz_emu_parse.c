/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_emu_parse.c -- libFuzzer target for the emulated-device description
 * parser. Besides not crashing it checks two properties: a refusal always
 * says why (naming the line), and an accepted description written back by
 * the formatter parses to the same devices and bad blocks and formats to
 * the same text.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same_state(const struct emu_state *a, const struct emu_state *b)
{
	if (a->ndevs != b->ndevs || a->nbbs != b->nbbs)
		abort();
	for (size_t i = 0; i < a->ndevs; i++)
		if (strcmp(a->devs[i].id, b->devs[i].id) != 0 ||
		    strcmp(a->devs[i].path, b->devs[i].path) != 0 ||
		    a->devs[i].usc != b->devs[i].usc)
			abort();
	for (size_t i = 0; i < a->nbbs; i++)
		if (strcmp(a->bbs[i].path, b->bbs[i].path) != 0 ||
		    a->bbs[i].offset != b->bbs[i].offset ||
		    a->bbs[i].length != b->bbs[i].length)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emu_state st;
	int ret = emu_state_parse(&st, (const char *)data, size);
	if (ret) {
		const char *msg = emu_errormsg();
		if (ret != -12 /* ENOMEM */ && strncmp(msg, "line ", 5) != 0) {
			fprintf(stderr, "refusal without a line: '%s'\n", msg);
			abort();
		}
		return 0;
	}
	size_t len, len2;
	char *text = emu_state_format(&st, &len);
	if (!text)
		abort();
	struct emu_state again;
	if (emu_state_parse(&again, text, len) != 0) {
		fprintf(stderr, "own output refused: %s\n", emu_errormsg());
		abort();
	}
	same_state(&st, &again);
	char *text2 = emu_state_format(&again, &len2);
	if (!text2 || len != len2 || memcmp(text, text2, len) != 0)
		abort();
	free(text);
	free(text2);
	emu_state_clear(&again);
	emu_state_clear(&st);
	return 0;
}
