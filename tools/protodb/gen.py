#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Build wrapmon's prototype database from the installed C headers.

usage: gen.py [--clang CLANG] OVERLAY OUT

For each library group below, clang parses the group's headers and dumps
its AST as JSON (clang -Xclang -ast-dump=json -fsyntax-only); every function
declared in the group's own header files becomes one line

    KEY <TAB> NAME <TAB> PROTOTYPE

with typedefs wrapmon does not know replaced by what they stand for
(uLong -> unsigned long, FILE * -> struct _IO_FILE *), function pointers as
void *, and functions that pass a struct or union by value, or a type
wrapmon cannot show, left out. Lines of OVERLAY (hand-written prototypes
for what headers cannot say: buffer lengths) replace the generated ones.
A group whose headers are not installed is left out with a note.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

# KEY: what an object's file name starts with (libc.so.6 -> libc); see
# src/types/protodb.c for the keys an object's name maps to.
GROUPS = [
    ("libc", ["stdio.h", "stdlib.h", "string.h", "strings.h", "unistd.h", "fcntl.h",
              "sys/socket.h", "sys/uio.h", "sys/stat.h", "sys/mman.h", "poll.h",
              "sys/epoll.h", "sys/select.h", "sys/wait.h", "sys/time.h", "sys/resource.h",
              "sys/ioctl.h", "sys/sendfile.h", "sys/random.h", "dirent.h", "time.h",
              "pthread.h", "semaphore.h", "sched.h", "dlfcn.h", "netdb.h", "signal.h",
              "arpa/inet.h", "locale.h", "ctype.h", "pwd.h", "grp.h", "syslog.h",
              "stdio_ext.h", "malloc.h", "err.h", "getopt.h", "fnmatch.h", "glob.h",
              "termios.h", "spawn.h", "wchar.h"],
     lambda f: "/openssl/" not in f and "/curl/" not in f and not f.endswith("math.h")
     and "mathcalls" not in f),
    ("libm", ["math.h"], lambda f: f.endswith("math.h") or "mathcalls" in f),
    ("libz", ["zlib.h"], lambda f: f.endswith("/zlib.h")),
    ("libssl", ["openssl/ssl.h", "openssl/tls1.h", "openssl/dtls1.h"],
     lambda f: re.search(r"/openssl/(ssl|ssl2|ssl3|tls1|dtls1|srtp)\.h$", f) is not None),
    ("libcrypto", ["openssl/evp.h", "openssl/err.h", "openssl/bio.h", "openssl/rand.h",
                   "openssl/x509.h", "openssl/pem.h", "openssl/sha.h", "openssl/hmac.h",
                   "openssl/crypto.h", "openssl/bn.h", "openssl/rsa.h", "openssl/ec.h"],
     lambda f: "/openssl/" in f and re.search(r"/(ssl|ssl2|ssl3|tls1|dtls1|srtp)\.h$", f) is None),
    ("libsqlite3", ["sqlite3.h"], lambda f: f.endswith("/sqlite3.h")),
    ("libcurl", ["curl/curl.h", "curl/easy.h", "curl/multi.h", "curl/urlapi.h"],
     lambda f: "/curl/" in f),
]

# Typedefs src/types/proto.c knows (known_typedefs[]): kept as written.
KNOWN = {"size_t", "ssize_t", "off_t", "off64_t", "pid_t", "uid_t", "gid_t", "mode_t",
         "socklen_t", "time_t", "ptrdiff_t", "intptr_t", "uintptr_t", "int8_t", "uint8_t",
         "int16_t", "uint16_t", "int32_t", "uint32_t", "int64_t", "uint64_t", "intmax_t",
         "uintmax_t"}
KEYWORDS = {"const", "volatile", "restrict", "__restrict", "struct", "union", "enum", "signed",
            "unsigned", "char", "short", "int", "long", "float", "double", "void", "_Bool"}
# Types a uprobe cannot show, or that the prototype parser does not take.
REFUSED = re.compile(r"_Complex|__int128|_Float\d|long double|_Decimal|__m\d|\bvector\b|__attribute__")
IDENT = re.compile(r"[A-Za-z_]\w*")


def dump(clang, headers):
    with tempfile.NamedTemporaryFile("w", suffix=".c") as src:
        src.write("#define _GNU_SOURCE 1\n")
        for h in headers:
            src.write(f"#if __has_include(<{h}>)\n#include <{h}>\n#endif\n")
        src.flush()
        r = subprocess.run([clang, "-Xclang", "-ast-dump=json", "-fsyntax-only", "-w", "-x", "c",
                            src.name], capture_output=True, check=False)
    if r.returncode:
        sys.exit(f"gen.py: clang failed on {headers}: {r.stderr.decode(errors='replace')[:500]}")
    return json.loads(r.stdout)


def decls(ast):
    """(FunctionDecl or TypedefDecl, file): the dump names a file only when it changes."""
    cur = None
    for node in ast.get("inner", []):
        loc = node.get("loc", {})
        loc = loc.get("expansionLoc", loc)
        cur = loc.get("file", cur)
        for r in ("begin", "end"):
            rl = node.get("range", {}).get(r, {})
            rl = rl.get("expansionLoc", rl)
            if r == "begin" and "file" in rl and "file" not in loc:
                cur = rl["file"]
        yield node, cur
        # The end of the range may name a file too: the next node's default.
        end = node.get("range", {}).get("end", {})
        end = end.get("expansionLoc", end)
        cur = end.get("file", cur)


def inner_kind(node):
    """EnumType or RecordType: what a typedef of an anonymous tag names."""
    for n in node.get("inner", []):
        if n.get("kind") in ("EnumType", "RecordType"):
            return n["kind"]
        k = inner_kind(n)
        if k:
            return k
    return None


def transparent_first(node):
    """A transparent union's first member's type: how the union is passed."""
    inner = node.get("inner", [])
    if node.get("kind") != "RecordDecl" or not any(
            n.get("kind") == "TransparentUnionAttr" for n in inner):
        return None
    return next((n["type"]["qualType"] for n in inner if n.get("kind") == "FieldDecl"), None)


def owned_decl(node):
    """The id of the tag a typedef names (typedef union { ... } name;)."""
    for n in node.get("inner", []):
        d = n.get("ownedTagDecl") or n.get("decl")
        if d:
            return d.get("id")
        d = owned_decl(n)
        if d:
            return d
    return None


class Types:
    def __init__(self, ast):
        self.tdefs = {}
        # glibc's __SOCKADDR_ARG (bind, connect, accept...): a pointer in a transparent union.
        transparent = {}
        for node, _ in decls(ast):
            first = transparent_first(node)
            if first:
                transparent[node["id"]] = first
            if node.get("kind") == "TypedefDecl":
                t, name = node["type"], node["name"]
                if owned_decl(node) in transparent:
                    self.tdefs[name] = transparent[owned_decl(node)]
                    continue
                t = t.get("desugaredQualType", t["qualType"])
                # typedef enum { ... } name; / typedef struct { ... } name;: named by itself.
                if name in IDENT.findall(t):
                    kind = inner_kind(node)
                    t = "int" if kind == "EnumType" else f"struct {name}" if kind else None
                if t:
                    self.tdefs[name] = t

    def resolve(self, t, depth=0):
        """t with unknown typedefs replaced; None when it cannot be shown."""
        if depth > 8:
            return None
        if "(" in t:  # a function pointer (or one returned)
            return "void *" if "*" in t else None
        t = re.sub(r"\s*\[[^\]]*\]", " *", t)  # an array parameter is a pointer

        out, prev, pos = [], "", 0
        for m in IDENT.finditer(t):
            w, tag = m.group(0), prev in ("struct", "union", "enum")
            out.append(t[pos:m.start()])
            pos, prev = m.end(), w
            if tag or w in KEYWORDS or w in KNOWN or w not in self.tdefs:
                out.append(w)
                continue
            r = self.resolve(self.tdefs[w], depth + 1)
            if r is None:
                return None
            out.append(r)
        t = "".join(out) + t[pos:]
        if "(" in t:
            return "void *" if t.count("*") else None
        if "__builtin_va_list" in t or "__va_list_tag" in t:
            return "void *"
        t = re.sub(r"\s+", " ", t).replace("* *", "**").strip()
        if REFUSED.search(t):
            return None
        # By value, a struct or union needs its layout, which only debug info has.
        if not depth and re.match(r"^(const |volatile )*(struct|union) ", t) and "*" not in t:
            return None
        return t


def param_name(n):
    return n.lstrip("_")


def prototype(types, node):
    ft = node["type"]["qualType"]
    depth, i = 0, len(ft) - 1
    if not ft.endswith(")"):
        return None
    while i >= 0:
        depth += {")": 1, "(": -1}.get(ft[i], 0)
        if depth == 0:
            break
        i -= 1
    ret = types.resolve(ft[:i].strip())
    if ret is None:
        return None
    parts = []
    for p in node.get("inner", []):
        if p.get("kind") != "ParmVarDecl":
            continue
        t = types.resolve(p["type"]["qualType"])
        if t is None:
            return None
        name = param_name(p.get("name", ""))
        parts.append(f"{t}{'' if t.endswith('*') else ' '}{name}".rstrip() if name else t)
    if node.get("variadic"):
        parts.append("...")
    if not parts:
        parts = ["void"]
    sep = "" if ret.endswith("*") else " "
    return f"{ret}{sep}{node['name']}({', '.join(parts)})"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--clang", default="clang")
    ap.add_argument("overlay")
    ap.add_argument("out")
    a = ap.parse_args()
    db = {}
    for key, headers, own in GROUPS:
        if not any(os.path.exists(os.path.join(d, h)) for h in headers
                   for d in ("/usr/include", "/usr/include/x86_64-linux-gnu")):
            print(f"gen.py: note: no headers for {key} ({headers[0]}): left out", file=sys.stderr)
            continue
        ast = dump(a.clang, headers)
        types = Types(ast)
        for node, f in decls(ast):
            if node.get("kind") != "FunctionDecl" or not f or not own(f):
                continue
            if node.get("storageClass") == "static" or node.get("inline"):
                continue
            p = prototype(types, node)
            if p:
                db[(key, node["name"])] = p
    with open(a.overlay) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, name, proto = line.split("\t")
            db[(key, name)] = proto
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write("# wrapmon prototype database: KEY<TAB>NAME<TAB>PROTOTYPE, "
                "made by tools/protodb/gen.py\n")
        for (key, name), proto in sorted(db.items()):
            f.write(f"{key}\t{name}\t{proto}\n")
    os.replace(tmp, a.out)


if __name__ == "__main__":
    main()
