build-san/fuzz/obj/record.o: src/record.c src/record.h include/wrapmon.h

src/record.h:

include/wrapmon.h:
