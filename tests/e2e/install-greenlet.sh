#!/bin/sh
# The greenlet end-to-end test runs a Python program whose greenlets switch
# C stacks inside a traced call: Debian's python3-greenlet, checked with
# Debian's own /usr/bin/python3 (the one the package is built for, whatever
# python3 comes first in PATH).
exec sh "$(dirname "$0")/install-pkg.sh" python3-greenlet \
	"/usr/bin/python3 -c 'import greenlet'" 'greenlet'
