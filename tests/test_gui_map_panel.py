"""The map panel: labels that do not overlap at many topics, and a map marked stale when the library grew (#15)."""

from __future__ import annotations

import itertools
import math

import numpy as np
from PySide6.QtCore import QRectF

from litreview.analysis.clusters import MapCluster, MapData
from litreview.gui.map_panel import MapPanel


def synthetic_map(clusters: int, per_cluster: int = 4) -> MapData:
    """`clusters` groups on a spiral, close enough together that their labels would collide where drawn."""
    ids, xs, ys, cids, titles, drawn = [], [], [], [], [], []
    for c in range(clusters):
        angle, radius = c * 2.4, 0.15 + 0.8 * c / clusters
        cx, cy = radius * math.cos(angle), radius * math.sin(angle)
        for k in range(per_cluster):
            ids.append(len(ids) + 1)
            xs.append(cx + 0.01 * k)
            ys.append(cy - 0.01 * k)
            cids.append(c)
            titles.append(f"paper {len(ids)}")
        drawn.append(MapCluster(c, f"topic{c} terms · shared words · more", per_cluster, cx, cy))
    return MapData("m", 8, paper_ids=np.array(ids), x=np.array(xs, dtype=np.float32),
                   y=np.array(ys, dtype=np.float32), cluster_ids=np.array(cids), titles=titles, clusters=drawn)


def drawn_label_rects(panel: MapPanel) -> list[QRectF]:
    """The labels' plates as painted, in viewport pixels (labels ignore the view's zoom)."""
    rects = []
    for label in panel._labels:
        if not label.isVisible():
            continue
        centre = panel.view.mapFromScene(label.pos())
        rects.append(label.rect.translated(centre.x(), centre.y()))
    return rects


def test_labels_of_25_topics_do_not_overlap(qtbot):
    panel = MapPanel()
    qtbot.addWidget(panel)
    panel.resize(420, 320)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_map(synthetic_map(25))
    rects = drawn_label_rects(panel)
    assert len(rects) >= 8  # most topics keep a label even in a small panel
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b), (a, b)
    panel.resize(800, 600)  # re-placed on resize, still apart
    qtbot.waitUntil(lambda: panel.view.viewport().width() > 600)
    rects = drawn_label_rects(panel)
    for a, b in itertools.combinations(rects, 2):
        assert not a.intersects(b), (a, b)
    # every hidden label's topic is still named: its dots' tooltips carry titles, the label's its terms
    assert all(label.toolTip() for label in panel._labels)


def test_map_says_it_is_stale_when_the_library_has_more_papers(qtbot):
    panel = MapPanel()
    qtbot.addWidget(panel)
    panel.set_map(synthetic_map(3, per_cluster=2))  # 6 papers drawn
    panel.set_library_count(6)
    assert "Map of" not in panel.status.text() and panel.recluster.text() == "Cluster now"
    panel.set_library_count(5_817)
    assert panel.status.text().startswith("Map of 6 of 5,817 papers")
    assert panel.recluster.text() == "Recluster"
    panel.set_map(synthetic_map(5, per_cluster=2))  # a fresh map of the same library, still short of it
    assert panel.status.text().startswith("Map of 10 of 5,817 papers")
    panel.set_library_count(5_817, mappable=10)  # the papers it lacks have no vector: reclustering adds nothing
    assert "Map of" not in panel.status.text() and panel.recluster.text() == "Cluster now"
