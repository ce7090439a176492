#!/bin/sh
# The README's first command runs ./build/app/backprop before anything is
# installed: it must find its GSettings schema in the build tree on its own.
# Runs one MNIST benchmark epoch in the real window with no schema variables.
set -u
app=$1
data=$2
out=$(env -u GSETTINGS_SCHEMA_DIR GSETTINGS_BACKEND=memory GSK_RENDERER=cairo \
      BACKPROP_DATA_DIR="$data" \
      xvfb-run -a -s "-screen 0 1280x1024x24" "$app" --bench-responsiveness --bench-epochs 1 2>&1)
status=$?
echo "$out" | grep -v "a11y" | tail -5
if [ $status -ne 0 ]; then
  echo "backprop exited with status $status"
  exit 1
fi
echo "$out" | grep -q "timer lateness" || { echo "no benchmark output"; exit 1; }
echo "$out" | grep -qi "schema" && { echo "a schema problem was reported"; exit 1; }
exit 0
