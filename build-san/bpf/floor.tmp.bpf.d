build-san/bpf/floor.tmp.bpf.o: bpf/floor.bpf.c build-san/vmlinux.h

build-san/vmlinux.h:
