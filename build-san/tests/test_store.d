build-san/tests/test_store: tests/unit/test_store.c src/buf.h src/store.h \
 src/format.h src/buf.h src/record.h include/wrapmon.h src/sig.h
src/buf.h:
src/store.h:
src/format.h:
src/buf.h:
src/record.h:
include/wrapmon.h:
src/sig.h:
