"""OTIO adapter ``otio_retake_fcpx_xml``: FCPXML 1.8-1.11 with exact rates, media-rep paths, auditions."""

from otio_retake.timeline.fcpxml import read_fcpxml, write_fcpxml


def read_from_string(input_str, source="FCPXML", project=None):
    """``project``: the name of the project to read when the file (a library or event) holds several."""
    return read_fcpxml(input_str, source=source, project=project)


def write_to_string(input_otio):
    return write_fcpxml(input_otio)
