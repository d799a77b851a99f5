/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The type model: what wrapmon knows of a function's parameters and result,
 * whether it came from a C prototype, from DWARF, or from nothing at all.
 */
#ifndef WM_SIG_H
#define WM_SIG_H

#include <stdbool.h>
#include <stddef.h>

#define WM_SIG_MAX_PARAMS 16
#define WM_NAME_MAX	  64
#define WM_TYPE_NAME_MAX  64
/* Struct/union members, all the signature's types together. */
#define WM_SIG_MAX_FIELDS 48
/* Enumerators, all the signature's enum types together. */
#define WM_SIG_MAX_ENUMS  64
#define WM_FIELD_NAME_MAX 32
/* Elements of a fixed-size array printed before "...". */
#define WM_ARRAY_SHOW 8
/* WM_T_BUF: the element count is the result, not a parameter. */
#define WM_LEN_RET (-2)
/*
 * WM_T_BUF: the pointer and the count are both in the value itself (a
 * Rust &str, slice, String or Vec), at ptr_off and len_off.
 */
#define WM_LEN_SELF (-3)
/* Pieces of one parameter's location. */
#define WM_LOC_MAX_PIECES 4

/* Where a piece of a parameter is at the probe, from its DWARF location. */
enum wm_piece_kind {
	WM_PIECE_REG = 1,  /* in DWARF register reg */
	WM_PIECE_MEM = 2,  /* in memory at register reg + off */
	WM_PIECE_ADDR = 3, /* its value is register reg + off */
	WM_PIECE_CONST = 4 /* its value is off */
};

struct wm_loc_piece {
	unsigned char kind; /* enum wm_piece_kind */
	unsigned char reg;  /* DWARF register number (x86_64: 0 rax, 1 rdx, ..., 7 rsp) */
	unsigned char size; /* bytes of the parameter it holds */
	/*
	 * WM_PIECE_MEM of a single location (not a list): a stack slot that
	 * holds only once the prologue stored a register there, reg + off
	 * being the stack or frame pointer after the prologue, or with
	 * entry_sp, rsp at entry (off from the CFA): see plan__locs_at_entry().
	 */
	bool body;
	bool entry_sp;
	unsigned int at; /* byte offset in the parameter */
	long long off;
};

enum wm_loc_state {
	WM_LOC_ABI = 0, /* no usable DWARF location: the C ABI's register or stack slot */
	WM_LOC_AT = 1,	/* pieces[] */
	WM_LOC_OUT = 2, /* not available at the probe: <optimized out> */
};

struct wm_loc {
	unsigned char state; /* enum wm_loc_state */
	unsigned char nr_pieces;
	struct wm_loc_piece pieces[WM_LOC_MAX_PIECES];
};

enum wm_type_kind {
	WM_T_VOID, /* only as a result */
	WM_T_INT,  /* integer of size 1/2/4/8, signed or not (incl. enums) */
	WM_T_BOOL,
	WM_T_CHAR,    /* plain char / signed char / unsigned char */
	WM_T_PTR,     /* any pointer that is not a string; printed in hex */
	WM_T_STR,     /* char * / const char *: read as a NUL-terminated string */
	WM_T_FLOAT,   /* float/double/long double: not readable from a uprobe */
	WM_T_UNKNOWN, /* raw register, printed in hex */
	WM_T_ENUM,    /* integer printed as its enumerator's name (enums[]) */
	WM_T_FUNCPTR, /* pointer to a function: printed as the symbol it points to */
	WM_T_STRUCT,  /* struct or union, by value (a parameter) or as what a pointer points to */
	WM_T_BUF,     /* pointer to elements whose count is a parameter (len_param) or the result */
};

/*
 * A value that is not a whole parameter: a struct member, what a pointer
 * points to, a buffer's or array's element. Scalars only: a member that is
 * itself a struct prints as {...}, a pointer member as an address.
 */
struct wm_scalar {
	unsigned char kind; /* enum wm_type_kind; WM_T_STRUCT: nested, shown as {...} */
	unsigned char size; /* bytes (a nested struct's own size is clamped to 255) */
	bool is_signed;
	unsigned char nr_enums; /* WM_T_ENUM: enumerators at sig->enums[first_enum] */
	unsigned short first_enum;
};

struct wm_field {
	char name[WM_FIELD_NAME_MAX]; /* "" for an anonymous member */
	unsigned int offset;	      /* bytes from the start of the struct */
	unsigned char bit_offset;     /* bitfield: bits from offset (LSB first), else 0 */
	unsigned char bit_size;	      /* bitfield width, 0 when not a bitfield */
	unsigned short count;	      /* fixed array: elements (0: not an array) */
	struct wm_scalar type;	      /* the member, or the array's element */
	/*
	 * A variant of a Rust enum (rust_enum): name is the variant's, offset
	 * and type its payload's (WM_T_VOID: none; WM_T_BUF: a &str or String,
	 * its pointer and length at ptr_off and len_off from the enum's start).
	 * It is the one when the discriminant is discr, or, for the default
	 * variant, when no other one's is.
	 */
	unsigned char variant; /* WM_VARIANT_* */
	unsigned short ptr_off, len_off;
	long long discr;
};

enum { WM_VARIANT_NONE = 0, WM_VARIANT_DISCR = 1, WM_VARIANT_DEFAULT = 2 };

struct wm_enumval {
	long long value;
	char name[WM_FIELD_NAME_MAX];
};

struct wm_type {
	enum wm_type_kind kind;
	/*
	 * Bytes of the value itself: 1, 2, 4, 8 for scalars, 8 for any
	 * pointer (WM_T_PTR/STR/FUNCPTR/BUF), the struct's size for
	 * WM_T_STRUCT by value, 0 for void.
	 */
	unsigned int size;
	bool is_signed;
	/* C spelling for output and JSON, e.g. "const char *", "size_t" */
	char name[WM_TYPE_NAME_MAX];

	/*
	 * What is read through a pointer. For WM_T_PTR: target.kind is
	 * WM_T_STRUCT (fields below), a scalar kind (int *, enum e *), or
	 * WM_T_UNKNOWN/WM_T_VOID when nothing is known (void *, opaque struct):
	 * then the pointer prints as an address only. For WM_T_BUF: the
	 * element (target.size bytes each; 1 for void).
	 */
	struct wm_scalar target;
	/* WM_T_PTR/WM_T_BUF: the pointee is const, so not an out-parameter. */
	bool target_const;
	/* WM_T_PTR to an array of known length (prototype "int *v[4]"): elements. */
	unsigned short target_count;

	/*
	 * WM_T_STRUCT by value, or WM_T_PTR whose target is WM_T_STRUCT:
	 * members at sig->fields[first_field .. first_field + nr_fields),
	 * struct_size bytes in all (the pointee's size for a pointer).
	 */
	bool is_union;
	/* A Rust enum (Option, Result, ...): fields are its variants; the discriminant is here. */
	bool rust_enum;
	unsigned char discr_size;
	unsigned short discr_off;
	unsigned short first_field;
	unsigned short nr_fields;
	unsigned int struct_size;

	/* WM_T_ENUM: enumerators at sig->enums[first_enum .. + nr_enums). */
	unsigned short first_enum;
	unsigned short nr_enums;

	/* WM_T_BUF: index of the parameter holding the element count, WM_LEN_RET or WM_LEN_SELF. */
	int len_param;
	/* WM_LEN_SELF: where the pointer and the count are in the value. */
	unsigned short ptr_off, len_off;
};

struct wm_param {
	char name[WM_NAME_MAX]; /* "" when unknown */
	struct wm_type type;
	/*
	 * Integer argument register (0..5) this parameter arrives in (its
	 * first eightbyte, for a struct of 9..16 bytes: nr_regs is then 2),
	 * or -1 when it is not in one (nr_regs 0). Set by sig__assign_regs().
	 * A float, or a small struct with a float eightbyte, is in SSE
	 * registers: reg and stack_off are both -1.
	 */
	int reg;
	int nr_regs;
	/*
	 * Passed in memory (an integer argument past the sixth register, a
	 * float past the eighth SSE register, long double, a struct over 16
	 * bytes, or one that no longer fits in the registers left): byte
	 * offset from the first stack argument (the eightbyte just above the
	 * return address). -1 when in registers, or unknown (after a struct
	 * by value whose layout is not known).
	 */
	int stack_off;
	/* WM_SIG_DWARF: where it is at the probe (dwarf__func_sig() with a pc). */
	struct wm_loc loc;
};

enum wm_sig_source {
	WM_SIG_RAW,   /* nothing known: six registers in hex */
	WM_SIG_PROTO, /* from a C prototype given with -f */
	WM_SIG_DWARF, /* from the object's debug info */
	/*
	 * A Go function: Go's ABI (arguments in RAX, RBX, RCX, ..., results
	 * the same) is not decoded yet, and reading the C ABI would show
	 * wrong values: no parameters, and the result is shown as "?".
	 */
	WM_SIG_GO,
	/*
	 * A Python function: parameters by name (their values are Python
	 * objects, shown by type), no C ABI: nothing is read from registers.
	 */
	WM_SIG_PY,
};

struct wm_sig {
	enum wm_sig_source source;
	/* Function name as written / found (owned, sig__set_name()); NULL: none yet. */
	char *name;
	struct wm_type ret;
	/*
	 * The parameters and the pools the types index into (see struct
	 * wm_type) are allocated to what the function uses: a signature owns
	 * them from the call that filled it (proto__parse(), dwarf__func_sig(),
	 * sig__init_raw(), ...) until sig__free(). Those calls start from
	 * nothing: a filled signature is freed before it is filled again.
	 * Counts stay within WM_SIG_MAX_PARAMS, WM_SIG_MAX_FIELDS and
	 * WM_SIG_MAX_ENUMS.
	 */
	int nr_params;
	struct wm_param *params;
	bool variadic;
	/* WM_SIG_PROTO from the prototype database (types/protodb.h), not from -f. */
	bool from_db;
	/* Rust's unit: raw pointers are never out-parameters (its DWARF does not say const). */
	bool rust;
	int nr_fields;
	struct wm_field *fields;
	int nr_enums;
	struct wm_enumval *enums;
};

/*
 * Room for n more parameters, struct members or enumerators past the ones
 * counted, cleared; the count is the caller's to raise once one is filled
 * in. 0, -ENOMEM (the signature is left as it was) or -EINVAL (n < 0).
 */
int sig__reserve_params(struct wm_sig *sig, int n);
int sig__reserve_fields(struct wm_sig *sig, int n);
int sig__reserve_enums(struct wm_sig *sig, int n);
/* The longest name kept, in bytes: the rest is cut, as names are only shown. */
#define WM_SIG_NAME_MAX 255
/* sig's name becomes (a copy of) name; 0 or -ENOMEM (the old name stays). */
int sig__set_name(struct wm_sig *sig, const char *name);
/* Its name, "" when it has none. */
static inline const char *sig__name(const struct wm_sig *sig)
{
	return sig->name ? sig->name : "";
}
/* A copy of src in dst (not initialised), with pools of its own: 0 or -ENOMEM (dst empty). */
int sig__copy(struct wm_sig *dst, const struct wm_sig *src);
/* Free what sig owns and clear it; NULL-safe, and safe on a cleared signature. */
void sig__free(struct wm_sig *sig);

/*
 * Map parameters to x86_64 SysV integer registers and stack offsets:
 * floats take SSE registers (the first eight; later ones take stack
 * eightbytes), a struct of up to 16 bytes takes one or two integer
 * registers when both are free and the stack otherwise (SSE registers for
 * its eightbytes made only of float/double members), larger structs and
 * long double always the stack. After a struct by value of unknown size
 * (a prototype's, not laid out by dwarf__complete_sig()) no location is
 * known. Sets reg, nr_regs and stack_off of every parameter.
 */
void sig__assign_regs(struct wm_sig *sig);
/* Does a parameter, the result, what one points to or a struct member hold a function pointer? */
bool sig__has_funcptr(const struct wm_sig *sig);
/* The signature used when nothing is known: six raw registers, raw result. */
void sig__init_raw(struct wm_sig *sig, const char *name);
/* A Go function's: nothing read, nothing shown (see WM_SIG_GO). */
void sig__init_go(struct wm_sig *sig, const char *name);
/* Append s to the C string in buf, cutting it to fit: names are only for display. */
void sig__append(char *buf, size_t size, const char *s);
/* Render "int search(const char *pat, const char *s)" into buf. */
int sig__snprint(const struct wm_sig *sig, char *buf, size_t size);

#endif /* WM_SIG_H */
