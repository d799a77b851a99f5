#!/bin/sh
# The Go end-to-end test builds a small Go program with Debian's golang-go.
exec sh "$(dirname "$0")/install-pkg.sh" golang-go \
	'command -v go || [ -x /usr/lib/go/bin/go ]' 'Go'
