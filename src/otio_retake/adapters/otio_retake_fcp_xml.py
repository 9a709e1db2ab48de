"""OTIO adapter ``otio_retake_fcp_xml``: FCP 7 XML with our fixes (see otio_retake.timeline.fcp_xml)."""

from otio_retake.timeline.fcp_xml import read_fcp_xml, write_fcp_xml


def read_from_string(input_str, source="FCP XML"):
    return read_fcp_xml(input_str, source=source)


def write_to_string(input_otio):
    return write_fcp_xml(input_otio)
