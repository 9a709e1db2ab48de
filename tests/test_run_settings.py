"""A run's settings are one typed model (contract.RunSettings): what `run` stores in the journal, what `resume`,
a worker, the bridge and the review window read back. Unit-level: no media, no server."""

from __future__ import annotations

from pathlib import Path

from otio_retake import pipeline
from otio_retake.contract import RunSettings
from otio_retake.jobs.store import Journal

URL = "postgresql://editor:s3cret@db.example/retake"


def test_stored_settings_are_absolute_without_the_password_and_without_what_resume_asks_again(tmp_path,
                                                                                             monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = RunSettings(timeline=Path("cut.otio"), output=Path("out.otio"), media_dirs=[Path("media")],
                           journal=URL, resubmit_unknown=True, no_resubmit_expired=True, provider="fal")
    stored = settings.stored()
    assert stored["timeline"] == str(tmp_path.resolve() / "cut.otio")
    assert stored["media_dirs"] == [str(tmp_path.resolve() / "media")]
    assert "s3cret" not in str(stored) and stored["journal"] == "postgresql://editor:***@db.example/retake"
    # `resume` never pays again for a lost submit unless asked again; a queued run's worker does as asked
    assert "resubmit_unknown" not in stored and "no_resubmit_expired" not in stored
    assert settings.stored(for_queue=True)["resubmit_unknown"] is True
    assert settings.journal == URL  # kept in memory: the run opens the journal with it
    assert settings.timeline == "cut.otio"  # as given: the user's own words in messages
    assert RunSettings.from_stored(stored).stored() == stored


def test_an_older_journal_row_is_read_with_the_defaults_and_its_unknown_keys_left(tmp_path):
    journal = Journal(tmp_path / "jobs.sqlite")
    journal.record_run({"timeline": "cut.otio", "output": "o.otio", "provider": "ltx", "marker_colors": ["RED"],
                        "cwd": "/edit", "runner": "host:1:ab", "a_key_of_a_newer_version": 1})
    run, settings = pipeline.run_to_rerun(tmp_path)
    journal.close()
    assert settings.timeline == "cut.otio" and settings.provider == "ltx" and settings.marker_colors == ["RED"]
    assert settings.handles == pipeline.DEFAULT_HANDLES and settings.take_codec == "h264"
    assert settings.yes is True  # confirmed when it started
    assert settings.cwd == "/edit" and run["arguments"]["a_key_of_a_newer_version"] == 1



def test_a_session_run_in_its_own_thread_says_how_it_ended_and_never_raises(tmp_path):
    from otio_retake.session import RunSession
    ended = []
    session = RunSession(RunSettings(timeline=tmp_path / "missing.otio", output=tmp_path / "o.otio"),
                         on_end=ended.append)
    session.start().join(timeout=30)
    assert ended == [session] and session.status == "failed"
    assert "missing.otio" in session.error


def test_the_cost_check_is_one_for_every_surface():
    import pytest

    from otio_retake.errors import CostLimitError
    pipeline.check_cost(0.5, None)
    pipeline.check_cost(0.5, 0.5)  # at the limit: it runs
    with pytest.raises(CostLimitError, match=r"about \$0\.51, more than --max-cost \$0\.50"):
        pipeline.check_cost(0.51, 0.5, hint="raise --max-cost")
    with pytest.raises(CostLimitError, match=r"more than the limit \$0\.50"):  # the review window's words
        pipeline.check_cost(0.51, 0.5, limit="the limit")
