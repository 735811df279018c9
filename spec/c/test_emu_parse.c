/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * test_emu_parse.c -- the emulated-device description parser: good input
 * read field by field, bad input refused with the line named, and the
 * file the store writes read back.
 */

#include <pmemset_emu.h>

#include "ut.h"

static struct pmemset_emu_state *
parse_ok(const char *text)
{
	struct pmemset_emu_state *st = NULL;
	UT_OK(pmemset_emu_state_parse(&st, text, strlen(text)));
	UT_ASSERT(st != NULL);
	return st;
}

static void
good_input(void)
{
	const char *text =
		"# two devices\n"
		"\n"
		"   \t\n"
		"device dimm-0 usc=7 path=/mnt/pmem0\n"
		"device id%20with%20blanks path=/mnt/a%20b/ usc=0\r\n"
		"badblock /mnt/pmem0/pool 8192 4096\n"
		"\tbadblock   /mnt/pmem0/pool 0 512  \n"
		"badblock /mnt/a%20b/f 9223372036854775806 1";
	struct pmemset_emu_state *st = parse_ok(text);
	UT_ASSERTeq(pmemset_emu_state_device_count(st), 2);
	UT_ASSERTeq(pmemset_emu_state_badblock_count(st), 3);

	struct pmemset_emu_device d;
	UT_OK(pmemset_emu_state_device(st, 0, &d));
	UT_ASSERT(strcmp(d.id, "dimm-0") == 0);
	UT_ASSERTeq(d.usc, 7);
	UT_ASSERT(strcmp(d.path, "/mnt/pmem0") == 0);
	UT_OK(pmemset_emu_state_device(st, 1, &d));
	UT_ASSERT(strcmp(d.id, "id with blanks") == 0);
	UT_ASSERTeq(d.usc, 0);
	UT_ASSERT(strcmp(d.path, "/mnt/a b") == 0); /* trailing '/' cut */
	UT_ERR(pmemset_emu_state_device(st, 2, &d), -EINVAL);

	struct pmemset_emu_badblock b;
	UT_OK(pmemset_emu_state_badblock(st, 0, &b));
	UT_ASSERT(strcmp(b.path, "/mnt/pmem0/pool") == 0);
	UT_ASSERTeq(b.offset, 8192);
	UT_ASSERTeq(b.length, 4096);
	UT_OK(pmemset_emu_state_badblock(st, 1, &b));
	UT_ASSERTeq(b.offset, 0);
	UT_ASSERTeq(b.length, 512);
	UT_OK(pmemset_emu_state_badblock(st, 2, &b));
	UT_ASSERT(strcmp(b.path, "/mnt/a b/f") == 0);
	UT_ASSERTeq(b.offset, 9223372036854775806ULL);
	UT_ERR(pmemset_emu_state_badblock(st, 3, &b), -EINVAL);
	pmemset_emu_state_delete(&st);
	UT_ASSERT(st == NULL);
	pmemset_emu_state_delete(&st); /* no-op */

	/* empty text: no devices, not an error */
	UT_OK(pmemset_emu_state_parse(&st, NULL, 0));
	UT_ASSERTeq(pmemset_emu_state_device_count(st), 0);
	UT_ASSERTeq(pmemset_emu_state_badblock_count(st), 0);
	pmemset_emu_state_delete(&st);
}

struct bad_case {
	const char *text;
	const char *needle; /* must appear in the message */
};

static const struct bad_case bad_cases[] = {
	{ "devices x path=/a\n", "line 1: unknown keyword 'devices'" },
	{ "# ok\ndevice x path=/a colour=red\n",
	  "line 2: unknown key 'colour'" },
	{ "device x path=/a path=/b\n", "line 1: key 'path' repeated" },
	{ "device x usc=1\n", "line 1: device without path=" },
	{ "device x\n", "line 1: expected 'device" },
	{ "device x usc path=/a\n", "line 1: expected key=value" },
	{ "device x usc=-1 path=/a\n", "line 1: usc '-1'" },
	{ "device x usc=+1 path=/a\n", "line 1: usc '+1'" },
	{ "device x usc=0x10 path=/a\n", "line 1: usc '0x10'" },
	{ "device x usc=18446744073709551616 path=/a\n",
	  "line 1: usc '18446744073709551616'" },
	{ "device x usc= path=/a\n", "line 1: usc ''" },
	{ "device x path=relative/dir\n", "line 1: path 'relative/dir' is "
					  "not absolute" },
	{ "device x path=/a%G1\n", "line 1: bad %XX escape" },
	{ "device x path=/a%0\n", "line 1: bad %XX escape" },
	{ "device x%00y path=/a\n", "line 1: bad %XX escape in id" },
	{ "device x path=/a\n\ndevice x path=/b\n",
	  "line 3: device id 'x' already used on line 1" },
	{ "device x path=/a\ndevice y path=/a/b/\n",
	  "line 2: path '/a/b' of device 'y' lies within device 'x'" },
	{ "device y path=/a/b\ndevice x path=/a\n",
	  "line 1: path '/a/b' of device 'y' lies within device 'x'" },
	{ "device x path=/a\ndevice y path=/a\n", "lies within device" },
	{ "device x path=/\ndevice y path=/z\n", "lies within device 'x'" },
	{ "device x path=/a\nbadblock /a/f -1 10\n", "line 2: offset '-1'" },
	{ "device x path=/a\nbadblock /a/f 0 0\n", "line 2: length '0'" },
	{ "device x path=/a\nbadblock /a/f 0 -5\n", "line 2: length '-5'" },
	{ "device x path=/a\nbadblock /a/f 9223372036854775807 1\n",
	  "line 2: length '1'" },
	{ "device x path=/a\nbadblock /a/f 9223372036854775808 1\n",
	  "line 2: offset '9223372036854775808'" },
	{ "device x path=/a\nbadblock /a/f 10\n", "line 2: expected "
						  "'badblock" },
	{ "device x path=/a\nbadblock /a/f 0 4096\nbadblock /a/f 4095 1\n",
	  "line 3: bad block 4095+1 in '/a/f' overlaps 0+4096 (line 2)" },
	{ "badblock /b/f 0 1\ndevice x path=/a\n",
	  "line 1: bad block in '/b/f', which no device covers" },
	{ "badblock /ab/f 0 1\ndevice x path=/a\n", "no device covers" },
	{ "device x path=/a a b c d e f g h\n", "line 1: too many fields" },
	{ "garbage\n", "line 1: unknown keyword 'garbage'" },
	{ "device x path=/a/../b\n", "line 1: path '/a/../b' has an empty" },
	{ "device x path=/a/./b\n", "line 1: path '/a/./b' has an empty" },
	{ "device x path=/a//b\n", "line 1: path '/a//b' has an empty" },
	{ "device x path=/..\n", "line 1: path '/..' has an empty" },
	{ "device x path=/a\nbadblock /a/. 0 1\n",
	  "line 2: path '/a/.' has an empty" },
};

static void
bad_input(void)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		struct pmemset_emu_state *st = (void *)1;
		int ret =
			pmemset_emu_state_parse(&st, c->text, strlen(c->text));
		if (ret != -EINVAL)
			UT_FAIL("case %zu: returned %d", i, ret);
		UT_ASSERT(st == NULL);
		if (!strstr(pmemset_errormsg(), c->needle))
			UT_FAIL("case %zu: message '%s' lacks '%s'", i,
				pmemset_errormsg(), c->needle);
	}
}

/* a NUL byte inside the text is garbage, not an end of string */
static void
nul_byte(void)
{
	const char text[] = "device x path=/a\nbad\0block\n";
	struct pmemset_emu_state *st;
	UT_ERR(pmemset_emu_state_parse(&st, text, sizeof(text) - 1), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "line 2: NUL byte") != NULL);
}

/* an id just under the limit is read, one above is refused */
static void
long_id(void)
{
	size_t n = 4096 + 32;
	char *text = malloc(n + 64);
	UT_ASSERT(text != NULL);
	strcpy(text, "device ");
	memset(text + 7, 'i', 4096);
	strcpy(text + 7 + 4096, " path=/a\n");
	struct pmemset_emu_state *st;
	UT_OK(pmemset_emu_state_parse(&st, text, strlen(text)));
	struct pmemset_emu_device d;
	UT_OK(pmemset_emu_state_device(st, 0, &d));
	UT_ASSERTeq(strlen(d.id), 4096);
	pmemset_emu_state_delete(&st);

	memset(text + 7, 'i', 4097);
	strcpy(text + 7 + 4097, " path=/a\n");
	UT_ERR(pmemset_emu_state_parse(&st, text, strlen(text)), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "line 1: device id longer") !=
		  NULL);
	free(text);
}

/* the store writes the description as text the parser reads back */
static void
written_file(void)
{
	const char *desc = ut_path("written.emu");
	const char *dir = ut_path("dir with blank");
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	char file[4200];
	snprintf(file, sizeof(file), "%s/pool", dir);
	ut_file(file, 8192, 'x');

	UT_OK(pmemset_emu_select(desc));
	UT_ASSERTeq(access(desc, F_OK), 0); /* created */
	char sel[4096];
	UT_OK(pmemset_emu_selected(sel, sizeof(sel)));
	UT_ASSERT(strcmp(sel, desc) == 0);
	UT_ERR(pmemset_emu_selected(sel, 3), -ERANGE);

	UT_OK(pmemset_emu_device_add("dev#1", 3, dir));
	UT_OK(pmemset_emu_badblock_add(file, 4096, 100));

	char text[16384] = { 0 };
	int fd = open(desc, O_RDONLY);
	UT_ASSERT(fd >= 0);
	ssize_t n = read(fd, text, sizeof(text) - 1);
	UT_ASSERT(n > 0);
	close(fd);
	UT_ASSERT(strstr(text, "device dev%231 usc=3 path=") != NULL);
	UT_ASSERT(strstr(text, "dir%20with%20blank/pool 4096 100\n") != NULL);

	struct pmemset_emu_state *st;
	UT_OK(pmemset_emu_state_parse(&st, text, (size_t)n));
	struct pmemset_emu_device d;
	UT_OK(pmemset_emu_state_device(st, 0, &d));
	UT_ASSERT(strcmp(d.id, "dev#1") == 0);
	char *real = realpath(dir, NULL);
	UT_ASSERT(strcmp(d.path, real) == 0);
	free(real);
	pmemset_emu_state_delete(&st);

	/* a broken file is refused by name and line, selection kept */
	const char *broken = ut_path("broken.emu");
	fd = open(broken, O_WRONLY | O_CREAT, 0644);
	UT_ASSERT(fd >= 0);
	const char *bad = "# fine\ndevice z usc=1 path=/q\nbadblock /q/f 1\n";
	UT_ASSERTeq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
	close(fd);
	UT_ERR(pmemset_emu_select(broken), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), broken) != NULL);
	UT_ASSERT(strstr(pmemset_errormsg(), ":line 3:") != NULL ||
		  strstr(pmemset_errormsg(), ": line 3:") != NULL);
	UT_OK(pmemset_emu_selected(sel, sizeof(sel)));
	UT_ASSERT(strcmp(sel, desc) == 0);

	UT_OK(pmemset_emu_select(NULL));
	UT_ERR(pmemset_emu_selected(sel, sizeof(sel)), -ENOENT);
	UT_ERR(pmemset_emu_device_add("x", 0, dir), PMEMSET_E_NOSUPP);
	UT_ERR(pmemset_emu_select(""), -EINVAL);
	unlink(file);
	rmdir(dir);
}

/* API edits are validated as the file is: nothing written on refusal */
static void
api_validation(void)
{
	const char *desc = ut_path("api.emu");
	const char *dir = ut_path("apidir");
	UT_ASSERTeq(mkdir(dir, 0755), 0);
	char sub[4200], file[4200];
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	UT_ASSERTeq(mkdir(sub, 0755), 0);
	snprintf(file, sizeof(file), "%s/f", dir);
	ut_file(file, 4096, 0);

	UT_OK(pmemset_emu_select(desc));
	UT_ERR(pmemset_emu_badblock_add(file, 0, 1), -EINVAL); /* no device */
	UT_ASSERT(strstr(pmemset_errormsg(), "no device covers") != NULL);
	UT_ERR(pmemset_emu_device_add(NULL, 0, dir), -EINVAL);
	UT_ERR(pmemset_emu_device_add("", 0, dir), -EINVAL);
	UT_ERR(pmemset_emu_device_add("a", 0, NULL), -EINVAL);
	UT_ERR(pmemset_emu_device_add("a", 0, "/no/such/dir"), -ENOENT);
	UT_OK(pmemset_emu_device_add("a", 0, dir));
	UT_ERR(pmemset_emu_device_add("a", 0, "/tmp"), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "already used") != NULL);
	UT_ERR(pmemset_emu_device_add("b", 0, sub), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "lies within") != NULL);
	UT_ERR(pmemset_emu_badblock_add(file, 0, 0), -EINVAL);
	UT_ERR(pmemset_emu_badblock_add(file, (size_t)INT64_MAX, 1), -EINVAL);
	UT_ERR(pmemset_emu_badblock_add(NULL, 0, 1), -EINVAL);
	UT_OK(pmemset_emu_badblock_add(file, 0, 100));
	UT_ERR(pmemset_emu_badblock_add(file, 99, 1), -EINVAL);
	UT_ASSERT(strstr(pmemset_errormsg(), "overlaps") != NULL);
	UT_ERR(pmemset_emu_badblock_remove(file, 100, 50), -ENOENT);
	UT_ERR(pmemset_emu_device_remove("nope"), -ENOENT);
	UT_ERR(pmemset_emu_unsafe_shutdown("nope", NULL), -ENOENT);
	UT_ERR(pmemset_emu_device_set_usc(NULL, 1), -EINVAL);

	struct pmemset_emu_state *st;
	UT_OK(pmemset_emu_state_read(&st));
	UT_ASSERTeq(pmemset_emu_state_device_count(st), 1);
	UT_ASSERTeq(pmemset_emu_state_badblock_count(st), 1);
	pmemset_emu_state_delete(&st);

	/* trimming and splitting on remove */
	UT_OK(pmemset_emu_badblock_remove(file, 40, 20));
	UT_OK(pmemset_emu_state_read(&st));
	UT_ASSERTeq(pmemset_emu_state_badblock_count(st), 2);
	struct pmemset_emu_badblock b0, b1;
	UT_OK(pmemset_emu_state_badblock(st, 0, &b0));
	UT_OK(pmemset_emu_state_badblock(st, 1, &b1));
	UT_ASSERTeq(b0.offset, 0);
	UT_ASSERTeq(b0.length, 40);
	UT_ASSERTeq(b1.offset, 60);
	UT_ASSERTeq(b1.length, 40);
	pmemset_emu_state_delete(&st);

	/* removing the device takes its bad blocks with it */
	UT_OK(pmemset_emu_device_set_usc("a", 41));
	uint64_t usc = 0;
	UT_OK(pmemset_emu_unsafe_shutdown("a", &usc));
	UT_ASSERTeq(usc, 42);
	UT_OK(pmemset_emu_device_remove("a"));
	UT_OK(pmemset_emu_state_read(&st));
	UT_ASSERTeq(pmemset_emu_state_device_count(st), 0);
	UT_ASSERTeq(pmemset_emu_state_badblock_count(st), 0);
	pmemset_emu_state_delete(&st);
	UT_OK(pmemset_emu_select(NULL));
	unlink(file);
	rmdir(sub);
	rmdir(dir);
}

int
main(void)
{
	UT_RUN(good_input);
	UT_RUN(bad_input);
	UT_RUN(nul_byte);
	UT_RUN(long_id);
	UT_RUN(written_file);
	UT_RUN(api_validation);
	return 0;
}
