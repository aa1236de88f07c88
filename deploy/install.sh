#!/bin/sh
# Install the reference service into a new virtual environment, exactly as deploy/Dockerfile does
# (tests/deploy/test_image.py runs this script too): every dependency from the hashed lock file
# deploy/requirements.lock (pip refuses a file whose hash differs, and any package not in the
# lock), then this package itself without dependencies.
#   sh deploy/install.sh VENV [SOURCE_DIR]
# Regenerate the lock after a dependency change (pip-tools from PyPI; see docs/deployment.md):
#   pip-compile --strip-extras --generate-hashes --allow-unsafe --extra service \
#     --build-deps-for wheel --no-emit-index-url --output-file deploy/requirements.lock pyproject.toml
set -eu
venv=$1
source_dir=${2:-.}
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --require-hashes --only-binary=:all: \
  -r "$source_dir/deploy/requirements.lock"
# The build backend (hatchling) came from the lock: no unpinned download at build time.
"$venv/bin/pip" install --quiet --no-deps --no-build-isolation "$source_dir"
