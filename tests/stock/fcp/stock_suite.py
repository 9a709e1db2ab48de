"""otio-fcp-adapter 1.0.0's tests, run against ``otio_retake_fcp_xml`` (see ../README.md).

Every difference below is explained in docs/interchange-differences.md (the anchor after '#').
"""

ADAPTERS = {"fcp_xml": "otio_retake_fcp_xml"}
READ_OPTIONS = {}
WRITE_OPTIONS = {}

_DOC = "docs/interchange-differences.md#"

DIFFERENCES = {
    "AdaptersFcp7XmlTest::test_roundtrip_mem2disk2mem": _DOC + "fcp-marker-comments: a marker's <comment> is read "
                                                               "into Marker.comment (the prompt), not left in metadata",
}
