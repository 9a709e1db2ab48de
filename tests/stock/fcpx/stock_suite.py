"""otio-fcpx-xml-adapter 1.0.0's tests, run against ``otio_retake_fcpx_xml`` (see ../README.md).

Every difference below is explained in docs/fcpxml.md (the anchor after '#').
"""

ADAPTERS = {"fcpx_xml": "otio_retake_fcpx_xml"}
READ_OPTIONS = {}
WRITE_OPTIONS = {}

_DOC = "docs/fcpxml.md#"

DIFFERENCES = {
    "AdaptersFcpXXmlTest::test_library_roundtrip": _DOC + "several-projects: a library with two projects is refused "
                                                          "naming them (choose with --project), not read as a "
                                                          "collection whose first timeline is used silently",
    "AdaptersFcpXXmlTest::test_event_roundtrip": _DOC + "several-projects: an event with two projects is refused "
                                                        "naming them (choose with --project)",
    "AdaptersFcpXXmlTest::test_clips_roundtrip": _DOC + "no-project: a file of browser clips holds no cut: refused, "
                                                        "not read as a collection of clips",
    "AdaptersFcpXXmlTest::test_project_roundtrip": _DOC + "storyline-items: dissolves are kept as transitions and "
                                                          "each gap is its own item, as Final Cut shows them; the "
                                                          "round trip keeps record and source ranges, not the stock "
                                                          "adapter's metadata",
}
