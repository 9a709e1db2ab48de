"""OTIO adapter ``otio_retake_aaf``: Avid Media Composer AAF with our fixes (see otio_retake.timeline.aaf_read
and aaf_write): locators at record time with span, colour and track; locators put back on write."""

from otio_retake.timeline.aaf_read import read_aaf


def read_from_file(filepath, source=None):
    return read_aaf(filepath, source=source)


__all__ = ["read_from_file"]
