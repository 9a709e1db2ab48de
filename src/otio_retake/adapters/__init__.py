"""OpenTimelineIO plugins of otio-retake: adapters that read and write what editors' tools really export.

Registered by name only (no file suffixes), so they never shadow the stock
adapters; any OTIO tool can use them once otio-retake is installed::

    otio.adapters.read_from_file("cut.edl", adapter_name="otio_retake_edl", fps="23.976")

- ``otio_retake_edl``: CMX 3600 with Avid LOCs at record time, Resolve marker
  comments, FCM/drop-frame, record start kept; writes one video track with its
  audio tracks, LOCs at record time, or (``markers_only=True``) Resolve's
  "Timeline Markers to EDL" format.
- ``otio_retake_fcp_xml``: FCP 7 XML with clip markers offset by the media's
  start timecode, comments as marker notes, decoded ``pathurl``s, track names.
- ``otio_retake_aaf``: Avid Media Composer AAF (on ``otio-aaf-adapter``) with
  the sequence's own locators at record time, their span, colour and track,
  master-clip AAFs timed from their tape; ``otio_retake.timeline.write`` writes
  ``.aaf`` with the locators put back (``aaf_write``) and an Avid marker list.
- ``otio_retake_fcpx_xml``: FCPXML 1.8-1.11 with exact rates and
  ``<media-rep src>`` paths; writes alternate takes as ``<audition>``s.
"""
