#!/bin/bash
# CI entry point: checkpatch + apply the series to a fresh copy of Debian's linux-source-6.1 and
# compile the compilation units the series touches. Same as `build.sh --check`.
exec "$(dirname "$0")/build.sh" --check "$@"
