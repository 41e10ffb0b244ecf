"""The library map: papers as dots laid out in 2-D, coloured by topic cluster, with the clusters' labels.

Hovering a dot shows the paper's title; clicking it selects the paper. The data comes from
litreview.analysis.clusters.load_map (read on the GUI thread's read-only connection once clustering has run on
the worker).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal, Slot
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QPainter,
    QPalette,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsEllipseItem,
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QLabel,
    QPushButton,
    QWidget,
)

from litreview.core.text import count_of
from litreview.gui.panel_layout import panel_rows

SCALE = 300.0  # map coordinates in [-1, 1] -> scene units
DOT = 5.0


def cluster_color(index: int, count: int) -> QColor:
    """Well-separated hues (golden-angle steps), readable on light and dark backgrounds."""
    hue = (index * 137.508) % 360
    return QColor.fromHsv(int(hue), 150, 210)


class _Dot(QGraphicsEllipseItem):
    def __init__(self, panel: MapPanel, paper_id: int, title: str, x: float, y: float, color: QColor) -> None:
        super().__init__(-DOT / 2, -DOT / 2, DOT, DOT)
        self.panel = panel
        self.paper_id = paper_id
        self.setPos(x, y)
        self.setBrush(QBrush(color))
        self.setPen(QPen(Qt.PenStyle.NoPen))
        self.setToolTip(title)
        self.setAcceptHoverEvents(True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.panel.sig_paper_clicked.emit(self.paper_id)
        event.accept()


class _Label(QGraphicsItem):
    """A cluster label centred on its point, on a translucent plate, the same size at every zoom.

    Its colours come from the palette of the widget it is painted on, at paint time, so the labels follow a
    switch between the light and dark palettes (a plate kept from the old palette would stay light)."""

    PLATE_ALPHA = 200

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        self.font = QFont()
        self.font.setBold(True)
        self.font.setPointSizeF(self.font.pointSizeF() * 0.95)
        metrics = QFontMetricsF(self.font)
        width, height = metrics.horizontalAdvance(text) + 10, metrics.height() + 4
        self.rect = QRectF(-width / 2, -height / 2, width, height)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setZValue(2)

    def boundingRect(self) -> QRectF:
        return self.rect

    @staticmethod
    def colors(palette: QPalette) -> tuple[QColor, QColor]:
        """(text, plate) for a palette: the view's own text on its own base, slightly see-through."""
        plate = QColor(palette.color(QPalette.ColorRole.Base))
        plate.setAlpha(_Label.PLATE_ALPHA)
        return palette.color(QPalette.ColorRole.Text), plate

    def paint(self, painter: QPainter, option, widget=None) -> None:
        palette = widget.palette() if widget is not None else QGuiApplication.palette()
        text_color, plate = self.colors(palette)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(plate)
        painter.drawRoundedRect(self.rect, 4, 4)
        painter.setPen(text_color)
        painter.setFont(self.font)
        painter.drawText(self.rect, Qt.AlignmentFlag.AlignCenter, self.text)


def short_label(label: str, words: int = 2) -> str:
    """The first `words` terms of a "a · b · c" cluster label (the map has little room)."""
    return " · ".join(label.split(" · ")[:words])


class _MapView(QGraphicsView):
    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 1.15 if event.angleDelta().y() > 0 else 1 / 1.15
        self.scale(factor, factor)


class MapPanel(QWidget):
    sig_paper_clicked = Signal(int)
    sig_recluster_requested = Signal()
    sig_map_drawn = Signal()  # a new map is on screen: whoever knows the library's size tells it (#15)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scene = QGraphicsScene(self)
        self.view = _MapView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.status = QLabel("No map yet: cluster the library to draw it.")
        self.status.setWordWrap(True)
        self.recluster = QPushButton("Cluster now")
        self.recluster.clicked.connect(self.sig_recluster_requested)
        panel_rows(self, (self.status, self.recluster), self.view)
        self._dots: dict[int, _Dot] = {}
        self._labels: list[_Label] = []
        self._marker: QGraphicsEllipseItem | None = None
        self._library_count: int | None = None  # papers in the library, to tell a stale map (#15)
        self._mappable: int | None = None  # of which have a vector of the map's model
        self.model: tuple[str, int] | None = None  # the (model_id, dim) the map was drawn from
        self._summary = ""

    @property
    def point_count(self) -> int:
        return len(self._dots)

    def paper_ids(self) -> list[int]:
        """The papers drawn, by id."""
        return list(self._dots)

    def click(self, paper_id: int) -> None:
        """What clicking a paper's dot does: ask to select that paper."""
        if paper_id in self._dots:
            self.sig_paper_clicked.emit(paper_id)

    def set_map(self, data: Any) -> None:
        """Draw a litreview.analysis.clusters.MapData (empty: say how to make one)."""
        self.scene.clear()
        self._dots.clear()
        self._labels = []
        self._marker = None
        if data is None or len(data) == 0:
            self.status.setText("No map yet: cluster the library to draw it.")
            self.recluster.setText("Cluster now")
            return
        order = {cluster.cluster_id: n for n, cluster in enumerate(data.clusters)}
        colors = {cid: cluster_color(n, len(order)) for cid, n in order.items()}
        for pid, x, y, cid, title in zip(data.paper_ids, data.x, data.y, data.cluster_ids, data.titles, strict=True):
            dot = _Dot(self, int(pid), title, float(x) * SCALE, -float(y) * SCALE, colors.get(int(cid), QColor("gray")))
            self.scene.addItem(dot)
            self._dots[int(pid)] = dot
        self._labels = []
        for cluster in data.clusters:
            label = _Label(f"{short_label(cluster.label)} ({cluster.size})")
            label.setToolTip(cluster.label)
            label.setPos(QPointF(cluster.x * SCALE, -cluster.y * SCALE))
            self.scene.addItem(label)
            self._labels.append(label)
        xs = [float(v) * SCALE for v in data.x]
        ys = [-float(v) * SCALE for v in data.y]
        left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
        margin = max(right - left, bottom - top, 1.0) * 0.08
        self.scene.setSceneRect(QRectF(left - margin, top - margin, right - left + 2 * margin,
                                       bottom - top + 2 * margin))
        self._fit()
        self.model = (data.model_id, int(data.dim))
        self._summary = f"{count_of(len(data), 'paper')} in {count_of(len(data.clusters), 'topic')}"
        self._mappable = None  # counted for the previous map's model
        self._show_status()
        self.sig_map_drawn.emit()

    def set_library_count(self, count: int, mappable: int | None = None) -> None:
        """How many papers the library holds now, and how many of them the map could draw (have a vector of its
        model; all when None): a map of fewer says it is stale and offers to recluster."""
        self._library_count, self._mappable = count, mappable
        if self._dots:
            self._show_status()

    def _show_status(self) -> None:
        drawn, total = len(self._dots), self._library_count
        mappable = total if self._mappable is None else self._mappable
        if total is not None and mappable != drawn:
            self.status.setText(f"Map of {drawn:,} of {count_of(total, 'paper')}: it predates the latest changes. "
                                "Recluster to include them.")
            self.recluster.setText("Recluster")
        else:
            self.status.setText(f"{self._summary}. Hover a dot for its title, click to select it; scroll to zoom.")
            self.recluster.setText("Cluster now")

    @Slot(int)
    def highlight(self, paper_id: int) -> None:
        """Ring the selected paper."""
        if self._marker is not None:
            self.scene.removeItem(self._marker)
            self._marker = None
        dot = self._dots.get(paper_id)
        if dot is None:
            return
        ring = QGraphicsEllipseItem(-7, -7, 14, 14)
        ring.setPen(self._ring_pen())
        ring.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        ring.setPos(dot.pos())
        ring.setZValue(3)
        self.scene.addItem(ring)
        self._marker = ring

    def _ring_pen(self) -> QPen:
        return QPen(self.palette().color(QPalette.ColorRole.Highlight), 2.5)

    def changeEvent(self, event: QEvent) -> None:
        """A palette switch (light/dark): repaint the labels and recolour the selection ring."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            if self._marker is not None:
                self._marker.setPen(self._ring_pen())
            self.scene.update()

    def _fit(self) -> None:
        """Fit the dots, then move labels apart (largest clusters keep their place) and inside the view; a label
        that finds no free room near its topic is hidden (its terms stay in its tooltip) rather than drawn over
        another (#15: 20+ topics)."""
        self.view.fitInView(self.scene.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)
        scale = self.view.transform().m11() or 1.0
        area = self.scene.sceneRect()
        gap = 3 / scale  # pixels between plates, so rounding to whole pixels never makes two touch
        placed: list[QRectF] = []

        def clash_with(box: QRectF) -> QRectF | None:
            padded = box.adjusted(-gap, -gap, gap, gap)
            return next((other for other in placed if other.intersects(padded)), None)

        for label in self._labels:
            home = label.data(0) if label.data(0) is not None else label.pos()
            label.setData(0, home)
            width, height = label.rect.width() / scale, label.rect.height() / scale
            x = min(max(home.x(), area.left() + width / 2), area.right() - width / 2)
            y = min(max(home.y(), area.top() + height / 2), area.bottom() - height / 2)
            box = QRectF(x - width / 2, y - height / 2, width, height)
            for _ in range(len(placed) * 2 + 1):
                clash = clash_with(box)
                if clash is None:
                    break
                shift = clash.bottom() - box.top() + 2 * gap
                if box.bottom() + shift > area.bottom():
                    shift = clash.top() - box.bottom() - 2 * gap
                box.translate(0, shift)
            free = clash_with(box) is None and area.top() <= box.top() and box.bottom() <= area.bottom()
            label.setVisible(free)
            if free:
                placed.append(box)
                label.setPos(box.center())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._dots:
            self._fit()
