#!/usr/bin/env bash
# Install a built dist/litreview/ for the current user (or under PREFIX): the app folder, a `litreview` command,
# the menu entry, the icons in every size and the AppStream metainfo.
#
#   packaging/linux/install.sh                 # into ~/.local
#   PREFIX=/opt/litreview-root packaging/linux/install.sh
#   packaging/linux/install.sh --uninstall
set -euo pipefail

APP_ID="io.github.litreview.Litreview"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
BUNDLE="$ROOT/dist/litreview"
SIZES="16 24 32 48 64 128 256 512"

remove() {
    rm -rf "$PREFIX/lib/litreview"
    rm -f "$PREFIX/bin/litreview" "$PREFIX/share/applications/$APP_ID.desktop" \
        "$PREFIX/share/metainfo/$APP_ID.metainfo.xml" "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
    for size in $SIZES; do rm -f "$PREFIX/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"; done
}

if [ "${1:-}" = "--uninstall" ]; then
    remove
    echo "removed litreview from $PREFIX"
    exit 0
fi
if [ ! -x "$BUNDLE/litreview" ]; then
    echo "install.sh: no build at $BUNDLE; run scripts/build_app.sh first" >&2
    exit 1
fi

remove
mkdir -p "$PREFIX/lib" "$PREFIX/bin" "$PREFIX/share/applications" "$PREFIX/share/metainfo"
cp -a "$BUNDLE" "$PREFIX/lib/litreview"
ln -s "$PREFIX/lib/litreview/litreview" "$PREFIX/bin/litreview"
# The menu entry starts the installed binary by its absolute path, so it works without PREFIX/bin on PATH.
sed -e "s|^Exec=litreview|Exec=$PREFIX/bin/litreview|" -e "s|^TryExec=litreview|TryExec=$PREFIX/bin/litreview|" \
    "$ROOT/packaging/linux/$APP_ID.desktop" > "$PREFIX/share/applications/$APP_ID.desktop"
cp "$ROOT/packaging/linux/$APP_ID.metainfo.xml" "$PREFIX/share/metainfo/"
for size in $SIZES; do
    mkdir -p "$PREFIX/share/icons/hicolor/${size}x${size}/apps"
    cp "$ROOT/resources/icons/app/litreview-$size.png" "$PREFIX/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
done
mkdir -p "$PREFIX/share/icons/hicolor/scalable/apps"
cp "$ROOT/resources/icons/app/litreview.svg" "$PREFIX/share/icons/hicolor/scalable/apps/$APP_ID.svg"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$PREFIX/share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$PREFIX/share/icons/hicolor" || true
echo "installed litreview into $PREFIX (command: $PREFIX/bin/litreview)"
