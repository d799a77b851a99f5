// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * corebtf: the kernel's types a BPF object's CO-RE reads name, with the
 * kernel's layout and nothing more; the cache used only when it can be
 * trusted.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <linux/bpf.h>
#include <bpf/btf.h>
#include "probe/corebtf.h"
#include "wm_python.h"
#include "wrapmon.skel.h"

/*
 * The "kernel": struct task_struct { int pid; struct inner in; struct other *p;
 * char comm[16]; union { int x; long y; }; unsigned flag:3; } at its own offsets,
 * struct inner { long a; }, struct other, struct unrelated.
 */
static struct btf *kernel_btf(void)
{
	struct btf *k = btf__new_empty();
	int i32, i64, chr, u32, inner, other, ptr, arr, anon, ts, td;

	assert_non_null(k);
	i32 = btf__add_int(k, "int", 4, BTF_INT_SIGNED);
	i64 = btf__add_int(k, "long", 8, BTF_INT_SIGNED);
	chr = btf__add_int(k, "char", 1, BTF_INT_CHAR);
	u32 = btf__add_int(k, "unsigned int", 4, 0);
	btf__add_struct(k, "unrelated", 4);
	btf__add_field(k, "q", i32, 0, 0);
	inner = btf__add_struct(k, "inner", 8);
	btf__add_field(k, "a", i64, 0, 0);
	other = btf__add_struct(k, "other", 4);
	btf__add_field(k, "z", i32, 0, 0);
	ptr = btf__add_ptr(k, other);
	td = btf__add_typedef(k, "pid_t", i32);
	arr = btf__add_array(k, i32, chr, 16);
	anon = btf__add_union(k, NULL, 8);
	btf__add_field(k, "x", i32, 0, 0);
	btf__add_field(k, "y", i64, 0, 0);
	ts = btf__add_struct(k, "task_struct", 56);
	btf__add_field(k, "pid", td, 64, 0);
	btf__add_field(k, "in", inner, 128, 0);
	btf__add_field(k, "p", ptr, 192, 0);
	btf__add_field(k, "comm", arr, 256, 0);
	btf__add_field(k, NULL, anon, 384, 0);
	btf__add_field(k, "flag", u32, 448, 3);
	assert_true(ts > 0);
	return k;
}

/* The program's view: task_struct with one member, a flavor of it, and a type of its own. */
static struct btf *local_btf(void)
{
	struct btf *l = btf__new_empty();
	int i32;

	assert_non_null(l);
	i32 = btf__add_int(l, "int", 4, BTF_INT_SIGNED);
	btf__add_struct(l, "task_struct", 4);
	btf__add_field(l, "pid", i32, 0, 0);
	btf__add_struct(l, "task_struct___old", 4);
	btf__add_field(l, "pid", i32, 0, 0);
	btf__add_struct(l, "mine", 4);
	btf__add_field(l, "k", i32, 0, 0);
	return l;
}

static void test_make_keeps_the_layout_and_drops_the_rest(void **state)
{
	struct btf *k = kernel_btf(), *l = local_btf(), *m = NULL;
	const struct btf_type *t, *ft;
	const struct btf_member *mem;
	int id;

	assert_int_equal(corebtf__make(l, k, &m), 0);
	assert_non_null(m);
	assert_true(btf__find_by_name_kind(m, "unrelated", BTF_KIND_STRUCT) < 0);
	assert_true(btf__find_by_name_kind(m, "mine", BTF_KIND_STRUCT) < 0);
	/* Pointed to only: CO-RE reads it as its own root, by name, or not at all. */
	assert_true(btf__find_by_name_kind(m, "other", BTF_KIND_STRUCT) < 0);
	/* Both the plain name and the flavor asked for it: it is there once. */
	id = btf__find_by_name_kind(m, "task_struct", BTF_KIND_STRUCT);
	assert_true(id > 0);
	t = btf__type_by_id(m, id);
	assert_int_equal(t->size, 56);
	assert_int_equal(btf_vlen(t), 6);
	mem = btf_members(t);
	assert_string_equal(btf__name_by_offset(m, mem[0].name_off), "pid");
	assert_int_equal(btf_member_bit_offset(t, 0), 64);
	ft = btf__type_by_id(m, mem[0].type);
	assert_true(btf_is_int(ft)); /* the typedef looked through */
	ft = btf__type_by_id(m, mem[1].type);
	assert_true(btf_is_struct(ft));
	assert_string_equal(btf__name_by_offset(m, ft->name_off), "inner");
	assert_int_equal(btf_vlen(ft), 1);
	ft = btf__type_by_id(m, mem[2].type);
	assert_true(btf_is_ptr(ft));
	assert_int_equal(ft->type, 0);
	ft = btf__type_by_id(m, mem[3].type);
	assert_true(btf_is_array(ft));
	assert_int_equal(btf_array(ft)->nelems, 16);
	ft = btf__type_by_id(m, mem[4].type);
	assert_true(btf_is_union(ft));
	assert_int_equal(btf_vlen(ft), 2);
	assert_int_equal(btf_member_bit_offset(t, 5), 448);
	assert_int_equal(btf_member_bitfield_size(t, 5), 3);
	assert_int_equal(btf__find_by_name_kind(m, "task_struct", BTF_KIND_STRUCT), id);
	btf__free(m);
	btf__free(l);
	btf__free(k);
}

static void test_cache_found_and_distrusted(void **state)
{
	char dir[] = "/tmp/wm-corebtf-XXXXXX", path[600], name[256] = "";
	LIBBPF_OPTS(corebtf_opts, opts);
	struct corebtf cb;
	struct stat st;
	const void *elf;
	size_t elf_sz;
	FILE *ls;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		skip();
	elf = wrapmon__elf_bytes(&elf_sz);
	assert_non_null(mkdtemp(dir));
	opts.cache_dir = dir;
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_true(cb.made && cb.cached && cb.fd >= 0 && cb.nr_types > 0);
	assert_string_not_equal(cb.path, "");
	corebtf__close(&cb);
	corebtf__close(&cb);
	assert_int_equal(cb.fd, -1);

	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_false(cb.made);
	assert_true(cb.fd >= 0 && cb.nr_types > 0);
	corebtf__close(&cb);

	/* Writable by others: not trusted, made again, and the file replaced. */
	snprintf(path, sizeof(path), "ls %s", dir);
	ls = popen(path, "r");
	assert_non_null(ls);
	assert_non_null(fgets(name, sizeof(name), ls));
	pclose(ls);
	name[strcspn(name, "\n")] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(chmod(path, 0666), 0);
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_true(cb.made && cb.cached);
	corebtf__close(&cb);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* Not BTF: made again over it. */
	assert_int_equal(unlink(path), 0);
	ls = fopen(path, "w");
	assert_non_null(ls);
	fputs("not btf", ls);
	fclose(ls);
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_true(cb.made && cb.cached);
	corebtf__close(&cb);

	/* A FIFO in its place: not opened as one would wait for a writer, replaced. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(20);
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	alarm(0);
	assert_true(cb.made && cb.cached);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_string_equal(cb.file, path);

	/* Refused by the load: forgotten, and the next start makes it again. */
	corebtf__forget(&cb);
	assert_int_equal(cb.fd, -1);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_true(cb.made && cb.cached);
	corebtf__close(&cb);
	corebtf__forget(NULL);

	/* A directory others may write to: nothing read from it or written to it. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_true(cb.made);
	assert_false(cb.cached);
	assert_true(cb.fd >= 0);
	assert_string_equal(cb.file, "");
	corebtf__close(&cb);

	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
	corebtf__close(NULL);
}

/* A new build's file made: the oldest of the others go, 8 left, and nothing else is touched. */
static void test_cache_keeps_the_newest_files(void **state)
{
	char dir[] = "/tmp/wm-corebtf-XXXXXX", path[600];
	LIBBPF_OPTS(corebtf_opts, opts);
	struct corebtf cb;
	const void *elf;
	size_t elf_sz;
	int kept = 0;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		skip();
	elf = wrapmon__elf_bytes(&elf_sz);
	assert_non_null(mkdtemp(dir));
	for (int i = 0; i < 12; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/core-old-%02d.btf", dir, i);
		f = fopen(path, "w");
		assert_non_null(f);
		fputs("x", f);
		fclose(f);
		/* File i is i seconds newer than file 0. */
		assert_int_equal(utimensat(AT_FDCWD, path,
					   (struct timespec[2]){ { 1000 + i, 0 }, { 1000 + i, 0 } },
					   0),
				 0);
	}
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	fclose(fopen(path, "w"));
	opts.cache_dir = dir;
	assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
	assert_true(cb.made && cb.cached);
	for (int i = 0; i < 12; i++) {
		snprintf(path, sizeof(path), "%s/core-old-%02d.btf", dir, i);
		if (!access(path, F_OK)) {
			assert_true(i >= 4);
			kept++;
			unlink(path);
		}
	}
	assert_int_equal(kept, 8);
	assert_int_equal(access(cb.file, F_OK), 0);
	unlink(cb.file);
	corebtf__close(&cb);
	snprintf(path, sizeof(path), "%s/notes.txt", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Only libbpf's mark of an unresolved CO-RE read: not a helper, kfunc or subprogram call. */
static void test_unresolved_finds_only_the_core_poison(void **state)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_CALL, .imm = 14 /* bpf_get_current_pid_tgid */ },
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_CALL, .imm = 0xbad2310 },
		{ .code = BPF_JMP | BPF_CALL, .src_reg = BPF_PSEUDO_KFUNC_CALL, .imm = 0xbad2310 },
		/* libbpf's mark of a kfunc it could not find */
		{ .code = BPF_JMP | BPF_CALL, .imm = 2002000000 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = 0xbad2310 },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_JMP | BPF_CALL, .imm = 0xbad2310 },
	};
	size_t all = sizeof(insns) / sizeof(insns[0]);

	assert_false(corebtf__unresolved(insns, all - 1));
	assert_true(corebtf__unresolved(insns, all));
	assert_true(corebtf__unresolved(insns + all - 1, 1));
	assert_false(corebtf__unresolved(insns, 0));
	assert_false(corebtf__unresolved(NULL, 4));
}

static void touch(const char *dir, const char *name, mode_t mode, time_t mtime)
{
	char path[600];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(futimens(fd, (struct timespec[2]){ { mtime, 0 }, { mtime, 0 } }), 0);
	close(fd);
}

static bool present(const char *dir, const char *name)
{
	char path[600];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !lstat(path, &st);
}

/*
 * The temporary files of writers killed mid-write go at the next use of the
 * directory, made or found; a live writer's fresh one, and what is not such
 * a file of ours, stay.
 */
static void test_cache_removes_killed_writers_temp_files(void **state)
{
	char dir[] = "/tmp/wm-corebtf-XXXXXX", path[600], dead[64], live[64], old[64], own[64];
	char others[64], subdir[64], link[64];
	const char *kept[] = { ".core-a.btf.12x", ".core-a.btf.", "core-a.btf.1", ".core-a.txt.1" };
	LIBBPF_OPTS(corebtf_opts, opts);
	struct corebtf cb;
	const void *elf;
	size_t elf_sz;
	time_t now = time(NULL);
	pid_t gone;

	if (access("/sys/kernel/btf/vmlinux", R_OK))
		skip();
	elf = wrapmon__elf_bytes(&elf_sz);
	assert_non_null(mkdtemp(dir));
	opts.cache_dir = dir;
	/* A pid that was a process's and is no more. */
	gone = fork();
	assert_true(gone >= 0);
	if (!gone)
		_exit(0);
	assert_int_equal(waitpid(gone, NULL, 0), gone);
	snprintf(dead, sizeof(dead), ".core-a.btf.%d", (int)gone);
	snprintf(live, sizeof(live), ".core-b.btf.%d", (int)getppid());
	snprintf(old, sizeof(old), ".core-c.btf.%d", (int)getppid());
	snprintf(own, sizeof(own), ".core-d.btf.%d", (int)getpid());
	snprintf(others, sizeof(others), ".core-e.btf.%d", (int)gone);
	snprintf(subdir, sizeof(subdir), ".core-f.btf.%d", (int)gone);
	snprintf(link, sizeof(link), ".core-g.btf.%d", (int)gone);
	/* Round 0 makes the cache file, round 1 finds it. */
	for (int round = 0; round < 2; round++) {
		touch(dir, dead, 0644, now);
		touch(dir, live, 0644, now);
		touch(dir, old, 0644, now - 120);
		touch(dir, own, 0644, now);
		for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
			touch(dir, kept[i], 0644, now - 120);
		/* Not ours to trust, so not ours to remove: another's writable, a directory, a link. */
		touch(dir, others, 0666, now - 120);
		snprintf(path, sizeof(path), "%s/%s", dir, subdir);
		assert_int_equal(round ? 0 : mkdir(path, 0755), 0);
		snprintf(path, sizeof(path), "%s/%s", dir, link);
		assert_int_equal(round ? 0 : symlink("/nonexistent", path), 0);

		assert_int_equal(corebtf__get(elf, elf_sz, &opts, &cb), 0);
		assert_int_equal(cb.made, !round);
		assert_false(present(dir, dead));
		assert_false(present(dir, old));
		assert_false(present(dir, own));
		assert_true(present(dir, live));
		for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
			assert_true(present(dir, kept[i]));
		assert_true(present(dir, others));
		assert_true(present(dir, subdir));
		assert_true(present(dir, link));
		corebtf__close(&cb);
	}
	snprintf(path, sizeof(path), "rm -r -- '%s'", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_keeps_the_layout_and_drops_the_rest),
		cmocka_unit_test(test_cache_found_and_distrusted),
		cmocka_unit_test(test_cache_keeps_the_newest_files),
		cmocka_unit_test(test_unresolved_finds_only_the_core_poison),
		cmocka_unit_test(test_cache_removes_killed_writers_temp_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
