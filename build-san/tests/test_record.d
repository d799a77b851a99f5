build-san/tests/test_record: tests/unit/test_record.c src/record.h \
 include/wrapmon.h
src/record.h:
include/wrapmon.h:
