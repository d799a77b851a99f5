build-san/tests/test_format: tests/unit/test_format.c src/buf.h \
 src/format.h src/buf.h src/record.h include/wrapmon.h src/sig.h \
 src/record.h
src/buf.h:
src/format.h:
src/buf.h:
src/record.h:
include/wrapmon.h:
src/sig.h:
src/record.h:
