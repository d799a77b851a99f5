#!/bin/sh
# The metrics end-to-end test scrapes wrapmon with a real Prometheus server:
# Debian's prometheus package. Only the binary is used; the test starts its
# own server on loopback with its own configuration and storage, and never
# the system's service.
exec sh "$(dirname "$0")/install-pkg.sh" prometheus 'command -v prometheus' 'Prometheus (2.x)'
