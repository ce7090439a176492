#!/bin/sh
# test-env.sh DIR COMMAND [ARGUMENT]...: runs one test (every test of the
# suite goes through here, see meson.build) in the same environment
# whatever the environment of whoever typed `meson test` holds.
#
# What the code reads from the environment: the dataset finder looks in
# $BACKPROP_DATA_DIR, $XDG_DATA_HOME (or ~/.local/share) and $XDG_DATA_DIRS
# (engine/nn-data-find.c); GLib and GTK read and write the user's config,
# data, state and cache dirs and HOME (settings.ini, recently used files,
# bookmarks, caches), talk to the session bus, and open the window on
# Wayland rather than on Xvfb when WAYLAND_DISPLAY is set; GTK_THEME and
# scale factors change every pixel of a screenshot; the locale changes how
# numbers are printed; the app prints more with BP_BENCH_VERBOSE. So DIR,
# a folder of this build, is emptied and becomes the home and the XDG dirs,
# and every other such variable is cleared or set to what a fresh Debian
# login has. The variables the tests themselves need (BACKPROP_TEST_DATA,
# GSETTINGS_BACKEND=memory, ...) come from meson.build.
set -eu

dir=$1
shift
case $dir in
  */tests/env/*) ;;
  *)
    echo "test-env.sh: “$dir” is not a folder under tests/env/ of a build directory." >&2
    exit 2
    ;;
esac
rm -rf "$dir"
mkdir -p "$dir/home" "$dir/data" "$dir/config" "$dir/state" "$dir/cache" "$dir/runtime"
chmod 700 "$dir/runtime"

export HOME="$dir/home"
export XDG_DATA_HOME="$dir/data"
export XDG_CONFIG_HOME="$dir/config"
export XDG_STATE_HOME="$dir/state"
export XDG_CACHE_HOME="$dir/cache"
export XDG_RUNTIME_DIR="$dir/runtime"
export XDG_DATA_DIRS=/usr/local/share:/usr/share
export XDG_CONFIG_DIRS=/etc/xdg
export LC_ALL=C.UTF-8
export GDK_BACKEND=x11
unset BACKPROP_DATA_DIR BP_BENCH_VERBOSE
unset WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS LANGUAGE
unset GTK_THEME GTK_DEBUG GDK_DEBUG GSK_DEBUG GDK_SCALE GDK_DPI_SCALE GTK_IM_MODULE
unset ADW_DEBUG_COLOR_SCHEME ADW_DEBUG_HIGH_CONTRAST G_MESSAGES_DEBUG

exec "$@"
