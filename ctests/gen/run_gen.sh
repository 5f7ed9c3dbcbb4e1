#!/usr/bin/env bash
# Run the oxbpf tool given as a build-relative or absolute path (meson hands custom-target
# outputs over without a directory part), with the remaining arguments.
set -euo pipefail
tool=$1
shift
case $tool in
*/*) ;;
*) tool=./$tool ;;
esac
exec "$tool" "$@"
