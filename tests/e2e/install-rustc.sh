#!/bin/sh
# The Rust end-to-end test builds its target with the machine's rustc (one
# file, no cargo): the one in PATH or ~/.cargo/bin, else Debian's rustc.
exec sh "$(dirname "$0")/install-pkg.sh" rustc \
	'command -v rustc || [ -x "$HOME/.cargo/bin/rustc" ]' 'rustc'
