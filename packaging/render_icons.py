"""Render resources/icons/app/litreview.svg to the PNG sizes desktops use (run after editing the SVG).

Uses Qt's own SVG renderer (QtSvg ships in PySide6-Essentials), so no cairo, rsvg or ImageMagick is needed:
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py [OUT_DIR]
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons" / "app"
SVG_SOURCE = ICON_DIR / "litreview.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Rasterisation differs between CPUs by a level or two in a few edge pixels; an edited SVG changes many pixels or
# changes them by much more. A pixel "differs" when a channel moves by more than LEVEL_TOLERANCE levels (of 255);
# an image matches while at most AREA_TOLERANCE of its pixels differ and no channel moves by more than MAX_LEVEL.
LEVEL_TOLERANCE = 3
AREA_TOLERANCE = 0.002
MAX_LEVEL = 48


def png_path(size: int, folder: Path = ICON_DIR) -> Path:
    """Where the PNG of one size lives: litreview-<size>.png (next to the SVG unless `folder` says otherwise)."""
    return folder / f"litreview-{size}.png"


def images_match(a: object, b: object) -> bool:
    """Whether two QImages show the same icon up to rasterisation noise (see LEVEL_TOLERANCE and AREA_TOLERANCE)."""
    import numpy as np
    from PySide6.QtGui import QImage

    def pixels(image: QImage) -> np.ndarray:
        image = image.convertToFormat(QImage.Format.Format_ARGB32)
        width, height = image.width(), image.height()
        raw = np.frombuffer(image.constBits(), dtype=np.uint8, count=image.sizeInBytes())
        return raw.reshape(height, image.bytesPerLine())[:, : width * 4].astype(np.int16)

    if a.isNull() or b.isNull() or a.size() != b.size():
        return False
    diff = np.abs(pixels(a) - pixels(b)).reshape(a.height(), a.width(), 4).max(axis=2)
    return int(diff.max()) <= MAX_LEVEL and int((diff > LEVEL_TOLERANCE).sum()) <= AREA_TOLERANCE * diff.size


def stale_sizes(rendered_dir: Path, reference_dir: Path = ICON_DIR, sizes: tuple[int, ...] = SIZES) -> list[int]:
    """The sizes whose PNG in `reference_dir` does not match the one rendered into `rendered_dir`."""
    from PySide6.QtGui import QImage

    return [
        size
        for size in sizes
        if not images_match(QImage(str(png_path(size, rendered_dir))), QImage(str(png_path(size, reference_dir))))
    ]


def render_all(svg: Path = SVG_SOURCE, sizes: tuple[int, ...] = SIZES, out_dir: Path = ICON_DIR) -> list[Path]:
    """Render `svg` once per size onto a transparent square image in `out_dir`; returns the written paths."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841  (QPainter needs it)
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"cannot parse {svg}")
    written = []
    for size in sizes:
        image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        target = png_path(size, out_dir)
        if not image.save(str(target), "PNG"):
            raise SystemExit(f"cannot write {target}")
        written.append(target)
    return written


if __name__ == "__main__":
    for path in render_all(out_dir=Path(sys.argv[1]) if len(sys.argv) > 1 else ICON_DIR):
        print(path)
