import json

from videobert.utils.failures import FailureLog


def test_merged_across_runs_and_left_when_resolved(tmp_path):
    path = tmp_path / "failures.json"
    path.write_text(json.dumps([{"video_id": "a", "reason": "old"}, {"video_id": "b", "reason": "old"},
                                {"video_id": "c", "reason": "old"}]))
    log = FailureLog(path, resolved=lambda f: f["video_id"] == "b", every_s=3600)
    log.add({"video_id": "a", "reason": "again"})
    log.add({"video_id": "d", "reason": "new"})
    log.add({"video_id": "e", "reason": "new"})
    log.discard("e")  # it succeeded after all
    assert json.loads(path.read_text())[0]["reason"] == "old"  # not rewritten per failure
    log.write()
    assert json.loads(path.read_text()) == [{"video_id": "c", "reason": "old"}, {"video_id": "a", "reason": "again"},
                                            {"video_id": "d", "reason": "new"}]


def test_nothing_to_record(tmp_path):
    FailureLog(tmp_path / "f.json", resolved=lambda f: False, every_s=1, write_empty=False).write()
    assert not (tmp_path / "f.json").exists()
    (tmp_path / "g.json").write_text("not json")  # unreadable: started afresh
    FailureLog(tmp_path / "g.json", resolved=lambda f: False, every_s=1).write()
    assert json.loads((tmp_path / "g.json").read_text()) == []
