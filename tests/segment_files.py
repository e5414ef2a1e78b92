"""The files of an index version's segments, for tests that look at or damage them."""

from __future__ import annotations

from index.layout import SegmentFiles, Version
from index.manifest import Manifest


def segments(version: Version) -> list[SegmentFiles]:
    return [version.segment(s.name) for s in Manifest.read(version.manifest).segments]


def only_segment(version: Version) -> SegmentFiles:
    """The one segment of a version a build wrote."""
    (files,) = segments(version)
    return files
