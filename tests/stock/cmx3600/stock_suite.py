"""otio-cmx3600-adapter 1.0.0's tests, run against ``otio_retake_edl`` (see ../README.md).

Every difference below is explained in docs/interchange-differences.md (the anchor after '#').
"""

ADAPTERS = {"cmx_3600": "otio_retake_edl"}
READ_OPTIONS = {"rate": "fps", "ignore_timecode_mismatch": None}  # ours never shifts a mismatched event: it refuses it
WRITE_OPTIONS = {}

_DOC = "docs/interchange-differences.md#"
_TEXT = _DOC + "edl-written-text: ours writes FCM:, Avid's column layout and reels, * FROM FILE:; same cut"
_META = _DOC + "edl-what-a-read-records: ours records where each marker came from and how the rate was found"

DIFFERENCES = {
    "CDLAdapterTest::test_cdl_round_trip": _TEXT,
    "EDLAdapterTest::test_custom_reel_names": _TEXT,
    "EDLAdapterTest::test_imagesequence_write": _TEXT,
    "EDLAdapterTest::test_nucoda_edl_write_fade_in": _TEXT,
    "EDLAdapterTest::test_nucoda_edl_write_fade_out": _TEXT,
    "EDLAdapterTest::test_nucoda_edl_write_with_double_transition": _TEXT,
    "EDLAdapterTest::test_nucoda_edl_write_with_transition": _TEXT,
    "EDLAdapterTest::test_reels_edl_round_trip_string2mem2string": _TEXT,
    "EDLAdapterTest::test_style_edl_write": _TEXT,
    "EDLAdapterTest::test_reelname_length": _DOC + "edl-reels: a reel is the clip's own, else one made up per media "
                                                   "file, never a clipped file name two shots could share",
    "EDLAdapterTest::test_edl_read": _DOC + "edl-locators: a LOC is a record-time point on the Stack, not a media-time "
                                            "marker on the clip",
    "EDLAdapterTest::test_edl_round_trip_disk2mem2disk": _META,
    "EDLAdapterTest::test_edl_round_trip_disk2mem2disk_speed_effects": _META,
    "EDLAdapterTest::test_edl_round_trip_mem2disk2mem": _META,
    "EDLAdapterTest::test_regex_flexibility": _META,
    "EDLAdapterTest::test_enabled": _DOC + "edl-tracks: two video tracks are refused with our typed error naming them "
                                          "(otio-retake writes one EDL per track)",
    "EDLAdapterTest::test_invalid_edl_style_raises_exception": _DOC + "edl-errors: refusals are otio-retake's typed "
                                                                      "errors, naming the file, line and event",
    "EDLAdapterTest::test_invalid_record_timecode": _DOC + "edl-timecode-mismatch: an event out of step is laid "
                                                           "out at its record; only markers over it are skipped",
    "EDLAdapterTest::test_can_read_frame_cut_points": _DOC + "edl-frame-counts: events timed in frame counts, not "
                                                             "timecode, are refused naming each line",
}
