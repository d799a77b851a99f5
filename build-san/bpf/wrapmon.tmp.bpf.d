build-san/bpf/wrapmon.tmp.bpf.o: bpf/wrapmon.bpf.c build-san/vmlinux.h \
  include/wrapmon.h

build-san/vmlinux.h:

include/wrapmon.h:
