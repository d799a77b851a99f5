/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef WRAPMON_COREBTF_H
#define WRAPMON_COREBTF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

struct btf;
struct bpf_insn;

/*
 * The kernel's types a BPF object's CO-RE reads can name, and nothing else:
 * a BTF of a few kilobytes made from /sys/kernel/btf/vmlinux (megabytes),
 * for libbpf's btf_custom_path. Without it libbpf reads and indexes all of
 * the kernel's BTF at every load and searches it once per struct read.
 *
 * It is made at run time from the running kernel's own BTF, never shipped,
 * and kept in a cache directory under a name made of the kernel release,
 * the boot id and a hash of the BPF object, so a new boot, kernel or
 * wrapmon build makes it again. A cached file is used only when it is a
 * regular file owned by this user, writable by no one else, in a directory
 * that is the same, and when it parses as BTF; else it is made again (in
 * memory when the directory cannot be written). A file made removes the
 * oldest of the others, 8 left: every rebuild makes one, in memory (/run).
 * It is made in a child process, so the kernel's BTF read to make it never
 * counts in the tracer's peak RSS. A file is written under a temporary name
 * (".NAME.PID") and renamed; every use of the directory removes such files
 * that a killed run left: their writer's pid gone, or a minute old.
 */
struct corebtf_opts {
	size_t sz;
	const char *cache_dir; /* NULL: /run/wrapmon */
	bool no_cache;	       /* make it in memory, read and write no file */
};

struct corebtf {
	int fd;		/* the BTF, open until the load is done */
	char path[40];	/* /proc/self/fd/N: what libbpf opens */
	bool made;	/* made now, not found in the cache */
	bool cached;	/* made now and written to the cache */
	__u64 ns;	/* finding or making it */
	int nr_types;	/* in it */
	char file[320]; /* the cache file it came from or went to; "" for none */
};

/*
 * The BTF for the object whose ELF image is elf[0..elf_sz). On failure
 * (no kernel BTF, ...) cb->fd is -1 and the caller loads as before.
 */
int corebtf__get(const void *elf, size_t elf_sz, const struct corebtf_opts *opts,
		 struct corebtf *cb);
/*
 * Whether a program's instructions (after libbpf's relocations) hold a
 * CO-RE read that found no type or member in the target BTF: libbpf puts a
 * call the verifier refuses in its place ("failed to resolve CO-RE
 * relocation" in the verifier log). The only load failure a BTF lacking a
 * type can cause; any other failure is not the BTF's.
 */
bool corebtf__unresolved(const struct bpf_insn *insns, size_t nr);
/* Close what corebtf__get() left open; NULL-safe, and safe twice. */
void corebtf__close(struct corebtf *cb);
/*
 * The BTF was refused by the load (a cache file that parses but lacks what
 * CO-RE needs: corebtf__unresolved()): closed, and its cache file removed
 * so the next start makes it again. NULL-safe.
 */
void corebtf__forget(struct corebtf *cb);
/*
 * The types: every named struct and union of local that kernel has, with
 * kernel's layout; their members' embedded structs, unions, arrays, ints,
 * enums and floats in full, and every pointer as void *. What CO-RE needs to
 * match a read's member names and find their offsets and sizes.
 */
int corebtf__make(const struct btf *local, const struct btf *kernel, struct btf **out);

#endif
